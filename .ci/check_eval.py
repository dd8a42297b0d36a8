#!/usr/bin/env python3
"""Fail when classification quality drops below the targets of issue 3.

Runs the shared scorer (../shared/eval/score.py) on dev.csv and
public_rulings.csv with --json and checks: dev text micro precision >= 0.95,
recall >= 0.90, CHPL recall 100%; public rulings at most 3 text false alarms.
Also checks that `dualuse eval` agrees with the shared scorer on the micro
figures.
"""
import json, subprocess, sys, tempfile, os

binary, evaldir = sys.argv[1], sys.argv[2]


def score(name):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "s.json")
        p = subprocess.run([sys.executable, os.path.join(evaldir, "score.py"), binary,
                            os.path.join(evaldir, name), "--json", out],
                           capture_output=True, text=True)
        print(p.stdout, end="")
        if p.returncode != 0:
            sys.exit(f"score.py failed on {name}: {p.stderr}")
        return json.load(open(out))


def own(name):
    p = subprocess.run([binary, "eval", os.path.join(evaldir, name), "--json"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"dualuse eval failed on {name}: {p.stderr}")
    return json.loads(p.stdout)


fail = []
dev = score("dev.csv")
if dev["text"]["micro_p"] < 0.95:
    fail.append(f"dev text micro precision {dev['text']['micro_p']} < 0.95")
if dev["text"]["micro_r"] < 0.90:
    fail.append(f"dev text micro recall {dev['text']['micro_r']} < 0.90")
got, total = map(int, dev["chpl"]["recall"].split("/"))
if got != total:
    fail.append(f"dev CHPL recall {got}/{total}")
pub = score("public_rulings.csv")
fa = int(pub["text_false_alarms"].split("/")[0])
if fa > 3:
    fail.append(f"public_rulings text false alarms {fa} > 3")
for name, ref in (("dev.csv", dev), ("public_rulings.csv", pub)):
    mine = own(name)
    p, r = mine["text"]["micro"]["precision"], mine["text"]["micro"]["recall"]
    if abs(round(p, 3) - ref["text"]["micro_p"]) > 0.001 or abs(round(r, 3) - ref["text"]["micro_r"]) > 0.001:
        fail.append(f"{name}: dualuse eval ({p:.3f}/{r:.3f}) disagrees with score.py "
                    f"({ref['text']['micro_p']}/{ref['text']['micro_r']})")
if fail:
    sys.exit("evaluation targets missed:\n  " + "\n  ".join(fail))
print("eval: 2 passed, 0 failed")
