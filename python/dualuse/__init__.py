"""Screen customs lines against dual-use rule sets, batch by batch.

The compiled core screens whole Arrow record batches; batches cross from
pyarrow and back through the Arrow C Data Interface without copies, and the
GIL is released while screening. On top of it:

- :class:`Classifier`: load the built-in rule sets and/or your own once,
  ``classify_batch(pyarrow.RecordBatch)``, ``classify_table``, ``classify``
  for one line, and the rule sets' ids, versions and content hash;
- :func:`dualuse.pandas.classify_pandas`: a pandas DataFrame in, the same
  DataFrame with the result columns out;
- :func:`dualuse.spark.classify_dataframe`: a Spark DataFrame, through
  ``mapInArrow``;
- :func:`dualuse.ray.classify_dataset`: a Ray Dataset, through
  ``map_batches`` with an actor pool.

The result columns are listed in :data:`RESULT_COLUMNS` and described in
``python/README.md``.
"""

from __future__ import annotations

import json
import os
from typing import Iterable, Optional, Sequence, Union

import pyarrow as pa

from . import _dualuse

__all__ = ["Classifier", "Watchlist", "RESULT_COLUMNS", "PARTY_COLUMNS", "__version__"]

__version__: str = _dualuse.__version__

#: The result columns, in the order they are appended.
RESULT_COLUMNS: tuple = tuple(_dualuse.RESULT_COLUMNS)
#: The columns that :meth:`Watchlist.screen_batch` adds, in order.
PARTY_COLUMNS: tuple = tuple(_dualuse.PARTY_COLUMNS)

PathLike = Union[str, "os.PathLike[str]"]


class Classifier:
    """A compiled set of rule sets: compile once, screen many batches.

    ``Classifier()`` loads the rule sets built into the package;
    ``Classifier("my_rules/")`` adds every ``*.toml`` of a folder (a rule set
    with a built-in id replaces the built-in one); ``builtin=False`` loads
    only the given files. Problems in rule files raise ``ValueError`` listing
    every diagnostic (code, file:line:column, rule id).

    Immutable and thread-safe. Screening releases the GIL.
    """

    __slots__ = ("_core",)

    def __init__(
        self,
        rules: Union[None, PathLike, Sequence[PathLike]] = None,
        *,
        builtin: bool = True,
    ):
        if rules is None:
            paths = []
        elif isinstance(rules, (str, os.PathLike)):
            paths = [os.fspath(rules)]
        else:
            paths = [os.fspath(p) for p in rules]
        self._core = _dualuse.Classifier(paths, builtin=builtin)

    @classmethod
    def from_sources(cls, sources: Iterable[tuple], *, builtin: bool = True) -> "Classifier":
        """Compiles rule files given as ``(name, text)`` pairs, such as
        :attr:`sources` shipped from a driver to a worker."""
        self = cls.__new__(cls)
        self._core = _dualuse.Classifier.from_sources(
            [(str(n), str(t)) for n, t in sources], builtin=builtin
        )
        return self

    def classify_batch(
        self,
        batch: pa.RecordBatch,
        hs_column: Optional[str] = "hs_code",
        text_column: str = "description",
        *,
        parallel: bool = False,
        append: bool = True,
    ) -> pa.RecordBatch:
        """Screens a ``pyarrow.RecordBatch`` (or any object with
        ``__arrow_c_array__``).

        Returns the batch's columns followed by the result columns (an input
        column named like a result column is replaced), or the result
        columns alone with ``append=False``. Code and description columns
        may be ``string``, ``large_string`` or ``string_view``;
        ``hs_column=None`` screens descriptions alone. A row whose code and
        description are both null gets null results.

        ``parallel=True`` spreads the batch over all cores: for one machine.
        Leave it off inside an engine task (Spark, Ray), which already runs
        one task per core.
        """
        return self._core.classify_batch(
            batch, hs_column, text_column, parallel=parallel, append=append
        )

    def classify_table(
        self,
        table: pa.Table,
        hs_column: Optional[str] = "hs_code",
        text_column: str = "description",
        *,
        parallel: bool = False,
        append: bool = True,
    ) -> pa.Table:
        """:meth:`classify_batch` over every batch of a ``pyarrow.Table``."""
        batches = [
            self.classify_batch(b, hs_column, text_column, parallel=parallel, append=append)
            for b in table.to_batches()
        ]
        if not batches:
            empty = pa.RecordBatch.from_pylist([], schema=table.schema)
            batches = [self.classify_batch(empty, hs_column, text_column, append=append)]
        return pa.Table.from_batches(batches)

    def classify(self, hs: Optional[str], text: str) -> dict:
        """Screens one line; the full result (code, hits with evidence,
        categories, misdeclarations, vetoed rules) as a dict."""
        return json.loads(self._core.classify_json(hs, text or ""))

    @property
    def result_schema(self) -> pa.Schema:
        """The schema of the result columns; its metadata (key ``dualuse``)
        names the rule sets."""
        return self._core.result_schema()

    @property
    def rulesets(self) -> list:
        """The loaded rule sets: ``id``, ``version``, ``title``, ``origin``,
        ``sha256`` (of the file), ``rules`` (count) and more, in load order."""
        return json.loads(self._core.rulesets_json())

    @property
    def metadata(self) -> dict:
        """``{"dualuse": version, "rules_hash": hash, "rulesets": [{id,
        version, sha256}]}``: the record that the binary writes first in
        JSON Lines output, and that the result schema carries."""
        return json.loads(self._core.metadata_json())["metadata"]

    @property
    def hash(self) -> str:
        """SHA-256 over the loaded rule sets' ids, versions and file hashes:
        every result row carries it in ``dualuse_rules_hash``."""
        return self._core.hash

    @property
    def builtin(self) -> bool:
        """Whether the built-in rule sets are loaded."""
        return self._core.builtin

    @property
    def sources(self) -> list:
        """The rule files given besides the built-in ones, as ``(name,
        text)``: what the engine adapters ship to their workers."""
        return list(self._core.sources)

    def __reduce__(self):
        # Pickled as its rule texts: a worker that unpickles one compiles it.
        # The engine adapters avoid even that through dualuse._cache.
        return (_from_sources, (self.sources, self.builtin))

    def __repr__(self) -> str:
        return repr(self._core)


def _from_sources(sources, builtin):
    return Classifier.from_sources(sources, builtin=builtin)


class Watchlist:
    """Party watch lists (sanctions and company lists), loaded and indexed
    once: screen the importer, exporter and consignee columns of batches.

    ``Watchlist("sanctions.csv")`` or ``Watchlist(["a.csv", "b.csv"])``
    loads OpenSanctions "simple" CSV exports, OFAC SDN CSV files, or a plain
    CSV with ``name`` and optional ``aliases``, ``country``,
    ``identifiers``, ``list``, ``id`` columns (the format is detected from
    the header). ``sources=[(name, text)]`` adds lists held in memory.
    ``threshold`` is the lowest fuzzy score reported (0..1). A broken line
    raises ``ValueError`` naming the file and line.

    Names are compared after case, quotes, punctuation, legal forms
    (``ООО``, ``LLC``, ``CO., LTD``, ``有限公司``, ...), Cyrillic-Latin
    transliteration and word order are normalised, with small typos
    tolerated; identifiers (INN, OGRN, USCC, ...) match exactly.

    Thread-safe; screening releases the GIL and caches each distinct party
    string, so a dump that repeats the same names pays for each once.
    """

    __slots__ = ("_core",)

    def __init__(
        self,
        paths: Union[None, PathLike, Sequence[PathLike]] = None,
        *,
        sources: Iterable[tuple] = (),
        threshold: Optional[float] = None,
    ):
        if paths is None:
            paths = []
        elif isinstance(paths, (str, os.PathLike)):
            paths = [os.fspath(paths)]
        else:
            paths = [os.fspath(p) for p in paths]
        self._core = _dualuse.Watchlist(
            paths, sources=[(str(n), str(t)) for n, t in sources], threshold=threshold
        )

    def screen_batch(
        self, batch: pa.RecordBatch, columns: Sequence[str], *, append: bool = True
    ) -> pa.RecordBatch:
        """Screens the party ``columns`` of a ``pyarrow.RecordBatch``.

        Returns the batch followed by :data:`PARTY_COLUMNS`
        (``dualuse_party_hits``: per row a list of ``{field, text, id,
        name, list, alias, score, method}``, best hit first within each
        column; ``dualuse_party_flagged``: whether there is one), or those
        two alone with ``append=False``. Null and empty parties are not
        screened. Composes with :meth:`Classifier.classify_batch`: screen
        the goods, then the parties, of the same batch.
        """
        return self._core.screen_batch(batch, list(columns), append=append)

    def screen(self, name: str, field: str = "party") -> list:
        """Matches one party name; the hits as dicts, best first."""
        return json.loads(self._core.screen_json(field, name))

    @property
    def party_schema(self) -> pa.Schema:
        """The schema of the columns :meth:`screen_batch` adds."""
        return self._core.party_schema()

    @property
    def threshold(self) -> float:
        """The lowest fuzzy score reported."""
        return self._core.threshold

    def __len__(self) -> int:
        return len(self._core)

    def __repr__(self) -> str:
        return repr(self._core)
