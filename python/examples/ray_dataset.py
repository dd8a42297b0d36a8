"""Screen customs lines with Ray Data: map_batches over an actor pool.

    python python/examples/ray_dataset.py examples/sample.csv /tmp/screened-ray \
        [--rules DIR] [--actors N]

Each actor is one worker process with its own core; it compiles the rules
once, in its constructor, and screens every batch it is given as an Arrow
table. On a cluster, ``ray.init(address="auto")`` instead and install the
``dualuse`` wheel on every node (or name it in the runtime environment's
``pip``); a ``--rules`` folder is read on the driver and reaches the actors
as their constructor's argument.

Every output row carries ``dualuse_rules_hash``; ``_dualuse_rules.json``,
written beside the Parquet files, names the rule sets (id, version, SHA-256)
behind it.
"""

from __future__ import annotations

import argparse
import json
import os

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import ray
from ray.data.expressions import col

import dualuse
from dualuse.ray import classify_dataset

# Explicit string types: CSV type inference would read 090111 as 90111.
COLUMNS = {
    "id": pa.string(),
    "hs_code": pa.string(),
    "description": pa.string(),
    "country": pa.string(),
}


def screen(input_csv, output_dir, rules=None, actors=2) -> dict:
    clf = dualuse.Classifier(rules)
    ds = ray.data.read_csv(
        input_csv,
        convert_options=pacsv.ConvertOptions(column_types=COLUMNS, strings_can_be_null=True),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
    )
    out = classify_dataset(ds, "hs_code", "description", classifier=clf, actors=actors)
    out.write_parquet(output_dir)
    # The manifest beside the data, on whatever filesystem the output is.
    fs, root = pafs.FileSystem.from_uri(output_dir)
    with fs.open_output_stream(root.rstrip("/") + "/_dualuse_rules.json") as f:
        f.write(json.dumps(clf.metadata, indent=2).encode("utf-8"))

    screened = ray.data.read_parquet(output_dir)
    hashes = set(screened.unique("dualuse_rules_hash")) - {None}
    assert hashes == {clf.hash}, hashes
    flagged = screened.filter(expr=col("dualuse_flagged") == True).count()  # noqa: E712
    counts = {"lines": screened.count(), "flagged": flagged}
    print(
        f"{counts['lines']} lines, {flagged} flagged; rules hash {clf.hash[:16]}...: "
        + ", ".join(f"{s['id']} {s['version']}" for s in clf.metadata["rulesets"])
    )
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--rules", action="append")
    ap.add_argument("--actors", type=int, default=2)
    a = ap.parse_args()
    # Locally: twice as many logical CPUs as actors, so that the read tasks
    # still find a CPU while the pool holds its own (on 2 cores, num_cpus=4).
    ray.init(num_cpus=max(4, 2 * a.actors), include_dashboard=False)
    try:
        screen(os.path.abspath(a.input), os.path.abspath(a.output), a.rules, a.actors)
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
