"""A small Parquet fixture of customs lines, and the direct library results
that every engine's output must equal row for row."""

from __future__ import annotations

import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dualuse

# The engines' worker processes must run this interpreter (the venv's).
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
# One machine, no network: bind Spark to loopback, and keep Ray from
# reporting usage.
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

# (hs_code, description, country): leading-zero codes, codes with dots and
# spaces, nulls in either column and in both, English, Russian, Chinese and
# German text, flagged and clean lines, a misdeclared FPGA.
LINES = [
    ("090111", "Coffee, not roasted, arabica, 60 kg bags", "BR"),
    ("0901.21", "Roasted coffee beans arabica, 1 kg bags, 600 kg", "CO"),
    ("0803 90 100 0", "БАНАНЫ СВЕЖИЕ, 1200 КОРОБОК", "EC"),
    ("0306179000", "冷冻南美白虾/规格:31-40|去头", "EC"),
    ("8542.31", "MICROCONTROLLER STM32F407VGT6, 500 PCS", "CN"),
    ("85.42.31.90", "МИКРОСХЕМЫ ИНТЕГРАЛЬНЫЕ: МИКРОКОНТРОЛЛЕРЫ ATMEGA328P-AU, 3000 ШТ", "TW"),
    ("9503.00", "ПЛИС XC7K325T-2FFG900I ДЛЯ ПЛАТ УПРАВЛЕНИЯ, 10 ШТ", "HK"),
    (None, "БЕСПИЛОТНЫЙ ЛЕТАТЕЛЬНЫЙ АППАРАТ КВАДРОКОПТЕР DJI MAVIC 3T, 5 ШТ", "CN"),
    ("8542.31", None, "CN"),
    ("848210", "BALL BEARING 6204-2RS", "DE"),
    ("8458110000", "СТАНОК ТОКАРНЫЙ С ЧПУ HAAS ST-20, МАКС. ДИАМЕТР ОБРАБОТКИ 533 ММ, Б/У", "US"),
    ("845891", "数控车床/型号:CK6150|系统:FANUC 0i-TF|最大加工直径:500mm", "CN"),
    ("8526.92", "无人机飞控/型号:Pixhawk 6X|含GPS模块|用途:固定翼无人机", "CN"),
    ("8525 89", "红外热像仪/非制冷|分辨率:384×288|帧频:30Hz|用途:安防监控", "CN"),
    ("8526910000", "北斗定位模块/型号:UM980|全系统全频|用途:高精度定位", "CN"),
    (None, None, "XX"),
    ("1806.20", "Chocolate chips dark 54%", "BE"),
    ("HS CODE ABC", "Kugellager Rillenkugellager 6205 2RS", "DE"),
    ("", "HS CODE: 8542.31 микроконтроллеры STM32F103C8T6", "CN"),
    ("0402.21", "Milk powder full cream 25 kg bags", "NZ"),
    ("9013.80", "ТЕПЛОВИЗИОННЫЙ МОНОКУЛЯР PULSAR AXION XM38, 50 ГЦ", "LT"),
    ("04", "奶粉 全脂 25公斤/袋", "NZ"),
]

SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("hs_code", pa.string()),
        ("description", pa.string()),
        ("country", pa.string()),
    ]
)

REPEAT = 12  # 264 rows: several batches per partition at 50 rows a batch


def fixture_table() -> pa.Table:
    rows = [
        {"id": i, "hs_code": hs, "description": text, "country": country}
        for i, (hs, text, country) in enumerate(LINES * REPEAT)
    ]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


@pytest.fixture(scope="session")
def parquet_dir(tmp_path_factory) -> str:
    """The fixture as four Parquet files: several partitions and blocks."""
    d = tmp_path_factory.mktemp("lines")
    t = fixture_table()
    n = t.num_rows
    for k in range(4):
        part = t.slice(k * n // 4, (k + 1) * n // 4 - k * n // 4)
        pq.write_table(part, str(d / f"part-{k}.parquet"), row_group_size=32)
    return str(d)


@pytest.fixture(scope="session")
def classifier() -> dualuse.Classifier:
    return dualuse.Classifier()


@pytest.fixture(scope="session")
def direct(classifier, parquet_dir) -> dict:
    """The library's own results, row by row, keyed by id."""
    t = pq.read_table(parquet_dir, schema=SCHEMA)
    out = classifier.classify_table(t, "hs_code", "description")
    return {r["id"]: r for r in out.to_pylist()}


def assert_same_rows(engine_rows: list, direct: dict) -> None:
    """Every engine row equals the direct row with the same id, on every
    input and result column."""
    assert len(engine_rows) == len(direct)
    columns = list(SCHEMA.names) + list(dualuse.RESULT_COLUMNS)
    for row in engine_rows:
        want = direct[row["id"]]
        for c in columns:
            assert row[c] == want[c], f"id {row['id']} column {c}: {row[c]!r} != {want[c]!r}"


EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")
#: The repository's sample of 300 customs lines, which the examples screen.
SAMPLE_CSV = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "sample.csv")


def load_example(name: str):
    """Imports python/examples/NAME.py, so a test can call it in its engine."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def sample_flagged() -> int:
    """How many lines of the sample the library flags, screened directly."""
    import pandas as pd

    from dualuse.pandas import classify_pandas

    df = pd.read_csv(SAMPLE_CSV, dtype=str, keep_default_na=False, na_values=[""])
    return int(classify_pandas(df, parallel=False)["dualuse_flagged"].sum())
