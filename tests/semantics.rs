//! The classifier's semantics as data: every `tests/semantics/*.toml` file
//! holds a small rule set and a table of cases (a declared code, a line,
//! and what the result must say), in the spirit of the regex crate's TOML
//! test corpus. One harness runs them all, and checks every case against
//! the naive oracle as well (`dualuse::oracle`), so a case documents the
//! behaviour of both.
//!
//! A case checks only the fields it names, and must name at least one:
//!
//! | field | the result's |
//! |---|---|
//! | `flagged` | `flagged()` |
//! | `hits` | hits as `RULE:BASIS` (`hs`, `text`, `hs+text`), as a set |
//! | `vetoed` | vetoed rule ids, as a set |
//! | `categories` | categories, in the result's order |
//! | `misdeclared` | misdeclared categories, sorted |
//! | `evidence` | every hit's evidence as `RULE KIND "TEXT" START..END` (spans into the line; `-` for evidence without a span), as a set |
//! | `hs` | the normalised code's digits (`""` for none) |
//! | `hs_warning` | whether the result carries a code warning |
//!
//! Adding a case: write the line, run `cargo test --test semantics`, and
//! check every field the failure prints against `rules/README.md`; the
//! corpus states what the engine must do, so a case is never rewritten to
//! match a result without a reason in its `why`.

use dualuse::oracle::{fired, NaiveClassifier};
use dualuse::{Classifier, RuleSources, Screening};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    /// What the file covers.
    #[allow(dead_code)]
    about: String,
    /// A rule set in the rule format.
    rules: String,
    #[serde(rename = "case")]
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// Why the engine must answer this way (the rule of `rules/README.md`).
    why: String,
    hs: Option<String>,
    text: String,
    flagged: Option<bool>,
    hits: Option<Vec<String>>,
    vetoed: Option<Vec<String>>,
    categories: Option<Vec<String>>,
    misdeclared: Option<Vec<String>>,
    evidence: Option<Vec<String>>,
    #[serde(rename = "hs_digits")]
    hs_digits: Option<String>,
    hs_warning: Option<bool>,
}

fn set(v: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    v.into_iter().collect()
}

/// Checks one case; returns the differences, one line each.
fn check(case: &Case, r: &Screening) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut cmp = |field: &str, want: String, got: String| {
        if want != got {
            diffs.push(format!("  {field}: want {want}, got {got}"));
        }
    };
    if let Some(f) = case.flagged {
        cmp("flagged", f.to_string(), r.flagged().to_string());
    }
    if let Some(h) = &case.hits {
        let got = set(r
            .hits
            .iter()
            .map(|h| format!("{}:{}", h.rule, h.basis.as_str())));
        cmp("hits", format!("{:?}", set(h.clone())), format!("{got:?}"));
    }
    if let Some(v) = &case.vetoed {
        let got = set(r.vetoed.iter().map(|v| v.rule.to_string()));
        cmp(
            "vetoed",
            format!("{:?}", set(v.clone())),
            format!("{got:?}"),
        );
    }
    if let Some(c) = &case.categories {
        let got: Vec<String> = r.categories.iter().map(|c| c.as_str().into()).collect();
        cmp("categories", format!("{c:?}"), format!("{got:?}"));
    }
    if let Some(m) = &case.misdeclared {
        let got: Vec<String> = r
            .misdeclared_categories()
            .iter()
            .map(|c| c.as_str().into())
            .collect();
        cmp("misdeclared", format!("{m:?}"), format!("{got:?}"));
    }
    if let Some(e) = &case.evidence {
        let got = set(r.hits.iter().flat_map(|h| {
            h.evidence.iter().map(move |e| {
                let span = match (e.start, e.end) {
                    (Some(s), Some(t)) => format!("{s}..{t}"),
                    _ => "-".into(),
                };
                format!("{} {} {:?} {span}", h.rule, e.kind.as_str(), e.text)
            })
        }));
        cmp(
            "evidence",
            format!("{:?}", set(e.clone())),
            format!("{got:?}"),
        );
    }
    if let Some(d) = &case.hs_digits {
        cmp(
            "hs_digits",
            format!("{d:?}"),
            format!("{:?}", r.hs.digits.clone().unwrap_or_default()),
        );
    }
    if let Some(w) = case.hs_warning {
        cmp(
            "hs_warning",
            w.to_string(),
            r.hs.warning.is_some().to_string(),
        );
    }
    diffs
}

#[test]
fn semantics_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/semantics");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "the corpus is in tests/semantics/*.toml");
    let mut failures = Vec::new();
    let mut n = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let corpus: Corpus = toml::from_str(&std::fs::read_to_string(f).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut src = RuleSources::empty();
        src.add_source(format!("{name}:rules"), corpus.rules.clone());
        let clf = Classifier::new(&src).unwrap_or_else(|e| panic!("{name}: {e}"));
        let oracle = NaiveClassifier::new(&src).unwrap_or_else(|d| panic!("{name}: {d:?}"));
        assert!(!corpus.cases.is_empty(), "{name}: no cases");
        let mut names = BTreeSet::new();
        for case in &corpus.cases {
            n += 1;
            assert!(
                names.insert(&case.name),
                "{name}: two cases named {:?}",
                case.name
            );
            assert!(
                !case.why.trim().is_empty(),
                "{name}: {:?} says no why",
                case.name
            );
            let checks = [
                case.flagged.is_some(),
                case.hits.is_some(),
                case.vetoed.is_some(),
                case.categories.is_some(),
                case.misdeclared.is_some(),
                case.evidence.is_some(),
                case.hs_digits.is_some(),
                case.hs_warning.is_some(),
            ];
            assert!(
                checks.iter().any(|&c| c),
                "{name}: {:?} checks nothing",
                case.name
            );
            let r = clf.classify(case.hs.as_deref(), &case.text);
            let mut diffs = check(case, &r);
            let key = |v: Vec<(String, dualuse::Basis)>| {
                let mut v: Vec<(String, &str)> =
                    v.into_iter().map(|(r, b)| (r, b.as_str())).collect();
                v.sort();
                v
            };
            let want = key(fired(&r));
            let got = key(oracle.classify(case.hs.as_deref(), &case.text));
            if want != got {
                diffs.push(format!("  oracle: engine {want:?}, oracle {got:?}"));
            }
            if !diffs.is_empty() {
                failures.push(format!(
                    "{name}: {:?} (hs {:?}, text {:?})\n{}",
                    case.name,
                    case.hs,
                    case.text,
                    diffs.join("\n")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
