//! Arbitrary lines against a small fixed rule set (terms with `*`, an `all`
//! group, patterns with `\b`, exclusions, parameter conditions) and against
//! the built-in rules. Checks that every evidence span lies inside the text,
//! on character boundaries, that the compiled classifier fires exactly
//! the rules the naive oracle fires, and that the two-phase screen
//! (`ClassifierBuilder::exhaustive(false)`) returns the exhaustive one's
//! result, field for field.
//!
//! Input: `HS<TAB>TEXT`, or just `TEXT` (no declared code).
#![no_main]

use dualuse::oracle::NaiveClassifier;
use dualuse::{Classifier, ClassifierBuilder, RuleSources, Screening};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const RULES: &str = r#"
[ruleset]
id = "fz"
version = "1"
title = "fuzz rules"
sources = ["fuzz"]

[[heading]]
category = "microelectronics"
hs = ["8542"]

[[heading]]
category = "machine_tools"
hs = ["8456", "8457", "8458", "8459"]

[[rule]]
id = "fz.fpga"
title = "terms with wildcards, an exclusion"
category = "microelectronics"
severity = "high"
references = ["X"]
sources = ["s"]
requires = "text"
hs = ["8542"]
any = ["fpga", "плис", "подшипник*", "*lager", "集成电路", "芯片*", "wi-fi", "ß"]
exclude = { any = ["toy", "игрушк*", "*spielzeug"] }

[[rule]]
id = "fz.thermal"
title = "all groups and a frame-rate condition"
category = "optics"
severity = "critical"
references = ["X"]
sources = ["s"]
requires = "text"
all = [["thermal", "тепловиз*", "热成像"], ["camera", "камер*", "imager*", "摄像"]]

[[rule.param]]
quantity = "frame_rate"
op = ">"
value = 9
unit = "Hz"

[[rule]]
id = "fz.jet"
title = "patterns with word boundaries, excluded by pattern and code"
category = "uav"
severity = "medium"
references = ["X"]
sources = ["s"]
requires = "either"
hs = ["8411.12"]
patterns = ['\bjet(cat|kat)\b', 'xc7[akvz]\d{2,3}t', '\bp\d{2,3}-?rx', 'ne[o0]n\s?\d+\b']
exclude = { patterns = ['\bmodel kit\b'], hs = ["8411.99"] }

[[rule]]
id = "fz.cnc"
title = "code and text both, with an axes condition"
category = "machine_tools"
severity = "high"
references = ["X"]
sources = ["s"]
requires = "both"
hs = ["8457", "8458.11"]
any = ["cnc", "станок*", "机床", "*zentrum"]

[[rule.param]]
quantity = "axes"
op = ">="
value = 5

[[rule]]
id = "fz.drone"
title = "code alone"
category = "uav"
severity = "low"
references = ["X"]
sources = ["s"]
requires = "hs"
hs = ["8806", "880240"]
exclude = { hs = ["880699"] }

[[rule]]
id = "fz.power"
title = "any plus all plus a power condition"
category = "production_equipment"
severity = "info"
references = ["X"]
sources = ["s"]
requires = "text"
any = ["laser*", "лазер*"]
all = [["fiber", "волокон*", "光纤"]]

[[rule.param]]
quantity = "power"
op = ">="
value = 1
unit = "kW"
"#;

struct Setup {
    name: &'static str,
    /// The exhaustive screen (the default).
    clf: Classifier,
    /// The two-phase screen over the same rules.
    two_phase: Classifier,
    oracle: NaiveClassifier,
}

fn two_phase(sources: &RuleSources) -> Classifier {
    ClassifierBuilder::new()
        .exhaustive(false)
        .build(sources)
        .expect("rules load for the two-phase screen")
}

fn setups() -> &'static [Setup] {
    static S: OnceLock<Vec<Setup>> = OnceLock::new();
    S.get_or_init(|| {
        let mut fixed = RuleSources::empty();
        fixed.add_source("fuzz.toml", RULES);
        let mut setups = vec![Setup {
            name: "fixed",
            clf: Classifier::new(&fixed).expect("fixed rules load"),
            two_phase: two_phase(&fixed),
            oracle: NaiveClassifier::new(&fixed).expect("oracle loads fixed rules"),
        }];
        // DUALUSE_FUZZ_FIXED_ONLY=1 leaves the built-in rules out, for speed.
        if std::env::var_os("DUALUSE_FUZZ_FIXED_ONLY").is_none() {
            let builtin = RuleSources::builtin();
            setups.push(Setup {
                name: "builtin",
                clf: Classifier::new(&builtin).expect("builtin rules load"),
                two_phase: two_phase(&builtin),
                oracle: NaiveClassifier::new(&builtin).expect("oracle loads builtin rules"),
            });
        }
        setups
    })
}

fn check_span(text: &str, what: &str, s: Option<usize>, e: Option<usize>) {
    match (s, e) {
        (Some(s), Some(e)) => {
            assert!(s <= e, "{what}: span {s}..{e} reversed in {text:?}");
            assert!(
                e <= text.len(),
                "{what}: span {s}..{e} past the end of {text:?}"
            );
            assert!(
                text.is_char_boundary(s) && text.is_char_boundary(e),
                "{what}: span {s}..{e} not on char boundaries of {text:?}"
            );
        }
        (None, None) => {}
        _ => panic!("{what}: half a span {s:?}..{e:?} in {text:?}"),
    }
}

fn check_result(name: &str, text: &str, r: &Screening) {
    for h in &r.hits {
        assert!(
            !h.evidence.is_empty(),
            "{name}: hit {} without evidence",
            h.rule
        );
        for ev in &h.evidence {
            check_span(
                text,
                &format!("{name}: {} evidence", h.rule),
                ev.start,
                ev.end,
            );
            if let (Some(s), Some(e)) = (ev.start, ev.end) {
                assert_eq!(ev.text, text[s..e], "{name}: {} evidence text", h.rule);
            }
        }
    }
    for v in &r.vetoed {
        check_span(
            text,
            &format!("{name}: veto of {}", v.rule),
            v.by.start,
            v.by.end,
        );
    }
    for c in &r.hs.in_text {
        check_span(
            text,
            &format!("{name}: code in text"),
            Some(c.start),
            Some(c.end),
        );
    }
    assert_eq!(r.flagged(), !r.hits.is_empty());
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let (hs, text) = match line.split_once('\t') {
        Some((h, t)) => (Some(h), t),
        None => (None, line),
    };
    for setup in setups() {
        let r = setup.clf.classify(hs, text);
        check_result(setup.name, text, &r);
        assert_eq!(
            setup.two_phase.classify(hs, text),
            r,
            "{}: the two-phase screen changed the result of hs={hs:?} text={text:?}",
            setup.name
        );
        assert_eq!(
            dualuse::oracle::fired(&r),
            setup.oracle.classify(hs, text),
            "{}: classifier and oracle disagree on hs={hs:?} text={text:?}",
            setup.name
        );
    }
});
