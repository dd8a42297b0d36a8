//! Spelling variants of rule terms, generated when rules are compiled.
//!
//! Two kinds, each added to the one term automaton as extra literals that
//! map to the same term use (rule, slot, term as written), so screening a
//! line costs the same and a match through a variant is evidence of the
//! term it came from:
//!
//! - **transliterations**: a Russian term in Latin letters, as declarants,
//!   bills of lading and Latin-only systems write it (`подшипник*` →
//!   `podshipnik*`; `тепловизионный` → `teplovizionnyj`, `teplovizionnyy`,
//!   `teplovizionnyi`, ...), after GOST 7.79 B, BGN/PCGN, ICAO Doc 9303 and
//!   keyboard habits (`ж` → `zh`/`j`, `х` → `kh`/`h`/`x`, `щ` →
//!   `shch`/`sch`/`sh`, `ый` → `yj`/`yy`/`yi`/`iy`/`ij`, ...), one column
//!   per scheme and one of spellings seen in trade text. The schemes' whole-term
//!   spellings come first, then spellings that differ from the first in one
//!   letter, then in two, up to [`MAX_TRANSLIT`] per term;
//! - **misspellings**: one edit (a deleted letter, two neighbours swapped,
//!   a doubled letter) inside a word of at least [`MIN_TYPO_WORD`] letters
//!   of a term of at least [`MIN_TYPO_LETTERS`] letters, never on a word's
//!   first letter (`ball bearing` → `ball beraing`, `milling machine` →
//!   `miling machine`). Only the terms that make a rule fire get them
//!   (`any`, `all`), not exclusions.
//!
//! A variant is dropped when it would match ordinary words: when it is
//! another term of the loaded rules, when the word it changed (for a
//! transliteration: every word of it) is shorter than four letters or is a
//! common English, German or Russian word (`src/data/common_words.txt`),
//! or, at a wildcard end, the start or end of one (`патрон*` → `patron*`
//! would match `patronage`). A rule opts out with `variants` and `exact`
//! (rules/README.md).

use crate::normalize::{is_unsegmented, is_word_char};
use crate::rules::TermDef;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Most transliterations kept per term.
pub(crate) const MAX_TRANSLIT: usize = 12;
/// Most misspellings kept per term.
pub(crate) const MAX_TYPOS: usize = 32;
/// Fewest letters a term needs to get misspellings.
pub(crate) const MIN_TYPO_LETTERS: usize = 8;
/// Fewest letters a word of such a term needs to be edited.
pub(crate) const MIN_TYPO_WORD: usize = 7;
/// Most words of a term that gets misspellings.
pub(crate) const MAX_TYPO_WORDS: usize = 2;
/// Fewest letters of a word that a variant may rest on.
const MIN_WORD: usize = 4;

/// How a variant was made from its term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VariantKind {
    /// A Russian term written in Latin letters.
    Transliteration,
    /// One edit inside a long word.
    Misspelling,
}

/// A literal that matches for a term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Variant {
    pub lit: String,
    pub kind: VariantKind,
}

/// Which variants a term gets: a rule's `variants` key, narrowed per term
/// by its `exact` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct VariantPolicy {
    pub translit: bool,
    pub typos: bool,
}

impl VariantPolicy {
    /// Every kind.
    pub(crate) const ALL: VariantPolicy = VariantPolicy {
        translit: true,
        typos: true,
    };
    /// No variant.
    pub(crate) const NONE: VariantPolicy = VariantPolicy {
        translit: false,
        typos: false,
    };

    /// The policy a rule's `variants` value names.
    pub(crate) fn parse(s: &str) -> Result<VariantPolicy, String> {
        Ok(match s {
            "all" => VariantPolicy::ALL,
            "none" => VariantPolicy::NONE,
            "transliteration" => VariantPolicy {
                translit: true,
                typos: false,
            },
            "misspellings" => VariantPolicy {
                translit: false,
                typos: true,
            },
            _ => {
                return Err(format!(
                    "unknown `variants` value `{s}`: expected `all`, `transliteration`, `misspellings` or `none`"
                ))
            }
        })
    }
}

static COMMON_WORDS: &str = include_str!("data/common_words.txt");

/// The common words, sorted (byte order) for binary search.
fn common_words() -> &'static [&'static str] {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut v: Vec<&str> = COMMON_WORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        v.sort_unstable();
        v
    })
}

/// The common words spelt backwards, sorted: the words a suffix ends.
fn reversed_words() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut v: Vec<String> = common_words()
            .iter()
            .map(|w| w.chars().rev().collect())
            .collect();
        v.sort_unstable();
        v
    })
}

/// Whether a word (lower case) would match common words, given whether
/// the term is open (a `*`) before and after it.
fn clashes(word: &str, open_start: bool, open_end: bool) -> bool {
    let words = common_words();
    match (open_start, open_end) {
        (false, false) => words.binary_search(&word).is_ok(),
        (false, true) => {
            let i = words.partition_point(|w| *w < word);
            words.get(i).is_some_and(|w| w.starts_with(word))
        }
        (true, false) => {
            let rev: String = word.chars().rev().collect();
            let reversed = reversed_words();
            let i = reversed.partition_point(|w| w.as_str() < rev.as_str());
            reversed.get(i).is_some_and(|w| w.starts_with(&rev))
        }
        (true, true) => words.iter().any(|w| w.contains(word)),
    }
}

/// Generates the variants of terms against the literals of every loaded term.
pub(crate) struct Expander {
    known: HashSet<String>,
}

impl Expander {
    /// `lits`: the normalised literal of every term of every loaded rule.
    pub(crate) fn new<'a>(lits: impl IntoIterator<Item = &'a str>) -> Expander {
        Expander {
            known: lits.into_iter().map(str::to_string).collect(),
        }
    }

    /// An expander over every term of every rule of `sets`.
    pub(crate) fn for_sets(sets: &[crate::rules::RuleSetDef]) -> Expander {
        Expander::new(
            sets.iter()
                .flat_map(|s| s.rules.iter())
                .flat_map(|r| r.any.iter().chain(r.all.iter().flatten()).chain(&r.ex_any))
                .map(|t| t.lit.as_str()),
        )
    }

    /// The variants of `t`; `fires` is whether the term makes its rule fire
    /// (`any`, `all`) rather than veto it (misspellings are for those only).
    pub(crate) fn expand(&self, t: &TermDef, fires: bool) -> Vec<Variant> {
        let open_start = !t.start_b;
        let open_end = !t.end_b;
        let mut out: Vec<Variant> = Vec::new();
        if t.variants.translit {
            // A Latin spelling that another term also has is still this
            // term's (a Russian rule beside a hand-written transliteration).
            for lit in transliterations(&t.lit, open_start, open_end) {
                out.push(Variant {
                    lit,
                    kind: VariantKind::Transliteration,
                });
            }
        }
        if t.variants.typos && fires {
            for lit in misspellings(&t.lit, open_start, open_end) {
                if !self.known.contains(&lit) && !out.iter().any(|v| v.lit == lit) {
                    out.push(Variant {
                        lit,
                        kind: VariantKind::Misspelling,
                    });
                }
            }
        }
        out
    }
}

/// A place in a term: a character kept as it is, or a Cyrillic letter with
/// its Latin spellings, the most common first.
#[derive(Clone, Copy)]
enum Seg {
    Keep(char),
    Opts(char, &'static [&'static str]),
}

/// `е` at the start of a word or after a vowel: BGN writes `ye`.
const E_OPEN: &[&str] = &["e", "ye"];
/// `й` ending a word after `ы` or `и`: `-ый` is also written `-y`, `-ий` `-i`.
const J_FINAL: &[&str] = &["j", "y", "i", ""];

/// The Latin spellings of a Cyrillic letter (lower case, `ё` already `е`).
fn options(c: char) -> Option<&'static [&'static str]> {
    Some(match c {
        'а' => &["a"],
        'б' => &["b"],
        'в' => &["v"],
        'г' => &["g"],
        'д' => &["d"],
        'е' => &["e"],
        'ж' => &["zh", "j"],
        'з' => &["z"],
        'и' => &["i"],
        'й' => &["j", "y", "i"],
        'к' => &["k"],
        'л' => &["l"],
        'м' => &["m"],
        'н' => &["n"],
        'о' => &["o"],
        'п' => &["p"],
        'р' => &["r"],
        'с' => &["s"],
        'т' => &["t"],
        'у' => &["u"],
        'ф' => &["f"],
        'х' => &["kh", "h", "x"],
        'ц' => &["ts", "c", "tz"],
        'ч' => &["ch"],
        'ш' => &["sh"],
        'щ' => &["shch", "sch", "sh"],
        'ъ' | 'ь' => &[""],
        'ы' => &["y", "i"],
        'э' => &["e"],
        'ю' => &["yu", "ju", "iu"],
        'я' => &["ya", "ja", "ia"],
        _ => return None,
    })
}

/// Whole-term schemes: for each, the option taken for a letter (an index
/// into its spellings, clamped); letters not listed take the first.
const SCHEMES: &[&[(char, usize)]] = &[
    // The most common spelling of every letter (GOST 7.79 B for `й`: `j`).
    &[],
    // BGN/PCGN: й y, е ye at the start of a word and after vowels.
    &[('й', 1), ('е', 1)],
    // ICAO Doc 9303: й i, ю iu, я ia.
    &[('й', 2), ('ю', 2), ('я', 2)],
    // GOST 7.79 B: х x, ц c.
    &[('х', 2), ('ц', 1)],
    // Keyboard habits: ж j, х h, ц c, щ sch, ю ju, я ja.
    &[('ж', 1), ('х', 1), ('ц', 1), ('щ', 1), ('ю', 1), ('я', 1)],
    // Phonetic habits: х h, щ sch, ы i, й y (`-iy`).
    &[('х', 1), ('щ', 1), ('ы', 1), ('й', 1)],
    // -ый written -yy / -ij.
    &[('й', 1)],
    &[('ы', 1)],
];

fn segments(lit: &str) -> Vec<Seg> {
    let chars: Vec<char> = lit.chars().collect();
    let vowel = |c: char| "аеиоуыэюяъь".contains(c);
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            match c {
                'е' if prev.is_none_or(|p| !is_word_char(p) || vowel(p)) => Seg::Opts(c, E_OPEN),
                'й' if matches!(prev, Some('ы' | 'и')) && next.is_none_or(|n| !is_word_char(n)) => {
                    Seg::Opts(c, J_FINAL)
                }
                _ => match options(c) {
                    Some(o) => Seg::Opts(c, o),
                    None => Seg::Keep(c),
                },
            }
        })
        .collect()
}

fn render(segs: &[Seg], choice: &[usize]) -> String {
    let mut s = String::new();
    for (seg, &k) in segs.iter().zip(choice) {
        match *seg {
            Seg::Keep(c) => s.push(c),
            Seg::Opts(_, o) => s.push_str(o[k.min(o.len() - 1)]),
        }
    }
    s
}

/// Whether a Latin spelling would match ordinary text: every word of it is
/// shorter than four letters or a common word (at an open end: the start
/// or end of one).
fn translit_clashes(v: &str, open_start: bool, open_end: bool) -> bool {
    let words: Vec<&str> = v
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let n = words.len();
    let first_open = open_start && v.starts_with(|c: char| c.is_ascii_alphabetic());
    let last_open = open_end && v.ends_with(|c: char| c.is_ascii_alphabetic());
    words.iter().enumerate().all(|(i, w)| {
        w.len() < MIN_WORD || clashes(w, first_open && i == 0, last_open && i + 1 == n)
    })
}

/// The Latin spellings of a Russian term (normalised), most common first,
/// at most [`MAX_TRANSLIT`], without those that would match ordinary text.
/// Empty when the term has no Cyrillic letter, or has one that no Russian
/// spelling covers (Ukrainian `ї`, ...).
pub(crate) fn transliterations(lit: &str, open_start: bool, open_end: bool) -> Vec<String> {
    let segs = segments(lit);
    if !segs.iter().any(|s| matches!(s, Seg::Opts(..))) {
        return Vec::new();
    }
    if lit
        .chars()
        .any(|c| matches!(c, '\u{400}'..='\u{52F}') && options(c).is_none())
    {
        return Vec::new();
    }
    let amb: Vec<usize> = (0..segs.len())
        .filter(|&i| matches!(segs[i], Seg::Opts(_, o) if o.len() > 1))
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    let mut push = |choice: &[usize], out: &mut Vec<String>| {
        let s = render(&segs, choice);
        if out.len() < MAX_TRANSLIT
            && seen.insert(s.clone())
            && !translit_clashes(&s, open_start, open_end)
        {
            out.push(s);
        }
    };
    // The schemes' whole-term spellings.
    for scheme in SCHEMES {
        let choice: Vec<usize> = segs
            .iter()
            .map(|s| match *s {
                Seg::Opts(c, _) => scheme.iter().find(|(k, _)| *k == c).map_or(0, |(_, i)| *i),
                Seg::Keep(_) => 0,
            })
            .collect();
        push(&choice, &mut out);
    }
    // Then the other spellings by how far they are from the first: the sum
    // over letters of the rank of the spelling taken (a second spelling of
    // one letter, then a second spelling of two letters or a third of one).
    let max_cost: usize = amb
        .iter()
        .map(|&i| match segs[i] {
            Seg::Opts(_, o) => o.len() - 1,
            Seg::Keep(_) => 0,
        })
        .sum();
    let mut choice = vec![0usize; segs.len()];
    for cost in 1..=max_cost {
        if out.len() >= MAX_TRANSLIT {
            break;
        }
        at_cost(&segs, &amb, cost, &mut choice, &mut |c| {
            push(c, &mut out);
            out.len() < MAX_TRANSLIT
        });
    }
    out
}

/// Calls `f` with every choice whose ranks at the ambiguous places `amb`
/// add up to `cost`, the earlier places first; stops when `f` says so.
fn at_cost(
    segs: &[Seg],
    amb: &[usize],
    cost: usize,
    choice: &mut Vec<usize>,
    f: &mut dyn FnMut(&[usize]) -> bool,
) -> bool {
    if cost == 0 {
        return f(choice);
    }
    let Some((&i, rest)) = amb.split_first() else {
        return true;
    };
    let Seg::Opts(_, o) = segs[i] else {
        return true;
    };
    for k in (0..o.len().min(cost + 1)).rev() {
        choice[i] = k;
        let go = at_cost(segs, rest, cost - k, choice, f);
        choice[i] = 0;
        if !go {
            return false;
        }
    }
    true
}

/// The one-edit misspellings of a long term (normalised), at most
/// [`MAX_TYPOS`]. A term gets them when it has at least
/// [`MIN_TYPO_LETTERS`] letters and at most [`MAX_TYPO_WORDS`] words (longer
/// phrases are copied from tariff texts rather than typed); its words of at
/// least [`MIN_TYPO_WORD`] letters (of one script, Latin or Cyrillic, no
/// digit) are edited, never on their first letter, in the order of how
/// often each kind of slip is seen: a doubled letter written once
/// (`miling`), two neighbours swapped (`beraing`), a consonant doubled
/// (`machinning`), any other letter left out (`quadcoper`; at an open end
/// not the last letter, which would only shorten the stem). An edited word
/// that is a common word is not used.
pub(crate) fn misspellings(lit: &str, open_start: bool, open_end: bool) -> Vec<String> {
    let letters = lit.chars().filter(|c| c.is_alphabetic()).count();
    if letters < MIN_TYPO_LETTERS || lit.chars().any(is_unsegmented) {
        return Vec::new();
    }
    // Word spans, in bytes.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in lit.char_indices() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, lit.len()));
    }
    if spans.len() > MAX_TYPO_WORDS {
        return Vec::new();
    }
    let n_words = spans.len();
    let vowel = |c: char| "aeiouyаеиоуыэюя".contains(c);
    // Edits by kind, each kind over every word.
    let mut kinds: [Vec<String>; 4] = Default::default();
    for (wi, &(s, e)) in spans.iter().enumerate() {
        let word: Vec<char> = lit[s..e].chars().collect();
        let latin = word.iter().all(|c| c.is_ascii_lowercase());
        let cyrillic = word.iter().all(|c| matches!(c, 'а'..='я'));
        if word.len() < MIN_TYPO_WORD || !(latin || cyrillic) {
            continue;
        }
        let open_before = open_start && wi == 0 && s == 0;
        let open_after = open_end && wi + 1 == n_words && e == lit.len();
        let n = word.len();
        let mut add = |kind: usize, w: Vec<char>| {
            let w: String = w.into_iter().collect();
            if w.chars().count() >= MIN_WORD && !clashes(&w, open_before, open_after) {
                kinds[kind].push(format!("{}{w}{}", &lit[..s], &lit[e..]));
            }
        };
        for i in 1..n {
            let mut w = word.clone();
            w.remove(i);
            if word[i] == word[i - 1] {
                add(0, w);
            } else if !(open_after && i == n - 1) {
                add(3, w);
            }
            if i + 1 < n && word[i] != word[i + 1] {
                let mut w = word.clone();
                w.swap(i, i + 1);
                add(1, w);
            }
            if !vowel(word[i]) && word[i] != word[i - 1] && word.get(i + 1) != Some(&word[i]) {
                let mut w = word.clone();
                w.insert(i, word[i]);
                add(2, w);
            }
        }
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for v in kinds.into_iter().flatten() {
        if v != lit && seen.insert(v.clone()) {
            out.push(v);
            if out.len() >= MAX_TYPOS {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(lit: &str) -> Vec<String> {
        transliterations(lit, false, false)
    }

    #[test]
    fn common_words_are_sorted_and_loaded() {
        let w = common_words();
        assert!(w.len() > 50_000);
        assert!(w.windows(2).all(|p| p[0] < p[1]));
        assert!(clashes("patron", false, false));
        assert!(clashes("patro", false, true));
        assert!(!clashes("podshipnik", false, true));
        assert!(clashes("ration", true, false));
        assert!(!clashes("kugellagr", true, false));
        assert!(clashes("atro", true, true));
    }

    /// Russian goods names and spellings seen in Latin-script declarations.
    #[test]
    fn transliteration_table() {
        let cases: &[(&str, &[&str])] = &[
            ("квадрокоптер", &["kvadrokopter"]),
            ("бронежилет", &["bronezhilet", "bronejilet"]),
            (
                "тепловизионный прицел",
                &[
                    "teplovizionnyj pricel",
                    "teplovizionnyy pritsel",
                    "teplovizionnyi pritsel",
                    "teplovizionnyj pritsel",
                    "teplovizionniy pritsel",
                    "teplovizionnyy pricel",
                ],
            ),
            ("гироскоп", &["giroskop"]),
            ("патроны", &["patrony"]),
            ("подшипник", &["podshipnik"]),
            ("станок с чпу", &["stanok s chpu"]),
            (
                "микросхемы",
                &["mikroskhemy", "mikroshemy", "mikrosxemy", "mikroshemi"],
            ),
            (
                "обрабатывающий центр",
                &["obrabatyvayushchij tsentr", "obrabatyvajuschij centr"],
            ),
            ("бпла", &["bpla"]),
            ("ёмкость", &[]),
        ];
        for (ru, want) in cases {
            let lit = crate::normalize::normalize_str(ru);
            let got = tr(&lit);
            assert!(got.len() <= MAX_TRANSLIT, "{ru}: {got:?}");
            for w in *want {
                assert!(got.iter().any(|g| g == w), "{ru}: {w} not in {got:?}");
            }
            let uniq: HashSet<&String> = got.iter().collect();
            assert_eq!(uniq.len(), got.len(), "{ru}: duplicates in {got:?}");
        }
    }

    #[test]
    fn transliterations_that_are_words_are_dropped() {
        // патрон is English `patron`, кран German `Kran`, танк `tank`.
        assert!(tr("патрон").iter().all(|v| v != "patron"));
        assert!(tr("кран").iter().all(|v| v != "kran"));
        assert!(tr("танк").is_empty());
        // A stem whose spelling starts common words.
        assert!(transliterations("патрон", false, true).is_empty());
        // Too short to rest on.
        assert!(tr("лак").is_empty());
        assert!(tr("9 мм").is_empty());
        // Not Russian.
        assert!(tr("bearing").is_empty());
        assert!(tr("轴承").is_empty());
        assert!(tr("їжак").is_empty());
    }

    #[test]
    fn many_ambiguous_letters_stay_bounded() {
        let lit = "обрабатывающий центр с числовым программным управлением для щитов";
        let got = tr(lit);
        assert_eq!(got.len(), MAX_TRANSLIT);
        assert_eq!(
            got[0],
            "obrabatyvayushchij tsentr s chislovym programmnym upravleniem dlya shchitov"
        );
    }

    #[test]
    fn misspelling_table() {
        let cases: &[(&str, bool, &[&str], &[&str])] = &[
            (
                "ball bearing",
                false,
                &["ball beraing", "ball bearng", "ball bearring"],
                &["ball baring", "bal bearing", "ball earing"],
            ),
            (
                "machining center",
                false,
                &["machinning center", "machning center"],
                &["machining centre", "machining cnter"],
            ),
            (
                "milling machine",
                false,
                &["miling machine", "milling machne"],
                &[],
            ),
            (
                "oscilloscope",
                false,
                &["osciloscope", "oscilloscpe"],
                &["scilloscope"],
            ),
            (
                "quadcopter",
                false,
                &["quadcoper", "qaudcopter", "quadcoptre"],
                &[],
            ),
            (
                "microcontroller",
                false,
                &["microcontroler", "mircocontroller"],
                &[],
            ),
            ("подшипник", true, &["подшипнк", "подшипнки"], &["подшипни"]),
            (
                "квадрокоптер",
                false,
                &["квадрокоптре", "квадрокопер"],
                &["вадрокоптер"],
            ),
        ];
        for &(lit, open_end, want, not) in cases {
            let got = misspellings(lit, false, open_end);
            for w in want {
                assert!(got.iter().any(|g| g == w), "{lit}: {w} not in {got:?}");
            }
            for w in not {
                assert!(!got.iter().any(|g| g == w), "{lit}: {w} in {got:?}");
            }
            assert!(got.len() <= MAX_TYPOS);
            for g in &got {
                assert_eq!(crate::rules::edit_distance(lit, g), 1, "{lit} -> {g}");
            }
        }
    }

    #[test]
    fn short_terms_and_part_numbers_get_no_misspellings() {
        assert!(misspellings("bearing", false, false).is_empty());
        assert!(misspellings("gyroscope", false, false).len() > 5);
        assert!(misspellings("xc7k325t-2ffg900i", false, false).is_empty());
        assert!(misspellings("无人机飞行控制器模块", false, false).is_empty());
    }
}
