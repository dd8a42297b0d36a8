#!/usr/bin/env bash
# Proves that the two-phase screen (DUALUSE_EXHAUSTIVE=0) writes exactly
# what the exhaustive path (DUALUSE_EXHAUSTIVE=1, the default: every line
# searched in full) writes, on a whole generated dump: JSON Lines of every row, then of the
# flagged rows only. Prints the md5 of each output and fails on a difference.
#
#   bash benches/exhaustive_md5.sh                    # vendor shape, 200,000 rows
#   ROWS=2000000 bash benches/exhaustive_md5.sh       # the 2M-row dump of BENCHMARKS.md
#   FILE=bench-data/vendor-2m.csv bash benches/exhaustive_md5.sh   # an existing file
#
# Needs `cargo build --release --examples` (or builds it). Outputs go to
# $TMPDIR (several hundred MB for 2M rows without --hits-only).
set -euo pipefail
cd "$(dirname "$0")/.."
TMP=${TMPDIR:-/tmp}
. benches/vendor_dump.sh
status=0
for mode in all hits-only; do
    flags=(classify "$FILE" --format jsonl --quiet)
    [ "$mode" = hits-only ] && flags+=(--hits-only)
    two="$TMP/dualuse-two-phase-$mode.jsonl"
    full="$TMP/dualuse-exhaustive-$mode.jsonl"
    # Exit status 1 means "something was flagged".
    DUALUSE_EXHAUSTIVE=0 "$BIN" "${flags[@]}" --output "$two" || [ $? -eq 1 ]
    DUALUSE_EXHAUSTIVE=1 "$BIN" "${flags[@]}" --output "$full" || [ $? -eq 1 ]
    a=$(md5sum <"$two" | cut -d' ' -f1)
    b=$(md5sum <"$full" | cut -d' ' -f1)
    lines=$(wc -l <"$two")
    echo "$mode: $lines lines; two-phase $a, exhaustive $b"
    if [ "$a" != "$b" ]; then
        echo "DIFFERENT: cmp $two $full" >&2
        status=1
    else
        rm -f "$two" "$full"
    fi
done
exit $status
