#!/usr/bin/env python3
"""Plot per-line cost against the number of rules, compiled vs naive.

Reads target/scaling.csv (rules,engine,ns_per_line), written by
`cargo bench --bench scaling`, and writes docs/scaling.svg by hand: no
plotting library needed. Log x axis (rules) and log y axis (time per line),
since both span three decades.

    python3 scripts/plot_scaling.py [CSV] [SVG]
"""

import csv
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "scaling.csv")
DST = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "scaling.svg")

COLORS = {"compiled": "#1f77b4", "naive": "#d62728"}
W, H = 640, 420
ML, MR, MT, MB = 80, 150, 40, 60  # margins: left, right, top, bottom


def fmt_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns:.3g} ns"


def fmt_n(n):
    return f"{int(n):,}"


def main():
    series = {}
    with open(SRC, newline="") as f:
        for row in csv.DictReader(f):
            series.setdefault(row["engine"], []).append(
                (int(row["rules"]), float(row["ns_per_line"]))
            )
    if not series:
        sys.exit(f"{SRC}: no data")
    for pts in series.values():
        pts.sort()

    xs = [x for pts in series.values() for x, _ in pts]
    ys = [y for pts in series.values() for _, y in pts]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    if x0 == x1:
        x1 += 1
    if y0 == y1:
        y1 += 1
    pw, ph = W - ML - MR, H - MT - MB

    def px(x):
        return ML + (math.log10(x) - x0) / (x1 - x0) * pw

    def py(y):
        return MT + ph - (math.log10(y) - y0) / (y1 - y0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{W / 2 - (MR - ML) / 2}" y="22" text-anchor="middle" font-size="14">'
        "Time per line against rules loaded</text>",
    ]
    # Grid and ticks: decades, with 2 and 5 minor lines.
    for e in range(x0, x1 + 1):
        x = px(10**e)
        out.append(f'<line x1="{x:.1f}" y1="{MT}" x2="{x:.1f}" y2="{MT + ph}" stroke="#ddd"/>')
        out.append(
            f'<text x="{x:.1f}" y="{MT + ph + 18}" text-anchor="middle">{fmt_n(10**e)}</text>'
        )
    for e in range(y0, y1 + 1):
        y = py(10**e)
        out.append(f'<line x1="{ML}" y1="{y:.1f}" x2="{ML + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{ML - 8}" y="{y + 4:.1f}" text-anchor="end">{fmt_ns(10**e)}</text>')
        for m in (2, 5):
            if e < y1:
                ym = py(m * 10**e)
                out.append(
                    f'<line x1="{ML}" y1="{ym:.1f}" x2="{ML + pw}" y2="{ym:.1f}" '
                    'stroke="#f0f0f0"/>'
                )
    out.append(f'<rect x="{ML}" y="{MT}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(
        f'<text x="{ML + pw / 2}" y="{H - 18}" text-anchor="middle">'
        "rules loaded (log scale)</text>"
    )
    out.append(
        f'<text x="18" y="{MT + ph / 2}" text-anchor="middle" '
        f'transform="rotate(-90 18 {MT + ph / 2})">time per line (log scale)</text>'
    )
    # Series.
    for i, (engine, pts) in enumerate(sorted(series.items())):
        color = COLORS.get(engine, "#2ca02c")
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in pts:
            out.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="4" fill="{color}">'
                f"<title>{engine}, {fmt_n(x)} rules: {fmt_ns(y)} per line</title>"
                "</circle>"
            )
        ly = MT + 20 + i * 22
        lx = ML + pw + 16
        out.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 24}" y2="{ly}" stroke="{color}" stroke-width="2"/>'
        )
        out.append(f'<text x="{lx + 30}" y="{ly + 4}">{engine}</text>')
    out.append("</svg>")

    os.makedirs(os.path.dirname(DST), exist_ok=True)
    with open(DST, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {DST}")


if __name__ == "__main__":
    main()
