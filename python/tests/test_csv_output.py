"""The binary's CSV output read back with pandas, the way the README says.

`dualuse classify` writes one `#` metadata line before the header. The
README's recipe skips that line by position, never with `comment="#"`,
which would cut every field at its first `#` (`ACME #2 LLC` became `ACME`).
"""

from __future__ import annotations

import os
import pathlib
import subprocess

import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[2]
# .ci/run builds the release binary before the Python tests.
BINARY = os.environ.get("DUALUSE_BIN", str(ROOT / "target" / "release" / "dualuse"))


def read_dualuse_csv(path):
    """The README's recipe, verbatim."""
    return pd.read_csv(path, skiprows=1, dtype=str, keep_default_na=False)


def test_the_readme_recipe_loses_nothing(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "hs_code,description,consignee,note\n"
        '0101210000,"LIVE HORSES #3, PUREBRED",ACME #2 LLC,NA\n'
        '848210,BALL BEARING 6204-2RS,"ООО ""ТЕХНО #1""",#hashtag\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    run = subprocess.run(
        [BINARY, "classify", str(src), "--output", str(out), "--quiet"],
        capture_output=True,
    )
    assert run.returncode == 1, run.stderr.decode()
    assert out.read_text(encoding="utf-8").startswith("# dualuse ")
    df = read_dualuse_csv(out)
    assert list(df["consignee"]) == ["ACME #2 LLC", 'ООО "ТЕХНО #1"']
    assert list(df["description"]) == ["LIVE HORSES #3, PUREBRED", "BALL BEARING 6204-2RS"]
    assert list(df["note"]) == ["NA", "#hashtag"]
    # Codes keep their leading zeros; result columns are there.
    assert list(df["hs_code"]) == ["0101210000", "848210"]
    assert list(df["dualuse_flagged"]) == ["false", "true"]
    # What the old recipe did, for the record: it loses data.
    lossy = pd.read_csv(out, comment="#", dtype=str, keep_default_na=False)
    assert list(lossy["consignee"]) != list(df["consignee"])
