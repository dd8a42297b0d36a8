# Sourced by the bench scripts that screen a vendor-shaped dump (from the
# repository root): builds the binary and the generator if missing, and
# sets FILE, unless given, to a dump of ROWS rows (default 200,000) from
# seed SEED (default 3), generated once into bench-data/ (git-ignored).
ROWS=${ROWS:-200000}
SEED=${SEED:-3}
BIN=${BIN:-target/release/dualuse}
if [ ! -x "$BIN" ] || [ ! -x target/release/examples/gen_dump ]; then
    cargo build --release --examples
fi
if [ -z "${FILE:-}" ]; then
    mkdir -p bench-data
    FILE=bench-data/vendor-$ROWS-seed$SEED.csv
    [ -f "$FILE" ] || target/release/examples/gen_dump --shape vendor --rows "$ROWS" --seed "$SEED" --out "$FILE"
fi
