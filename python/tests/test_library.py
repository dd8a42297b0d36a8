"""The Python package called directly: batches, tables, pandas, rule files."""

from __future__ import annotations

import json
import pickle
import threading
import time

import pandas as pd
import pyarrow as pa
import pytest

import dualuse
from dualuse.pandas import classify_pandas

from conftest import LINES, SCHEMA, fixture_table


def test_batch_rows_equal_one_line_screening(classifier):
    t = fixture_table()
    out = classifier.classify_batch(t.to_batches()[0])
    assert out.schema.names == SCHEMA.names + list(dualuse.RESULT_COLUMNS)
    assert out.schema.remove_metadata() == pa.schema(list(SCHEMA) + list(classifier.result_schema))
    flagged = 0
    for row in out.to_pylist():
        hs, text = row["hs_code"], row["description"]
        if hs is None and text is None:
            assert all(row[c] is None for c in dualuse.RESULT_COLUMNS)
            continue
        r = classifier.classify(hs, text or "")
        assert row["dualuse_flagged"] == bool(r["hits"])
        assert row["dualuse_hs"] == r["hs"]["digits"]
        assert row["dualuse_rules"] == [h["rule"] for h in r["hits"]]
        assert row["dualuse_rulesets"] == [h["ruleset"] for h in r["hits"]]
        assert row["dualuse_severity"] == [h["severity"] for h in r["hits"]]
        assert row["dualuse_basis"] == [h["basis"] for h in r["hits"]]
        assert row["dualuse_categories"] == r["categories"]
        # Each misdeclared category once (a part can signal it again), in category order.
        mis = {m["category"] for m in r["misdeclarations"]}
        assert row["dualuse_misdeclaration"] == [c for c in r["categories"] if c in mis]
        # One group per hit, aligned with dualuse_rules, as in CSV output.
        assert row["dualuse_references"] == [";".join(h["references"]) for h in r["hits"]]
        sev = [h["severity"] for h in r["hits"]]
        order = ["info", "low", "medium", "high", "critical"]
        assert row["dualuse_max_severity"] == (max(sev, key=order.index) if sev else None)
        assert json.loads(row["dualuse_hits_json"]) == r["hits"]
        assert row["dualuse_rules_hash"] == classifier.hash
        flagged += row["dualuse_flagged"]
    # The fixture has both kinds of line, and keeps its leading zeros.
    assert 0 < flagged < out.num_rows
    assert out.column("dualuse_hs")[0].as_py() == "090111"


def test_fixture_covers_what_it_claims(classifier):
    out = classifier.classify_batch(
        fixture_table().slice(0, len(LINES)).combine_chunks().to_batches()[0]
    )
    rows = {r["id"]: r for r in out.to_pylist()}
    assert rows[0]["dualuse_hs"] == "090111" and rows[0]["dualuse_flagged"] is False
    assert rows[6]["dualuse_misdeclaration"] == ["microelectronics"]  # FPGA under toys
    assert rows[7]["dualuse_hs_source"] == "none" and rows[7]["dualuse_flagged"]  # no code
    assert rows[8]["dualuse_flagged"]  # a UAV code with a null description
    assert rows[15]["dualuse_flagged"] is None  # nothing to screen
    assert "uav" in rows[12]["dualuse_categories"]  # Chinese
    assert rows[17]["dualuse_hs_error"] is not None  # letters in the code
    assert rows[18]["dualuse_hs_source"] == "description"  # HS CODE: in the text


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string(), pa.string_view()])
def test_string_layouts_and_parallel_agree(classifier, kind):
    t = fixture_table()
    base = classifier.classify_table(t, append=False)
    cast = t.cast(pa.schema([(f.name, kind if f.type == pa.string() else f.type) for f in SCHEMA]))
    for parallel in (False, True):
        got = classifier.classify_table(cast, parallel=parallel, append=False)
        assert got.equals(base)


def test_no_code_column_and_errors(classifier):
    b = fixture_table().to_batches()[0]
    out = classifier.classify_batch(b, None, "description", append=False)
    assert out.num_columns == len(dualuse.RESULT_COLUMNS)
    assert set(out.column("dualuse_hs_source").drop_null().to_pylist()) <= {"none", "description"}
    with pytest.raises(ValueError, match="leading zeros"):
        classifier.classify_batch(pa.record_batch({"hs_code": [90111], "description": ["x"]}))
    with pytest.raises(KeyError, match="columns: hs_code, description"):
        classifier.classify_batch(pa.record_batch({"hs_code": ["1"], "description": ["x"]}), "hs")


def test_screening_twice_replaces_the_results(classifier):
    once = classifier.classify_batch(fixture_table().to_batches()[0])
    assert classifier.classify_batch(once).equals(once)


def test_rule_sets_are_named_and_hashed(classifier):
    sets = classifier.rulesets
    assert {"chpl", "microelectronics", "uav"} <= {s["id"] for s in sets}
    assert all(s["version"] and len(s["sha256"]) == 64 for s in sets)
    meta = classifier.metadata
    assert meta["rules_hash"] == classifier.hash and len(classifier.hash) == 64
    assert [(s["id"], s["version"]) for s in meta["rulesets"]] == [
        (s["id"], s["version"]) for s in sets
    ]
    schema_meta = json.loads(classifier.result_schema.metadata[b"dualuse"])
    assert schema_meta["metadata"] == meta
    assert pickle.loads(pickle.dumps(classifier)).hash == classifier.hash


RULES = """
[ruleset]
id = "local_watch"
version = "2.1.0"
title = "Local watch list"
sources = ["test"]

[[rule]]
id = "local_watch.widget"
title = "Widgets"
category = "microelectronics"
severity = "high"
references = ["LOCAL:1"]
sources = ["test"]
requires = "text"
any = ["frobnicator"]

[[rule.example]]
text = "FROBNICATOR MODEL 7"

[[rule.example]]
text = "frobnicator spare board"

[[rule.counterexample]]
text = "widget"

[[rule.counterexample]]
text = "frob"
"""


def test_part_numbers_and_manufacturers_come_through(classifier):
    out = classifier.classify_batch(
        pa.record_batch(
            {
                "hs_code": ["8542.39", "8532.24", None],
                "description": [
                    "XC7K410T-2FFG900I XILINX",
                    "GCM155R71C104KA55D MURATA, 10000 PCS",
                    "Texas Instruments evaluation board",
                ],
            }
        )
    )
    rows = out.to_pylist()
    # Each part as written, and the canonical manufacturer ids (SPEC section 2).
    assert rows[0]["dualuse_parts"] == ["XC7K410T-2FFG900I"]
    assert "xilinx" in rows[0]["dualuse_manufacturers"] or "amd" in rows[0]["dualuse_manufacturers"]
    assert rows[0]["dualuse_flagged"] is True
    assert rows[1]["dualuse_parts"] == ["GCM155R71C104KA55D"]
    assert rows[1]["dualuse_manufacturers"] == ["murata"]
    assert rows[2]["dualuse_parts"] == []
    assert rows[2]["dualuse_manufacturers"] == ["texas_instruments"]


def test_a_rule_folder_of_ones_own(tmp_path, classifier):
    (tmp_path / "local.toml").write_text(RULES, encoding="utf-8")
    mine = dualuse.Classifier(tmp_path)
    assert mine.hash != classifier.hash
    assert ("local_watch", "2.1.0") in [(s["id"], s["version"]) for s in mine.rulesets]
    assert [n for n, _ in mine.sources] == [str(tmp_path / "local.toml")]
    only = dualuse.Classifier([tmp_path / "local.toml"], builtin=False)
    assert [s["id"] for s in only.rulesets] == ["local_watch"]
    # What a worker compiles from the shipped texts is the same classifier.
    assert dualuse.Classifier.from_sources(mine.sources).hash == mine.hash
    out = mine.classify_batch(
        pa.record_batch({"hs_code": ["8473"], "description": ["FROBNICATOR X"]})
    )
    assert out.column("dualuse_rules").to_pylist() == [["local_watch.widget"]]
    assert out.column("dualuse_references").to_pylist() == [["LOCAL:1"]]

    (tmp_path / "broken.toml").write_text(RULES.replace("high", "urgent"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"problem\(s\) in the rule files"):
        dualuse.Classifier(tmp_path)
    with pytest.raises(OSError):
        dualuse.Classifier(tmp_path / "missing")


def test_pandas_keeps_the_frame_and_the_zeros(tmp_path, classifier):
    csv = tmp_path / "lines.csv"
    fixture_table().to_pandas().to_csv(csv, index=False)
    df = pd.read_csv(csv, dtype=str, keep_default_na=False, na_values=[""])
    df.index = df.index + 1000
    out = classify_pandas(df)
    assert list(out.index) == list(df.index)
    assert list(out.columns) == list(df.columns) + list(dualuse.RESULT_COLUMNS)
    assert out["hs_code"].iloc[0] == "090111" and out["dualuse_hs"].iloc[0] == "090111"
    direct = classifier.classify_table(fixture_table(), append=False).to_pandas()
    assert out["dualuse_flagged"].tolist() == direct["dualuse_flagged"].tolist()
    assert out["dualuse_rules_hash"].dropna().unique().tolist() == [classifier.hash]
    # Inferred types lose the zeros: refused, not screened wrongly.
    with pytest.raises(ValueError, match="leading zeros"):
        classify_pandas(pd.DataFrame({"hs_code": [90111], "description": ["coffee"]}))
    assert classify_pandas(df.iloc[:0]).shape == (0, len(out.columns))


def test_the_gil_is_released_while_screening(classifier):
    def make_batch(n):
        lines = [("8542.31", "MICROCONTROLLER STM32F407VGT6 " + str(i)) for i in range(n)]
        return pa.record_batch(
            {"hs_code": [h for h, _ in lines], "description": [t for _, t in lines]}
        )

    # One call must take long enough to tell; the engine's speed changes,
    # so the batch grows until it does.
    n = 60000
    while True:
        batch = make_batch(n)
        t0 = time.perf_counter()
        classifier.classify_batch(batch, append=False)
        if time.perf_counter() - t0 >= 0.4 or n >= 60000 * 4**4:
            break
        n *= 4
    done = threading.Event()
    span = {}

    def work():
        span["start"] = time.perf_counter()
        classifier.classify_batch(batch, append=False)
        span["end"] = time.perf_counter()
        done.set()

    th = threading.Thread(target=work)
    ticks = []
    th.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    th.join()
    during = [t for t in ticks if span["start"] <= t <= span["end"]]
    duration = span["end"] - span["start"]
    assert duration > 0.2, "batch too small to tell"
    # Holding the GIL would stop this thread for the whole call.
    gaps = [b - a for a, b in zip([span["start"]] + during, during + [span["end"]])]
    assert max(gaps) < duration / 2, (max(gaps), duration)


def test_the_pandas_example(tmp_path, sample_flagged, classifier):
    import pyarrow.parquet as pq

    from conftest import SAMPLE_CSV, load_example

    out = load_example("pandas_laptop").screen(SAMPLE_CSV, tmp_path / "out.parquet")
    assert int(out["dualuse_flagged"].sum()) == sample_flagged > 0
    meta = json.loads(pq.read_schema(tmp_path / "out.parquet").metadata[b"dualuse"])
    assert meta["metadata"]["rules_hash"] == classifier.hash


def test_the_docstring_examples():
    import doctest

    import dualuse.pandas

    assert doctest.testmod(dualuse.pandas).failed == 0


WATCHLIST = (
    "name,aliases,country,identifiers,list,id\n"
    '"Romashka Sibir LLC",ООО Ромашка Сибирь,RU,INN 5401234567,test,e1\n'
    "Shenzhen Huajin Electronics Co Ltd,,CN,,test,e2\n"
)


def test_watchlist_screens_party_columns_of_a_batch():
    wl = dualuse.Watchlist(sources=[("list.csv", WATCHLIST)])
    assert len(wl) == 2
    batch = pa.record_batch(
        {
            "importer": ['ООО "РОМАШКА СИБИРЬ"', None, "Coffee Traders GmbH"],
            "exporter": ["SHENZHEN HUAJIN ELECTRONICS CO., LTD", "ROMASHKA SIBIR", ""],
            "description": ["ПЛИС XC7K325T", "coffee", "coffee"],
        }
    )
    out = wl.screen_batch(batch, ["importer", "exporter"])
    assert out.schema.names[-2:] == list(dualuse.PARTY_COLUMNS)
    assert out.column("dualuse_party_flagged").to_pylist() == [True, True, False]
    hits = out.column("dualuse_party_hits").to_pylist()
    assert [(h["field"], h["id"]) for h in hits[0]] == [("importer", "e1"), ("exporter", "e2")]
    assert [h["id"] for h in hits[1]] == ["e1"]
    assert hits[2] == []
    # The same answer as one name at a time.
    one = wl.screen('ООО "РОМАШКА СИБИРЬ"', field="importer")
    assert one[0]["id"] == "e1" and one[0]["method"] == hits[0][0]["method"]
    assert wl.screen_batch(batch, ["importer"], append=False).schema == wl.party_schema
    # Goods and parties of the same batch.
    both = wl.screen_batch(dualuse.Classifier().classify_batch(batch, None, "description"), ["importer"])
    assert both.column("dualuse_flagged").to_pylist()[0] is True
    with pytest.raises(KeyError):
        wl.screen_batch(batch, ["consignee"])


def test_a_broken_watchlist_line_is_an_error_with_its_line():
    with pytest.raises(ValueError, match="list.csv:3"):
        dualuse.Watchlist(sources=[("list.csv", "name,country\nACME,RU\n,RU\n")])
