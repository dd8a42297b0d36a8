#!/usr/bin/env bash
# Cost of loading a party watch list: `dualuse explain --watchlist LIST
# --party NAME TEXT` (the rules and the list loaded, one line and one name
# screened) against `dualuse explain TEXT` (the rules alone), for generated
# lists of each size in SIZES. Each command runs RUNS times (default 3); the
# table shows wall, user and system seconds and peak RSS of every run
# (/usr/bin/time), and the load's stages as the library reports them
# (DUALUSE_WATCHLIST_TIMING=1: read and validate, analyse and index names,
# postings/pairs/trigrams; the index's parts in MiB).
#
#   bash benches/watchlist_load.sh                      # 100k and 1M entities
#   SIZES="100000" RUNS=5 bash benches/watchlist_load.sh
#
# BASELINE=PATH also runs another build of dualuse (say, main's) on each
# list, alternating with this one.
#
# Lists are generated once into bench-data/ (git-ignored) by
# examples/gen_watchlist.rs (seed 7; 1M takes about a minute).
# Results: stdout and target/watchlist_load.md.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"100000 1000000"}
RUNS=${RUNS:-3}
cargo build --release --quiet --bin dualuse --example gen_watchlist
mkdir -p bench-data
BIN=target/release/dualuse
OUT=target/watchlist_load.md
TEXT="bolts M8 of steel"
PARTY="OOO ROMASHKA SIBIR"

run() { # label, command...
    local label=$1
    shift
    for i in $(seq "$RUNS"); do
        local t
        t=$( { DUALUSE_WATCHLIST_TIMING=1 /usr/bin/time -f "TIME %e %U %S %M" "$@" >/dev/null; } 2>&1 )
        local stages
        stages=$(grep '^watchlist load' <<<"$t" | sed 's/^watchlist load: //' || true)
        local parts
        parts=$(grep '^watchlist index' <<<"$t" | sed 's/^watchlist index: //' || true)
        read -r _ wall user sys kib < <(grep '^TIME' <<<"$t")
        printf '| %s | %d | %s | %s | %s | %d | %s | %s |\n' "$label" "$i" "$wall" "$user" "$sys" $((kib / 1024)) "$stages" "$parts" | tee -a "$OUT"
    done
}

{
    echo "watch-list load, $(date -u +%FT%TZ), $(git rev-parse --short HEAD), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "| command | run | wall s | user s | sys s | peak MiB | stages | index parts |"
    echo "|---|---|---|---|---|---|---|---|"
} | tee "$OUT"
run "rules only" "$BIN" explain "$TEXT"
for n in $SIZES; do
    list=bench-data/list-$n.csv
    [ -s "$list" ] || target/release/examples/gen_watchlist "$n" "$list"
    run "$n entities" "$BIN" explain --watchlist "$list" --party "$PARTY" "$TEXT"
    if [ -n "${BASELINE:-}" ]; then
        run "$n entities, baseline" "$BASELINE" explain --watchlist "$list" --party "$PARTY" "$TEXT"
    fi
done
