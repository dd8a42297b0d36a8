"""Ray Data on one machine: the Dataset is screened by an actor pool
(map_batches, batch_format="pyarrow"), and equals the library's own results
row for row."""

from __future__ import annotations

import os

import pyarrow as pa
import pytest
import ray

import dualuse
from dualuse.ray import TEST_COLUMNS, classify_dataset

from conftest import SCHEMA, assert_same_rows


@pytest.fixture(scope="module")
def ray_local():
    # 4 logical CPUs on a 2-core machine: with 2, the actor pool holds the
    # CPUs the read task needs and the job hangs.
    ray.init(
        num_cpus=4,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        ignore_reinit_error=True,
    )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield
    ray.shutdown()


def test_ray_results_equal_the_library_row_for_row(ray_local, parquet_dir, direct):
    ds = ray.data.read_parquet(parquet_dir, schema=SCHEMA, override_num_blocks=4)
    out = classify_dataset(ds, "hs_code", "description", actors=2, batch_size=16, test_mode=True)
    table = pa.concat_tables(ray.get(out.to_arrow_refs()))
    assert table.column_names == SCHEMA.names + list(dualuse.RESULT_COLUMNS) + list(TEST_COLUMNS)
    rows = table.to_pylist()
    assert_same_rows(rows, direct)

    # It ran in the pool's actors, not in this process.
    pids = {r["dualuse_test_pid"] for r in rows}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2
    # Each actor compiled the rules once, in its constructor, for all its batches.
    for pid in pids:
        assert {r["dualuse_test_loads"] for r in rows if r["dualuse_test_pid"] == pid} == {1}


def test_the_ray_example(ray_local, tmp_path, sample_flagged, classifier):
    import json

    from conftest import SAMPLE_CSV, load_example

    out = str(tmp_path / "screened")
    counts = load_example("ray_dataset").screen(os.path.abspath(SAMPLE_CSV), out, actors=1)
    assert counts == {"lines": 300, "flagged": sample_flagged}
    with open(os.path.join(out, "_dualuse_rules.json"), encoding="utf-8") as f:
        assert json.load(f) == classifier.metadata
