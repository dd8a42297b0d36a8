"""pandas on one machine: a DataFrame in, the same DataFrame with the result
columns out.

>>> import pandas as pd
>>> from dualuse.pandas import classify_pandas
>>> df = pd.DataFrame({"hs_code": ["854231", None],
...                    "description": ["MICROCONTROLLER STM32F407", "tea"]})
>>> classify_pandas(df)["dualuse_flagged"].tolist()
[True, False]
"""

from __future__ import annotations

from typing import Optional

import pandas as pd
import pyarrow as pa

from . import RESULT_COLUMNS, Classifier, _cache

__all__ = ["classify_pandas"]


def classify_pandas(
    df: pd.DataFrame,
    hs_column: Optional[str] = "hs_code",
    text_column: str = "description",
    *,
    classifier: Optional[Classifier] = None,
    parallel: bool = True,
) -> pd.DataFrame:
    """Screens ``df[hs_column]`` and ``df[text_column]`` and returns ``df``
    (same index, same columns; earlier result columns replaced) with the
    result columns appended. List columns become arrays of strings.

    ``classifier`` defaults to the built-in rule sets, compiled once per
    process. ``parallel`` uses all cores (this is the single-machine path).
    Codes must be strings: read CSV files with ``dtype=str`` (or at least
    ``dtype={"hs_code": str}``), or ``090111`` becomes ``90111``.
    """
    clf = classifier if classifier is not None else _cache.builtin()
    cols = [c for c in (hs_column, text_column) if c is not None]
    for c in cols:
        if c not in df.columns:
            raise KeyError(f"no column `{c}` in the DataFrame (columns: {list(df.columns)})")
    table = pa.Table.from_pandas(df[cols], preserve_index=False)
    results = clf.classify_table(
        table, hs_column, text_column, parallel=parallel, append=False
    ).to_pandas()
    results.index = df.index
    kept = df.drop(columns=[c for c in RESULT_COLUMNS if c in df.columns])
    return pd.concat([kept, results], axis=1)
