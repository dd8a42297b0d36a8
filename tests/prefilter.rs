//! The two-phase screen (`ClassifierBuilder::exhaustive(false)`) against
//! the exhaustive path (the default): the same result, field for field, on
//! the curated rules over the bundled samples and every rule example; and
//! the prefilter's own decisions (boundaries, markers, parts, what turns
//! it off) on small rule sets.

use dualuse::input::{InputOptions, RowReader};
use dualuse::{Classifier, ClassifierBuilder, RuleSources};

fn two_phase(src: &RuleSources) -> Classifier {
    ClassifierBuilder::new()
        .exhaustive(false)
        .build(src)
        .expect("rules compile")
}

fn exhaustive(src: &RuleSources) -> Classifier {
    ClassifierBuilder::new()
        .exhaustive(true)
        .build(src)
        .expect("rules compile")
}

/// Screens every row of `path` both ways; returns (rows, rows the first
/// phase let through).
fn compare_file(
    fast: &Classifier,
    full: &Classifier,
    path: &str,
    text: &str,
    hs: &str,
) -> (u64, u64) {
    let mut reader = RowReader::open(path, &InputOptions::default()).expect("sample opens");
    let headers = reader.headers().to_vec();
    let text_col = headers.iter().position(|h| h == text).expect("text column");
    let hs_col = headers.iter().position(|h| h == hs).expect("code column");
    let (mut s1, mut s2) = (fast.scratch(), full.scratch());
    let (mut rows, mut passed) = (0, 0);
    while let Some(row) = reader.next_row().expect("sample reads") {
        let fields = row.fields.expect("sample rows are valid");
        let t = fields.get(text_col).unwrap_or("");
        let h = fields.get(hs_col).filter(|h| !h.is_empty());
        let a = fast.classify_columns(&mut s1, h, &[t]);
        let b = full.classify_columns(&mut s2, h, &[t]);
        assert_eq!(a, b, "row {} of {path}: {h:?} {t:?}", row.row);
        rows += 1;
        passed += u64::from(fast.text_may_matter(&mut s1, t));
    }
    (rows, passed)
}

#[test]
fn builtin_rules_same_results_on_samples() {
    let src = RuleSources::builtin();
    let fast = two_phase(&src);
    let full = exhaustive(&src);
    assert!(fast.prefilter_literals().next().is_some());
    assert_eq!(full.prefilter_literals().count(), 0);
    let (rows, passed) = compare_file(
        &fast,
        &full,
        "examples/vendor_sample.csv.gz",
        "goods_description",
        "hs_code",
    );
    // Both phases are exercised: most rows are skipped, some are searched.
    assert!(rows > 100, "{rows} rows");
    assert!(
        passed > 0 && passed < rows,
        "{passed} of {rows} rows passed"
    );
    let (rows, passed) = compare_file(
        &fast,
        &full,
        "examples/sample.csv",
        "description",
        "hs_code",
    );
    assert!(
        passed > 0 && passed < rows,
        "{passed} of {rows} rows passed"
    );
}

#[test]
fn builtin_rules_same_results_on_every_example() {
    let src = RuleSources::builtin();
    let fast = two_phase(&src);
    let full = exhaustive(&src);
    let (mut s1, mut s2) = (fast.scratch(), full.scratch());
    let mut n = 0;
    for r in fast.rules() {
        for ex in r.examples.iter().chain(&r.counterexamples) {
            let a = fast.classify_with(&mut s1, ex.hs.as_deref(), &ex.text);
            let b = full.classify_with(&mut s2, ex.hs.as_deref(), &ex.text);
            assert_eq!(a, b, "{}: {:?}", r.id, ex.text);
            n += 1;
        }
    }
    assert!(n > 400, "{n} examples");
}

fn one_rule(body: &str) -> (Classifier, Classifier) {
    let toml = format!(
        "[ruleset]\nid = \"t\"\nversion = \"1\"\ntitle = \"t\"\nsources = [\"test\"]\n\n\
         [[rule]]\nid = \"t.r\"\ntitle = \"r\"\ncategory = \"microelectronics\"\n\
         severity = \"medium\"\nreferences = [\"HS:8542\"]\nsources = [\"t\"]\n{body}"
    );
    let mut src = RuleSources::empty();
    src.add_source("t.toml", toml);
    (two_phase(&src), exhaustive(&src))
}

/// Screens `lines` both ways, asserts the same results, and returns which
/// lines the first phase let through.
fn passes(fast: &Classifier, full: &Classifier, lines: &[(Option<&str>, &str)]) -> Vec<bool> {
    let (mut s1, mut s2) = (fast.scratch(), full.scratch());
    lines
        .iter()
        .map(|&(hs, t)| {
            let a = fast.classify_with(&mut s1, hs, t);
            let b = full.classify_with(&mut s2, hs, t);
            assert_eq!(a, b, "{hs:?} {t:?}");
            fast.text_may_matter(&mut s1, t)
        })
        .collect()
}

#[test]
fn word_boundaries_decide() {
    let (fast, full) = one_rule("requires = \"text\"\nany = [\"chip\", \"подшипник*\"]\n");
    let got = passes(
        &fast,
        &full,
        &[
            (None, "CHIPBOARD PANELS"),
            (None, "POTATO CHIPS"),
            (None, "SILICON CHIP, 10 PCS"),
            (None, "ПОДШИПНИКИ ШАРИКОВЫЕ"),
            (None, "НАДПОДШИПНИКОВЫЙ УЗЕЛ"),
        ],
    );
    assert_eq!(got, [false, false, true, true, false]);
}

#[test]
fn rarest_all_group_is_enough() {
    // Without an `any` side, one `all` group decides; the line needs both.
    let (fast, full) =
        one_rule("requires = \"text\"\nall = [[\"для\", \"kit\"], [\"микроконтроллер*\"]]\n");
    let lits: Vec<&str> = fast.prefilter_literals().collect();
    assert!(lits.contains(&"микроконтроллер"), "{lits:?}");
    assert!(!lits.contains(&"для"), "{lits:?}");
    let got = passes(
        &fast,
        &full,
        &[
            (None, "ИНСТРУМЕНТ ДЛЯ СТРОИТЕЛЬСТВА"),
            (None, "МИКРОКОНТРОЛЛЕРЫ ДЛЯ ПЛАТ"),
        ],
    );
    assert_eq!(got, [false, true]);
}

#[test]
fn codes_written_in_the_text_survive_a_rejected_line() {
    let (fast, full) = one_rule("requires = \"either\"\nhs = [\"8542\"]\nany = [\"fpga\"]\n");
    let lines = [
        (None, "COTTON T-SHIRTS HS CODE: 8542.31"),
        (None, "COTTON T-SHIRTS ТН ВЭД 6109100000"),
        (Some("6109"), "COTTON T-SHIRTS HS CODE: 8542.31"),
    ];
    let got = passes(&fast, &full, &lines);
    assert_eq!(got, [false, false, false]);
    let mut s = fast.scratch();
    let r = fast.classify_with(&mut s, None, lines[0].1);
    assert!(r.flagged(), "{r:?}");
    assert_eq!(r.hs.in_text.len(), 1);
}

#[test]
fn exclusions_of_rules_that_fire_on_the_code_alone_are_searched() {
    let (fast, full) =
        one_rule("requires = \"hs\"\nhs = [\"8542\"]\n[rule.exclude]\nany = [\"toy\"]\n");
    let got = passes(
        &fast,
        &full,
        &[(Some("8542.31"), "TOY ROBOT"), (Some("8542.31"), "ROBOT")],
    );
    assert_eq!(got, [true, false]);
    let mut s = fast.scratch();
    assert!(!fast
        .classify_with(&mut s, Some("8542.31"), "TOY ROBOT")
        .flagged());
    assert!(fast
        .classify_with(&mut s, Some("8542.31"), "ROBOT")
        .flagged());
}

#[test]
fn a_pattern_without_literals_turns_the_prefilter_off() {
    let (fast, full) = one_rule("requires = \"text\"\npatterns = ['[a-z]{2}\\d{3}']\n");
    assert_eq!(fast.prefilter_literals().count(), 0);
    let got = passes(&fast, &full, &[(None, "AB123"), (None, "COTTON")]);
    assert_eq!(got, [true, true]);
}

#[test]
fn parts_need_a_prefix_followed_by_its_shape() {
    let src = RuleSources::builtin();
    let fast = two_phase(&src);
    let full = exhaustive(&src);
    let got = passes(
        &fast,
        &full,
        &[
            (None, "STM32F407VGT6"),
            (None, "STEEL PIPES"),
            (None, "ТКАНЬ ХЛОПКОВАЯ"),
        ],
    );
    assert_eq!(got, [true, false, false]);
}
