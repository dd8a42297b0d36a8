//! Arbitrary bytes as a rule file: loading must never panic. Errors are fine,
//! but every diagnostic must render, and a rule set that loads must screen
//! its own examples without panicking.
#![no_main]

use dualuse::oracle::NaiveClassifier;
use dualuse::{Classifier, RuleSources};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Rule files reach the library as strings; `add_path` reports non-UTF-8
    // files as E014 before parsing, so lossy decoding loses no parser paths.
    let text = String::from_utf8_lossy(data);
    let mut sources = RuleSources::empty();
    sources.add_source("fuzz.toml", text.as_ref());
    match Classifier::new(&sources) {
        Ok(clf) => {
            // The oracle accepts what the classifier accepts, and fires the
            // same rules on the rules' own examples and on the file's text
            // (which holds every term as written).
            let oracle = NaiveClassifier::new(&sources)
                .expect("the classifier loads the rules but the oracle does not");
            let mut lines: Vec<(Option<String>, String)> = clf
                .rules()
                .flat_map(|r| r.examples.iter().chain(&r.counterexamples))
                .map(|ex| (ex.hs.clone(), ex.text.clone()))
                .collect();
            lines.push((None, text.to_string()));
            let mut scratch = clf.scratch();
            for (hs, line) in &lines {
                let r = clf.classify_with(&mut scratch, hs.as_deref(), line);
                assert_eq!(
                    dualuse::oracle::fired(&r),
                    oracle.classify(hs.as_deref(), line),
                    "classifier and oracle disagree on {line:?}"
                );
            }
        }
        Err(e) => {
            let diags = e.diagnostics();
            for d in diags {
                let _ = d.render();
                let _ = d.to_string();
                assert!(!d.file.is_empty(), "diagnostic without a file: {d:?}");
            }
            let _ = e.to_string();
        }
    }
});
