//! A deliberately naive classifier: every rule checked alone, by plain
//! substring and regex search over the normalised text.
//!
//! It exists to be obviously correct. Property tests assert that the compiled
//! [`Classifier`](crate::Classifier) returns exactly the hits it returns, and
//! the benchmarks use it as the baseline that grows linearly with rules.

use crate::diag::Diagnostic;
use crate::hs;
use crate::normalize::{is_word_char, normalize_str};
use crate::params;
use crate::rules::{self, PatternDef, RuleDef, TermDef};
use crate::types::{Basis, Requires};
use crate::RuleSources;
use regex::{Regex, RegexBuilder};

/// The naive classifier.
pub struct NaiveClassifier {
    rules: Vec<(RuleDef, Vec<Regex>, Vec<Regex>)>,
}

impl std::fmt::Debug for NaiveClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NaiveClassifier({} rules)", self.rules.len())
    }
}

fn compile(p: &[PatternDef]) -> Vec<Regex> {
    p.iter()
        .filter_map(|d| {
            RegexBuilder::new(&d.engine_source())
                .case_insensitive(true)
                .build()
                .ok()
        })
        .collect()
}

fn term_occurs(text: &str, t: &TermDef) -> bool {
    let mut from = 0;
    while let Some(i) = text[from..].find(&t.lit) {
        let s = from + i;
        let e = s + t.lit.len();
        let before = text[..s]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word_char(c));
        let after = text[e..].chars().next().is_none_or(|c| !is_word_char(c));
        if (!t.start_b || before) && (!t.end_b || after) {
            return true;
        }
        from = s + text[s..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// The boundaries are part of the regex (see `PatternDef::engine_source`),
/// so a pattern occurs exactly when its regex matches somewhere.
fn pattern_occurs(text: &str, re: &Regex) -> bool {
    re.is_match(text)
}

impl NaiveClassifier {
    /// Loads the rules.
    ///
    /// # Errors
    /// The diagnostics, as the compiled classifier would report them.
    pub fn new(sources: &RuleSources) -> Result<NaiveClassifier, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut sets: Vec<rules::RuleSetDef> = Vec::new();
        for (name, text) in sources.files() {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            if let Some(def) = rules::parse_file(name, text, &mut diags) {
                if let Some(i) = sets.iter().position(|s| s.info.id == def.info.id) {
                    sets[i] = def;
                } else {
                    sets.push(def);
                }
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let rules = sets
            .into_iter()
            .flat_map(|s| s.rules)
            .map(|r| {
                let p = compile(&r.patterns);
                let x = compile(&r.ex_patterns);
                (r, p, x)
            })
            .collect();
        Ok(NaiveClassifier { rules })
    }

    /// The rules that fire on a line, as (rule id, basis), sorted by id:
    /// the shape [`fired`] gives a [`Screening`](crate::Screening), so the
    /// two compare directly.
    pub fn classify(&self, hs_field: Option<&str>, text: &str) -> Vec<(String, Basis)> {
        let norm = normalize_str(text);
        let mut digits = hs_field.and_then(|h| hs::parse_declared(h).ok().flatten());
        if digits.is_none() {
            // The first code written after a marker, scanning markers by position.
            let mut found: Vec<(usize, String)> = Vec::new();
            for m in hs::TEXT_MARKERS {
                let mut from = 0;
                while let Some(i) = norm[from..].find(m) {
                    let s = from + i;
                    let e = s + m.len();
                    let before = norm[..s]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !is_word_char(c));
                    let han = m
                        .chars()
                        .next_back()
                        .is_some_and(crate::normalize::is_unsegmented);
                    let after = han || norm[e..].chars().next().is_none_or(|c| !is_word_char(c));
                    if before && after {
                        if let Some(f) = hs::code_after(&norm, e) {
                            found.push((f.start, f.digits));
                        }
                    }
                    from = s + norm[s..].chars().next().map_or(1, char::len_utf8);
                }
            }
            found.sort();
            digits = found.into_iter().next().map(|f| f.1);
        }
        let found_params = params::extract(&norm);
        let mut out = Vec::new();
        for (r, pats, xpats) in &self.rules {
            let hs_match = |list: &[String]| {
                digits
                    .as_deref()
                    .is_some_and(|d| list.iter().any(|p| d.starts_with(p.as_str())))
            };
            let hs_ok = hs_match(&r.hs);
            let has_text = !r.any.is_empty() || !r.patterns.is_empty() || !r.all.is_empty();
            let any_given = !r.any.is_empty() || !r.patterns.is_empty();
            let any_ok = r.any.iter().any(|t| term_occurs(&norm, t))
                || r.patterns
                    .iter()
                    .zip(pats)
                    .any(|(_, re)| pattern_occurs(&norm, re));
            let all_ok = r
                .all
                .iter()
                .all(|g| g.iter().any(|t| term_occurs(&norm, t)));
            let params_ok = r.params.iter().all(|c| {
                found_params
                    .iter()
                    .any(|f| f.quantity == c.quantity && c.op.holds(f.value, c.value))
            });
            let text_ok = has_text && (!any_given || any_ok) && all_ok && params_ok;
            let fires = match r.requires {
                Requires::Hs => hs_ok,
                Requires::Text => text_ok,
                Requires::Either => hs_ok || text_ok,
                Requires::Both => hs_ok && text_ok,
            };
            let excluded = r.ex_any.iter().any(|t| term_occurs(&norm, t))
                || r.ex_patterns
                    .iter()
                    .zip(xpats)
                    .any(|(_, re)| pattern_occurs(&norm, re))
                || hs_match(&r.ex_hs);
            if fires && !excluded {
                let basis = match (hs_ok, text_ok) {
                    (true, true) => Basis::HsText,
                    (true, false) => Basis::Hs,
                    _ => Basis::Text,
                };
                out.push((r.id.clone(), basis));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// The (rule id, basis) pairs of a screening, sorted by id, to compare with
/// [`NaiveClassifier::classify`] (the property tests, the fuzz targets and
/// their regression tests all do).
pub fn fired(s: &crate::Screening) -> Vec<(String, Basis)> {
    let mut v: Vec<(String, Basis)> = s
        .hits
        .iter()
        .map(|h| (h.rule.to_string(), h.basis))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}
