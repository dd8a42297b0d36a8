"""Ray Data: screen a Dataset through ``map_batches`` with an actor pool.

Each actor is a worker process that compiles the rules once, in its
constructor (through the same per-process cache as the Spark adapter), and
screens every batch it is given on its own core. Batches arrive as
``pyarrow.Table`` (``batch_format="pyarrow"``) and leave with the result
columns appended.

On a 2-core machine start Ray with ``ray.init(num_cpus=4)``: with 2, the
actor pool holds the CPUs that the read task needs and the job hangs.
"""

from __future__ import annotations

import os
from typing import Optional, Sequence, Union

import pyarrow as pa

from . import Classifier
from ._cache import TEST_COLUMNS, RulesSpec, stamp_columns

__all__ = ["classify_dataset", "Screen"]


class Screen:
    """The callable class that ``map_batches`` turns into actors."""

    def __init__(self, spec: RulesSpec, hs_column, text_column, test_mode=False):
        self.clf = spec.load()
        self.hs_column = hs_column
        self.text_column = text_column
        self.test_mode = test_mode

    def __call__(self, table: pa.Table) -> pa.Table:
        out = self.clf.classify_table(table, self.hs_column, self.text_column)
        if self.test_mode:
            for name, values in zip(TEST_COLUMNS, stamp_columns(out.num_rows)):
                out = out.append_column(name, values)
        return out


def classify_dataset(
    ds,
    hs_column: Optional[str] = "hs_code",
    text_column: str = "description",
    *,
    rules: Union[None, str, os.PathLike, Sequence] = None,
    builtin: bool = True,
    classifier: Optional[Classifier] = None,
    actors: int = 1,
    batch_size: Optional[int] = 4096,
    test_mode: bool = False,
    **map_batches_args,
):
    """Returns ``ds`` with the result columns appended, lazily.

    ``actors`` is the size of the actor pool (one core each); the rules are
    the built-in ones plus ``rules`` (read on the driver), or ``classifier``.
    Further keyword arguments go to ``Dataset.map_batches``.
    """
    import ray.data

    clf = classifier if classifier is not None else Classifier(rules, builtin=builtin)
    return ds.map_batches(
        Screen,
        fn_constructor_args=(RulesSpec.of(clf), hs_column, text_column, test_mode),
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=actors),
        **map_batches_args,
    )
