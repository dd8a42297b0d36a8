//! Trigger literals: what must occur in a line for a pattern to match it.

/// Where a pattern's trigger literals stand in its matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TriggerKind {
    /// Every match starts with one of the literals: the regex runs anchored
    /// at each occurrence.
    Prefix,
    /// Every match ends with one of the literals: the regex runs on the text
    /// up to the last occurrence.
    Suffix,
    /// Every match contains one of the literals somewhere: the regex runs on
    /// the whole line when one occurs.
    Inner,
}

/// Literals of which at least one must occur in the text for the pattern
/// to match there, lower-cased, and where they stand; `None` when the
/// pattern has no such finite, selective set (it then runs on every line,
/// or, in a rule with `all` groups, on the lines where they are met).
///
/// The engine puts these literals into the term automaton, so a pattern's
/// regex runs only on lines where one of its literals occurs: one regex set
/// over hundreds of part-number patterns fell back to the slow PikeVM on
/// every line. Prefix literals are preferred, because the regex then runs
/// anchored at each occurrence and fails within a few bytes; then suffix
/// literals; then a literal required somewhere inside (`kv` in
/// `[1-9]\d{3}[- ]kv ?\d{2,4}`).
pub(crate) fn trigger_literals(
    body: &str,
    start_b: bool,
    end_b: bool,
) -> Option<(TriggerKind, Vec<String>)> {
    use regex_syntax::hir::literal::ExtractKind;
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(body)
        .ok()?;
    let hir = in_normalized_alphabet(&hir);
    // Extraction past its limits shortens literals (`[1-9]\d{3}kv` gives
    // the prefixes `1`...`9`), and a one-byte trigger would run the regex on
    // nearly every line: such a set is not used. Nor is a set of two-digit
    // numbers, unless a boundary next to it is checked first (`\b60`).
    // The rarest set wins; on a tie, prefix literals (the regex then runs
    // anchored), then suffix ones, then fewer literals.
    //
    // A common set (`号`, inside every `型号`) is still better than running
    // on every line when each run is cheap: anchored at a prefix, or in a
    // short window when the match length is bounded.
    let cheap_runs = hir.properties().maximum_len().is_some();
    let candidates: Vec<(TriggerKind, Vec<String>)> = [
        (TriggerKind::Prefix, extract(&hir, ExtractKind::Prefix)),
        (TriggerKind::Suffix, extract(&hir, ExtractKind::Suffix)),
        (TriggerKind::Inner, required_literals(&hir)),
    ]
    .into_iter()
    .filter_map(|(kind, set)| Some((kind, shrink(kind, set?))))
    .collect();
    let score = |(k, set): &(TriggerKind, Vec<String>)| {
        let rank = match k {
            TriggerKind::Prefix => 2,
            TriggerKind::Suffix => 1,
            TriggerKind::Inner => 0,
        };
        (rarity(set), rank, std::cmp::Reverse(set.len()))
    };
    let rare = candidates
        .iter()
        .filter(|(kind, set)| {
            let bounded = match kind {
                TriggerKind::Prefix => start_b,
                TriggerKind::Suffix => end_b,
                TriggerKind::Inner => false,
            };
            rarity(set) >= if bounded { 2 } else { 3 }
        })
        .max_by_key(|c| score(c));
    rare.or_else(|| {
        candidates
            .iter()
            .filter(|(kind, _)| *kind == TriggerKind::Prefix || cheap_runs)
            .max_by_key(|c| score(c))
    })
    .cloned()
}

/// A trigger set made small: a literal that starts with (ends with,
/// contains) another one goes, since the shorter one occurs wherever it
/// does; and past 48 literals, more length only multiplies them
/// (`stm32[fh]\d{3}` gives 2,000), so the largest families of literals
/// that differ only in their last character (for a suffix, their first)
/// are replaced by their common part (or, when there are none, the longest
/// literals are cut), until at most 48 are left. The literals
/// that are not multiplied keep their length: `от\s?-\s?\d` keeps `от -`.
fn shrink(kind: TriggerKind, mut set: Vec<String>) -> Vec<String> {
    let parent = |l: &str| -> Option<String> {
        let n = l.chars().count();
        (n > 2).then(|| {
            if kind == TriggerKind::Suffix {
                l.chars().skip(1).collect()
            } else {
                l.chars().take(n - 1).collect()
            }
        })
    };
    let minimal = |set: &mut Vec<String>| match kind {
        // In sorted order a literal's prefixes come before it, and every
        // literal between a prefix and it starts with that prefix, so the
        // last literal kept is the only one to compare with. Suffixes are
        // prefixes of the reversed literals.
        TriggerKind::Prefix | TriggerKind::Suffix => {
            let key = |l: &str| -> String {
                if kind == TriggerKind::Suffix {
                    l.chars().rev().collect()
                } else {
                    l.to_string()
                }
            };
            let mut keyed: Vec<(String, String)> = set.drain(..).map(|l| (key(&l), l)).collect();
            keyed.sort();
            keyed.dedup();
            let mut last: Option<String> = None;
            for (k, l) in keyed {
                if last.as_deref().is_some_and(|o| k.starts_with(o)) {
                    continue;
                }
                last = Some(k);
                set.push(l);
            }
            set.sort();
        }
        TriggerKind::Inner => {
            set.sort();
            set.dedup();
            let all = set.clone();
            set.retain(|l| {
                !all.iter()
                    .any(|o| o.len() < l.len() && l.contains(o.as_str()))
            });
        }
    };
    minimal(&mut set);
    loop {
        set.sort();
        set.dedup();
        if set.len() <= MAX_TRIGGER_LITERALS {
            minimal(&mut set);
            return set;
        }
        let mut families: std::collections::BTreeMap<String, usize> = Default::default();
        for l in &set {
            if let Some(p) = parent(l) {
                *families.entry(p).or_default() += 1;
            }
        }
        // The largest families, all of them at once; when no two literals
        // are of one family, the longest ones are cut.
        let top = families.values().copied().max().unwrap_or(0);
        if top == 0 {
            minimal(&mut set);
            return set;
        }
        let longest = set.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        for l in set.iter_mut() {
            if let Some(p) = parent(l) {
                if (top >= 2 && families.get(&p) == Some(&top))
                    || (top < 2 && l.chars().count() == longest)
                {
                    *l = p;
                }
            }
        }
    }
}

/// Trigger literals are cut while a pattern has more than this many.
const MAX_TRIGGER_LITERALS: usize = 48;

/// Characters that never occur in normalised text: whitespace other than
/// the space, control characters, and the invisible ones it drops.
///
/// Digits of other scripts do not occur either (the normaliser folds them
/// to ASCII), but `\d` is left as it is on purpose: as `[0-9]` it turned
/// `\d{2,3}` into hundreds of literals, the automaton grew from 12,000 to
/// 21,000 of them, and digit triggers fired on most lines: the 200 MB
/// dump took 6.15 s instead of 4.86 s.
const NEVER_IN_NORMALIZED: &[(char, char)] = &[
    ('\u{0}', '\u{1F}'),
    ('\u{7F}', '\u{A0}'),
    ('\u{AD}', '\u{AD}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200F}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202F}', '\u{202F}'),
    ('\u{205F}', '\u{2064}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{FEFF}', '\u{FEFF}'),
];

/// `hir` with every class narrowed to what normalised text can hold, so
/// that `\s` is just the space: `от\s?-` then has the prefixes `от-` and
/// `от -` instead of `от`. A match in normalised text is still a match of
/// the narrowed expression, so its literals are still necessary.
fn in_normalized_alphabet(hir: &regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Capture, Class, Hir, HirKind, Repetition};
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => {
            Hir::class(Class::Unicode(class_without(c, NEVER_IN_NORMALIZED)))
        }
        HirKind::Concat(items) => Hir::concat(items.iter().map(in_normalized_alphabet).collect()),
        HirKind::Alternation(bs) => {
            Hir::alternation(bs.iter().map(in_normalized_alphabet).collect())
        }
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(in_normalized_alphabet(&r.sub)),
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(in_normalized_alphabet(&c.sub)),
        }),
        _ => hir.clone(),
    }
}

/// The prefix or suffix literal set of `hir`, if it is finite and selective.
fn extract(
    hir: &regex_syntax::hir::Hir,
    kind: regex_syntax::hir::literal::ExtractKind,
) -> Option<Vec<String>> {
    extract_any(hir, kind).filter(|set| set.iter().all(|l| selective(l)))
}

/// The prefix or suffix literal set of `hir`, if it is finite, however short.
fn extract_any(
    hir: &regex_syntax::hir::Hir,
    kind: regex_syntax::hir::literal::ExtractKind,
) -> Option<Vec<String>> {
    let mut ex = regex_syntax::hir::literal::Extractor::new();
    ex.kind(kind);
    literal_set(ex.extract(hir).literals()?)
}

/// The most selective set of literals one of which every match of `hir`
/// contains: the prefix or suffix set of `hir` itself or of any part that
/// every match must pass through (a concatenation's non-empty items, a
/// group, a repetition of at least one), or the union over an
/// alternation's branches.
fn required_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::ExtractKind;
    use regex_syntax::hir::HirKind;
    type Score = (usize, std::cmp::Reverse<usize>);
    /// Larger is better: rarer once cut to size (105 letter pairs become
    /// 14 single letters), then fewer literals.
    fn score(set: &[String]) -> Score {
        let cut = shrink(TriggerKind::Inner, set.to_vec());
        (rarity(&cut), std::cmp::Reverse(cut.len()))
    }
    let mut best: Option<(Vec<String>, Score)> = None;
    let mut consider = |cand: Option<Vec<String>>| {
        if let Some(c) = cand {
            let sc = score(&c);
            if best.as_ref().is_none_or(|(_, b)| sc > *b) {
                best = Some((c, sc));
            }
        }
    };
    consider(extract(hir, ExtractKind::Prefix));
    consider(extract(hir, ExtractKind::Suffix));
    match hir.kind() {
        HirKind::Capture(c) => consider(required_literals(&c.sub)),
        HirKind::Repetition(r) if r.min >= 1 => consider(required_literals(&r.sub)),
        HirKind::Concat(items) => {
            for item in items {
                if item.properties().minimum_len().is_some_and(|m| m > 0) {
                    consider(required_literals(item));
                }
            }
            // A small class that ends one item, times the prefixes of the
            // next (or their first characters, when that makes too many):
            // `\d{3}(?:в[аб]|и[ав])` needs a digit right before `в` or
            // `и`, and a digit followed by a letter is far rarer than the
            // letter pair on its own.
            for w in items.windows(2) {
                // One-character prefixes are fine here: the class adds one.
                let next = extract_any(&w[1], ExtractKind::Prefix);
                let (Some(last), Some(next)) = (last_chars(&w[0]), next) else {
                    continue;
                };
                let next = if last.len() * next.len() <= MAX_CROSS_LITERALS {
                    next
                } else {
                    let mut first: Vec<String> = next
                        .iter()
                        .filter_map(|n| n.chars().next().map(String::from))
                        .collect();
                    first.sort();
                    first.dedup();
                    first
                };
                if last.len() * next.len() <= MAX_CROSS_LITERALS {
                    consider(Some(
                        last.iter()
                            .flat_map(|c| next.iter().map(move |n| format!("{c}{n}")))
                            .collect(),
                    ));
                }
            }
        }
        HirKind::Alternation(branches) => {
            let mut union = Vec::new();
            for b in branches {
                union.extend(required_literals(b)?);
            }
            union.sort();
            union.dedup();
            if union.len() <= 128 {
                consider(Some(union));
            }
        }
        _ => {}
    }
    best.map(|(set, _)| set)
}

/// The most literals a class-times-prefixes set may have.
const MAX_CROSS_LITERALS: usize = 160;

/// The characters that the last character of every match of `hir` is one
/// of, when they are few (ten at most, in normalised text, where `\d` is
/// `[0-9]`: the normaliser folds every script's digits to ASCII).
fn last_chars(hir: &regex_syntax::hir::Hir) -> Option<Vec<char>> {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => {
            let c = class_without(c, crate::normalize::other_digit_ranges());
            let n: u32 = c
                .iter()
                .map(|r| r.end() as u32 - r.start() as u32 + 1)
                .sum();
            if n == 0 || n > 10 {
                return None;
            }
            let chars: Vec<char> = c.iter().flat_map(|r| r.start()..=r.end()).collect();
            chars
                .iter()
                .all(|&c| kept_by_normaliser(c))
                .then_some(chars)
        }
        HirKind::Repetition(r) if r.min >= 1 => last_chars(&r.sub),
        HirKind::Capture(c) => last_chars(&c.sub),
        _ => None,
    }
}

/// How rare the commonest literal of a set is likely to be in a line: a
/// Chinese character counts three, a letter or a sign such as `/` or `:`
/// two, a digit, `-`, `.` or `,` one (numbers are everywhere in customs
/// lines), a space nothing; six is rare enough. A literal found inside the
/// boilerplate of declarations (`марка:`, `型号`, `brand:`) counts nothing:
/// it occurs on nearly every line of its language.
fn rarity(set: &[String]) -> usize {
    set.iter()
        .map(|l| {
            if in_boilerplate(l.trim()) {
                return 0;
            }
            l.chars()
                .map(|c| match c {
                    ' ' => 0,
                    c if crate::normalize::is_unsegmented(c) => 3,
                    c if c.is_alphabetic() => 2,
                    c if c.is_ascii_digit() || matches!(c, '-' | '.' | ',') => 1,
                    _ => 2,
                })
                .sum::<usize>()
                .min(6)
        })
        .min()
        .unwrap_or(0)
}

/// Whether `lit` occurs inside one of [`DECLARATION_BOILERPLATE`]: a
/// lookup among all their substrings, made once (rarity is asked of every
/// candidate literal of every pattern).
fn in_boilerplate(lit: &str) -> bool {
    static SUBSTRINGS: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SUBSTRINGS
        .get_or_init(|| {
            let mut all = std::collections::HashSet::new();
            for b in DECLARATION_BOILERPLATE {
                let at: Vec<usize> = b.char_indices().map(|(i, _)| i).chain([b.len()]).collect();
                for (k, &s) in at.iter().enumerate() {
                    for &e in &at[k..] {
                        all.insert(&b[s..e]);
                    }
                }
            }
            all
        })
        .contains(lit)
}

/// Field labels and filler that customs declarations repeat on every line
/// (Russian DT column 31, Chinese and English export declarations), in
/// normalised form. Trigger literals inside them would run their pattern on
/// nearly every line.
const DECLARATION_BOILERPLATE: &[&str] = &[
    "изготовитель:",
    "производитель:",
    "товарный знак:",
    "марка:",
    "модель:",
    "артикул:",
    "кол-во:",
    "количество:",
    "не лом электрооборудования",
    "для розничной продажи",
    "отсутствует",
    "не является",
    "в комплекте",
    "страна происхождения",
    "brand:",
    "model:",
    "made in",
    "manufacturer:",
    // Bill of lading clauses (English, as carriers print them).
    "shipper's load, stow and count",
    "said to contain",
    "clean on board",
    "freight prepaid",
    "freight collect",
    "no wood packing material",
    "days free time at destination",
    "item no.",
    "shipper:",
    "consignee:",
    "notify party:",
    // German invoice labels.
    "hersteller:",
    "ursprung",
    "marke",
    "modell",
    "stück",
    "品牌:",
    "品牌：",
    "型号:",
    "规格:",
    "用途:",
    "材质:",
    "无品牌",
];

/// Whether a trigger literal is selective enough to be worth it: two
/// characters at least, or one Chinese character (`号`). (Requiring four
/// for all-digit literals sent more patterns to the always-run set and
/// measured slower.)
fn selective(lit: &str) -> bool {
    let t = lit.trim();
    t.chars().count() >= 2 || t.chars().any(crate::normalize::is_unsegmented)
}

/// Whether the normaliser leaves `c` as it is, so that normalised text can
/// hold it.
fn kept_by_normaliser(c: char) -> bool {
    // What the normaliser's one-pass paths do to one character of these
    // ranges: ASCII is lower-cased, and whitespace and controls become a
    // space that is trimmed; lower-case Cyrillic `а`..`я` stays.
    if c.is_ascii() {
        return !(c.is_ascii_uppercase() || c.is_ascii_whitespace() || c.is_ascii_control());
    }
    if matches!(c, 'а'..='я') {
        return true;
    }
    let mut buf = [0u8; 4];
    let one: &str = c.encode_utf8(&mut buf);
    crate::normalize::normalize_str(one) == one
}

/// `class` without the characters of `ranges`.
fn class_without(
    class: &regex_syntax::hir::ClassUnicode,
    ranges: &[(char, char)],
) -> regex_syntax::hir::ClassUnicode {
    use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};
    let mut c = class.clone();
    c.difference(&ClassUnicode::new(
        ranges.iter().map(|&(a, b)| ClassUnicodeRange::new(a, b)),
    ));
    c
}

fn literal_set(lits: &[regex_syntax::hir::literal::Literal]) -> Option<Vec<String>> {
    if lits.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(lits.len());
    for l in lits {
        let s = std::str::from_utf8(l.as_bytes()).ok()?.to_lowercase();
        // Only characters that the normaliser leaves as they are: a literal
        // the normalised text can never contain would hide every match.
        let ok = s.chars().all(|c| c == ' ' || kept_by_normaliser(c));
        if !ok || s.trim().is_empty() {
            return None;
        }
        out.push(s);
    }
    out.sort();
    out.dedup();
    Some(out)
}

#[cfg(test)]
mod trigger_tests {
    use super::{trigger_literals, TriggerKind};

    /// `shrink`'s minimal set against the definition: no literal kept has
    /// another literal of the set as a proper prefix (suffix, part).
    #[test]
    fn minimal_sets_are_the_definitions() {
        let words = [
            "ab", "abc", "abd", "b", "bc", "xbc", "abcd", "cd", "bcd", "a",
        ];
        for kind in [TriggerKind::Prefix, TriggerKind::Suffix, TriggerKind::Inner] {
            for n in 1..words.len() {
                let set: Vec<String> = words[..n].iter().map(|w| w.to_string()).collect();
                let got = super::shrink(kind, set.clone());
                let mut want: Vec<String> = set
                    .iter()
                    .filter(|l| {
                        !set.iter().any(|o| {
                            o.len() < l.len()
                                && match kind {
                                    TriggerKind::Prefix => l.starts_with(o.as_str()),
                                    TriggerKind::Suffix => l.ends_with(o.as_str()),
                                    TriggerKind::Inner => l.contains(o.as_str()),
                                }
                        })
                    })
                    .cloned()
                    .collect();
                want.sort();
                want.dedup();
                assert_eq!(got, want, "{kind:?} {set:?}");
            }
        }
    }

    #[test]
    fn boilerplate_lookup_is_substring_search() {
        for b in super::DECLARATION_BOILERPLATE {
            assert!(super::in_boilerplate(b));
        }
        for l in ["марка", "型号", "ка:", "qqq", "fpga"] {
            let naive = super::DECLARATION_BOILERPLATE.iter().any(|b| b.contains(l));
            assert_eq!(super::in_boilerplate(l), naive, "{l}");
        }
    }

    #[test]
    fn the_fast_answer_for_one_character_is_the_normalisers() {
        for c in (0u32..0x80).chain(0x400..0x460).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let one: &str = c.encode_utf8(&mut buf);
            let slow = crate::normalize::normalize_str(one) == one;
            assert_eq!(super::kept_by_normaliser(c), slow, "{c:?}");
        }
    }

    fn trig(body: &str) -> Option<(TriggerKind, Vec<String>)> {
        trigger_literals(body, false, false)
    }

    fn t(kind: TriggerKind, lits: &[&str]) -> Option<(TriggerKind, Vec<String>)> {
        Some((kind, lits.iter().map(|l| l.to_string()).collect()))
    }

    #[test]
    fn literals() {
        use TriggerKind::*;
        assert_eq!(trig(r"stm32[fh]\d{3}"), t(Prefix, &["stm32f", "stm32h"]));
        assert_eq!(trig(r"XC7[ak]"), t(Prefix, &["xc7a", "xc7k"]));
        assert_eq!(trig(r"\d+ ?hz"), t(Suffix, &["hz"]));
        assert_eq!(trig(r"\d+ ?\w+"), None);
        // A digit times what follows it: `\d+x` needs `0x` ... `9x`.
        assert_eq!(
            trig(r"(?:abc|\d+x)"),
            t(
                Inner,
                &["0x", "1x", "2x", "3x", "4x", "5x", "6x", "7x", "8x", "9x", "abc"]
            )
        );
        // Past 160 products, the next item's first characters: a digit
        // then `в` or `и`, not the letter pairs, which are everywhere in
        // Russian text (the Soviet IC designations).
        let soviet = trig(r"[1-9]\d{2,3}(?:в[абвгежикмнрстуфхя]|и[авдеклмпр])\d{1,4}").unwrap();
        assert_eq!(soviet.0, Inner);
        assert_eq!(soviet.1.len(), 20);
        assert!(soviet.1.iter().all(|l| l.chars().count() == 2));
        assert!(soviet.1.contains(&"7в".to_string()));
        // `0xy` (a digit, then letters) is rarer than the suffix `xy`.
        assert_eq!(
            trig(r"(?:abc|\d+xy)"),
            t(
                Inner,
                &["0xy", "1xy", "2xy", "3xy", "4xy", "5xy", "6xy", "7xy", "8xy", "9xy", "abc"]
            )
        );
        // Without a class before it, the suffix set stays.
        assert_eq!(trig(r"(?:abc|[a-z]+xy)"), t(Suffix, &["abc", "xy"]));
        // A literal required in the middle.
        assert_eq!(trig(r"[1-9]\d{3}[- ]kv ?\d{2,4}"), t(Inner, &["kv"]));
        // Letters outside ASCII and Cyrillic that the normaliser keeps.
        assert_eq!(
            trig(r"für (?:gewehre?|flinten?)"),
            t(Prefix, &["für flinte", "für gewehr"])
        );
        // One Chinese character is selective; one digit is not.
        // ... and a digit before it is rarer still (`号` alone is inside
        // every `型号`).
        assert_eq!(trig(r"[a-z]号"), t(Suffix, &["号"]));
        assert_eq!(
            trig(r"\d{1,2}号"),
            t(
                Inner,
                &["0号", "1号", "2号", "3号", "4号", "5号", "6号", "7号", "8号", "9号"]
            )
        );
        assert_eq!(trig(r"[1-9]\d"), None);
        // Normalised text has no whitespace but the space.
        assert_eq!(
            trig(r"(?:от|from)\s?-\s?\d"),
            t(Prefix, &["from -", "from-", "от -", "от-"])
        );
        // Two-digit literals are common: they lose to rarer ones, but an
        // anchored run at each is still cheaper than a run on every line.
        assert_eq!(
            trig(r"(16|6[0-4])[0-9]{2,3}(?:abc|xyz)").map(|t| t.0),
            Some(Suffix)
        );
        assert_eq!(trig(r"(16|6[0-4])[0-9]{2,3}").map(|t| t.0), Some(Prefix));
        // A literal inside declaration boilerplate is as common as it gets.
        assert_eq!(
            trig(r"марка:\s?\w+ (?:泰克|是德)"),
            t(Suffix, &[" 是德", " 泰克"])
        );
        // So is a word of a bill of lading clause (`said to contain`).
        assert_eq!(
            trig(r"(?:contains?|fitted with)(?: \w+){0,3} (?:gyro|imu)"),
            t(Suffix, &[" gyro", " imu"])
        );
        assert_eq!(
            trigger_literals(r"(16|6[0-4])[0-9]{2,3}", true, false),
            t(Prefix, &["16", "60", "61", "62", "63", "64"])
        );
        // Past 48 literals, the largest families give way to their common
        // part; the others keep their length.
        let (_, lits) = trig(r"(?:от|from)-[0-9]|(?:abc|xyz)[0-9]{2}").unwrap();
        assert!(lits.len() <= 48, "{lits:?}");
        assert!(lits.contains(&"от-0".to_string()), "{lits:?}");
        assert!(lits.contains(&"abc".to_string()), "{lits:?}");
        // A long word is kept whole.
        assert_eq!(trig(r"изготовлен\w* на станк"), t(Prefix, &["изготовлен"]));
        // A literal the normaliser would change can never occur.
        assert_eq!(trig(r"\d+℃"), None);
    }
}
