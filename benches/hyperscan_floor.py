#!/usr/bin/env python3
"""What a SIMD multi-literal engine (Hyperscan) costs over the screen's
literal sets: the floor under any first phase that searches the
normalised descriptions for them, whatever the engine.

    pip install hyperscan==0.9.1            # bundles Hyperscan 5.4
    SCAN_FLOOR_DUMP=/tmp/floor cargo run --release --example scan_floor -- bench-data/vendor-50m.csv
    python3 benches/hyperscan_floor.py /tmp/floor [TERMS]

DIR holds what `scan_floor` writes: `descriptions.txt` (the normalised
descriptions, one a line), `first_phase.txt` and `full.txt` (the literal
sets, one a line). TERMS, optional, is a keyword file like ripgrep's
`-f`, searched too, lower-cased (BENCHMARKS.md draws 331 of the terms
that `benches/keywords.sh` writes, the size of the list in issue 15).

Each set is compiled as literals (`hs_compile_lit_multi`, block mode,
single-match: a pattern reports once, so the callback costs nothing) and
searched over all descriptions at once, one block; the best of 3 runs.
The sets derived here:
- the first phase's literals, and those of 4 bytes or more;
- the full automaton's literals;
- the first-phase literals cut to their first 5 characters, without the
  ones another starts with (heads: a candidate cheap first step that
  must then check each head's literals), and the same without the heads
  of 3 bytes or fewer.
"""

import sys
import time

import hyperscan


def load(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def prune(lits):
    """The literals that no other literal of the set starts with."""
    out = []
    for lit in sorted(set(lits)):
        if out and lit.startswith(out[-1]):
            continue
        out.append(lit)
    return out


def measure(name, lits, data):
    enc = [lit.encode("utf-8") for lit in lits]
    t = time.perf_counter()
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=enc,
        ids=list(range(len(enc))),
        elements=len(enc),
        flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(enc),
        literal=True,
    )
    compile_s = time.perf_counter() - t
    found = [0]

    def on_match(_id, _start, _end, _flags, _ctx):
        found[0] += 1

    best = float("inf")
    for _ in range(3):
        found[0] = 0
        t = time.perf_counter()
        db.scan(data, match_event_handler=on_match)
        best = min(best, time.perf_counter() - t)
    print(
        f"| {name} | {len(lits):,} | {compile_s:.2f} | {found[0]:,} | "
        f"{best:.3f} | {best * 1e9 / len(data):.1f} |"
    )


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: hyperscan_floor.py DIR [TERMS]")
    d = sys.argv[1]
    data = open(f"{d}/descriptions.txt", "rb").read()
    first = load(f"{d}/first_phase.txt")
    full = load(f"{d}/full.txt")
    heads = prune(lit[:5] for lit in first)
    probe = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    probe.compile(expressions=[b"x"], literal=True)
    library = probe.info().decode().split()[1]
    print(
        f"{len(data):,} bytes of normalised descriptions (with a line break "
        f"after each); Hyperscan {library} (python-hyperscan {hyperscan.__version__})"
    )
    print("| literal set | literals | compile s | patterns found | s | ns/byte |")
    print("|---|---|---|---|---|---|")
    measure("first phase", first, data)
    measure("first phase, 4 bytes or more", [x for x in first if len(x.encode()) >= 4], data)
    measure("full automaton", full, data)
    measure("first-phase heads of 5 characters", heads, data)
    measure(
        "the same, 4 bytes or more",
        [x for x in heads if len(x.encode()) >= 4],
        data,
    )
    if len(sys.argv) > 2:
        terms = sorted({t.lower() for t in load(sys.argv[2])})
        measure(f"{len(terms)} keywords (TERMS, lower case)", terms, data)


if __name__ == "__main__":
    main()
