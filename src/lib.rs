//! `dualuse` screens customs lines — a declared HS code and a free-text goods
//! description — against curated dual-use and high-priority rule sets: the
//! Common High Priority List (CHPL) of the EU, US, UK and Japan, and
//! description rules for ten categories of goods (`docs/categories.md`).
//!
//! # Overview
//! - [`RuleSources`]: rule files to compile; [`RuleSources::builtin`] holds the
//!   curated sets embedded in the crate.
//! - [`ClassifierBuilder`]: settings (rule sets, categories, minimum severity);
//!   `build` checks every file and reports every problem at once as
//!   [`Diagnostic`]s with stable codes and `file:line:column`.
//! - [`check::check_rules`]: what `dualuse rules check` reports, the errors
//!   and the warnings (too few examples, E016) that do not stop the rules
//!   from loading.
//! - [`Classifier`]: immutable, `Send + Sync`, cheap to clone. One automaton for
//!   all terms and the patterns' trigger literals, one table for HS prefixes;
//!   a pattern's regex runs only where one of its triggers occurs.
//! - [`Screening`]: the result for one line: HS code, [`Hit`]s with
//!   [`Evidence`] spans into the original text, categories, misdeclaration.
//!
//! # Examples
//! Load the built-in rules, screen a line, read the evidence:
//! ```
//! use dualuse::{Basis, Category, Classifier};
//!
//! let clf = Classifier::builtin()?;
//! let text = "МИКРОСХЕМА ПЛИС XC7K325T-2FFG900I, 10 ШТ";
//! let r = clf.classify(Some("8542 39 900 0"), text);
//! assert!(r.flagged());
//! assert_eq!(r.hs.digits.as_deref(), Some("8542399000"));
//! let hit = r.hits.iter().find(|h| h.basis == Basis::HsText).unwrap();
//! assert_eq!(hit.category, Category::Microelectronics);
//! for e in &hit.evidence {
//!     if let (Some(s), Some(end)) = (e.start, e.end) {
//!         assert_eq!(&text[s..end], e.text); // spans point into the original
//!     }
//! }
//! # Ok::<(), dualuse::Error>(())
//! ```
//!
//! Screen many lines in parallel, one scratch per worker:
//! ```
//! use dualuse::{Classifier, Line};
//! let clf = Classifier::builtin()?;
//! let lines = [
//!     Line { hs: Some("848210"), text: "BALL BEARING 6204-2RS" },
//!     Line { hs: Some("1806.20"), text: "Chocolate chips dark 54%" },
//! ];
//! let out = clf.classify_batch(&lines);
//! assert!(out[0].flagged());
//! assert!(!out[1].flagged());
//! # Ok::<(), dualuse::Error>(())
//! ```
//!
//! Rules of your own, with diagnostics on error:
//! ```
//! use dualuse::{Classifier, RuleSources};
//! let mut src = RuleSources::empty();
//! src.add_source("mine.toml", "[ruleset]\nid = \"mine\"\nversion = \"1\"\ntitle = \"t\"\nsources = [\"s\"]\n\n[[rule]]\nid = \"mine.x\"\ntitle = \"x\"\ncategory = \"rockets\"\nseverity = \"high\"\nreferences = [\"X\"]\nsources = [\"s\"]\nrequires = \"text\"\nany = [\"x\"]\n");
//! let err = Classifier::new(&src).unwrap_err();
//! let d = &err.diagnostics()[0];
//! assert_eq!(d.code.as_str(), "E004");
//! assert_eq!((d.line, d.column), (10, 12));
//! ```
//!
//! # Performance
//! Compile once, share the classifier, and give each thread its own
//! [`Scratch`]: descriptions are short, and shared mutable search state would
//! contend. See `BENCHMARKS.md` for measured throughput.
#![deny(missing_docs)]

/// Screening whole Arrow record batches into result columns (feature `arrow`).
#[cfg(feature = "arrow")]
pub mod arrow;
pub mod batch;
pub mod check;
mod classifier;
pub mod diag;
mod error;
pub mod hs;
pub mod input;
pub mod limits;
mod mentions;
// What only the tests, benches and fuzz targets use: public so that they
// can reach it, hidden from the documentation, and outside the stable API.
#[doc(hidden)]
pub mod normalize;
#[doc(hidden)]
pub mod oracle;
pub mod output;
mod params;
mod parts;
mod pattern;
pub mod report;
mod result;
mod rules;
mod types;
mod variants;
pub mod watchlist;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use classifier::{
    Classifier, ClassifierBuilder, ExampleFailure, Line, RuleInfo, RuleSources, Scratch,
};
pub use diag::{Code, Diagnostic, Level};
pub use error::{Error, ErrorKind, Result};
pub use parts::{ManufacturerInfo, PartFamilyInfo};
pub use result::{
    CodeInText, Evidence, EvidenceKind, Hit, HsInfo, HsSource, Misdeclaration, NearMiss, Part,
    Screening, Veto,
};
pub use rules::{Example, ParamCond, RuleSetInfo};
pub use types::{Basis, Category, Requires, Severity};
