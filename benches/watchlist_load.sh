#!/usr/bin/env bash
# Cost of loading a party watch list: `dualuse explain --watchlist LIST
# --party NAME TEXT` (the rules and the list loaded, one line and one name
# screened) against `dualuse explain TEXT` (the rules alone), for generated
# lists of each size in SIZES. Each command runs RUNS times (default 3); the
# table shows wall, user and system seconds and peak RSS of every run
# (/usr/bin/time), then the median of each, and the load's stages as the
# library reports them (DUALUSE_WATCHLIST_TIMING=1: reading and validating
# with the names analysed and indexed alongside, the last chunks, then
# postings, pairs and trigrams; the index's parts in MiB).
#
#   bash benches/watchlist_load.sh                      # 100k and 1M entities
#   SIZES="100000" RUNS=5 bash benches/watchlist_load.sh
#
# BASELINE=PATH also runs another build of dualuse (say, main's) on each
# list, alternating with this one run by run (this build, then the
# baseline, RUNS times), so that both see the same machine load.
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

# One run: appends "wall user sys MiB" to the file named by $1 and a row to
# the table.
run1() { # times-file, label, run number, command...
    local times=$1 label=$2 i=$3
    shift 3
    local t
    t=$( { DUALUSE_WATCHLIST_TIMING=1 /usr/bin/time -f "TIME %e %U %S %M" "$@" >/dev/null; } 2>&1 )
    local stages
    stages=$(grep '^watchlist load' <<<"$t" | sed 's/^watchlist load: //' || true)
    local parts
    parts=$(grep '^watchlist index' <<<"$t" | sed 's/^watchlist index: //' || true)
    read -r _ wall user sys kib < <(grep '^TIME' <<<"$t")
    echo "$wall $user $sys $((kib / 1024))" >>"$times"
    printf '| %s | %d | %s | %s | %s | %d | %s | %s |\n' "$label" "$i" "$wall" "$user" "$sys" $((kib / 1024)) "$stages" "$parts" | tee -a "$OUT"
}

median() { # column of the times file
    sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

MEDIANS=$(mktemp)
summary() { # label, times-file
    printf '| %s | median of %d | %s | %s | %s | %s | | |\n' "$1" "$(wc -l <"$2")" \
        "$(median "$2" 1)" "$(median "$2" 2)" "$(median "$2" 3)" "$(median "$2" 4)" >>"$MEDIANS"
}

{
    echo "watch-list load, $(date -u +%FT%TZ), $(git rev-parse --short HEAD), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "| command | run | wall s | user s | sys s | peak MiB | stages | index parts |"
    echo "|---|---|---|---|---|---|---|---|"
} | tee "$OUT"
T=$(mktemp -d)
for i in $(seq "$RUNS"); do
    run1 "$T/rules" "rules only" "$i" "$BIN" explain "$TEXT"
done
summary "rules only" "$T/rules"
for n in $SIZES; do
    list=bench-data/list-$n.csv
    [ -s "$list" ] || target/release/examples/gen_watchlist "$n" "$list"
    for i in $(seq "$RUNS"); do
        run1 "$T/new-$n" "$n entities" "$i" "$BIN" explain --watchlist "$list" --party "$PARTY" "$TEXT"
        if [ -n "${BASELINE:-}" ]; then
            run1 "$T/base-$n" "$n entities, baseline" "$i" "$BASELINE" explain --watchlist "$list" --party "$PARTY" "$TEXT"
        fi
    done
    summary "$n entities" "$T/new-$n"
    if [ -n "${BASELINE:-}" ]; then
        summary "$n entities, baseline" "$T/base-$n"
    fi
done
tee -a "$OUT" <"$MEDIANS"
rm -rf "$T" "$MEDIANS"
