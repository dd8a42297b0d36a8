"""Spark: screen a DataFrame through ``DataFrame.mapInArrow``.

Each Spark task hands its partition to Python as Arrow record batches; the
compiled core screens each batch on the task's own core (no thread pool: Spark
already runs one task per core) and the batch comes back with the result
columns appended.

The rules reach the executors as a small :class:`dualuse._cache.RulesSpec`
inside the task closure: the built-in flag, the text of any rule files given
on the driver, and the driver's rules hash. Each Python worker process
compiles it once, on its first batch, and keeps it for every later batch and
task (Spark reuses its Python workers); a worker whose compiled rules hash
differently from the driver's (another package version) fails the task
rather than screen with other rules.

Codes must be strings in the DataFrame: read CSV with an explicit schema
(``StructType([StructField("hs_code", StringType()), ...])``), never
``inferSchema``, which turns ``090111`` into ``90111``.
"""

from __future__ import annotations

import os
from typing import Optional, Sequence, Union

import pyarrow as pa

from . import RESULT_COLUMNS, Classifier
from ._cache import TEST_COLUMNS, RulesSpec, stamp_columns

__all__ = ["classify_dataframe", "result_fields"]


def _spark_type(t: pa.DataType):
    from pyspark.sql import types as T

    if pa.types.is_boolean(t):
        return T.BooleanType()
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return T.StringType()
    if pa.types.is_list(t):
        return T.ArrayType(_spark_type(t.value_type), containsNull=True)
    raise TypeError(f"no Spark type for {t}")  # pragma: no cover


def result_fields(classifier: Optional[Classifier] = None) -> list:
    """The result columns as Spark ``StructField``s."""
    from pyspark.sql import types as T

    schema = (classifier if classifier is not None else _default()).result_schema
    return [T.StructField(f.name, _spark_type(f.type), True) for f in schema]


def _default() -> Classifier:
    from . import _cache

    return _cache.builtin()


def _check_column(df, name: str, role: str) -> None:
    from pyspark.sql import types as T

    fields = {f.name: f for f in df.schema.fields}
    if name not in fields:
        raise KeyError(f"no column `{name}` in the DataFrame (columns: {list(fields)})")
    t = fields[name].dataType
    if isinstance(t, T.NumericType):
        raise ValueError(
            f"the {role} column `{name}` is {t.simpleString()}, not a string: numbers lose "
            "leading zeros (`090111` becomes 90111); read the data with an explicit "
            "string schema"
        )
    if not isinstance(t, (T.StringType, T.NullType)):
        raise TypeError(f"the {role} column `{name}` is {t.simpleString()}, not a string")


def classify_dataframe(
    df,
    hs_column: Optional[str] = "hs_code",
    text_column: str = "description",
    *,
    rules: Union[None, str, os.PathLike, Sequence] = None,
    builtin: bool = True,
    classifier: Optional[Classifier] = None,
    test_mode: bool = False,
):
    """Returns ``df`` with the result columns appended (columns of an earlier
    screening are replaced), lazily, as any Spark transformation.

    The rules are the built-in ones plus ``rules`` (files or folders read on
    the driver), or ``classifier`` if given. ``test_mode`` appends
    ``dualuse_test_pid`` and ``dualuse_test_loads`` (see ``TEST_COLUMNS``).
    """
    from pyspark.sql import types as T

    clf = classifier if classifier is not None else Classifier(rules, builtin=builtin)
    if hs_column is not None:
        _check_column(df, hs_column, "HS code")
    _check_column(df, text_column, "description")
    spec = RulesSpec.of(clf)

    kept = [f for f in df.schema.fields if f.name not in RESULT_COLUMNS]
    fields = kept + result_fields(clf)
    if test_mode:
        fields += [T.StructField(c, T.LongType(), False) for c in TEST_COLUMNS]
    schema = T.StructType(fields)
    if len(kept) != len(df.schema.fields):
        df = df.select(*[f.name for f in kept])

    def screen(batches):
        c = spec.load()
        for batch in batches:
            out = c.classify_batch(batch, hs_column, text_column)
            yield _with_stamp_columns(out) if test_mode else out

    return df.mapInArrow(screen, schema)


def _with_stamp_columns(batch: pa.RecordBatch) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        batch.columns + stamp_columns(batch.num_rows),
        names=batch.schema.names + list(TEST_COLUMNS),
    )
