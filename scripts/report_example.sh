#!/usr/bin/env bash
# Regenerates the report example: the sample dump in examples/, the HTML
# report in docs/ and its screenshot (docs/report.png), as the README shows;
# the JSON goes to target/report-example.json.
# Needs chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --example gen_dump --bin dualuse
./target/release/examples/gen_dump --shape vendor --rows 6000 --importers 150 --seed 2024 --out - \
  | gzip -9 -n > examples/vendor_sample.csv.gz
set +e
./target/release/dualuse report examples/vendor_sample.csv.gz \
  --html docs/report.html --json target/report-example.json
rc=$?
set -e
[ "$rc" -le 1 ] || exit "$rc"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1100,2400 --screenshot="$PWD/docs/report.png" "file://$PWD/docs/report.html"
echo "wrote examples/vendor_sample.csv.gz, docs/report.html, docs/report.png, target/report-example.json"
