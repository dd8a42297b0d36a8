//! `dualuse._dualuse`: the compiled core of the Python package.
//!
//! Record batches cross from pyarrow and back through the Arrow C Data
//! Interface (`arrow-pyarrow`), so no column is copied; screening runs with
//! the GIL released. The pure-Python package (`python/dualuse/`) wraps this
//! module; see `python/README.md`.

use arrow_array::RecordBatch;
use arrow_pyarrow::PyArrowType;
use arrow_schema::Schema;
use dualuse::watchlist::{PartyMatcher, Watchlist, WatchlistBuilder};
use dualuse::{arrow as da, Classifier, RuleSources};
use pyo3::exceptions::{PyKeyError, PyOSError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Mutex;

/// A compiled set of rule sets. Immutable; share it between threads.
#[pyclass(name = "Classifier", module = "dualuse._dualuse", frozen)]
struct PyClassifier {
    clf: Classifier,
    builtin: bool,
    /// The rule files given besides the built-in ones, as (name, text): what
    /// an engine ships to its workers.
    extra: Vec<(String, String)>,
}

fn load_error(e: dualuse::Error, what: &str) -> PyErr {
    match e.kind() {
        dualuse::ErrorKind::Io { .. } => PyOSError::new_err(e.to_string()),
        _ if !e.diagnostics().is_empty() => {
            let lines: Vec<String> = e.diagnostics().iter().map(|d| d.to_string()).collect();
            PyValueError::new_err(format!(
                "{} problem(s) in the {what}:\n{}",
                lines.len(),
                lines.join("\n")
            ))
        }
        _ => PyValueError::new_err(e.to_string()),
    }
}

fn arrow_error(e: arrow_schema::ArrowError) -> PyErr {
    match e {
        arrow_schema::ArrowError::SchemaError(m) => PyKeyError::new_err(m),
        arrow_schema::ArrowError::InvalidArgumentError(m) => PyValueError::new_err(m),
        e => PyValueError::new_err(e.to_string()),
    }
}

impl PyClassifier {
    fn base(builtin: bool) -> RuleSources {
        if builtin {
            RuleSources::builtin()
        } else {
            RuleSources::empty()
        }
    }

    /// `src` holds the built-in files (when `builtin`) followed by `extra`.
    fn build(
        py: Python<'_>,
        src: RuleSources,
        builtin: bool,
        extra: Vec<(String, String)>,
    ) -> PyResult<Self> {
        let clf = py
            .detach(|| Classifier::new(&src))
            .map_err(|e| load_error(e, "rule files"))?;
        Ok(PyClassifier {
            clf,
            builtin,
            extra,
        })
    }
}

#[pymethods]
impl PyClassifier {
    /// Compiles the built-in rule sets (unless `builtin=False`) and the rule
    /// files or folders in `rules`; a rule set with a built-in id replaces it.
    #[new]
    #[pyo3(signature = (rules = Vec::new(), *, builtin = true))]
    fn new(py: Python<'_>, rules: Vec<PathBuf>, builtin: bool) -> PyResult<Self> {
        let mut src = Self::base(builtin);
        let n_builtin = src.len();
        for p in &rules {
            src.add_path(p).map_err(|e| load_error(e, "rule files"))?;
        }
        let extra = src
            .files()
            .skip(n_builtin)
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        Self::build(py, src, builtin, extra)
    }

    /// Compiles rule files given as (name, text) pairs, as shipped to a worker.
    #[staticmethod]
    #[pyo3(signature = (sources, *, builtin = true))]
    fn from_sources(
        py: Python<'_>,
        sources: Vec<(String, String)>,
        builtin: bool,
    ) -> PyResult<Self> {
        let mut src = Self::base(builtin);
        for (name, text) in &sources {
            src.add_source(name.as_str(), text.as_str());
        }
        Self::build(py, src, builtin, sources)
    }

    /// Screens `batch` (a `pyarrow.RecordBatch`, or any object with
    /// `__arrow_c_array__`) and returns a `pyarrow.RecordBatch`: the batch's
    /// columns then the result columns (`append=True`), or the result
    /// columns alone. `hs_column=None` screens descriptions without codes.
    /// `parallel=True` spreads the batch over all cores (not from an engine
    /// task, which already has its core).
    #[pyo3(signature = (batch, hs_column, text_column, *, parallel = false, append = true))]
    fn classify_batch(
        &self,
        py: Python<'_>,
        batch: PyArrowType<RecordBatch>,
        hs_column: Option<String>,
        text_column: String,
        parallel: bool,
        append: bool,
    ) -> PyResult<PyArrowType<RecordBatch>> {
        let batch = batch.0;
        let (hs, text) = (hs_column.as_deref(), text_column.as_str());
        let out = py.detach(|| {
            let out = if parallel {
                da::classify_record_batch_parallel(&self.clf, &batch, hs, text)?
            } else {
                da::classify_record_batch(&self.clf, &mut self.clf.scratch(), &batch, hs, text)?
            };
            if append {
                return Ok(out);
            }
            // The result columns are always the last ones.
            let n = out.num_columns();
            out.project(&(n - da::RESULT_COLUMNS.len()..n).collect::<Vec<_>>())
        });
        out.map(PyArrowType).map_err(arrow_error)
    }

    /// Screens one line; the result as JSON (the `dualuse` package parses it).
    #[pyo3(signature = (hs, text))]
    fn classify_json(&self, py: Python<'_>, hs: Option<&str>, text: &str) -> PyResult<String> {
        let (hs, text) = (hs.map(str::to_owned), text.to_owned());
        let r = py.detach(|| self.clf.classify(hs.as_deref(), &text));
        serde_json::to_string(&r).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The schema of the result columns, with the rule sets in its metadata.
    fn result_schema(&self) -> PyArrowType<Schema> {
        PyArrowType(da::result_schema(&self.clf).as_ref().clone())
    }

    /// The loaded rule sets (id, version, title, origin, sha256, rules...), as JSON.
    fn rulesets_json(&self) -> PyResult<String> {
        serde_json::to_string(self.clf.rulesets()).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The record that names the rule sets, as JSON (the schema metadata and
    /// the first line of `dualuse classify --format jsonl`).
    fn metadata_json(&self) -> String {
        dualuse::batch::metadata_json(&self.clf)
    }

    /// SHA-256 over the loaded rule sets' ids, versions and file hashes.
    #[getter]
    fn hash(&self) -> &str {
        self.clf.hash()
    }

    /// Whether the built-in rule sets are loaded.
    #[getter]
    fn builtin(&self) -> bool {
        self.builtin
    }

    /// The rule files given besides the built-in ones, as (name, text).
    #[getter]
    fn sources(&self) -> Vec<(String, String)> {
        self.extra.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Classifier({} rule sets, {} rules, hash {})",
            self.clf.rulesets().len(),
            self.clf.rules().len(),
            &self.clf.hash()[..12]
        )
    }
}

/// Party watch lists, loaded and indexed once. Thread-safe: each call
/// borrows one of the list's matchers (each caches the distinct party
/// strings it has seen, so a dump that repeats the same names pays once).
#[pyclass(name = "Watchlist", module = "dualuse._dualuse", frozen)]
struct PyWatchlist {
    wl: Watchlist,
    /// Idle matchers, one per thread that screened at the same time.
    matchers: Mutex<Vec<PartyMatcher>>,
}

/// Distinct party strings a matcher keeps.
const MATCHER_CAPACITY: usize = 1 << 16;

#[pymethods]
impl PyWatchlist {
    /// Loads the lists at `paths` (OpenSanctions simple CSV, OFAC SDN CSV or
    /// a plain `name[,aliases,country,identifiers,list,id]` CSV) and
    /// `sources`, given as (name, text); `threshold` is the lowest fuzzy
    /// score reported (the library's default when None).
    #[new]
    #[pyo3(signature = (paths = Vec::new(), *, sources = Vec::new(), threshold = None))]
    fn new(
        py: Python<'_>,
        paths: Vec<PathBuf>,
        sources: Vec<(String, String)>,
        threshold: Option<f64>,
    ) -> PyResult<Self> {
        let mut b = WatchlistBuilder::new();
        if let Some(t) = threshold {
            b = b.threshold(t);
        }
        for p in paths {
            b = b.add_path(p);
        }
        for (n, t) in sources {
            b = b.add_source(n, t);
        }
        let wl = py
            .detach(|| b.build())
            .map_err(|e| load_error(e, "watch lists"))?;
        Ok(PyWatchlist {
            wl,
            matchers: Mutex::new(Vec::new()),
        })
    }

    /// Screens the party columns of a pyarrow RecordBatch and returns the
    /// batch with `dualuse_party_hits` (a list of structs per row) and
    /// `dualuse_party_flagged` appended (`append=True`), or those two alone.
    #[pyo3(signature = (batch, columns, *, append = true))]
    fn screen_batch(
        &self,
        py: Python<'_>,
        batch: PyArrowType<RecordBatch>,
        columns: Vec<String>,
        append: bool,
    ) -> PyResult<PyArrowType<RecordBatch>> {
        let batch = batch.0;
        let names: Vec<&str> = columns.iter().map(String::as_str).collect();
        let mut m = self
            .matchers
            .lock()
            .map_err(|_| PyValueError::new_err("a watch-list matcher panicked"))?
            .pop()
            .unwrap_or_else(|| self.wl.matcher(MATCHER_CAPACITY));
        let out = py.detach(|| {
            if append {
                da::screen_parties_record_batch(&mut m, &batch, &names)
            } else {
                da::screen_parties(&mut m, &batch, &names)
            }
        });
        if let Ok(mut idle) = self.matchers.lock() {
            idle.push(m);
        }
        out.map(PyArrowType).map_err(arrow_error)
    }

    /// Matches one party name; the hits as JSON (the package parses it).
    #[pyo3(signature = (field, text))]
    fn screen_json(&self, field: &str, text: &str) -> PyResult<String> {
        serde_json::to_string(&self.wl.screen(field, text))
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The schema of the party columns.
    fn party_schema(&self) -> PyArrowType<Schema> {
        PyArrowType(da::party_schema().as_ref().clone())
    }

    /// The number of entities loaded.
    fn __len__(&self) -> usize {
        self.wl.len()
    }

    /// The threshold in use.
    #[getter]
    fn threshold(&self) -> f64 {
        self.wl.threshold()
    }

    fn __repr__(&self) -> String {
        format!(
            "Watchlist({} entities, {} names, threshold {})",
            self.wl.len(),
            self.wl.names(),
            self.wl.threshold()
        )
    }
}

#[pymodule]
fn _dualuse(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyClassifier>()?;
    m.add_class::<PyWatchlist>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("RESULT_COLUMNS", da::RESULT_COLUMNS.to_vec())?;
    m.add("PARTY_COLUMNS", da::PARTY_COLUMNS.to_vec())?;
    Ok(())
}
