#!/usr/bin/env bash
# What the parts and manufacturers knowledge base (rules/parts.toml) costs
# the screen: the same binary screens the same dump with every built-in rule
# file, then with every one but rules/parts.toml, in alternating rounds.
# Prints each round, then the medians (wall s, CPU s = user + sys, peak RSS)
# and the ratio of the medians.
#
#   bash benches/parts_cost.sh                                  # vendor shape, 200,000 rows
#   FILE=bench-data/vendor-2m.csv R=3 bash benches/parts_cost.sh  # BENCHMARKS.md's dump
#   BASE=/path/to/older/dualuse FILE=... bash benches/parts_cost.sh   # and an older build
#
# BASE, if given, is a third column: another build with its own built-in rules.
# Run it on a quiet machine: the rounds alternate so that drift hits each
# configuration alike, but a neighbour's load does not.
set -euo pipefail
cd "$(dirname "$0")/.."
R=${R:-3}
. benches/vendor_dump.sh
without=()
for f in rules/*.toml; do
    [ "$f" = rules/parts.toml ] || without+=(--rules "$f")
done
out=${TMPDIR:-/tmp}/dualuse-parts-cost.jsonl
run() { # NAME BINARY ARGS...
    local name=$1 bin=$2
    shift 2
    # Exit status 1 means "something was flagged".
    /usr/bin/time -f "$name %e %U %S %M" "$bin" classify "$FILE" "$@" \
        --format jsonl --hits-only --quiet --output "$out" 2>&1 >/dev/null | tail -1 || true
}
rounds=$(for _ in $(seq "$R"); do
    run with-parts "$BIN"
    run without-parts "$BIN" --no-builtin "${without[@]}"
    if [ -n "${BASE:-}" ]; then run base "$BASE"; fi
done)
echo "$rounds"
echo "$rounds" | awk '
    { w[$1] = w[$1] " " $2; c[$1] = c[$1] " " ($3 + $4); m[$1] = m[$1] " " $5 }
    function median(s,   a, n, i, j, t) {
        n = split(s, a, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return a[int((n + 1) / 2)]
    }
    END {
        for (k in w) { mw[k] = median(w[k]); mc[k] = median(c[k]); printf "%-14s median wall %6.2f s  CPU %6.2f s  peak RSS %4d MiB\n", k, mw[k], mc[k], median(m[k]) / 1024 }
        printf "with / without parts: wall %.3f, CPU %.3f\n", mw["with-parts"] / mw["without-parts"], mc["with-parts"] / mc["without-parts"]
        if ("base" in mw) printf "with parts / base: wall %.3f, CPU %.3f\n", mw["with-parts"] / mw["base"], mc["with-parts"] / mc["base"]
    }'
