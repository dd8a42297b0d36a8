//! What the fuzz targets (`fuzz/`) found, replayed as ordinary tests, and the
//! committed seed corpora run through the same checks as the targets, so
//! that `cargo test` on stable guards the targets' properties too.
//!
//! Each regression names the target and artifact it came from.

use dualuse::input::{InputOptions, RowReader};
use dualuse::normalize::Normalized;
use dualuse::oracle::NaiveClassifier;
use dualuse::{Classifier, RuleSources, Screening};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn builtin() -> &'static (Classifier, NaiveClassifier) {
    static B: OnceLock<(Classifier, NaiveClassifier)> = OnceLock::new();
    B.get_or_init(|| {
        let src = RuleSources::builtin();
        (
            Classifier::new(&src).expect("built-in rules compile"),
            NaiveClassifier::new(&src).expect("oracle loads built-in rules"),
        )
    })
}

/// The checks of `fuzz_targets/classify.rs`: spans inside the text on char
/// boundaries, and the same (rule, basis) pairs as the naive oracle.
fn check_classify(clf: &Classifier, oracle: &NaiveClassifier, hs: Option<&str>, text: &str) {
    let r: Screening = clf.classify(hs, text);
    let span_ok = |s: usize, e: usize| {
        s <= e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e)
    };
    for h in &r.hits {
        assert!(!h.evidence.is_empty(), "hit {} without evidence", h.rule);
        for ev in &h.evidence {
            match (ev.start, ev.end) {
                (Some(s), Some(e)) => {
                    assert!(span_ok(s, e), "{} evidence {s}..{e} in {text:?}", h.rule);
                    assert_eq!(ev.text, text[s..e]);
                }
                (None, None) => {}
                other => panic!("half a span {other:?}"),
            }
        }
    }
    for c in &r.hs.in_text {
        assert!(span_ok(c.start, c.end), "code in text {c:?} in {text:?}");
    }
    assert_eq!(
        dualuse::oracle::fired(&r),
        oracle.classify(hs, text),
        "hs={hs:?} text={text:?}"
    );
}

/// The checks of `fuzz_targets/normalize.rs`.
fn check_normalize(original: &str) {
    let mut n = Normalized::new();
    n.normalize(original);
    let len = n.as_str().len();
    for s in 0..=len {
        for e in s..=len {
            let (os, oe) = n.original_span(original, s, e);
            assert!(os <= oe && oe <= original.len(), "{s}..{e} -> {os}..{oe}");
            assert!(original.is_char_boundary(os) && original.is_char_boundary(oe));
        }
    }
}

/// The checks of `fuzz_targets/row_reader.rs` with default options: rows
/// numbered without gaps, and a finished reader stays finished.
fn check_rows(bytes: &[u8]) {
    let Ok(mut r) = RowReader::from_reader(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        "t",
        &InputOptions::default(),
    ) else {
        return;
    };
    let mut n = 0;
    while let Ok(Some(row)) = r.next_row() {
        n += 1;
        assert_eq!(row.row, n);
    }
    assert!(matches!(r.next_row(), Ok(None)));
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds in {}", dir.display());
    out
}

// ---------------------------------------------------------------------------
// Regressions
// ---------------------------------------------------------------------------

/// classify, crash-da39a3ee5e6b4b0d3255bfef95601890afd80709 (the empty input):
/// the target's setup panicked because the built-in rules did not compile
/// (E010 "the pattern set could not be compiled: Compiled regex exceeds size
/// limit of 67108864 bytes") while pattern boundaries were being moved into
/// the regexes. The curated rules must always compile.
#[test]
fn classify_empty_line_with_builtin_rules() {
    let (clf, oracle) = builtin();
    check_classify(clf, oracle, None, "");
    check_classify(clf, oracle, Some(""), "");
    assert!(!clf.classify(None, "").flagged());
}

/// classify, crash-970beb29743d761357682c42257021306ca6830d (`848210<TAB>BALL
/// BEARING 6204-2RS`): while boundaries moved into the regexes, the oracle
/// still checked them around the whole match (which now includes the
/// boundary character) and missed `bearings.designation` and
/// `bearings.sealed_designation`.
#[test]
fn classify_bearing_designation_agrees_with_oracle() {
    let (clf, oracle) = builtin();
    check_classify(clf, oracle, Some("848210"), "BALL BEARING 6204-2RS");
    check_classify(clf, oracle, None, "BALL BEARING 6204-2RS");
    check_classify(clf, oracle, None, "6204-2RS 6204-2RS,6204-2RS");
}

/// hs_parse (found reviewing what the target exercises): stripping labels
/// copied the rest of the field once per label, so `hs-hs-hs-...` cost time
/// quadratic in the field's length — about 3 s for one 1 MB field in a
/// release build. Fixed in `src/hs.rs` by slicing instead of copying.
#[test]
fn hs_parse_repeated_labels_take_linear_time() {
    let field = "hs-".repeat(333_000);
    let started = Instant::now();
    assert_eq!(dualuse::hs::parse_declared(&field), Ok(None));
    let field = "ТН ВЭД №".repeat(100_000) + "8542 31";
    assert_eq!(
        dualuse::hs::parse_declared(&field).unwrap().as_deref(),
        Some("854231")
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

/// classify, throughput: with the built-in rules the target ran at about 30
/// inputs per second, because the one regex set over all patterns fell back
/// to the PikeVM (the lazy DFA's minimum cache exceeded
/// `dfa_size_limit(16 << 20)`): about 5 ms for a 100-byte line and 2.4 s for
/// a 100 KB line in a release build. Patterns now run only when one of their
/// literals occurs (commit 4af90dc), and this guards against the cliff
/// coming back.
#[test]
fn classify_long_lines_with_builtin_rules_are_fast() {
    let (clf, _) = builtin();
    let plain = "a".repeat(100_000);
    let busy = "МИКРОСХЕМА ПЛИС XC7K325T-2FFG900I, 10 ШТ; BALL BEARING 6204-2RS \
                thermal camera 640x512 30Hz; "
        .repeat(800);
    let mut scratch = clf.scratch();
    let started = Instant::now();
    for _ in 0..10 {
        let _ = clf.classify_with(&mut scratch, None, &plain[..10_000]);
    }
    let _ = clf.classify_with(&mut scratch, None, &plain);
    assert!(clf.classify_with(&mut scratch, None, &busy).flagged());
    let took = started.elapsed();
    eprintln!("long lines took {took:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

// ---------------------------------------------------------------------------
// The seed corpora, through the targets' checks
// ---------------------------------------------------------------------------

#[test]
fn corpus_classify() {
    let mut fixed = RuleSources::empty();
    let rules = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/rules_load/fixed_set.toml"),
    )
    .unwrap();
    fixed.add_source("fixed_set.toml", rules);
    let clf = Classifier::new(&fixed).expect("the classify target's rules compile");
    let oracle = NaiveClassifier::new(&fixed).unwrap();
    let (bclf, boracle) = builtin();
    for (path, bytes) in corpus("classify") {
        let Ok(line) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let (hs, text) = match line.split_once('\t') {
            Some((h, t)) => (Some(h), t),
            None => (None, line),
        };
        eprintln!("{}", path.display());
        check_classify(&clf, &oracle, hs, text);
        check_classify(bclf, boracle, hs, text);
    }
}

#[test]
fn corpus_normalize() {
    for (_, bytes) in corpus("normalize") {
        if let Ok(s) = std::str::from_utf8(&bytes[1..]) {
            check_normalize(s);
        }
    }
}

#[test]
fn corpus_hs_parse() {
    for (_, bytes) in corpus("hs_parse") {
        if let Ok(Some(d)) = dualuse::hs::parse_declared(&String::from_utf8_lossy(&bytes)) {
            assert!(dualuse::hs::check_digits(&d).is_ok());
        }
    }
}

#[test]
fn corpus_row_reader() {
    for (_, bytes) in corpus("row_reader") {
        check_rows(&bytes[1..]);
    }
}

#[test]
fn corpus_rules_load() {
    for (path, bytes) in corpus("rules_load") {
        let mut src = RuleSources::empty();
        src.add_source("fuzz.toml", String::from_utf8_lossy(&bytes).into_owned());
        match Classifier::new(&src) {
            Ok(_) => assert!(NaiveClassifier::new(&src).is_ok(), "{}", path.display()),
            Err(e) => {
                for d in e.diagnostics() {
                    let _ = d.render();
                }
            }
        }
    }
}
