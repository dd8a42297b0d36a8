#!/usr/bin/env bash
# Writes the keyword list that ripgrep and GNU grep are given in
# BENCHMARKS.md (`rg -c -F -i -f KEYWORDS DUMP`): the terms of every rule's
# `any` list, with `*` removed, lower-cased, one per line. Not the `all`
# groups (context words such as "для" or "kit", which alone match most
# rows), not exclusions, not regex patterns: what an analyst would grep for.
# The public API does not list terms, so they are read from the rule files.
#
#   bash benches/keywords.sh [OUT]        # default bench-data/terms.txt
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench-data/terms.txt}
mkdir -p "$(dirname "$OUT")"
python3 - rules "$OUT" <<'PY'
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
