//! HS codes as declarants write them.
//!
//! `8542310000`, `8542.31`, `8542 31 000 0`, `85.42.31.90`, `HS 854231`,
//! `8542-31`, full-width digits and surrounding labels all read as the same
//! digits. Letters inside the code, impossible lengths and chapters that do
//! not exist are refused with a reason; the line is still screened on its text.

use serde::Serialize;
use std::fmt;

/// Why a declared code could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum HsError {
    /// A letter or other symbol inside the code.
    Letters {
        /// The offending character.
        found: char,
    },
    /// A digit count that no nomenclature uses (HS codes have 2, 4, 6, 8 or 10 digits).
    Length {
        /// How many digits were found.
        digits: usize,
    },
    /// A chapter that does not exist in the Harmonized System.
    Chapter {
        /// The two leading digits.
        chapter: String,
    },
}

impl fmt::Display for HsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HsError::Letters { found } => write!(f, "letter or symbol {found:?} inside the code"),
            HsError::Length { digits } => write!(
                f,
                "impossible length: {digits} digits (HS codes have 2, 4, 6, 8 or 10; a lost leading zero?)"
            ),
            HsError::Chapter { chapter } => {
                write!(f, "chapter {chapter} does not exist in the Harmonized System")
            }
        }
    }
}

impl std::error::Error for HsError {}

/// Labels that declarants put before a code, matched case-insensitively.
const LABELS: &[&str] = &[
    "hs code",
    "hscode",
    "hs-code",
    "hs",
    "hts code",
    "htsus",
    "hts",
    "cn code",
    "cn",
    "tariff code",
    "tnved",
    "tn ved",
    "код тн вэд еаэс",
    "код тн вэд",
    "тн вэд еаэс",
    "тн вэд",
    "тнвэд",
    "код товара",
    "код",
    "商品编码",
    "hs编码",
    "海关编码",
    "税则号",
    "税号",
    "编码",
];

/// Reads a declared code. `Ok(None)` when the field holds no code at all.
///
/// # Examples
/// ```
/// use dualuse::hs::parse_declared;
/// assert_eq!(parse_declared("8542 31 000 0").unwrap().as_deref(), Some("8542310000"));
/// assert_eq!(parse_declared("HS: 8542.31").unwrap().as_deref(), Some("854231"));
/// assert!(parse_declared("85A231").is_err());
/// ```
pub fn parse_declared(raw: &str) -> Result<Option<String>, HsError> {
    let mut s: String = raw
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' => '.',
            '\u{3000}' | '\u{00A0}' => ' ',
            _ => c,
        })
        .collect();
    s = s.trim().to_lowercase();
    // Strip leading labels and punctuation such as "HS CODE:" or "ТН ВЭД №".
    // Slicing, not copying: a field of repeated labels (`hs-hs-hs-...`) would
    // otherwise cost a copy of the rest per label, quadratic in its length.
    let mut s: &str = &s;
    loop {
        let before = s.len();
        for label in LABELS {
            if let Some(rest) = s.strip_prefix(label) {
                if rest.starts_with(|c: char| !c.is_alphabetic()) || rest.is_empty() {
                    s = rest;
                    break;
                }
            }
        }
        s = s.trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '：' | '#' | '№' | '=' | '-' | '.')
        });
        if s.len() == before {
            break;
        }
    }
    let s = s.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ';' | ','));
    if s.is_empty() {
        return Ok(None);
    }
    let mut digits = String::with_capacity(12);
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '\t' | '/' | '_' | '\'' => {}
            other => return Err(HsError::Letters { found: other }),
        }
    }
    if digits.is_empty() {
        return Ok(None);
    }
    match check_digits(&digits) {
        Ok(()) => Ok(Some(digits)),
        Err(HsError::Length { digits: n }) => match repair_length(&digits) {
            Some((fixed, _)) => Ok(Some(fixed)),
            None => Err(HsError::Length { digits: n }),
        },
        Err(e) => Err(e),
    }
}

/// The HS 2022 subheadings (6 digits), sorted.
fn subheadings() -> &'static [u32] {
    static SET: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let mut v: Vec<u32> = include_str!("hs2022_subheadings.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        v.sort_unstable();
        v
    })
}

/// Whether the first six digits of `digits` are an HS 2022 subheading.
pub fn is_subheading(digits: &str) -> bool {
    digits
        .get(..6)
        .and_then(|d| d.parse::<u32>().ok())
        .is_some_and(|d| subheadings().binary_search(&d).is_ok())
}

/// A code of 5, 7 or 9 digits that lost a zero: the reading with a zero
/// added at the end (a lost trailing zero) or at the start (a lost leading
/// zero, chapters 01-09), when exactly one of the two is an HS 2022
/// subheading. Returns the digits and which zero was restored.
///
/// ```
/// use dualuse::hs::{parse_declared, repair_length};
/// assert_eq!(repair_length("847150000"), Some(("8471500000".into(), "trailing")));
/// assert_eq!(repair_length("101210000"), Some(("0101210000".into(), "leading")));
/// assert_eq!(parse_declared("8542.3190.0").unwrap().as_deref(), Some("8542319000"));
/// assert!(parse_declared("123456789").is_err()); // neither reading exists
/// ```
pub fn repair_length(digits: &str) -> Option<(String, &'static str)> {
    if !matches!(digits.len(), 5 | 7 | 9) {
        return None;
    }
    let trailing = format!("{digits}0");
    let leading = format!("0{digits}");
    let ok = |d: &str| check_digits(d).is_ok() && is_subheading(d);
    match (ok(&trailing), ok(&leading)) {
        (true, false) => Some((trailing, "trailing")),
        (false, true) => Some((leading, "leading")),
        _ => None,
    }
}

/// When [`parse_declared`] read a code of an impossible length by restoring
/// a lost zero, what it did, for the analyst (`hs_warning`).
pub fn repair_note(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let (fixed, which) = repair_length(&digits)?;
    Some(format!(
        "{} digits, read as {fixed} (a lost {which} zero): the only reading that is an HS 2022 subheading",
        digits.len()
    ))
}

/// Checks the length and chapter of a string of digits.
#[doc(hidden)] // for the fuzz target and its regression test
pub fn check_digits(digits: &str) -> Result<(), HsError> {
    let n = digits.len();
    if !matches!(n, 2 | 4 | 6 | 8 | 10) {
        return Err(HsError::Length { digits: n });
    }
    let chapter = &digits[..2];
    if !chapter_exists(chapter) {
        return Err(HsError::Chapter {
            chapter: chapter.to_string(),
        });
    }
    Ok(())
}

/// Whether two digits name a chapter of the Harmonized System: 01 to 97,
/// except 77 (reserved).
fn chapter_exists(two_digits: &str) -> bool {
    let ch: u32 = two_digits.parse().unwrap_or(0);
    ch != 0 && ch != 77 && ch <= 97
}

/// Parses an HS prefix as written in a rule file (`"8542"`, `"8542.31"`).
pub(crate) fn parse_prefix(raw: &str) -> Result<String, String> {
    let mut digits = String::new();
    for c in raw.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' => {}
            other => return Err(format!("unexpected {other:?} in HS prefix `{raw}`")),
        }
    }
    if !(2..=10).contains(&digits.len()) {
        return Err(format!(
            "HS prefix `{raw}` has {} digits; a prefix has 2 to 10",
            digits.len()
        ));
    }
    if !chapter_exists(&digits[..2]) {
        return Err(format!(
            "HS prefix `{raw}`: chapter {} does not exist",
            &digits[..2]
        ));
    }
    Ok(digits)
}

/// A code found inside a description, with its byte span in the normalised text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FoundCode {
    pub digits: String,
    pub start: usize,
    pub end: usize,
}

/// Markers after which descriptions write codes, in normalised (lower-case) form.
pub(crate) const TEXT_MARKERS: &[&str] = &[
    "hs code",
    "hs-code",
    "hscode",
    "hs",
    "hts",
    "htsus",
    "cn code",
    "tariff code",
    "тн вэд",
    "тнвэд",
    "tnved",
    "商品编码",
    "hs编码",
    "海关编码",
    "税则号",
];

/// Reads the code that follows a marker ending at `after` in normalised `text`.
pub(crate) fn code_after(text: &str, after: usize) -> Option<FoundCode> {
    let bytes = text.as_bytes();
    let mut i = after;
    // Skip separators and the words that may stand between marker and code.
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b':' | b'#' | b'=' | b'.' | b'-') {
            i += 1;
        }
        let rest = &text[i..];
        let mut skipped = false;
        for w in ["code", "no", "еаэс", "код", "№", "：", "编码"] {
            if rest.starts_with(w) {
                i += w.len();
                skipped = true;
                break;
            }
        }
        if !skipped {
            break;
        }
    }
    let start = i;
    let mut digits = String::new();
    let mut end = i;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            digits.push(b as char);
            end = i + 1;
        } else if matches!(b, b' ' | b'.' | b'-') {
            // A separator belongs to the code only when a digit follows.
            if !(i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit()) {
                break;
            }
        } else {
            break;
        }
        if digits.len() > 10 {
            return None;
        }
        i += 1;
    }
    if end < bytes.len() && text[end..].starts_with(|c: char| c.is_alphanumeric()) {
        return None;
    }
    if digits.len() < 4 || check_digits(&digits).is_err() {
        return None;
    }
    Some(FoundCode { digits, start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_table() {
        let ok: &[(&str, Option<&str>)] = &[
            ("8542310000", Some("8542310000")),
            ("8542.31", Some("854231")),
            ("8542 31 000 0", Some("8542310000")),
            ("85.42.31.90", Some("85423190")),
            ("HS 854231", Some("854231")),
            ("hs code: 8542.31", Some("854231")),
            ("8542-31", Some("854231")),
            ("８５４２．３１", Some("854231")),
            ("  0901.11 ", Some("090111")),
            ("ТН ВЭД 8542310000", Some("8542310000")),
            ("商品编码:8542310000", Some("8542310000")),
            ("", None),
            ("   ", None),
            ("HS", None),
        ];
        for (input, want) in ok {
            assert_eq!(
                parse_declared(input).as_ref().map(|o| o.as_deref()),
                Ok(*want),
                "{input:?}"
            );
        }
        assert_eq!(
            parse_declared("85A231"),
            Err(HsError::Letters { found: 'a' })
        );
        assert_eq!(parse_declared("90111"), Err(HsError::Length { digits: 5 }));
        assert_eq!(
            parse_declared("123456789012"),
            Err(HsError::Length { digits: 12 })
        );
        assert_eq!(
            parse_declared("7712"),
            Err(HsError::Chapter {
                chapter: "77".into()
            })
        );
        assert_eq!(
            parse_declared("0012"),
            Err(HsError::Chapter {
                chapter: "00".into()
            })
        );
    }

    #[test]
    fn prefixes() {
        assert_eq!(parse_prefix("8542.31").unwrap(), "854231");
        assert!(parse_prefix("8").is_err());
        assert!(parse_prefix("85x").is_err());
        assert!(parse_prefix("12345678901").is_err());
    }

    #[test]
    fn code_in_text() {
        let t = "fpga chips hs code: 8542.31 qty 5";
        let at = t.find("hs code").unwrap() + "hs code".len();
        let f = code_after(t, at).unwrap();
        assert_eq!(f.digits, "854231");
        assert_eq!(&t[f.start..f.end], "8542.31");
        let t = "тн вэд 8542 31 000 0, 5 шт";
        let f = code_after(t, "тн вэд".len()).unwrap();
        assert_eq!(f.digits, "8542310000");
        assert!(code_after("hs 12", 2).is_none());
    }
}
