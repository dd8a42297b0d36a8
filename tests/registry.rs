//! Meta-tests over the whole curated registry: every rule has an id of the
//! right shape, a category from the vocabulary, references, sources, at least
//! two examples and two counterexamples, and every example behaves.

use dualuse::{Category, Classifier, Requires};
use std::collections::{BTreeMap, HashSet};

#[test]
fn builtin_registry_is_sound() {
    let clf = Classifier::builtin().expect("built-in rules compile");
    let mut ids = HashSet::new();
    let mut per_cat_text = BTreeMap::new();
    for r in clf.rules() {
        assert!(ids.insert(r.id.to_string()), "duplicate id {}", r.id);
        assert!(
            r.id.starts_with(&format!("{}.", r.ruleset)),
            "rule id `{}` should start with its rule set id `{}`",
            r.id,
            r.ruleset
        );
        assert!(!r.references.is_empty(), "{} has no reference", r.id);
        assert!(
            r.sources.iter().any(|s| !s.trim().is_empty()),
            "{} has no source",
            r.id
        );
        assert!(
            r.examples.len() >= 2 && r.counterexamples.len() >= 2,
            "{} needs 2 examples and 2 counterexamples",
            r.id
        );
        if r.requires != Requires::Hs {
            *per_cat_text.entry(r.category).or_insert(0) += 1;
        }
    }
    let (passed, failures) = clf.check_examples();
    assert!(passed > 0);
    let listed: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
    assert!(
        failures.is_empty(),
        "{} example failures:\n{}",
        failures.len(),
        listed.join("\n")
    );
    for c in Category::ALL {
        assert!(
            per_cat_text.get(&c).copied().unwrap_or(0) > 0,
            "category {c} has no description rule"
        );
        assert!(
            !clf.headings(c).is_empty(),
            "category {c} has no headings for misdeclaration"
        );
    }
    for s in clf.rulesets() {
        assert!(
            !s.version.is_empty() && !s.sources.is_empty(),
            "rule set {}",
            s.id
        );
        assert_eq!(s.sha256.len(), 64);
    }
    assert_eq!(clf.hash().len(), 64);
}

#[test]
fn chpl_has_all_fifty_codes_with_tiers() {
    let clf = Classifier::builtin().unwrap();
    let chpl: Vec<_> = clf.rules().filter(|r| &*r.ruleset == "chpl").collect();
    assert_eq!(chpl.len(), 50);
    let mut tiers = BTreeMap::new();
    for r in &chpl {
        assert_eq!(r.requires, Requires::Hs);
        assert_eq!(r.hs.len(), 1);
        assert_eq!(r.hs[0].len(), 6);
        let tier = r
            .references
            .iter()
            .find_map(|x| x.strip_prefix("CHPL:"))
            .expect("a CHPL reference");
        *tiers.entry(tier.to_string()).or_insert(0) += 1;
    }
    let want: BTreeMap<String, i32> = [
        ("1", 4),
        ("2", 5),
        ("3.A", 16),
        ("3.B", 9),
        ("4.A", 11),
        ("4.B", 5),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(tiers, want);
    let set = clf.rulesets().iter().find(|s| s.id == "chpl").unwrap();
    assert_eq!(set.published.as_deref(), Some("2024-02-23"));
    // Every CHPL code read from the shared list is screened with its tier.
    let list = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/nomenclature/chpl-2024-02.csv");
    if let Ok(text) = std::fs::read_to_string(list) {
        for line in text.lines().skip(1) {
            let mut f = line.split(',');
            let (code, tier) = (f.next().unwrap(), f.next().unwrap());
            let tier = tier.replace("TIER_", "").replace('_', "");
            let tier = match tier.as_str() {
                "3A" => "3.A",
                "3B" => "3.B",
                "4A" => "4.A",
                "4B" => "4.B",
                t => t,
            };
            let r = clf.classify(Some(&format!("{code}0000")), "");
            assert!(
                r.hits
                    .iter()
                    .any(|h| h.references.iter().any(|x| x == &format!("CHPL:{tier}"))),
                "{code} should carry CHPL:{tier}"
            );
        }
    }
}
