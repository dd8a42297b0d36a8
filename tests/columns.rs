//! Several text columns screened together: a rule may take one term from the
//! name column and another from the model column, but no match (term,
//! pattern, parameter) spans two columns, and every span names its column.

use dualuse::{Classifier, RuleSources};

const RULES: &str = r#"
[ruleset]
id = "cols"
version = "1"
title = "rules for the column tests"
sources = ["tests/columns.rs"]

[[rule]]
id = "cols.phrase"
title = "a two-word term"
category = "microelectronics"
severity = "high"
references = ["X"]
sources = ["s"]
requires = "text"
any = ["alpha beta"]

[[rule]]
id = "cols.groups"
title = "one term from each of two groups"
category = "bearings"
severity = "medium"
references = ["X"]
sources = ["s"]
requires = "text"
all = [["gamma"], ["delta"]]

[[rule]]
id = "cols.pattern"
title = "a pattern with a wildcard"
category = "optics"
severity = "medium"
references = ["X"]
sources = ["s"]
requires = "text"
patterns = ['\bzeta.{1,3}eta\b']

[[rule]]
id = "cols.param"
title = "a parameter"
category = "communications"
severity = "medium"
references = ["X"]
sources = ["s"]
requires = "text"
any = ["radio"]

[[rule.param]]
quantity = "frequency"
op = ">="
value = 5
unit = "GHz"
"#;

fn clf() -> Classifier {
    let mut src = RuleSources::empty();
    src.add_source("cols.toml", RULES);
    Classifier::new(&src).unwrap()
}

fn rules(r: &dualuse::Screening) -> Vec<&str> {
    let mut v: Vec<&str> = r.hits.iter().map(|h| h.rule.as_ref()).collect();
    v.sort();
    v
}

#[test]
fn a_term_does_not_span_two_columns() {
    let c = clf();
    let mut s = c.scratch();
    assert_eq!(
        rules(&c.classify_with(&mut s, None, "alpha beta")),
        ["cols.phrase"]
    );
    assert!(c
        .classify_columns(&mut s, None, &["alpha", "beta"])
        .hits
        .is_empty());
    assert!(c
        .classify_columns(&mut s, None, &["x alpha", "beta y"])
        .hits
        .is_empty());
}

#[test]
fn a_pattern_does_not_span_two_columns() {
    let c = clf();
    let mut s = c.scratch();
    assert_eq!(
        rules(&c.classify_with(&mut s, None, "zeta, eta")),
        ["cols.pattern"]
    );
    assert!(c
        .classify_columns(&mut s, None, &["zeta", "eta"])
        .hits
        .is_empty());
    assert!(c
        .classify_columns(&mut s, None, &["zeta,", "eta"])
        .hits
        .is_empty());
    // Inside one column it still matches.
    let r = c.classify_columns(&mut s, None, &["model", "zeta-eta"]);
    assert_eq!(rules(&r), ["cols.pattern"]);
    let e = &r.hits[0].evidence[0];
    assert_eq!((e.column, e.start, e.end), (Some(1), Some(0), Some(8)));
}

#[test]
fn a_parameter_does_not_span_two_columns() {
    let c = clf();
    let mut s = c.scratch();
    assert_eq!(
        rules(&c.classify_with(&mut s, None, "radio 5 ghz")),
        ["cols.param"]
    );
    assert!(c
        .classify_columns(&mut s, None, &["radio 5", "ghz"])
        .hits
        .is_empty());
    assert_eq!(
        rules(&c.classify_columns(&mut s, None, &["radio", "5 ghz"])),
        ["cols.param"]
    );
}

#[test]
fn groups_are_met_across_columns_and_spans_name_their_column() {
    let c = clf();
    let mut s = c.scratch();
    let texts = ["Название: GAMMA", "модель ДЕЛЬТА delta"];
    let r = c.classify_columns(&mut s, None, &texts);
    assert_eq!(rules(&r), ["cols.groups"]);
    let mut seen = Vec::new();
    for e in &r.hits[0].evidence {
        let (col, start, end) = (e.column.unwrap(), e.start.unwrap(), e.end.unwrap());
        assert_eq!(&texts[col][start..end], e.text);
        seen.push((col, e.text.clone()));
    }
    seen.sort();
    assert_eq!(seen, [(0, "GAMMA".to_string()), (1, "delta".to_string())]);
}

#[test]
fn one_column_is_the_single_text_with_column_zero() {
    let c = clf();
    let mut s = c.scratch();
    let one = c.classify_with(&mut s, None, "gamma and delta");
    let cols = c.classify_columns(&mut s, None, &["gamma and delta"]);
    assert_eq!(rules(&one), rules(&cols));
    for (a, b) in one.hits[0].evidence.iter().zip(&cols.hits[0].evidence) {
        assert_eq!((a.start, a.end, &a.text), (b.start, b.end, &b.text));
        assert_eq!((a.column, b.column), (None, Some(0)));
    }
}

#[test]
fn codes_written_in_a_second_column_are_found_there() {
    let c = Classifier::builtin().unwrap();
    let mut s = c.scratch();
    let texts = ["МИКРОСХЕМЫ", "HS CODE: 8542.31"];
    let r = c.classify_columns(&mut s, None, &texts);
    let code = &r.hs.in_text[0];
    assert_eq!(code.column, Some(1));
    assert_eq!(&texts[1][code.start..code.end], "8542.31");
}
