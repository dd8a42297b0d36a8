//! How `requires`, `all` groups and the code side behave when some or all
//! of a rule's words are mentions (see DESIGN.md, "Why are some matches
//! only mentions?"), on a small rule set written for the purpose.

use dualuse::{Basis, Classifier, RuleSources};

const RULES: &str = r#"
[ruleset]
id = "m"
version = "1"
title = "mention semantics"
sources = ["test"]

[[rule]]
id = "m.text"
title = "router, text"
category = "communications"
severity = "medium"
references = ["T"]
sources = ["t"]
requires = "text"
hs = ["8517"]
any = ["router"]

[[rule]]
id = "m.either"
title = "router, code or text"
category = "communications"
severity = "medium"
references = ["T"]
sources = ["t"]
requires = "either"
hs = ["8517"]
any = ["router"]

[[rule]]
id = "m.both"
title = "router, code and text"
category = "communications"
severity = "medium"
references = ["T"]
sources = ["t"]
requires = "both"
hs = ["8517"]
any = ["router"]

[[rule]]
id = "m.groups"
title = "cnc lathe"
category = "machine_tools"
severity = "medium"
references = ["T"]
sources = ["t"]
requires = "text"
all = [["lathe"], ["cnc"]]

[[rule]]
id = "m.camera"
title = "thermal camera"
category = "optics"
severity = "medium"
references = ["T"]
sources = ["t"]
requires = "text"
any = ["thermal camera"]

[[rule]]
id = "m.drone"
title = "drone"
category = "uav"
severity = "medium"
references = ["T"]
sources = ["t"]
requires = "text"
any = ["drone"]
"#;

fn clf() -> Classifier {
    let mut s = RuleSources::empty();
    s.add_source("m.toml", RULES);
    Classifier::new(&s).expect("rules load")
}

fn ids(v: &[dualuse::Hit]) -> Vec<(String, Basis)> {
    let mut out: Vec<_> = v.iter().map(|h| (h.rule.to_string(), h.basis)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn pairs(v: &[(&str, Basis)]) -> Vec<(String, Basis)> {
    v.iter().map(|(r, b)| (r.to_string(), *b)).collect()
}

#[test]
fn text_rules_become_mentions_and_code_rules_stay_hits() {
    let c = clf();
    // No code: every router rule that fired is a mention.
    let r = c.classify(None, "bracket for router");
    assert!(r.hits.is_empty() && !r.flagged());
    assert_eq!(
        ids(&r.mentions),
        pairs(&[("m.either", Basis::Text), ("m.text", Basis::Text)])
    );
    // A code that fires `either` keeps it a hit (a code hit stays a hit);
    // `text` (whose hs list only sets its basis) and `both` (which needs
    // its text) are mentions.
    let r = c.classify(Some("8517620000"), "bracket for router");
    assert_eq!(ids(&r.hits), pairs(&[("m.either", Basis::HsText)]));
    assert_eq!(
        ids(&r.mentions),
        pairs(&[("m.both", Basis::HsText), ("m.text", Basis::HsText)])
    );
    // In the head, all three are hits as before.
    let r = c.classify(Some("8517620000"), "router for office");
    assert_eq!(r.hits.len(), 3);
    assert!(r.mentions.is_empty());
}

#[test]
fn all_groups_need_one_head_match() {
    let c = clf();
    // One group in the head keeps the rule a hit.
    let r = c.classify(None, "lathe with cnc");
    assert_eq!(ids(&r.hits), pairs(&[("m.groups", Basis::Text)]));
    // Every group in a region: a mention (a purpose, so never a kit).
    let r = c.classify(None, "coolant for cnc lathe");
    assert!(r.hits.is_empty());
    assert_eq!(ids(&r.mentions), pairs(&[("m.groups", Basis::Text)]));
}

#[test]
fn with_makes_a_kit_only_on_listed_goods() {
    let c = clf();
    let r = c.classify(None, "drone with thermal camera");
    assert_eq!(
        ids(&r.hits),
        pairs(&[("m.camera", Basis::Text), ("m.drone", Basis::Text)])
    );
    assert!(r.mentions.is_empty());
    // A purpose is never a kit.
    let r = c.classify(None, "thermal camera for drone");
    assert_eq!(ids(&r.hits), pairs(&[("m.camera", Basis::Text)]));
    assert_eq!(ids(&r.mentions), pairs(&[("m.drone", Basis::Text)]));
    // An unlisted head: `with` names a part of it.
    let r = c.classify(None, "gimbal with thermal camera");
    assert!(r.hits.is_empty());
    assert_eq!(ids(&r.mentions), pairs(&[("m.camera", Basis::Text)]));
    // A clause break ends the region: a second goods after a comma is head.
    let r = c.classify(None, "gimbal with mount, thermal camera");
    assert_eq!(ids(&r.hits), pairs(&[("m.camera", Basis::Text)]));
}

#[test]
fn a_mention_raises_no_misdeclaration() {
    let mut s = RuleSources::empty();
    s.add_source(
        "m.toml",
        format!("{RULES}\n[[heading]]\ncategory = \"uav\"\nhs = [\"8806\"]\n"),
    );
    let with_heads = Classifier::new(&s).expect("rules load");
    // The drone is only a purpose: no uav misdeclaration under 4202.
    let r = with_heads.classify(Some("4202929800"), "bag for drone");
    assert!(r.misdeclarations.is_empty());
    assert_eq!(ids(&r.mentions), pairs(&[("m.drone", Basis::Text)]));
    // Named as the goods under the same code, it is one.
    let r = with_heads.classify(Some("4202929800"), "drone in a bag");
    assert_eq!(r.misdeclarations.len(), 1);
}
