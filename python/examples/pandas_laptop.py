"""Screen a CSV file of customs lines with pandas on one machine.

    python python/examples/pandas_laptop.py [INPUT.csv] [OUTPUT.parquet]

INPUT defaults to the repository's examples/sample.csv (columns id, hs_code,
description, country). Every column is read as a string, so that codes keep
their leading zeros (``090111``, not ``90111``). The flagged lines are
printed; with OUTPUT, every line and its results are written to Parquet,
with the rule sets in the file's schema metadata.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

import dualuse
from dualuse.pandas import classify_pandas

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample.csv"


def screen(input_csv, output=None) -> pd.DataFrame:
    # dtype=str: never let pandas infer the codes as numbers.
    df = pd.read_csv(input_csv, dtype=str, keep_default_na=False, na_values=[""])
    clf = dualuse.Classifier()  # the built-in rule sets; Classifier("my_rules/") adds yours
    out = classify_pandas(df, "hs_code", "description", classifier=clf)

    flagged = out[out["dualuse_flagged"] == True]  # noqa: E712 (null rows are neither)
    print(f"{len(out)} lines screened, {len(flagged)} flagged")
    for _, r in flagged.head(10).iterrows():
        hs = "" if pd.isna(r["hs_code"]) else r["hs_code"]
        print(
            f"  {r['id']}  {hs:>14}  {','.join(r['dualuse_categories']):<22} "
            f"{r['dualuse_rules'][0]}  basis={r['dualuse_basis'][0]}"
        )

    # Which rule sets screened the data: every row carries the hash, and the
    # classifier names the rule sets (id, version, SHA-256) that it covers.
    hashes = set(out["dualuse_rules_hash"].dropna())
    assert hashes == {clf.hash}
    print(
        f"rules hash {clf.hash[:16]}...: "
        + ", ".join(f"{s['id']} {s['version']}" for s in clf.metadata["rulesets"])
    )

    if output:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(out, preserve_index=False)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), b"dualuse": json.dumps({"metadata": clf.metadata})}
        )
        pq.write_table(table, output)
        print(f"wrote {output}")
    return out


if __name__ == "__main__":
    screen(sys.argv[1] if len(sys.argv) > 1 else SAMPLE, sys.argv[2] if len(sys.argv) > 2 else None)
