//! Golden files for rendered diagnostics: each `tests/diagnostics/NAME.toml`
//! is checked alone, as `dualuse rules check --no-builtin --rules FILE` does
//! (errors and warnings), and every diagnostic, rendered as rustc-style
//! text and as JSON, must equal `NAME.out`. Run with `UPDATE_GOLDEN=1` to
//! rewrite the `.out` files after an intended change, then review the diff.
//!
//! The files are read with `RuleSources::add_path` (relative to the crate,
//! where `cargo test` runs), so a file that is not UTF-8 gets its E014.

use dualuse::check::check_rules;
use dualuse::{ClassifierBuilder, Code, RuleSources};
use std::collections::BTreeSet;
use std::path::Path;

/// Runs every golden file; returns the codes they produced.
fn run_goldens() -> BTreeSet<&'static str> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut codes = BTreeSet::new();
    for f in files {
        let name = format!(
            "tests/diagnostics/{}",
            f.file_name().unwrap().to_string_lossy()
        );
        let mut src = RuleSources::empty();
        src.add_path(&name).unwrap();
        let report = check_rules(&ClassifierBuilder::new(), &src).unwrap();
        assert!(
            !report.diagnostics().is_empty(),
            "{name}: golden inputs are broken on purpose"
        );
        let mut got = String::new();
        for d in report.diagnostics() {
            codes.insert(d.code.as_str());
            got.push_str(&d.render());
        }
        got.push_str("--- json ---\n");
        got.push_str(&serde_json::to_string_pretty(report.diagnostics()).unwrap());
        got.push('\n');
        let out = f.with_extension("out");
        if update {
            std::fs::write(&out, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&out).unwrap_or_default();
        assert_eq!(
            got,
            want,
            "{name}: rendered diagnostics differ from {}",
            out.display()
        );
    }
    codes
}

#[test]
fn rendered_diagnostics_match_golden_files() {
    run_goldens();
}

/// Every code has a golden file that produces it.
#[test]
fn every_code_has_a_golden() {
    let codes = run_goldens();
    // Watch-list codes (E050 and up) have theirs in tests/watchlist_diagnostics.
    let missing: Vec<_> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| *c < "E050" && !codes.contains(c))
        .collect();
    assert!(missing.is_empty(), "no golden produces {missing:?}");
}
