//! Golden files for rendered diagnostics: each `tests/diagnostics/NAME.toml`
//! is loaded alone, and every diagnostic, rendered as rustc-style text, must
//! equal `NAME.out`. Run with `UPDATE_GOLDEN=1` to rewrite the `.out` files
//! after an intended change, then review the diff.

use dualuse::{Classifier, RuleSources};
use std::path::Path;

#[test]
fn rendered_diagnostics_match_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for f in files {
        let name = format!(
            "tests/diagnostics/{}",
            f.file_name().unwrap().to_string_lossy()
        );
        let mut src = RuleSources::empty();
        src.add_source(name.clone(), std::fs::read_to_string(&f).unwrap());
        let err = Classifier::new(&src).expect_err("golden inputs are broken on purpose");
        let mut got = String::new();
        for d in err.diagnostics() {
            got.push_str(&d.render());
        }
        got.push_str("--- json ---\n");
        got.push_str(&serde_json::to_string_pretty(err.diagnostics()).unwrap());
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
}
