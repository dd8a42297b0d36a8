//! `dualuse rules check` as a library call: every error and every warning of
//! a set of rule files, at once.
//!
//! Errors (E001...E015) make the rules unusable: [`ClassifierBuilder::build`]
//! refuses them. Warnings (E016: a rule with fewer than two examples or two
//! counterexamples) do not: the rules still compile and screen, so a rule
//! file of one's own is never refused by `classify` for them; only
//! [`check_rules`] (and `dualuse rules check`) reports them, for the rules
//! that have no error.
//!
//! ```
//! use dualuse::{check::check_rules, ClassifierBuilder, Code, RuleSources};
//! let mut src = RuleSources::empty();
//! src.add_source("mine.toml", "[ruleset]\nid = \"mine\"\nversion = \"1\"\ntitle = \"t\"\nsources = [\"s\"]\n\n[[rule]]\nid = \"mine.x\"\ntitle = \"x\"\ncategory = \"optics\"\nseverity = \"high\"\nreferences = [\"X\"]\nsources = [\"s\"]\nrequires = \"text\"\nany = [\"x\"]\n\n[[rule.example]]\ntext = \"x\"\n");
//! let report = check_rules(&ClassifierBuilder::new(), &src)?;
//! assert_eq!(report.errors(), 0);
//! assert_eq!(report.warnings(), 1);
//! let d = &report.diagnostics()[0];
//! assert_eq!(d.code, Code::E016);
//! assert_eq!((d.line, d.column, d.rule.as_deref()), (8, 6, Some("mine.x")));
//! assert!(report.classifier().is_some()); // it still screens
//! # Ok::<(), dualuse::Error>(())
//! ```

use crate::diag::{Diagnostic, Level};
use crate::error::{ErrorKind, Result};
use crate::{Classifier, ClassifierBuilder, RuleSources};
use std::collections::HashSet;

/// What [`check_rules`] found.
#[derive(Clone, Debug)]
pub struct CheckReport {
    diagnostics: Vec<Diagnostic>,
    classifier: Option<Classifier>,
}

impl CheckReport {
    /// Every error and warning, file by file (in the order the files were
    /// given), in the order of each file.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.count(Level::Error)
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.count(Level::Warning)
    }

    fn count(&self, level: Level) -> usize {
        self.diagnostics.iter().filter(|d| d.level == level).count()
    }

    /// The compiled rules, when there was no error.
    pub fn classifier(&self) -> Option<&Classifier> {
        self.classifier.as_ref()
    }

    /// The exit status of `dualuse rules check`: 0 when there is nothing
    /// to report, 1 when there are warnings only, 2 when there are errors.
    pub fn exit_status(&self) -> i32 {
        if self.errors() > 0 {
            2
        } else if self.warnings() > 0 {
            1
        } else {
            0
        }
    }
}

/// Checks rule files as `dualuse rules check` does: the errors that
/// [`ClassifierBuilder::build`] reports, and the warnings it does not, for
/// every rule that has no error. Every file of `sources` is checked,
/// whatever rule sets, categories or severities `builder` keeps.
///
/// # Errors
/// Only what is not a problem of the files: a setting of `builder` that
/// cannot be met (a rule set id that no file defines).
pub fn check_rules(builder: &ClassifierBuilder, sources: &RuleSources) -> Result<CheckReport> {
    let mut builder = builder.clone();
    builder.check_embedded_patterns(true);
    let (mut diagnostics, classifier) = match builder.build(sources) {
        Ok(c) => (Vec::new(), Some(c)),
        Err(e) => match e.kind() {
            ErrorKind::Rules(d) => (d.clone(), None),
            _ => return Err(e),
        },
    };
    let names: Vec<&str> = sources.files().map(|(name, _)| name).collect();
    // Warnings for the rules without errors: a rule with errors gets those
    // first, and a warning could follow from one (`exampel = ...` leaves
    // the rule without examples).
    let broken: HashSet<(String, String)> = diagnostics
        .iter()
        .filter_map(|d| Some((d.file.clone(), d.rule.clone()?)))
        .collect();
    for (name, text) in sources.files() {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        diagnostics.extend(crate::rules::lint_file(name, text).into_iter().filter(|d| {
            d.rule
                .as_ref()
                .is_none_or(|r| !broken.contains(&(d.file.clone(), r.clone())))
        }));
    }
    // Files that could not be read come first, as `build` lists them.
    diagnostics.sort_by_key(|d| {
        let file = names.iter().position(|&n| n == d.file).map_or(0, |i| i + 1);
        (file, d.line, d.column)
    });
    Ok(CheckReport {
        diagnostics,
        classifier,
    })
}
