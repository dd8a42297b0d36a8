//! `dualuse._dualuse`: the compiled core of the Python package.
//!
//! Record batches cross from pyarrow and back through the Arrow C Data
//! Interface (`arrow-pyarrow`), so no column is copied; screening runs with
//! the GIL released. The pure-Python package (`python/dualuse/`) wraps this
//! module; see `python/README.md`.

use arrow_array::RecordBatch;
use arrow_pyarrow::PyArrowType;
use arrow_schema::Schema;
use dualuse::{arrow as da, Classifier, RuleSources};
use pyo3::exceptions::{PyKeyError, PyOSError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;

/// A compiled set of rule sets. Immutable; share it between threads.
#[pyclass(name = "Classifier", module = "dualuse._dualuse", frozen)]
struct PyClassifier {
    clf: Classifier,
    builtin: bool,
    /// The rule files given besides the built-in ones, as (name, text): what
    /// an engine ships to its workers.
    extra: Vec<(String, String)>,
}

fn load_error(e: dualuse::Error) -> PyErr {
    match e.kind() {
        dualuse::ErrorKind::Io { .. } => PyOSError::new_err(e.to_string()),
        _ if !e.diagnostics().is_empty() => {
            let lines: Vec<String> = e.diagnostics().iter().map(|d| d.to_string()).collect();
            PyValueError::new_err(format!(
                "{} problem(s) in the rule files:\n{}",
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
        let clf = py.detach(|| Classifier::new(&src)).map_err(load_error)?;
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
            src.add_path(p).map_err(load_error)?;
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

#[pymodule]
fn _dualuse(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyClassifier>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "RESULT_COLUMNS",
        da::RESULT_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )?;
    Ok(())
}
