#!/usr/bin/env bash
# Thread scaling of `dualuse classify`: --threads 1, 2, 4, 8, 16 on the same
# file, median wall time of 3 runs each, MB/s and speed-up over 1 thread.
# Prepared for a machine with more than 2 cores; thread counts above the core
# count are still run (they show the cost of oversubscription).
#
#   bash benches/thread_scaling.sh                    # 1 GB dump
#   SIZE=200000000 THREADS="1 2 4" bash benches/thread_scaling.sh
#
# Results: stdout and target/thread_scaling.md.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-1000000000}
THREADS=${THREADS:-"1 2 4 8 16"}
RUNS=${RUNS:-3}
OUT=target/thread_scaling.md

cargo build --release --quiet
cargo build --release --quiet --example gen_dump
F="bench-data/dump-$SIZE.csv"
if [[ ! -s $F ]]; then
    target/release/examples/gen_dump --bytes "$SIZE" --out "$F.tmp" >&2
    mv "$F.tmp" "$F"
fi
BYTES=$(stat -c %s "$F")
# A private copy, so that every run uses the same binary even when someone
# rebuilds target/ meanwhile.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cp target/release/dualuse "$TMP/dualuse"
cat "$F" >/dev/null # page cache

median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

ROWS=()
BASE=
for t in $THREADS; do
    walls=()
    for ((i = 0; i < RUNS; i++)); do
        s=$(date +%s.%N)
        rc=0
        "$TMP/dualuse" classify "$F" --format jsonl --quiet --threads "$t" >/dev/null || rc=$?
        e=$(date +%s.%N)
        if ((rc > 1)); then
            echo "dualuse failed with exit $rc" >&2
            exit 2
        fi
        walls+=("$(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.3f", e-s}')")
    done
    w=$(printf '%s\n' "${walls[@]}" | median)
    BASE=${BASE:-$w}
    row=$(awk -v t="$t" -v w="$w" -v b="$BYTES" -v base="$BASE" -v all="${walls[*]}" \
        'BEGIN{printf "| %s | %.3f | %.1f | %.2fx | %s |", t, w, b/1e6/w, base/w, all}')
    echo "$row" >&2
    ROWS+=("$row")
done

{
    echo "## Thread scaling ($(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | awk -F: '/Model name/{gsub(/^ +/,"",$2); print $2; exit}'))"
    echo
    echo "Input: $F ($((BYTES / 1000000)) MB). Medians of $RUNS runs."
    echo
    echo "| --threads | wall s | MB/s | speed-up | all runs, s |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
} | tee "$OUT"
