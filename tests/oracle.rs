//! The compiled classifier must return exactly the hits of the naive oracle
//! (every rule checked alone by substring and regex search), on generated
//! rule sets and generated lines; and the two-phase screen
//! (`ClassifierBuilder::exhaustive(false)`) must return exactly the result
//! of the exhaustive path.

use dualuse::oracle::NaiveClassifier;
use dualuse::{ClassifierBuilder, RuleSources};
use proptest::prelude::*;

/// Words mixing scripts, homoglyphs, digits and Han, so that boundaries,
/// folding and unsegmented text are all exercised.
const WORDS: &[&str] = &[
    "chip",
    "chips",
    "chipboard",
    "cnc",
    "СNС",
    "плис",
    "ПЛИC",
    "плиссе",
    "подшипник",
    "подшипники",
    "ball",
    "bearing",
    "轴承",
    "集成电路",
    "芯片",
    "fpga",
    "xc7k325t",
    "stm32f407",
    "5-axis",
    "50hz",
    "640x512",
    "тепловизор",
    "ёлка",
    "straße",
    "ＦＰＧＡ",
    "drone",
    "дрон",
    "hs",
    "code",
    "8542.31",
    "тн",
    "вэд",
    "8482100000",
    "商品编码",
    // For the pattern triggers: digits at and inside word starts, units
    // after numbers, a word from declaration boilerplate, Chinese suffixes.
    "6204",
    "6204zz",
    "16204",
    "12",
    "mm",
    "12mm",
    "kv",
    "10kv",
    "от",
    "-55",
    "号",
    "5号",
    "型号",
    "ab1ef",
    "марка:",
    // Mention markers (`for`, `with`, `для` ... and the Chinese forms,
    // `用` before and `的` after), and words that hold a marker without
    // being one.
    "for",
    "with",
    "compatible with",
    "w/",
    "incl.",
    "для",
    "с",
    "mit",
    "für",
    "用于",
    "用",
    "带",
    "的",
    "带宽",
    "配件",
    "军用",
    // Russian terms and their Latin spellings (transliteration variants),
    // long words and their one-edit misspellings (misspelling variants),
    // and near misses that neither covers.
    "бронежилет",
    "BRONEZHILET",
    "bronejilet",
    "тепловизионный",
    "TEPLOVIZIONNYJ",
    "teplovizionnyy",
    "teplovizionnyi",
    "прицел",
    "PRITSEL",
    "pricel",
    "патроны",
    "PATRONY",
    "patron",
    "PODSHIPNIK",
    "podshipniki",
    "podshipnk",
    "подшипнки",
    "oscilloscope",
    "OSCILOSCOPE",
    "oscilloscpe",
    "quadcopter",
    "quadcoper",
    "QUADCOPTRE",
    "ball bearing",
    "ball beraing",
    "baring",
];
const SEPS: &[&str] = &[" ", "  ", "/", "|", ",", "-", "", "\t", ": "];
const PATTERNS: &[&str] = &[
    r"xc7[kaz]\d+t",
    r"\bstm32f\d{3}",
    r"\d+ ?hz\b",
    r"подшипник\w*",
    r"\bcnc\b",
    r"集成.路",
    // Prefix digits with a boundary (anchored runs), a suffix with a
    // boundary (windows), an inner literal, \s, a bounded match ending in a
    // Chinese character, an unbounded one, and a boilerplate prefix.
    r"\b6[0-4]\d{2}(?:zz|-2rs)?\b",
    r"\b\d{1,3} ?mm\b",
    r"\d{2,4}-?kv ?\d*",
    r"от\s?-\s?\d+",
    r"\d{1,2}号",
    r"(?:ab|cd)\d(?:ef|gh)",
    r"[a-z]+ ?kv\b",
    r"марка:\s?\w+",
    // A digit times the next item's first characters (`0x` ... `9х`), and
    // a pattern with no trigger at all: it runs on every line, or, in a
    // rule with `all` groups, on the lines where they are met.
    r"\d{2,3}[xх]\d{3}",
    r"\b\d{2}[a-z]{2}\b",
];
const CATS: &[&str] = &[
    "microelectronics",
    "bearings",
    "machine_tools",
    "optics",
    "uav",
];
const REQUIRES: &[&str] = &["text", "hs", "either", "both"];

#[derive(Debug, Clone)]
struct GenRule {
    any: Vec<String>,
    all: Vec<Vec<String>>,
    patterns: Vec<String>,
    exclude: Vec<String>,
    ex_patterns: Vec<String>,
    ex_hs: Vec<String>,
    hs: Vec<String>,
    requires: usize,
    param: Option<(&'static str, &'static str, f64, Option<&'static str>)>,
    /// `variants`: absent, or one of `VARIANTS`.
    variants: Option<&'static str>,
    /// Whether the first `any` term is listed in `exact`.
    exact: bool,
}

const VARIANTS: &[&str] = &["all", "transliteration", "misspellings", "none"];

fn term() -> impl Strategy<Value = String> {
    (0..WORDS.len(), 0..4u8).prop_map(|(w, star)| {
        let w = WORDS[w];
        match star {
            1 => format!("{w}*"),
            2 => format!("*{w}"),
            _ => w.to_string(),
        }
    })
}

fn prefix() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "84", "8482", "848210", "85", "8542", "854231", "90", "9013",
    ])
    .prop_map(str::to_string)
}

fn rule() -> impl Strategy<Value = GenRule> {
    (
        prop::collection::vec(term(), 0..3),
        prop::collection::vec(prop::collection::vec(term(), 1..3), 0..2),
        prop::collection::vec(
            prop::sample::select(PATTERNS.to_vec()).prop_map(str::to_string),
            0..2,
        ),
        prop::collection::vec(term(), 0..2),
        prop::collection::vec(
            prop::sample::select(PATTERNS.to_vec()).prop_map(str::to_string),
            0..2,
        ),
        prop::collection::vec(prefix(), 0..2),
        prop::collection::vec(prefix(), 0..3),
        0..REQUIRES.len(),
        prop::option::of(prop::sample::select(vec![
            ("frame_rate", ">", 9.0, Some("Hz")),
            ("axes", ">=", 5.0, None),
            ("resolution", ">=", 320.0, None),
        ])),
        prop::option::of(prop::sample::select(VARIANTS.to_vec())),
        any::<bool>(),
    )
        .prop_map(
            |(
                any,
                all,
                patterns,
                exclude,
                ex_patterns,
                ex_hs,
                hs,
                requires,
                param,
                variants,
                exact,
            )| GenRule {
                any,
                all,
                patterns,
                exclude,
                ex_patterns,
                ex_hs,
                hs,
                requires,
                param,
                variants,
                exact,
            },
        )
}

fn quote(s: &str) -> String {
    format!("'{s}'")
}

fn list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
    )
}

/// Renders rules as TOML, keeping only those the loader accepts by construction.
fn render(rules: &[GenRule]) -> String {
    let mut s = String::from(
        "[ruleset]\nid = \"gen\"\nversion = \"1\"\ntitle = \"generated\"\nsources = [\"test\"]\n",
    );
    for (i, r) in rules.iter().enumerate() {
        let req = REQUIRES[r.requires];
        let has_text = !r.any.is_empty() || !r.patterns.is_empty() || !r.all.is_empty();
        let needs_hs = matches!(req, "hs" | "both");
        let needs_text = matches!(req, "text" | "both");
        if (needs_hs && r.hs.is_empty())
            || (needs_text && !has_text)
            || (!has_text && r.hs.is_empty())
            || (r.param.is_some() && !has_text)
        {
            continue;
        }
        s.push_str(&format!(
            "\n[[rule]]\nid = \"gen.r{i}\"\ntitle = \"r{i}\"\ncategory = \"{}\"\nseverity = \"medium\"\nreferences = [\"T\"]\nsources = [\"t\"]\nrequires = \"{req}\"\n",
            CATS[i % CATS.len()]
        ));
        if !r.hs.is_empty() {
            s.push_str(&format!("hs = {}\n", list(&r.hs)));
        }
        if !r.any.is_empty() {
            s.push_str(&format!("any = {}\n", list(&r.any)));
        }
        if !r.patterns.is_empty() {
            s.push_str(&format!("patterns = {}\n", list(&r.patterns)));
        }
        if !r.all.is_empty() {
            let groups: Vec<String> = r.all.iter().map(|g| list(g)).collect();
            s.push_str(&format!("all = [{}]\n", groups.join(", ")));
        }
        if let Some(v) = r.variants {
            s.push_str(&format!("variants = \"{v}\"\n"));
        }
        if r.exact && !r.any.is_empty() {
            s.push_str(&format!("exact = {}\n", list(&r.any[..1])));
        }
        if let Some((q, op, v, unit)) = r.param {
            s.push_str(&format!(
                "[[rule.param]]\nquantity = \"{q}\"\nop = \"{op}\"\nvalue = {v}\n"
            ));
            if let Some(u) = unit {
                s.push_str(&format!("unit = \"{u}\"\n"));
            }
        }
        if !r.exclude.is_empty() || !r.ex_patterns.is_empty() || !r.ex_hs.is_empty() {
            s.push_str("[rule.exclude]\n");
            if !r.exclude.is_empty() {
                s.push_str(&format!("any = {}\n", list(&r.exclude)));
            }
            if !r.ex_patterns.is_empty() {
                s.push_str(&format!("patterns = {}\n", list(&r.ex_patterns)));
            }
            if !r.ex_hs.is_empty() {
                s.push_str(&format!("hs = {}\n", list(&r.ex_hs)));
            }
        }
    }
    s
}

fn line() -> impl Strategy<Value = (Option<String>, String)> {
    (
        prop::option::of(prop::sample::select(vec![
            "8542310000",
            "8542.31",
            "8482 10 100 9",
            "9013.10",
            "85A231",
            "",
            "0901.11",
        ])),
        // Up to 30 words: past 16 triggers of one pattern a line takes
        // the unanchored path.
        prop::collection::vec((0..WORDS.len(), 0..SEPS.len()), 0..30),
    )
        .prop_map(|(hs, parts)| {
            let mut t = String::new();
            for (w, s) in parts {
                t.push_str(WORDS[w]);
                t.push_str(SEPS[s]);
            }
            (hs.map(str::to_string), t)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("ORACLE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300), ..ProptestConfig::default() })]

    #[test]
    fn compiled_equals_naive(rules in prop::collection::vec(rule(), 1..12),
                             lines in prop::collection::vec(line(), 1..20)) {
        let toml = render(&rules);
        let mut src = RuleSources::empty();
        src.add_source("gen.toml", toml.clone());
        let clf = match ClassifierBuilder::new().exhaustive(false).build(&src) {
            Ok(c) => c,
            Err(e) => panic!("generated rules rejected: {e}\n{toml}"),
        };
        let naive = NaiveClassifier::new(&src).unwrap();
        // The reference path without the first phase (the prefilter):
        // every result must be the same, field for field.
        let full = ClassifierBuilder::new().exhaustive(true).build(&src).unwrap();
        let mut scratch = clf.scratch();
        let mut full_scratch = full.scratch();
        for (hs, text) in &lines {
            let got = clf.classify_with(&mut scratch, hs.as_deref(), text);
            let reference = full.classify_with(&mut full_scratch, hs.as_deref(), text);
            prop_assert_eq!(&got, &reference, "prefilter changed a result: line {:?} / {:?}\nrules:\n{}", hs, text, toml);

            let fast = dualuse::oracle::fired(&got);
            let (slow, slow_mentions) = naive.classify_roles(hs.as_deref(), text);
            prop_assert_eq!(&fast, &slow, "line {:?} / {:?}\nrules:\n{}", hs, text, toml);
            let fast_mentions = dualuse::oracle::mentioned(&got);
            prop_assert_eq!(&fast_mentions, &slow_mentions, "mentions: line {:?} / {:?}\nrules:\n{}", hs, text, toml);
            for h in got.hits.iter().chain(&got.mentions) {
                for e in &h.evidence {
                    if let (Some(s), Some(en)) = (e.start, e.end) {
                        prop_assert!(s <= en && en <= text.len());
                        prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(en));
                        prop_assert_eq!(&text[s..en], e.text.as_str());
                    }
                }
            }
        }
    }
}
