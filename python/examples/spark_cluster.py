"""Screen customs lines on a Spark cluster, through mapInArrow.

    spark-submit --master yarn python/examples/spark_cluster.py INPUT OUTPUT [--rules DIR]
    python python/examples/spark_cluster.py examples/sample.csv /tmp/screened   # local[2]

INPUT is a CSV file or folder (header: id, hs_code, description, country) or
Parquet (``*.parquet`` or a folder of them); OUTPUT is a Parquet folder, with
a ``_dualuse_rules/`` folder beside the data holding one JSON line that names
the rule sets which screened it.

Shipping to the cluster
-----------------------
* The package: every executor's Python needs the ``dualuse`` wheel (one
  wheel for CPython >= 3.9 on Linux x86_64, since the core is compiled).
  Install it on every node (``pip install dualuse-*.whl``), or pack a
  virtual environment and let Spark unpack it beside each executor::

      python -m venv env && env/bin/pip install dualuse-*.whl pyarrow venv-pack
      env/bin/venv-pack -o env.tar.gz
      PYSPARK_PYTHON=./env/bin/python spark-submit --archives env.tar.gz#env ...

* The rules: nothing to ship by hand. The built-in rule sets are inside the
  wheel; a ``--rules`` folder is read here, on the driver, and its text
  travels inside the task closure. Each executor Python process compiles the
  rules once, on its first batch, and reuses them for every later batch and
  task (dualuse._cache, keyed by the rules hash); a worker whose package
  would compile other rules than the driver's fails instead of screening.

Checking which rules screened the data
--------------------------------------
Every output row carries ``dualuse_rules_hash``; ``_dualuse_rules/``
maps that hash to the rule sets' ids, versions and SHA-256. This script
checks that the output holds one hash, the driver's.
"""

from __future__ import annotations

import argparse
import json
import os

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import dualuse
from dualuse.spark import classify_dataframe

# Explicit, all strings but the id: inferSchema would read 090111 as 90111.
SCHEMA = T.StructType(
    [
        T.StructField("id", T.StringType()),
        T.StructField("hs_code", T.StringType()),
        T.StructField("description", T.StringType()),
        T.StructField("country", T.StringType()),
    ]
)


def read_lines(spark, path):
    if path.endswith(".parquet") or (
        os.path.isdir(path) and any(f.endswith(".parquet") for f in os.listdir(path))
    ):
        return spark.read.schema(SCHEMA).parquet(path)
    return spark.read.option("header", True).option("multiLine", True).schema(SCHEMA).csv(path)


def screen(spark, input_path, output_path, rules=None) -> dict:
    clf = dualuse.Classifier(rules)  # compiled here once, to check the rules and get the hash
    out = classify_dataframe(
        read_lines(spark, input_path), "hs_code", "description", classifier=clf
    )
    out.write.mode("overwrite").parquet(output_path)

    # The manifest: which rule sets the hash in every row stands for. Written
    # through Spark, so that it lands wherever the output does (HDFS, S3...);
    # readers skip folders whose names start with `_`.
    manifest = json.dumps(clf.metadata, ensure_ascii=False)
    spark.createDataFrame([(manifest,)], "value string").coalesce(1).write.mode("overwrite").text(
        output_path.rstrip("/") + "/_dualuse_rules"
    )

    screened = spark.read.parquet(output_path)
    hashes = [r[0] for r in screened.select("dualuse_rules_hash").distinct().collect() if r[0]]
    assert hashes == [clf.hash], hashes
    counts = (
        screened.agg(
            F.count("*").alias("lines"),
            F.sum(F.col("dualuse_flagged").cast("int")).alias("flagged"),
            F.sum((F.size("dualuse_misdeclaration") > 0).cast("int")).alias("misdeclared"),
        )
        .first()
        .asDict()
    )
    print(
        f"{counts['lines']} lines, {counts['flagged']} flagged, "
        f"{counts['misdeclared']} misdeclared; rules hash {clf.hash[:16]}...: "
        + ", ".join(f"{s['id']} {s['version']}" for s in clf.metadata["rulesets"])
    )
    (
        screened.where("dualuse_flagged")
        .select("id", "hs_code", F.explode("dualuse_categories").alias("category"))
        .groupBy("category")
        .count()
        .orderBy(F.desc("count"))
        .show(truncate=False)
    )
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument(
        "--rules", action="append", help="a rule file or folder, added to the built-in sets"
    )
    a = ap.parse_args()
    builder = SparkSession.builder.appName("dualuse-screen")
    if "SPARK_HOME" not in os.environ and "PYSPARK_SUBMIT_ARGS" not in os.environ:
        builder = builder.master("local[2]")  # run as a plain script: a local Spark
    spark = builder.getOrCreate()
    try:
        screen(spark, a.input, a.output, a.rules)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
