"""Spark local[2]: the DataFrame is screened by Spark's Python workers
(mapInArrow), and equals the library's own results row for row."""

from __future__ import annotations

import os

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import types as T

import dualuse
from dualuse.spark import TEST_COLUMNS, classify_dataframe

from conftest import assert_same_rows, fixture_table

# The explicit string schema every read for screening uses: an inferred one
# turns 090111 into 90111.
LINES_SCHEMA = T.StructType(
    [
        T.StructField("id", T.LongType()),
        T.StructField("hs_code", T.StringType()),
        T.StructField("description", T.StringType()),
        T.StructField("country", T.StringType()),
    ]
)


@pytest.fixture(scope="module")
def spark():
    s = (
        SparkSession.builder.master("local[2]")
        .appName("dualuse-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        # Several Arrow batches per task, to see the rules compiled once per
        # worker process and not once per batch.
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "16")
        .config("spark.python.worker.reuse", "true")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def collect(df) -> list:
    return [r.asDict() for r in df.orderBy("id").collect()]


def test_spark_results_equal_the_library_row_for_row(spark, parquet_dir, direct):
    df = spark.read.schema(LINES_SCHEMA).parquet(parquet_dir)
    assert df.rdd.getNumPartitions() >= 2
    out = classify_dataframe(df, "hs_code", "description", test_mode=True)
    assert out.columns == LINES_SCHEMA.names + list(dualuse.RESULT_COLUMNS) + list(TEST_COLUMNS)
    rows = collect(out)
    assert_same_rows(rows, direct)

    # It ran on Spark's Python workers, not in this process.
    pids = {r["dualuse_test_pid"] for r in rows}
    assert os.getpid() not in pids
    # Each worker compiled the rules once, before its first batch, and kept
    # them for every later batch: the count never moves within a process.
    for pid in pids:
        assert len({r["dualuse_test_loads"] for r in rows if r["dualuse_test_pid"] == pid}) == 1
    batches = len(rows) / 16
    assert batches > len(pids)


def test_spark_csv_with_an_explicit_string_schema(spark, tmp_path, direct):
    csv = str(tmp_path / "csv")
    fixture_table().to_pandas().to_csv(tmp_path / "lines.csv", index=False)
    spark.read.option("header", True).schema(LINES_SCHEMA).csv(
        str(tmp_path / "lines.csv")
    ).write.option("header", True).csv(csv)
    df = spark.read.option("header", True).schema(LINES_SCHEMA).csv(csv)
    rows = collect(classify_dataframe(df))
    assert rows[0]["hs_code"] == "090111" and rows[0]["dualuse_hs"] == "090111"
    # CSV cannot tell an empty field from a null one: compare on the rows
    # that had a value in both columns.
    full = [r for r in rows if r["hs_code"] and r["description"]]
    assert_same_rows(full, {r["id"]: direct[r["id"]] for r in full})

    # An inferred schema reads all-digit codes as numbers, losing the zeros:
    # the adapter refuses it before any task runs.
    (tmp_path / "digits.csv").write_text("hs_code,description\n090111,coffee\n854231,MCU\n")
    inferred = (
        spark.read.option("header", True)
        .option("inferSchema", True)
        .csv(str(tmp_path / "digits.csv"))
    )
    assert inferred.first()["hs_code"] == 90111
    with pytest.raises(ValueError, match="leading zeros"):
        classify_dataframe(inferred)


def test_spark_with_a_rule_folder_shipped_from_the_driver(spark, parquet_dir, tmp_path):
    from test_library import RULES

    (tmp_path / "local.toml").write_text(RULES, encoding="utf-8")
    clf = dualuse.Classifier(tmp_path)
    df = spark.read.schema(LINES_SCHEMA).parquet(parquet_dir)
    df = df.withColumn("description", df["description"].substr(0, 1000))
    from pyspark.sql import functions as F

    df = df.withColumn(
        "description",
        F.when(F.col("id") == 3, F.lit("FROBNICATOR 7, 2 PCS")).otherwise(F.col("description")),
    )
    rows = collect(classify_dataframe(df, classifier=clf))
    assert {r["dualuse_rules_hash"] for r in rows} - {None} == {clf.hash}
    assert rows[3]["dualuse_rules"] == ["local_watch.widget"]
    # Screening the output again replaces the result columns.
    again = classify_dataframe(classify_dataframe(df, classifier=clf), classifier=clf)
    assert again.columns == LINES_SCHEMA.names + list(dualuse.RESULT_COLUMNS)


def test_the_spark_example(spark, tmp_path, sample_flagged, classifier):
    import json

    from conftest import SAMPLE_CSV, load_example

    out = str(tmp_path / "screened")
    counts = load_example("spark_cluster").screen(spark, SAMPLE_CSV, out)
    assert counts["lines"] == 300 and counts["flagged"] == sample_flagged
    manifest = json.loads(spark.read.text(out + "/_dualuse_rules").first()[0])
    assert manifest == classifier.metadata
