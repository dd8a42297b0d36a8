"""One compiled classifier per worker process, whatever the number of batches.

The engine adapters do not ship a compiled classifier: they ship a
:class:`RulesSpec` (the built-in flag, the texts of any rule files given on
the driver, and the driver's rules hash). A worker compiles it the first time
a batch needs it and keeps it in a module-level dict keyed by the hash, so
every later task in the same Python process reuses it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import pyarrow as pa

from . import Classifier

_CLASSIFIERS: dict = {}
_LOCK = threading.Lock()
#: How many times this process compiled rules through the cache (tests read it).
loads = 0


@dataclass(frozen=True)
class RulesSpec:
    """What a worker needs to rebuild the driver's classifier."""

    builtin: bool
    sources: tuple
    hash: str

    @classmethod
    def of(cls, clf: Classifier) -> "RulesSpec":
        return cls(clf.builtin, tuple(tuple(s) for s in clf.sources), clf.hash)

    def load(self) -> Classifier:
        """The classifier for this spec, compiled once per process."""
        global loads
        clf = _CLASSIFIERS.get(self.hash)
        if clf is not None:
            return clf
        with _LOCK:
            clf = _CLASSIFIERS.get(self.hash)
            if clf is None:
                clf = Classifier.from_sources(self.sources, builtin=self.builtin)
                if clf.hash != self.hash:
                    raise RuntimeError(
                        f"the rules compiled on this worker (pid {os.getpid()}) hash to "
                        f"{clf.hash}, the driver's to {self.hash}: the workers run another "
                        "version of the dualuse package than the driver; install the same "
                        "wheel everywhere"
                    )
                _CLASSIFIERS[self.hash] = clf
                loads += 1
        return clf


_builtin = None


def builtin() -> Classifier:
    """The built-in rule sets, compiled once per process."""
    global _builtin
    if _builtin is None:
        with _LOCK:
            if _builtin is None:
                _builtin = Classifier()
    return _builtin


#: The engine adapters' test mode appends these: the process id of the worker
#: that screened the batch, and how many times that process had compiled
#: rules by then (constant over a process's batches: compiled once).
TEST_COLUMNS = ("dualuse_test_pid", "dualuse_test_loads")


def stamp_columns(rows: int) -> list:
    """The values of :data:`TEST_COLUMNS` for a batch of ``rows`` rows."""
    return [pa.array([os.getpid()] * rows, pa.int64()), pa.array([loads] * rows, pa.int64())]
