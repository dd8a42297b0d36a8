//! Declared codes as clerks write them: a lost zero restored when exactly
//! one reading is an HS 2022 subheading (and said so), and a code that fits
//! one of the goods the text names is never a misdeclaration.

use dualuse::hs::{parse_declared, HsError};
use dualuse::{Category, Classifier};

#[test]
fn a_lost_zero_is_restored_only_when_one_reading_exists() {
    // (as written, read as); None: still an impossible length.
    let cases: &[(&str, Option<&str>)] = &[
        ("847150000", Some("8471500000")),   // lost trailing zero
        ("8482.1010.0", Some("8482101000")), // the same, with dots
        ("101210000", Some("0101210000")),   // lost leading zero (chapter 01)
        ("854231900", Some("8542319000")),
        ("8542319", Some("85423190")), // 7 digits, 8 with the zero
        ("85423", None),               // 8542.30 and 0854.23 are no subheadings
        ("123456789", None),           // neither reading exists
    ];
    for &(raw, want) in cases {
        let got = parse_declared(raw);
        match want {
            Some(w) => assert_eq!(got.unwrap().as_deref(), Some(w), "{raw}"),
            None => assert!(matches!(got, Err(HsError::Length { .. })), "{raw}: {got:?}"),
        }
    }
}

#[test]
fn the_result_says_which_zero_was_restored() {
    let clf = Classifier::builtin().unwrap();
    let r = clf.classify(Some("848210100"), "ПОДШИПНИК ШАРИКОВЫЙ 6204");
    assert_eq!(r.hs.digits.as_deref(), Some("8482101000"));
    let w = r.hs.warning.as_deref().unwrap();
    assert!(w.contains("lost trailing zero"), "{w}");
    assert!(r.hs.error.is_none());
    let plain = clf.classify(Some("8482101000"), "ПОДШИПНИК ШАРИКОВЫЙ 6204");
    assert!(plain.hs.warning.is_none());
}

#[test]
fn a_code_that_fits_one_named_good_is_not_a_misdeclaration() {
    let clf = Classifier::builtin().unwrap();
    let text = "КВАДРОКОПТЕР С ТЕПЛОВИЗИОННОЙ КАМЕРОЙ 640X512 30 ГЦ";
    // A drone code: the thermal camera is part of the drone.
    let r = clf.classify(Some("8806.22"), text);
    assert!(r.categories.contains(&Category::Uav), "{:?}", r.categories);
    assert!(
        r.categories.contains(&Category::Optics),
        "{:?}",
        r.categories
    );
    assert!(r.misdeclarations.is_empty(), "{:?}", r.misdeclarations);
    // A toy code fits neither: both are misdeclared.
    let toy = clf.classify(Some("9503.00"), text);
    let mis: Vec<Category> = toy.misdeclarations.iter().map(|m| m.category).collect();
    assert!(
        mis.contains(&Category::Uav) && mis.contains(&Category::Optics),
        "{mis:?}"
    );
}
