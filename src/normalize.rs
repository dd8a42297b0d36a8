//! Text normalisation with a map back to the original bytes.
//!
//! Customs descriptions mix scripts, widths and cases. Matching happens on a
//! folded copy of the text; every byte of that copy remembers which bytes of
//! the original produced it, so evidence spans point into what the user gave.
//!
//! Steps, in order: Unicode NFKC (per combining sequence); Latin/Cyrillic
//! look-alike folding inside mixed-script words; full case folding (lower
//! case, `ß` → `ss`, final sigma); `ё` → `е`; dashes to `-`, quotes to `"` and
//! `'`; every run of whitespace and control characters to one space, trimmed.

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// A normalised text and its map back to the original.
#[derive(Clone, Debug, Default)]
pub struct Normalized {
    text: String,
    /// For each byte of `text`, the start of the original character that produced it.
    starts: Vec<u32>,
    /// For each byte of `text`, the end of the original character (sequence) that produced it.
    ends: Vec<u32>,
    /// Scratch: characters after NFKC with their original spans.
    chars: Vec<(char, u32, u32)>,
    /// Whether `starts` and `ends` are built.
    mapped: bool,
    /// The address and length of the original last normalised: a map is
    /// built only for that same text (see [`Normalized::original_span`]).
    original_at: (usize, usize),
}

impl Normalized {
    /// An empty value whose buffers are reused by [`Normalized::normalize`].
    pub fn new() -> Normalized {
        Normalized::default()
    }

    /// Normalises `original`, replacing the previous content.
    pub fn normalize(&mut self, original: &str) {
        self.normalize_lazy(original);
        self.ensure_map(original);
    }

    /// Normalises `original` like [`Normalized::normalize`], but builds the
    /// map back to `original` only where the fast paths cannot skip it
    /// (most lines never need it: they produce no evidence);
    /// [`Normalized::original_span`] builds it when asked.
    pub fn normalize_lazy(&mut self, original: &str) {
        self.text.clear();
        self.starts.clear();
        self.ends.clear();
        self.mapped = false;
        self.original_at = (original.as_ptr() as usize, original.len());
        if original.is_ascii() {
            self.ascii_text(original);
        } else if !self.simple_text::<false>(original) {
            self.text.clear();
            self.mapped = true;
            self.unicode(original);
        }
        self.trim_end();
    }

    fn trim_end(&mut self) {
        while self.text.ends_with(' ') {
            self.text.pop();
            if self.mapped {
                self.starts.pop();
                self.ends.pop();
            }
        }
    }

    /// Builds the map back to `original` if the lazy path skipped it. Given
    /// another text than the one last normalised, it normalises that one
    /// (with its map): the map always describes the text it is given.
    pub(crate) fn ensure_map(&mut self, original: &str) {
        if self.original_at != (original.as_ptr() as usize, original.len()) {
            self.normalize(original);
            return;
        }
        if self.mapped {
            return;
        }
        self.mapped = true;
        self.starts.clear();
        self.ends.clear();
        if !original.is_ascii() {
            // The one-pass path left no map: it runs again and writes one
            // (the full path would write the same text and map, at several
            // times the cost; it ran already if the one-pass path could not).
            self.text.clear();
            if !self.simple_text::<true>(original) {
                self.text.clear();
                self.starts.clear();
                self.ends.clear();
                self.unicode(original);
            }
            self.trim_end();
            return;
        }
        let mut last_space = true;
        for (i, &b) in original.as_bytes().iter().enumerate() {
            let i = i as u32;
            if b.is_ascii_whitespace() || b.is_ascii_control() {
                if !last_space {
                    self.starts.push(i);
                    self.ends.push(i + 1);
                    last_space = true;
                }
            } else {
                self.starts.push(i);
                self.ends.push(i + 1);
                last_space = false;
            }
        }
        self.starts.truncate(self.text.len());
        self.ends.truncate(self.text.len());
    }

    fn ascii_text(&mut self, original: &str) {
        self.text.reserve(original.len());
        let mut last_space = true;
        for &b in original.as_bytes() {
            if b.is_ascii_whitespace() || b.is_ascii_control() {
                if !last_space {
                    self.text.push(' ');
                    last_space = true;
                }
            } else {
                self.text.push(b.to_ascii_lowercase() as char);
                last_space = false;
            }
        }
    }

    /// The common non-ASCII line (upper-case Russian with Latin brand
    /// names and digits, or Chinese with full-width punctuation) in one pass
    /// without the map: no character is changed by NFKC except full-width
    /// ASCII, and no word needs look-alike folding. Returns `false`, having
    /// written part of the text, when the line needs the full path; the
    /// text it writes otherwise is exactly the full path's (a property
    /// test checks it).
    ///
    /// With `MAP`, it also writes the map back to `original`, as the full
    /// path does: each byte written points at the whole character that
    /// produced it (a run of white space, at its first character).
    fn simple_text<const MAP: bool>(&mut self, original: &str) -> bool {
        self.text.reserve(original.len());
        let mut last_space = true;
        // Per word: where it starts, whether it has Cyrillic letters, and
        // Latin letters or digits. Only a word with both can need folding
        // (`СNС`, `ХС7К325Т`; not `600Х600` or `АБ12`), and only such a
        // word is looked at again.
        let (mut word_start, mut cyr, mut lat_or_digit) = (None, false, false);
        // With `MAP`: where the bytes of the previous character begin in
        // the text, and that character's span in `original`.
        let mut pending = (0usize, 0u32, 0u32);
        for (i, c) in original.char_indices() {
            if MAP {
                self.map_since(pending);
                pending = (self.text.len(), i as u32, (i + c.len_utf8()) as u32);
            }
            // ASCII and basic Cyrillic, most characters of these lines, first.
            let code = c as u32;
            if code < 0x80 {
                let b = code as u8;
                if b.is_ascii_alphanumeric() {
                    word_start.get_or_insert(i);
                    lat_or_digit = true;
                    self.text.push(b.to_ascii_lowercase() as char);
                    last_space = false;
                    continue;
                }
                if let Some(ws) = word_start.take() {
                    if cyr && lat_or_digit && needs_folding(&original[ws..i]) {
                        return false;
                    }
                    cyr = false;
                    lat_or_digit = false;
                }
                if b <= b' ' || b == 0x7F {
                    if !last_space {
                        self.text.push(' ');
                        last_space = true;
                    }
                } else {
                    self.text.push(c);
                    last_space = false;
                }
                continue;
            }
            if (0x0410..=0x044F).contains(&code) {
                word_start.get_or_insert(i);
                cyr = true;
                let lower = if code < 0x0430 { code + 0x20 } else { code };
                self.text.push(char::from_u32(lower).unwrap_or(c));
                last_space = false;
                continue;
            }
            // The rest: Ё and ё to е, Latin-1, full-width, Han.
            let (c, extra) = match code {
                0x0401 | 0x0451 => ('е', None),
                // Latin-1 letters (German, French): lower case; ß to ss.
                0x00C0..=0x00D6 | 0x00D8..=0x00DE => {
                    (char::from_u32(c as u32 + 0x20).unwrap_or(c), None)
                }
                0x00DF => ('s', Some('s')),
                // Guillemets (`ООО «РОМАШКА»`) are straight quotes.
                0x00AB | 0x00BB => ('"', None),
                0x00E0..=0x00F6 | 0x00F8..=0x00FF => (c, None),
                // Full-width ASCII: NFKC gives the ASCII character.
                0xFF01..=0xFF5E => (fullwidth_to_ascii(c).to_ascii_lowercase(), None),
                // Ideographic space.
                0x3000 => (' ', None),
                // Han is NFKC-stable and has no case. (Kana is not: `゛`
                // and `ヿ` have compatibility forms.)
                0x3400..=0x4DBF | 0x4E00..=0x9FFF => (c, None),
                // CJK punctuation that NFKC leaves alone: 、。〈〉《》「」『』【】〔〕
                0x3001 | 0x3002 | 0x3008..=0x3011 | 0x3014 | 0x3015 => (c, None),
                _ => return false,
            };
            if is_word_char(c) {
                if word_start.is_none() {
                    word_start = Some(i);
                }
                if matches!(c, 'а'..='я') {
                    cyr = true;
                } else {
                    lat_or_digit = true;
                }
            } else if let Some(ws) = word_start.take() {
                if cyr && lat_or_digit && needs_folding(&original[ws..i]) {
                    return false;
                }
                cyr = false;
                lat_or_digit = false;
            }
            if c == ' ' {
                if !last_space {
                    self.text.push(' ');
                    last_space = true;
                }
            } else {
                self.text.push(c);
                if let Some(x) = extra {
                    self.text.push(x);
                }
                last_space = false;
            }
        }
        if let Some(ws) = word_start {
            if cyr && lat_or_digit && needs_folding(&original[ws..]) {
                return false;
            }
        }
        if MAP {
            self.map_since(pending);
        }
        true
    }

    /// Maps every byte written since `from` to the original span `s..e`.
    fn map_since(&mut self, (from, s, e): (usize, u32, u32)) {
        for _ in from..self.text.len() {
            self.starts.push(s);
            self.ends.push(e);
        }
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Maps a byte range of the normalised text back to a byte range of
    /// `original`, the text last normalised, building the map if the lazy
    /// path skipped it. Given another text, it normalises that one first,
    /// so the answer is always a range of `original` and
    /// [`Normalized::as_str`] the text it was measured in.
    ///
    /// The result always lies on character boundaries of the original.
    pub fn original_span(&mut self, original: &str, start: usize, end: usize) -> (usize, usize) {
        self.ensure_map(original);
        self.span(start, end)
    }

    /// [`Normalized::original_span`] once [`Normalized::ensure_map`] has
    /// run for this text: the engine builds the map once per line and then
    /// maps every span of its evidence.
    ///
    /// # Panics
    /// If the map is not built (a bug in the engine, not a property of
    /// the input).
    pub(crate) fn span(&self, start: usize, end: usize) -> (usize, usize) {
        if self.text.is_empty() {
            return (0, 0);
        }
        assert!(self.mapped, "a span mapped before its line's map was built");
        let start = start.min(self.text.len() - 1);
        let end = end.clamp(start + 1, self.text.len());
        let os = self.starts[start] as usize;
        let oe = self.ends[end - 1] as usize;
        (os, oe.max(os))
    }

    fn push(&mut self, c: char, s: u32, e: u32) {
        let mut buf = [0u8; 4];
        let enc = c.encode_utf8(&mut buf);
        self.text.push_str(enc);
        for _ in 0..enc.len() {
            self.starts.push(s);
            self.ends.push(e);
        }
    }

    fn push_space(&mut self, s: u32, e: u32) {
        if !self.text.is_empty() && !self.text.ends_with(' ') {
            self.text.push(' ');
            self.starts.push(s);
            self.ends.push(e);
        }
    }

    fn unicode(&mut self, original: &str) {
        let mut chars = std::mem::take(&mut self.chars);
        chars.clear();
        if unicode_normalization::is_nfkc_quick(original.chars())
            == unicode_normalization::IsNormalized::Yes
        {
            // Most Cyrillic and Chinese text is already NFKC: keep it as it is.
            for (i, c) in original.char_indices() {
                chars.push((c, i as u32, (i + c.len_utf8()) as u32));
            }
        } else {
            // NFKC per combining sequence: a starter and the non-starters after it.
            let mut iter = original.char_indices().peekable();
            while let Some((i, c)) = iter.next() {
                let mut end = i + c.len_utf8();
                while let Some(&(j, n)) = iter.peek() {
                    if canonical_combining_class(n) == 0 {
                        break;
                    }
                    end = j + n.len_utf8();
                    iter.next();
                }
                let seq = &original[i..end];
                if seq.len() == c.len_utf8() && c.is_ascii() {
                    chars.push((c, i as u32, end as u32));
                } else {
                    for n in seq.nfkc() {
                        chars.push((n, i as u32, end as u32));
                    }
                }
            }
        }
        for ch in chars.iter_mut() {
            if let Some(d) = other_digit(ch.0) {
                ch.0 = d;
            }
        }
        fold_homoglyphs(&mut chars);
        for &(c, s, e) in &chars {
            if c.is_whitespace() || c.is_control() || is_invisible(c) {
                if c.is_whitespace() || c.is_control() {
                    self.push_space(s, e);
                }
                continue;
            }
            match c {
                'ß' | 'ẞ' => {
                    self.push('s', s, e);
                    self.push('s', s, e);
                }
                'ς' => self.push('σ', s, e),
                'ё' | 'Ё' => self.push('е', s, e),
                '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' => {
                    self.push('-', s, e)
                }
                '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '«' | '»' => {
                    self.push('"', s, e)
                }
                '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => {
                    self.push('\'', s, e)
                }
                c if c.is_ascii() => self.push(c.to_ascii_lowercase(), s, e),
                c => {
                    let mut lower = c.to_lowercase();
                    if lower.len() == 1 {
                        let l = lower.next().unwrap_or(c);
                        let l = if l == 'ё' { 'е' } else { l };
                        self.push(l, s, e);
                    } else {
                        for l in lower {
                            self.push(l, s, e);
                        }
                    }
                }
            }
        }
        self.chars = chars;
    }
}

/// Zero-width and formatting characters that only hide words from a matcher.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// True for characters that make up words for boundary checks: ASCII
/// letters and digits, Latin letters with diacritics, Greek and Cyrillic.
///
/// Every other character (punctuation, spaces, Han, kana, Hangul, and
/// scripts no rule is written in) separates words. The set is small on
/// purpose: the same set is written as a regex character class for pattern
/// boundaries (`rules::NON_WORD`), and a small class keeps the compiled
/// regex set small and fast. Han, kana and Hangul are never word
/// characters, since those scripts are written without spaces.
pub fn is_word_char(c: char) -> bool {
    matches!(c,
        '0'..='9' | 'a'..='z' | 'A'..='Z'
        | '\u{00C0}'..='\u{00D6}' | '\u{00D8}'..='\u{00F6}' | '\u{00F8}'..='\u{024F}'
        | '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}' | '\u{1E00}'..='\u{1EFF}')
}

/// Whether no word character ends `text[..s]`: a word boundary before
/// byte `s` (the start of the text counts).
#[inline]
pub(crate) fn boundary_before(text: &str, s: usize) -> bool {
    text[..s]
        .chars()
        .next_back()
        .is_none_or(|c| !is_word_char(c))
}

/// Whether no word character starts `text[e..]`: a word boundary after
/// byte `e` (the end of the text counts).
#[inline]
pub(crate) fn boundary_after(text: &str, e: usize) -> bool {
    text[e..].chars().next().is_none_or(|c| !is_word_char(c))
}

/// Characters of scripts written without spaces between words.
pub fn is_unsegmented(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3040..=0x30FF | 0x3100..=0x312F | 0x31A0..=0x31FF |
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF |
        0x20000..=0x3134F)
}

/// The decimal digits of every script but ASCII (Unicode `Nd`), as ranges;
/// each range is runs of `0`..`9` in order.
pub(crate) fn other_digit_ranges() -> &'static [(char, char)] {
    static RANGES: std::sync::OnceLock<Vec<(char, char)>> = std::sync::OnceLock::new();
    RANGES.get_or_init(|| {
        let mut out = Vec::new();
        if let Ok(hir) = regex_syntax::parse(r"\d") {
            if let regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(c)) =
                hir.kind()
            {
                for r in c.iter() {
                    if !r.start().is_ascii() {
                        out.push((r.start(), r.end()));
                    }
                }
            }
        }
        out
    })
}

/// The ASCII digit for a decimal digit of another script (`٣` → `3`), so
/// that codes and part numbers match whatever digits they are written in.
fn other_digit(c: char) -> Option<char> {
    if c.is_ascii() {
        return None;
    }
    let ranges = other_digit_ranges();
    let i = ranges.partition_point(|r| r.1 < c);
    let &(a, b) = ranges.get(i)?;
    if a <= c && c <= b {
        char::from_digit((c as u32 - a as u32) % 10, 10)
    } else {
        None
    }
}

/// Cyrillic and Latin letters that look the same, as (Cyrillic, Latin).
const LOOKALIKES: &[(char, char)] = &[
    ('А', 'A'),
    ('а', 'a'),
    ('В', 'B'),
    ('Е', 'E'),
    ('е', 'e'),
    ('К', 'K'),
    ('к', 'k'),
    ('М', 'M'),
    ('Н', 'H'),
    ('О', 'O'),
    ('о', 'o'),
    ('Р', 'P'),
    ('р', 'p'),
    ('С', 'C'),
    ('с', 'c'),
    ('Т', 'T'),
    ('У', 'Y'),
    ('у', 'y'),
    ('Х', 'X'),
    ('х', 'x'),
    ('І', 'I'),
    ('і', 'i'),
    ('Ј', 'J'),
    ('ј', 'j'),
    ('Ѕ', 'S'),
    ('ѕ', 's'),
];

fn cyr_to_lat(c: char) -> Option<char> {
    LOOKALIKES.iter().find(|p| p.0 == c).map(|p| p.1)
}

fn lat_to_cyr(c: char) -> Option<char> {
    LOOKALIKES.iter().find(|p| p.1 == c).map(|p| p.0)
}

fn is_cyrillic(c: char) -> bool {
    matches!(c as u32, 0x0400..=0x052F)
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c as u32, 0x00C0..=0x024F)
}

/// Folds look-alike letters inside words that mix Latin and Cyrillic.
///
/// A word's script is decided by its letters that have no look-alike: `СNС`
/// has a Latin-only `N`, so its Cyrillic `С`s become Latin. A word whose
/// letters are all look-alikes but which holds digits (a part number such as
/// `ХС7К325Т` typed on a Russian keyboard) is taken as Latin.
fn fold_homoglyphs(chars: &mut [(char, u32, u32)]) {
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i].0) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_word_char(chars[i].0) {
            i += 1;
        }
        match fold_decision(chars[start..i].iter().map(|c| c.0)) {
            Some(true) => {
                for ch in &mut chars[start..i] {
                    if let Some(l) = cyr_to_lat(ch.0) {
                        ch.0 = l;
                    }
                }
            }
            Some(false) => {
                for ch in &mut chars[start..i] {
                    if let Some(l) = lat_to_cyr(ch.0) {
                        ch.0 = l;
                    }
                }
            }
            None => {}
        }
    }
}

/// Whether one word (after NFKC, before case folding) is folded to Latin
/// (`Some(true)`), to Cyrillic (`Some(false)`), or left alone.
fn fold_decision(word: impl Iterator<Item = char>) -> Option<bool> {
    let (mut lat_only, mut cyr_only, mut lat_any, mut cyr_any, mut digits) =
        (0usize, 0usize, 0usize, 0usize, false);
    let mut first = None;
    for c in word {
        first.get_or_insert(c);
        if c.is_ascii_digit() {
            digits = true;
        } else if is_latin(c) {
            lat_any += 1;
            if lat_to_cyr(c).is_none() {
                lat_only += 1;
            }
        } else if is_cyrillic(c) {
            cyr_any += 1;
            if cyr_to_lat(c).is_none() {
                cyr_only += 1;
            }
        }
    }
    if lat_any > 0 && cyr_any > 0 {
        if lat_only > cyr_only {
            Some(true)
        } else if cyr_only > lat_only {
            Some(false)
        } else if lat_only == 0 {
            // All letters are look-alikes: majority script, Latin on a tie.
            Some(lat_any >= cyr_any)
        } else {
            None
        }
    } else if cyr_any > 0
        && cyr_only == 0
        && digits
        && first.is_some_and(|c| cyr_to_lat(c).is_some())
    {
        Some(true)
    } else {
        None
    }
}

/// Whether a word of the original text (of the characters the one-pass
/// path accepts) would be folded by the full path.
fn needs_folding(word: &str) -> bool {
    fold_decision(word.chars().map(|c| {
        if matches!(c as u32, 0xFF01..=0xFF5E) {
            fullwidth_to_ascii(c)
        } else {
            c
        }
    }))
    .is_some()
}

/// NFKC of a full-width ASCII character (U+FF01..U+FF5E).
fn fullwidth_to_ascii(c: char) -> char {
    char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c)
}

/// Normalises a string without keeping the map (rule terms, examples).
pub fn normalize_str(s: &str) -> String {
    let mut n = Normalized::new();
    n.normalize(s);
    n.text
}

/// The nearest character boundary at or before `i` (`text.len()` past the end).
pub(crate) fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The nearest character boundary at or after `i` (`text.len()` past the end).
pub(crate) fn ceil_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize_str(s)
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            ("CNC  Lathe\t\n", "cnc lathe"),
            ("СNС станок", "cnc станок"),
            ("ПЛИC", "плис"),
            ("ЁЛКА", "елка"),
            ("Straße", "strasse"),
            ("ＦＰＧＡ　８５４２", "fpga 8542"),
            ("ΣΟΦΟΣ", "σοφοσ"),
            ("wi\u{2011}fi", "wi-fi"),
            ("«ПРИЦЕЛ»", "\"прицел\""),
            ("ХС7К325Т", "xc7k325t"),
            ("7,5 КВТ 5КВТ", "7,5 квт 5квт"),
            ("  lead ", "lead"),
            ("e\u{301}", "é"),
            ("so\u{00AD}ft", "soft"),
            ("٦٢٠٤ ६२०४", "6204 6204"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(&norm(input), want, "input {input:?}");
        }
    }

    #[test]
    fn spans_map_back() {
        let original = "Тепловизор  ＦＬＩＲ Boson";
        let mut n = Normalized::new();
        n.normalize(original);
        let t = n.as_str().to_string();
        let s = t.find("flir").unwrap();
        let (os, oe) = n.original_span(original, s, s + 4);
        assert_eq!(&original[os..oe], "ＦＬＩＲ");
        let s = t.find("тепловизор").unwrap();
        let (os, oe) = n.original_span(original, s, s + "тепловизор".len());
        assert_eq!(&original[os..oe], "Тепловизор");
    }

    #[test]
    fn lazy_map_equals_eager_map() {
        for original in [
            "  CNC \t Lathe  5-axis ",
            "a",
            "",
            "   ",
            "x\n\ny",
            "Тест  x",
        ] {
            let mut eager = Normalized::new();
            eager.normalize(original);
            let mut lazy = Normalized::new();
            lazy.normalize_lazy(original);
            assert_eq!(lazy.as_str(), eager.as_str());
            lazy.ensure_map(original);
            assert_eq!(
                (&lazy.starts, &lazy.ends),
                (&eager.starts, &eager.ends),
                "{original:?}"
            );
        }
    }

    /// The one-pass path writes exactly what the full path writes, and the
    /// map built afterwards is the full path's.
    fn check_simple_path(original: &str) {
        let mut full = Normalized::new();
        full.text.clear();
        full.mapped = true;
        full.unicode(original);
        full.trim_end();
        let mut lazy = Normalized::new();
        lazy.normalize_lazy(original);
        assert_eq!(lazy.as_str(), full.as_str(), "{original:?}");
        lazy.ensure_map(original);
        assert_eq!(
            (&lazy.starts, &lazy.ends),
            (&full.starts, &full.ends),
            "{original:?}"
        );
    }

    #[test]
    fn simple_path_table() {
        for original in [
            "ТЕРМОСТАТЫ КОМНАТНЫЕ, ТОВАРНЫЙ ЗНАК: KINGSTONE, МОДЕЛЬ: DS-21070",
            "ЁЖ ёж",
            "数控机床／型号：ＶＭＣ８５０，功率　５ＫＷ",
            "СNС станок",
            "ХС7К325Т",
            "КР1533ЛА3",
            "600Х600 220В АБ12 ＣNＣ",
            "FÜR GEWEHRE Straße",
            "Ü ß",
            "「红外」热像仪。",
            "ｶﾒﾗ",
            "  Тест\t\n  ",
        ] {
            check_simple_path(original);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        #[test]
        fn simple_path_equals_full_path(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "Z", "7", " ", "\t", "-", ",", "/", "А", "я", "Ё", "ё", "С", "Х", "N",
                    "Ж", "机", "床", "　", "，", "Ａ", "８", "。", "「", "é", "ß", "\u{301}",
                    "\u{200B}", "–", "«", "ゃ", "\u{00A0}", "Ω", "ǅ", "\u{0}", "Ü", "ö", "ÿ", "×",
                    "В", "в", "Н", "К", "6", "Ｘ", "ｃ", "Ｂ", "Т", "b", "H",
                ]),
                0..24,
            )
        ) {
            check_simple_path(&parts.concat());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Arbitrary characters, weighted towards the blocks the one-pass
        /// path handles and their neighbours.
        #[test]
        fn simple_path_equals_full_path_on_any_text(
            chars in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::char::any(),
                    proptest::char::range('\u{0}', '\u{17F}'),
                    proptest::char::range('\u{400}', '\u{45F}'),
                    proptest::char::range('\u{3000}', '\u{303F}'),
                    proptest::char::range('\u{4E00}', '\u{4E2F}'),
                    proptest::char::range('\u{FF00}', '\u{FF65}'),
                ],
                0..40,
            )
        ) {
            check_simple_path(&chars.into_iter().collect::<String>());
        }
    }

    #[test]
    fn a_span_of_another_text_is_measured_in_that_text() {
        let mut n = Normalized::new();
        n.normalize_lazy("cotton shirts");
        let other = "Тепловизор  FLIR";
        let (os, oe) = n.original_span(other, 0, "тепловизор".len());
        assert_eq!(&other[os..oe], "Тепловизор");
        assert_eq!(n.as_str(), "тепловизор flir");
    }

    #[test]
    fn expansion_maps_to_whole_char() {
        let original = "Maß";
        let mut n = Normalized::new();
        n.normalize(original);
        assert_eq!(n.as_str(), "mass");
        let (os, oe) = n.original_span(original, 2, 3);
        assert_eq!(&original[os..oe], "ß");
    }
}
