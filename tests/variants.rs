//! Generated spellings of terms (`src/variants.rs`) seen from the library:
//! evidence names the term as written and shows the text as written, and
//! a rule opts out with `variants` and `exact`.

use dualuse::{Classifier, RuleSources};

fn rules(extra: &str) -> Classifier {
    let src = format!(
        r#"[ruleset]
id = "t"
version = "1"
title = "variants"
sources = ["test"]

[[rule]]
id = "t.bearing"
title = "bearings"
category = "bearings"
severity = "medium"
references = ["HS:8482"]
sources = ["s"]
requires = "text"
any = ["подшипник*", "ball bearing", "патроны"]
exclude = {{ any = ["скольжения"] }}
{extra}
"#
    );
    let mut s = RuleSources::empty();
    s.add_source("t.toml", src);
    Classifier::new(&s).expect("rules compile")
}

fn fires(c: &Classifier, text: &str) -> bool {
    !c.classify(None, text).hits.is_empty()
}

#[test]
fn evidence_names_the_term_and_shows_the_spelling() {
    let c = rules("");
    let text = "PODSHIPNIKI SHARIKOVYE 6205";
    let r = c.classify(None, text);
    let e = &r.hits[0].evidence[0];
    assert_eq!(e.rule_part, "подшипник*");
    // A stem's evidence is the stem, as for the Russian term.
    assert_eq!(e.text, "PODSHIPNIK");
    assert_eq!((e.start, e.end), (Some(0), Some(10)));
    let r = c.classify(None, "BALL BERAING 6205");
    assert_eq!(r.hits[0].evidence[0].rule_part, "ball bearing");
    assert_eq!(r.hits[0].evidence[0].text, "BALL BERAING");
}

#[test]
fn exclusions_are_transliterated_too() {
    let c = rules("");
    assert!(fires(&c, "PODSHIPNIK ROLIKOVYJ"));
    assert!(!fires(&c, "PODSHIPNIK SKOLZHENIYA"));
}

#[test]
fn rules_opt_out() {
    let all = rules("");
    assert!(fires(&all, "PATRONY 9X19"));
    let none = rules(r#"variants = "none""#);
    assert!(!fires(&none, "PODSHIPNIK"));
    assert!(!fires(&none, "BALL BERAING"));
    assert!(fires(&none, "ПОДШИПНИК"));
    let translit = rules(r#"variants = "transliteration""#);
    assert!(fires(&translit, "PODSHIPNIK"));
    assert!(!fires(&translit, "BALL BERAING"));
    let typos = rules(r#"variants = "misspellings""#);
    assert!(!fires(&typos, "PODSHIPNIK"));
    assert!(fires(&typos, "BALL BERAING"));
    let exact = rules(r#"exact = ["патроны"]"#);
    assert!(!fires(&exact, "PATRONY"));
    assert!(fires(&exact, "PODSHIPNIK"));
    assert!(fires(&exact, "ПАТРОНЫ"));
}

#[test]
fn common_words_are_not_spellings() {
    let c = rules("");
    // `bearing` less a letter is the English `baring`.
    assert!(!fires(&c, "BALL BARING"));
    // A misspelling of a short word is not generated.
    assert!(!fires(&c, "BAL BEARING"));
}
