//! Part numbers and manufacturers: extraction, hits, misdeclaration, the
//! knowledge base's diagnostics and its registry invariants.

use dualuse::{Basis, Category, Classifier, RuleSources};

fn clf() -> Classifier {
    Classifier::builtin().expect("built-in rules compile")
}

#[test]
fn extracts_parts_with_spans_makers_and_families() {
    let c = clf();
    let text = "XC7K325T-2FFG900I XILINX, TPS54331DR, 10 PCS";
    let r = c.classify(None, text);
    assert_eq!(r.parts.len(), 2, "{:?}", r.parts);
    let p = &r.parts[0];
    assert_eq!(&text[p.start..p.end], p.text);
    assert_eq!(p.text, "XC7K325T-2FFG900I");
    assert_eq!(p.manufacturer.as_deref(), Some("amd"));
    assert_eq!(&*p.family, "fpga");
    assert_eq!(p.category, Some(Category::Microelectronics));
    assert_eq!(&*p.hs6, "854239");
    let q = &r.parts[1];
    assert_eq!(q.text, "TPS54331DR");
    assert_eq!(q.manufacturer.as_deref(), Some("texas_instruments"));
    assert_eq!(
        r.manufacturers.iter().map(|m| &**m).collect::<Vec<_>>(),
        ["amd", "texas_instruments"]
    );
    let hit = r
        .hits
        .iter()
        .find(|h| &*h.rule == "parts.xilinx_fpga")
        .unwrap();
    assert_eq!(&*hit.ruleset, "parts");
    assert_eq!(hit.basis, Basis::Text);
    assert!(hit.evidence.iter().any(|e| e.text == "XC7K325T-2FFG900I"));
}

#[test]
fn suffixes_case_and_separators() {
    let c = clf();
    for (text, want) in [
        ("lm2596sx-5.0/nopb", "lm2596sx-5.0/nopb"),
        ("BC847B,215 NEXPERIA", "BC847B,215"),
        ("LTC2944IDD#TRPBF", "LTC2944IDD#TRPBF"),
        ("MAX3232ECUE+T", "MAX3232ECUE+T"),
        ("STM32 F407VGT6", "STM32 F407VGT6"),
        ("TLP281-4(GB-TP,F) TOSHIBA", "TLP281-4(GB-TP,F)"),
    ] {
        let r = c.classify(None, text);
        assert_eq!(
            r.parts.first().map(|p| p.text.as_str()),
            Some(want),
            "{text}"
        );
    }
}

#[test]
fn cyrillic_and_chinese_aliases_name_the_maker() {
    let c = clf();
    let r = c.classify(None, "МИКРОСХЕМА BUF634AIDDAR ТЕХАС ИНСТРУМЕНТС");
    assert_eq!(
        r.manufacturers.first().map(|m| &**m),
        Some("texas_instruments")
    );
    assert_eq!(r.parts.len(), 1);
    let r = c.classify(None, "芯片 BUF634AIDDAR 德州仪器");
    assert_eq!(
        r.manufacturers.first().map(|m| &**m),
        Some("texas_instruments")
    );
    // Named without a part number, the maker is still extracted.
    let r = c.classify(None, "ЗАПАСНЫЕ ЧАСТИ, ПРОИЗВОДИТЕЛЬ MURATA");
    assert!(r.parts.is_empty());
    assert_eq!(r.manufacturers.first().map(|m| &**m), Some("murata"));
}

#[test]
fn unlisted_families_are_recognised_not_flagged() {
    let c = clf();
    let r = c.classify(Some("853321"), "RC0603FR-0710KL YAGEO");
    assert_eq!(r.parts.len(), 1);
    assert_eq!(&*r.parts[0].family, "resistor");
    assert_eq!(r.parts[0].category, None);
    assert!(!r.flagged());
}

#[test]
fn model_numbers_of_consumer_goods_are_not_parts() {
    let c = clf();
    let text = "1698 CTNS LED CEILING LIGHTS 24W ITEM NO. TL75669C PO#21585 SHIPPER'S LOAD, STOW AND COUNT";
    let r = c.classify(Some("940511"), text);
    assert!(r.parts.is_empty(), "{:?}", r.parts);
    // The same number on a parts-list line is a part.
    let r = c.classify(None, "TL75669C, 100 PCS");
    assert_eq!(r.parts.len(), 1);
}

#[test]
fn misdeclaration_through_a_part() {
    let c = clf();
    let r = c.classify(Some("9503000000"), "XC7K325T-2FFG900I, 10 PCS");
    let m = r
        .misdeclarations
        .iter()
        .find(|m| m.part.is_some())
        .expect("a part-level misdeclaration");
    assert_eq!(m.part, Some(0));
    assert_eq!(m.category, Category::Microelectronics);
    assert!(m.expected.iter().any(|h| h == "8542"));
    // Declared where the family belongs: hs+text, no signal.
    let r = c.classify(Some("8542399000"), "XC7K325T-2FFG900I, 10 PCS");
    assert!(r.misdeclarations.iter().all(|m| m.part.is_none()));
    let hit = r
        .hits
        .iter()
        .find(|h| &*h.rule == "parts.xilinx_fpga")
        .unwrap();
    assert_eq!(hit.basis, Basis::HsText);
}

#[test]
fn parts_serialise_in_snake_case() {
    let c = clf();
    let r = c.classify(None, "GRM188R61E106KA73D MURATA");
    let v = serde_json::to_value(&r).unwrap();
    let p = &v["parts"][0];
    assert_eq!(p["manufacturer"], "murata");
    assert_eq!(p["family"], "mlcc");
    assert_eq!(p["category"], "microelectronics");
    assert_eq!(p["hs6"], "853224");
    assert_eq!(v["manufacturers"][0], "murata");
}

const HEADER: &str =
    "[ruleset]\nid = \"kb\"\nversion = \"1\"\ntitle = \"t\"\nsources = [\"s\"]\n\n";

fn codes(src: &str) -> Vec<&'static str> {
    let mut s = RuleSources::empty();
    s.add_source("kb.toml", format!("{HEADER}{src}"));
    match Classifier::new(&s) {
        Ok(_) => vec![],
        Err(e) => e.diagnostics().iter().map(|d| d.code.as_str()).collect(),
    }
}

const FAMILY: &str = "[[family]]\nid = \"kb.f\"\ntitle = \"t\"\nkind = \"ic\"\nmanufacturers = [\"acme\"]\ncategory = \"microelectronics\"\nseverity = \"low\"\nhs6 = \"854239\"\nreferences = [\"HS:8542.39\"]\nsources = [\"s\"]\nprefixes = [\"ac\"]\nshape = '\\d{3}'\n";

const MAKER: &str =
    "[[manufacturer]]\nid = \"acme\"\nname = \"Acme\"\naliases = [\"Acme\"]\nsources = [\"s\"]\n";

#[test]
fn knowledge_base_diagnostics() {
    assert!(codes(&format!("{MAKER}\n{FAMILY}")).is_empty());
    // E030: a family of an unknown maker.
    assert_eq!(codes(FAMILY), ["E030"]);
    // E031: an hs6 that is not six digits, a prefix with a space.
    assert_eq!(
        codes(&format!("{MAKER}\n{}", FAMILY.replace("854239", "8542"))),
        ["E031"]
    );
    assert_eq!(
        codes(&format!(
            "{MAKER}\n{}",
            FAMILY.replace("[\"ac\"]", "[\"a c\"]")
        )),
        ["E031"]
    );
    // E032: two makers share an alias.
    let twin = MAKER.replace("id = \"acme\"", "id = \"acme2\"");
    assert_eq!(codes(&format!("{MAKER}\n{twin}\n{FAMILY}")), ["E032"]);
    // E005: a shape that does not compile.
    assert_eq!(
        codes(&format!("{MAKER}\n{}", FAMILY.replace("\\d{3}", "\\d{3"))),
        ["E005"]
    );
    // Locations point at the table.
    let mut s = RuleSources::empty();
    s.add_source("kb.toml", format!("{HEADER}{FAMILY}"));
    let e = Classifier::new(&s).unwrap_err();
    let d = &e.diagnostics()[0];
    assert_eq!((d.file.as_str(), d.line), ("kb.toml", 7));
    assert_eq!(d.rule.as_deref(), Some("kb.f"));
}

#[test]
fn registry_of_makers_and_families_is_sound() {
    let c = clf();
    assert!(c.manufacturers().len() >= 40);
    assert!(c.part_families().len() >= 40);
    for m in c.manufacturers() {
        assert!(
            m.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{}",
            m.id
        );
        assert!(!m.aliases.is_empty() && !m.sources.is_empty(), "{}", m.id);
    }
    let mut unlisted = 0;
    for f in c.part_families() {
        assert!(f.id.starts_with("parts."), "{}", f.id);
        assert!(f.sources.iter().any(|s| !s.trim().is_empty()), "{}", f.id);
        assert!(
            f.examples.len() >= 2 && f.counterexamples.len() >= 2,
            "{}",
            f.id
        );
        assert_eq!(f.hs6.len(), 6);
        if f.category.is_some() {
            assert!(!f.references.is_empty(), "{}", f.id);
        } else {
            unlisted += 1;
        }
    }
    assert!(
        unlisted >= 6,
        "resistors, inductors, electrolytics, LEDs, fuses, relays"
    );
    // Aliases in three scripts.
    let all: Vec<&str> = c
        .manufacturers()
        .iter()
        .flat_map(|m| m.aliases.iter().map(String::as_str))
        .collect();
    assert!(all
        .iter()
        .any(|a| a.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))));
    assert!(all
        .iter()
        .any(|a| a.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))));
}
