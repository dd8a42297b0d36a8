//! The crate's error type: opaque, with a kind and a location where there is one.

use crate::diag::Diagnostic;
use std::fmt;

/// An error from loading rules, reading input or writing output.
///
/// Opaque on purpose (the lesson of `regex` and `csv`): match on [`Error::kind`].
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Rule files had problems; every one is listed.
    #[error("{} problem(s) in the rule files; first: {}", .0.len(), .0.first().map(|d| d.to_string()).unwrap_or_default())]
    Rules(Vec<Diagnostic>),
    /// Watch-list files had problems; every one is listed (`E050`...).
    #[error("{} problem(s) in the watch lists; first: {}", .0.len(), .0.first().map(|d| d.to_string()).unwrap_or_default())]
    Watchlist(Vec<Diagnostic>),
    /// An input or output operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The input could not be read as a table.
    #[error("{path}: row {row}: {message}")]
    Input {
        /// The input path or `-`.
        path: String,
        /// 1-based data row number (0 for the header).
        row: u64,
        /// What is wrong.
        message: String,
    },
    /// A setting was invalid (an unknown column, a bad option).
    #[error("{0}")]
    Config(String),
}

impl Error {
    /// The kind of error.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// The diagnostics, when this is a rule- or watch-list-loading error.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match &*self.0 {
            ErrorKind::Rules(d) | ErrorKind::Watchlist(d) => d,
            _ => &[],
        }
    }

    /// The 1-based data row, when this is an input error tied to a row.
    pub fn row(&self) -> Option<u64> {
        match &*self.0 {
            ErrorKind::Input { row, .. } => Some(*row),
            _ => None,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error(Box::new(ErrorKind::Io {
            context: context.into(),
            source,
        }))
    }

    pub(crate) fn config(msg: impl Into<String>) -> Error {
        Error(Box::new(ErrorKind::Config(msg.into())))
    }

    pub(crate) fn input(path: &str, row: u64, message: impl Into<String>) -> Error {
        Error(Box::new(ErrorKind::Input {
            path: path.to_string(),
            row,
            message: message.into(),
        }))
    }
}

impl From<ErrorKind> for Error {
    fn from(k: ErrorKind) -> Error {
        Error(Box::new(k))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
