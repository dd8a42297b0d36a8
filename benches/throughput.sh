#!/usr/bin/env bash
# Whole-file throughput of `dualuse classify` against the baselines an
# analyst would reach for, measured in the same run on the same file:
#   cat > /dev/null, ripgrep -F -i -f TERMS, GNU grep -F -i -f TERMS,
#   pandas str.contains with one alternation of the terms,
#   dualuse classify --threads 1 and --threads 2.
# Each command runs RUNS times (default 5); the table shows the median wall
# time, MB/s (10^6 bytes) and the median peak RSS, from /usr/bin/time -v.
#
#   bash benches/throughput.sh                     # 1 GB dump
#   SIZE=200000000 bash benches/throughput.sh      # quicker
#
# Environment (bytes):
#   SIZE          main file for cat, ripgrep, pandas (default 1000000000)
#   GREP_SIZE     file for GNU grep, which is slow with thousands of -i terms
#                 (default min(SIZE, 20000000); about 2.4 MB/s here)
#   DUALUSE_SIZE  file for dualuse (default SIZE)
#   PANDAS_SIZE   file for pandas, slower still and worse than linear
#                 (default min(SIZE, 2000000); about 0.3 MB/s here)
#   RSS_SMALL / RSS_LARGE  inputs for the flat-memory check (default 100 MB / SIZE)
#   RUNS          runs per command (default 5)
#   SKIP          space-separated names to skip: cat rg grep pandas dualuse rss
#
# Files are generated once into bench-data/ (git-ignored) by
# examples/gen_dump.rs; a smaller file is a prefix of the same stream.
# Results: stdout and target/throughput.md.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-1000000000}
GREP_SIZE=${GREP_SIZE:-$((SIZE < 20000000 ? SIZE : 20000000))}
DUALUSE_SIZE=${DUALUSE_SIZE:-$SIZE}
PANDAS_SIZE=${PANDAS_SIZE:-$((SIZE < 2000000 ? SIZE : 2000000))}
RSS_SMALL=${RSS_SMALL:-100000000}
RSS_LARGE=${RSS_LARGE:-$SIZE}
RUNS=${RUNS:-5}
SKIP=${SKIP:-}
export LC_ALL=C.UTF-8 # GNU grep -i needs a UTF-8 locale for Cyrillic and Chinese

OUT=target/throughput.md
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

skipped() { [[ " $SKIP " == *" $1 "* ]]; }
need() { command -v "$1" >/dev/null 2>&1; }

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time" >&2
    (apt-get update -qq && apt-get install -y -qq time) >&2 || { echo "need /usr/bin/time" >&2; exit 2; }
fi
if ! need rg && ! skipped rg; then
    echo "installing ripgrep" >&2
    (apt-get update -qq && apt-get install -y -qq ripgrep) >&2 || echo "ripgrep unavailable: skipped" >&2
fi

echo "building (release)" >&2
cargo build --release --quiet
cargo build --release --quiet --example gen_dump
# A private copy, so that every run uses the same binary even when someone
# rebuilds target/ meanwhile (a shared working tree).
BIN=$TMP/dualuse
cp target/release/dualuse "$BIN"

dump() { # dump BYTES -> path, generated if missing
    local f="bench-data/dump-$1.csv"
    if [[ ! -s $f ]]; then
        echo "generating $f" >&2
        target/release/examples/gen_dump --bytes "$1" --out "$f.tmp" >&2
        mv "$f.tmp" "$f"
    fi
    echo "$f"
}

# The keyword list an analyst would grep for: the terms of every rule's
# `any` list, with `*` removed. Not the `all` groups (context words such as
# "для" or "kit", which alone match most rows), not exclusions, not regex
# patterns. The public API does not list terms, so they are read from the
# rule files.
TERMS=bench-data/terms.txt
mkdir -p bench-data
python3 - rules "$TERMS" <<'PY'
import glob, sys, tomllib
terms = set()
for path in sorted(glob.glob(sys.argv[1] + "/*.toml")):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    for r in doc.get("rule", []):
        for w in r.get("any", []):
            w = w.strip().strip("*").strip().lower()
            if w:
                terms.add(w)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("\n".join(sorted(terms)) + "\n")
print(f"{len(terms)} terms -> {sys.argv[2]}", file=sys.stderr)
PY
N_TERMS=$(wc -l <"$TERMS")
N_RULES=$($BIN rules list 2>/dev/null | awk '$1=="total"{print $2}')
N_PATTERNS=$(python3 -c '
import glob, tomllib
n = 0
for p in glob.glob("rules/*.toml"):
    for r in tomllib.load(open(p, "rb")).get("rule", []):
        n += len(r.get("patterns", [])) + len(r.get("exclude", {}).get("patterns", []))
print(n)')

PANDAS_PY=$TMP/pandas_scan.py
cat >"$PANDAS_PY" <<'PY'
# What an analyst would write: read the CSV, one alternation of all terms,
# case-insensitive str.contains on the description column.
import re, sys
import pandas as pd
terms = [t for t in open(sys.argv[1], encoding="utf-8").read().split("\n") if t]
pattern = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
df = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
hits = df["description"].str.contains(pattern, case=False, regex=True)
print(int(hits.sum()))
PY
VENV=target/bench-venv
PY_OK=0
if ! skipped pandas; then
    if [[ ! -x $VENV/bin/python ]] || ! $VENV/bin/python -c 'import pandas' 2>/dev/null; then
        echo "installing pandas into $VENV" >&2
        { python3 -m venv "$VENV" && $VENV/bin/pip install -q pandas pyarrow; } >&2 || true
    fi
    if $VENV/bin/python -c 'import pandas' 2>/dev/null; then
        PY_OK=1
    else
        echo "pandas could not be installed: the pandas row is skipped" >&2
    fi
fi

median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# measure NAME FILE CMD...: RUNS runs; appends a table row; prints progress.
ROWS=()
measure() {
    local name=$1 file=$2
    shift 2
    local bytes walls=() rsss=() cpus=() i rc
    bytes=$(stat -c %s "$file")
    cat "$file" >/dev/null # page cache
    for ((i = 0; i < RUNS; i++)); do
        rc=0
        /usr/bin/time -v -o "$TMP/time" "$@" >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
        # dualuse exits 1 when a row is flagged; grep/rg exit 1 on no match.
        if ((rc > 1)); then
            echo "FAILED ($rc): $*" >&2
            tail -5 "$TMP/stderr" >&2
            ROWS+=("| $name | $(basename "$file") | failed (exit $rc) | | | | | |")
            return
        fi
        walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(j=1;j<=n;j++) s=s*60+a[j]; print s}' "$TMP/time")")
        rsss+=("$(awk -F': ' '/Maximum resident set size/{print $2}' "$TMP/time")")
        cpus+=("$(awk -F': ' '/User time|System time/{s+=$2} END{print s}' "$TMP/time")")
    done
    local wall rss mbs cpu mbcpu
    wall=$(printf '%s\n' "${walls[@]}" | median)
    rss=$(printf '%s\n' "${rsss[@]}" | median)
    cpu=$(printf '%s\n' "${cpus[@]}" | median)
    rate() { awk -v b="$bytes" -v t="$1" 'BEGIN{ if (t <= 0) print "inf"; else if (b/1e6/t < 10) printf "%.2f", b/1e6/t; else printf "%.1f", b/1e6/t }'; }
    mbs=$(rate "$wall")
    mbcpu=$(rate "$cpu")
    echo "$name: median ${wall}s, ${mbs} MB/s, CPU ${cpu}s, RSS $((rss / 1024)) MiB (runs: ${walls[*]})" >&2
    ROWS+=("| $name | $(basename "$file") ($((bytes / 1000000)) MB) | $wall | $mbs | $cpu | $mbcpu | $((rss / 1024)) | ${walls[*]} |")
    MBS[$name]=$(awk -v b="$bytes" -v w="$wall" 'BEGIN{ if (w > 0) printf "%.6f", b/1e6/w }')
    WALL[$name]=$wall
}
declare -A MBS WALL

MAIN=$(dump "$SIZE")
if ! skipped cat; then measure "cat > /dev/null" "$MAIN" cat "$MAIN"; fi
if ! skipped rg && need rg; then
    measure "rg -c -F -i -f TERMS" "$MAIN" rg -c -F -i -f "$TERMS" "$MAIN"
fi
if ! skipped grep; then
    G=$(dump "$GREP_SIZE")
    measure "grep -c -F -i -f TERMS" "$G" grep -c -F -i -f "$TERMS" "$G"
fi
if ((PY_OK)); then
    P=$(dump "$PANDAS_SIZE")
    measure "pandas str.contains" "$P" "$VENV/bin/python" "$PANDAS_PY" "$TERMS" "$P"
fi
if ! skipped dualuse; then
    D=$(dump "$DUALUSE_SIZE")
    # The issue's job: every rule, JSON Lines, the flagged rows written
    # (--hits-only); then every row written, as an analyst's default.
    for t in 1 2; do
        measure "dualuse classify --hits-only --threads $t" "$D" "$BIN" classify "$D" --format jsonl --quiet --hits-only --threads "$t" --summary "$TMP/summary.json"
    done
    for t in 1 2; do
        measure "dualuse classify --threads $t" "$D" "$BIN" classify "$D" --format jsonl --quiet --threads "$t"
    done
    D_ROWS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows_read"])' "$TMP/summary.json")
fi

RSS_ROWS=()
if ! skipped rss; then
    for s in "$RSS_SMALL" "$RSS_LARGE"; do
        f=$(dump "$s")
        /usr/bin/time -v -o "$TMP/time" "$BIN" classify "$f" --format jsonl --quiet --threads 2 >/dev/null 2>&1 || true
        rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$TMP/time")
        RSS_ROWS+=("| $((s / 1000000)) MB | $((rss / 1024)) |")
    done
fi

{
    echo "## Throughput ($(date -u +%Y-%m-%d), $(nproc) cores, medians of $RUNS runs)"
    echo
    echo "Rules: $N_RULES rules, $N_PATTERNS patterns; TERMS: $N_TERMS distinct \`any\` terms."
    echo "The grep, ripgrep and pandas baselines search the terms only; dualuse also"
    echo "runs the patterns, HS prefixes, parameters and writes one JSON line per row."
    echo
    echo "| command | input | wall s (median) | MB/s | CPU s (user+sys) | MB per CPU s | peak RSS MiB | all runs (wall s) |"
    echo "|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    if ((${#RSS_ROWS[@]})); then
        echo
        echo "Peak RSS of \`dualuse classify --threads 2\` against input size:"
        echo
        echo "| input | peak RSS MiB |"
        echo "|---|---|"
        printf '%s\n' "${RSS_ROWS[@]}"
    fi
    if [[ -n ${D_ROWS:-} ]]; then
        echo
        echo "Rows per second ($D_ROWS rows in the dualuse input):"
        echo
        for k in "${!WALL[@]}"; do
            [[ $k == dualuse* ]] && awk -v r="$D_ROWS" -v w="${WALL[$k]}" -v k="$k" 'BEGIN{ if (w > 0) printf "- `%s`: %.0f rows/s\n", k, r/w }'
        done | sort
    fi
    for name in "dualuse classify --hits-only --threads 1" "dualuse classify --hits-only --threads 2" "dualuse classify --threads 1" "dualuse classify --threads 2"; do
        d=${MBS[$name]:-}
        [[ -n $d ]] || continue
        echo
        echo "Ratios, MB/s of \`$name\` / MB/s of the baseline (same run):"
        echo
        for k in "rg -c -F -i -f TERMS" "grep -c -F -i -f TERMS" "pandas str.contains" "cat > /dev/null"; do
            b=${MBS[$k]:-}
            [[ -n $b ]] && awk -v a="$d" -v b="$b" -v k="$k" 'BEGIN{ if (b > 0) printf "- vs `%s`: %.3fx\n", k, a/b }'
        done
    done
    true
} | tee "$OUT"
