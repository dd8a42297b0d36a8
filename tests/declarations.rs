//! Table-driven regression tests over declaration-style lines written for
//! the error classes that rule data fixes
//! (`tests/fixtures/declarations/*.csv`, in the shape of labelled
//! evaluation files: `id,hs_code,description,lang,expected,chpl_tier,note`):
//!
//! - `nomenclature.csv`: goods described in the words of the tariff line
//!   (TN VED, HS/CN, Taiwan and PRC tariff texts), and civilian neighbours
//!   described the same way;
//! - `vetoes.csv`: exclusions that must not hide listed goods (drones
//!   declared as toys with capability signals, components "consisting of"
//!   their own parts), and the look-alikes those exclusions exist for;
//! - `kits.csv`: lines naming two goods keep both categories;
//! - `mentions.csv`: a part, an accessory or a purpose named after `for`,
//!   `with`, `для`, `с`, `für`, `mit`, `用于`, `X用Y`... is a mention, not
//!   the goods (its extra column `mentioned` lists the categories that must
//!   be reported under `mentions`), while a listed part on listed goods (a
//!   kit) stays a hit.
//! - `translit.csv`: Russian written in Latin letters (GOST, BGN, ICAO and
//!   keyboard spellings), matched through the transliterations generated
//!   from the Russian terms, and Latin words that must not be read as
//!   Russian goods (`PATRON TOKARNYJ`, a lathe chuck; `patron`, `kran`);
//! - `misspellings.csv`: one-edit slips in long words (`BERAING`,
//!   `MILING`, `QUADCOPER`), and look-alikes that stay negative.
//!
//! Every line's text-based categories (hits with basis `text` or `hs+text`)
//! must equal its `expected` column; lines noted `WRONG CODE` must also carry
//! a misdeclaration signal for each expected category.

use dualuse::{Basis, Category, Classifier};
use std::collections::BTreeSet;
use std::path::Path;

struct Row {
    id: String,
    hs: String,
    text: String,
    expected: BTreeSet<Category>,
    note: String,
}

fn load(name: &str) -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/declarations")
        .join(name);
    let mut rdr =
        csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = rdr.headers().expect("header row").clone();
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| h == n)
            .unwrap_or_else(|| panic!("{name}: no column {n}"))
    };
    let (id, hs, text, expected, note) = (
        col("id"),
        col("hs_code"),
        col("description"),
        col("expected"),
        col("note"),
    );
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.unwrap_or_else(|e| panic!("{name} row {}: {e}", i + 1));
        let exp = &rec[expected];
        let expected = if exp == "none" {
            BTreeSet::new()
        } else {
            exp.split('|')
                .map(|c| {
                    c.parse::<Category>()
                        .unwrap_or_else(|e| panic!("{name} row {}: {e}", i + 1))
                })
                .collect()
        };
        rows.push(Row {
            id: rec[id].to_string(),
            hs: rec[hs].to_string(),
            text: rec[text].to_string(),
            expected,
            note: rec[note].to_string(),
        });
    }
    rows
}

/// Checks every row of one fixture file and reports all failures at once.
fn check(name: &str, min_positives: usize, min_negatives: usize) {
    let clf = Classifier::builtin().expect("built-in rules compile");
    let rows = load(name);
    let positives = rows.iter().filter(|r| !r.expected.is_empty()).count();
    let negatives = rows.len() - positives;
    assert!(
        positives >= min_positives && negatives >= min_negatives,
        "{name}: {positives} positive and {negatives} negative lines, want at least {min_positives} and {min_negatives}"
    );
    let mut failures = Vec::new();
    for r in &rows {
        let hs = (!r.hs.is_empty()).then_some(r.hs.as_str());
        let s = clf.classify(hs, &r.text);
        let got: BTreeSet<Category> = s
            .hits
            .iter()
            .filter(|h| h.basis != Basis::Hs)
            .map(|h| h.category)
            .collect();
        if got != r.expected {
            failures.push(format!(
                "{}: expected {:?}, got {:?}: {}",
                r.id, r.expected, got, r.text
            ));
            continue;
        }
        if r.note.contains("WRONG CODE") {
            let mis: BTreeSet<Category> = s.misdeclarations.iter().map(|m| m.category).collect();
            for c in &r.expected {
                if !mis.contains(c) {
                    failures.push(format!(
                        "{}: {c} under {} is not reported as a misdeclaration: {}",
                        r.id, r.hs, r.text
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} of {} lines wrong:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

#[test]
fn nomenclature_wording_is_recognised() {
    check("nomenclature.csv", 70, 30);
}

#[test]
fn exclusions_do_not_hide_listed_goods() {
    check("vetoes.csv", 15, 10);
}

#[test]
fn kits_keep_both_categories() {
    check("kits.csv", 12, 3);
}

#[test]
fn mentions_are_not_the_goods() {
    check("mentions.csv", 12, 20);
    let clf = Classifier::builtin().expect("built-in rules compile");
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/declarations/mentions.csv");
    let mut rdr = csv::Reader::from_path(&path).expect("mentions.csv");
    let mut failures = Vec::new();
    for rec in rdr.deserialize::<std::collections::HashMap<String, String>>() {
        let rec = rec.expect("a row");
        let hs = Some(rec["hs_code"].as_str()).filter(|h| !h.is_empty());
        let s = clf.classify(hs, &rec["description"]);
        let want: BTreeSet<Category> = rec["mentioned"]
            .split('|')
            .filter(|c| !c.is_empty())
            .map(|c| c.parse().expect("a category"))
            .collect();
        let got: BTreeSet<Category> = s.mentions.iter().map(|h| h.category).collect();
        if got != want {
            failures.push(format!(
                "{}: mentions {want:?} expected, got {got:?}",
                rec["id"]
            ));
        }
        // A mention never flags, names a category or signals a misdeclaration.
        for m in &s.mentions {
            if s.categories.contains(&m.category)
                && !s.hits.iter().any(|h| h.category == m.category)
            {
                failures.push(format!(
                    "{}: mention {} counted as a category",
                    rec["id"], m.rule
                ));
            }
            if m.evidence.is_empty() {
                failures.push(format!(
                    "{}: mention {} without evidence",
                    rec["id"], m.rule
                ));
            }
        }
        if s.hits.is_empty() && s.flagged() {
            failures.push(format!("{}: flagged without hits", rec["id"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn russian_in_latin_letters_is_recognised() {
    check("translit.csv", 20, 12);
}

#[test]
fn misspelt_long_words_are_recognised() {
    check("misspellings.csv", 12, 8);
}
