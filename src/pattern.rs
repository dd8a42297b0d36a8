//! Patterns: a rule's regex, from its text to the matcher that runs it.
//!
//! Every regex built from rule data is built here, with one set of
//! settings, so that the check that admits a rule file, the engine, the
//! two-phase screen and the oracle cannot disagree about what a pattern
//! means or whether it compiles:
//! - [`split_boundaries`] strips `\b` from a pattern's ends ([`PatternDef`]),
//!   and [`PatternDef::engine_source`] puts them back as explicit classes;
//! - [`PatternDef::compile`] builds the regex every user runs
//!   (case-insensitive, within [`limits::MAX_REGEX_BYTES`]), and
//!   [`PatternDef::check`] answers whether it builds, with the same
//!   settings less the optional engines;
//! - [`compile_shape`] builds a part family's shape (anchored,
//!   case-sensitive, the same limit);
//! - [`compile_set`] builds the one set of the patterns that have no
//!   trigger literal;
//! - [`triggers`] finds the literals that must occur where a pattern
//!   matches, so that its regex runs only where one does.
//!
//! The engine compiles a pattern on the first line that triggers it (a
//! compiled regex per part-number pattern held about 100 MB), but with the
//! same function the rule check used, so a pattern the check admitted
//! compiles there too.

use crate::limits;
use regex_automata::meta::{BuildError, Regex};

pub(crate) mod triggers;

/// A pattern with the boundaries stripped from its ends.
#[derive(Clone, Debug)]
pub(crate) struct PatternDef {
    /// The pattern as written in the rule file.
    pub source: String,
    /// The pattern without the `\b` at its ends.
    pub body: String,
    /// It began with `\b`.
    pub start_b: bool,
    /// It ended with `\b`.
    pub end_b: bool,
}

/// A character that is not a word character, exactly as
/// [`crate::normalize::is_word_char`] decides.
const NON_WORD: &str = r"(?-i:[^0-9a-zA-Z\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{24F}\x{370}-\x{3FF}\x{400}-\x{52F}\x{1E00}-\x{1EFF}])";

impl PatternDef {
    /// The regex the engine runs. Boundaries at the ends become explicit
    /// non-word characters (or the text's ends) around capture group 1, so
    /// that the regex engine itself tries every alternative against them;
    /// Unicode `\b` would push the regex crate onto its slowest engine on
    /// Cyrillic text (20 such patterns made a scan about 2,000 times slower,
    /// measured on the 2-core machine; see DESIGN.md on word boundaries).
    pub(crate) fn engine_source(&self) -> String {
        let mut s = String::new();
        if self.start_b {
            s.push_str(&format!("(?:^|{NON_WORD})"));
        }
        s.push_str(&format!("({})", self.body));
        if self.end_b {
            s.push_str(&format!("(?:{NON_WORD}|$)"));
        }
        s
    }
}

/// Strips `\b` from the ends of a pattern; `None` when `\b`/`\B` stands elsewhere.
pub(crate) fn split_boundaries(src: &str) -> Result<PatternDef, String> {
    let mut body = src;
    let start_b = body.starts_with("\\b");
    if start_b {
        body = &body[2..];
    }
    let mut end_b = false;
    if body.ends_with("\\b") {
        // Not an escaped backslash followed by `b`.
        let before = &body[..body.len() - 2];
        let backslashes = before.chars().rev().take_while(|&c| c == '\\').count();
        if backslashes % 2 == 0 {
            end_b = true;
            body = before;
        }
    }
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('b') | Some('B') => {
                    return Err(format!(
                        "`\\b` or `\\B` inside pattern `{src}`: put word boundaries only at the start or end, where the engine checks them"
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(PatternDef {
        source: src.to_string(),
        body: body.to_string(),
        start_b,
        end_b,
    })
}

/// Why a pattern did not compile.
#[derive(Debug)]
pub(crate) enum PatternError {
    /// It compiles to more than this many bytes ([`limits::MAX_REGEX_BYTES`]).
    TooBig(usize),
    /// Its syntax is wrong: the last line of the parser's message, which
    /// names what is wrong (the lines before repeat the pattern with a
    /// caret under the place).
    Invalid(String),
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatternError::TooBig(n) => write!(f, "compiles to more than {n} bytes"),
            PatternError::Invalid(m) => f.write_str(m),
        }
    }
}

impl From<BuildError> for PatternError {
    fn from(e: BuildError) -> Self {
        if let Some(n) = e.size_limit() {
            return PatternError::TooBig(n);
        }
        let msg = match e.syntax_error() {
            Some(s) => s.to_string(),
            None => e.to_string(),
        };
        let last = msg.lines().last().unwrap_or("").trim();
        PatternError::Invalid(last.strip_prefix("error: ").unwrap_or(last).to_string())
    }
}

/// The settings of every regex built from rule data.
fn config() -> regex_automata::meta::Config {
    Regex::config()
        .nfa_size_limit(Some(limits::MAX_REGEX_BYTES))
        .onepass_size_limit(Some(limits::MAX_REGEX_BYTES))
}

/// The one builder of regexes from rule data.
fn compile_source(
    source: &str,
    case_insensitive: bool,
    config: regex_automata::meta::Config,
) -> Result<Regex, PatternError> {
    Ok(Regex::builder()
        .syntax(regex_automata::util::syntax::Config::new().case_insensitive(case_insensitive))
        .configure(config)
        .build(source)?)
}

/// [`config`] without the engines that are only optimisations: the
/// one-pass DFA, the bounded backtracker, the full DFA and literal
/// prefilters. Their failures never fail a build (the regex then runs
/// without them), so a regex builds with these settings exactly when it
/// builds with [`config`]: what can fail, the parse and the forward and
/// reverse NFAs within [`limits::MAX_REGEX_BYTES`], is built the same way.
/// The rule check uses it, since it throws the regex away; building the
/// optimisations was about half of the time to load the built-in rules.
fn check_config() -> regex_automata::meta::Config {
    config()
        .onepass(false)
        .backtrack(false)
        .dfa(false)
        .auto_prefilter(false)
}

impl PatternDef {
    /// The regex of [`Self::engine_source`]: what the rule check, the
    /// engine, the two-phase screen and the oracle run. Group 1 is the
    /// match without its boundaries.
    pub(crate) fn compile(&self) -> Result<Regex, PatternError> {
        compile_source(&self.engine_source(), true, config())
    }

    /// Whether [`Self::compile`] succeeds, and if so whether the regex
    /// matches the empty string; for the rule check, without building what
    /// only speeds a search up (see [`check_config`]).
    pub(crate) fn check(&self) -> Result<bool, PatternError> {
        Ok(compile_source(&self.engine_source(), true, check_config())?.is_match(""))
    }

    /// The longest match of the body in bytes, if bounded: the engine then
    /// searches a short window around a trigger instead of the whole text.
    pub(crate) fn max_len(&self) -> Option<usize> {
        regex_syntax::ParserBuilder::new()
            .case_insensitive(true)
            .build()
            .parse(&self.body)
            .ok()
            .and_then(|h| h.properties().maximum_len())
    }
}

/// A part family's shape as its matcher: anchored at the start of the text,
/// case-sensitive (shapes run on normalised, lower-case text).
pub(crate) fn compile_shape(shape: &str) -> Result<Regex, PatternError> {
    compile_source(&format!("^(?:{shape})"), false, config())
}

/// [`compile_shape`]'s answer for the rule check, as
/// [`PatternDef::check`]: whether it builds, and matches the empty string.
pub(crate) fn check_shape(shape: &str) -> Result<bool, PatternError> {
    Ok(compile_source(&format!("^(?:{shape})"), false, check_config())?.is_match(""))
}

/// The patterns that have no trigger literal, as one set that runs on
/// every line, with the syntax settings of [`PatternDef::compile`]. A set
/// can exceed limits its members do not, so its own failure is reported.
pub(crate) fn compile_set<'a>(
    defs: impl IntoIterator<Item = &'a PatternDef>,
) -> Result<regex::RegexSet, regex::Error> {
    regex::RegexSetBuilder::new(defs.into_iter().map(PatternDef::engine_source))
        .case_insensitive(true)
        .size_limit(limits::MAX_PATTERN_SET_BYTES)
        .dfa_size_limit(limits::MAX_PATTERN_SET_BYTES)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(src: &str) -> Regex {
        split_boundaries(src).unwrap().compile().unwrap()
    }

    #[test]
    fn boundaries() {
        let d = split_boundaries(r"\bjetcat\b").unwrap();
        assert_eq!(d.body, "jetcat");
        assert!(d.start_b && d.end_b);
        let d = split_boundaries(r"a\\b").unwrap();
        assert_eq!(d.body, r"a\\b");
        assert!(!d.end_b);
        assert!(split_boundaries(r"a\bb").is_err());
    }

    #[test]
    fn boundaries_try_every_alternative() {
        // A boundary checked after the match would take `e` and miss `ek`.
        let r = re(r"\b22222 (?:e|ek)\b");
        let mut caps = r.create_captures();
        r.captures("lot 22222 ek, 5 pcs", &mut caps);
        assert_eq!(
            caps.get_group(1),
            Some(regex_automata::Span { start: 4, end: 12 })
        );
        assert!(re(r"\bplis\b").is_match("плис plis"));
        assert!(!re(r"\bplis\b").is_match("plisse"));
        assert!(re(r"\bfpga\b").is_match("fpga芯片"));
        assert!(!re(r"\bfpga").is_match("xfpga"));
        assert!(re(r"\bплис\b").is_match("микросхема плис,"));
        assert!(!re(r"\bплис\b").is_match("плиссе"));
    }

    #[test]
    fn the_check_and_the_build_agree() {
        for src in [
            r"\bfpga\b",
            "a(b",
            r"\w{1000}\w{1000}",
            r"\w{300}",
            "x*",
            r"(?:\p{L}{20}){20}",
            r"[^a]{1,200}z",
        ] {
            let d = split_boundaries(src).unwrap();
            let built = d.compile().map(|re| re.is_match(""));
            let checked = d.check();
            assert_eq!(format!("{built:?}"), format!("{checked:?}"), "{src}");
        }
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let e = split_boundaries("a(b").unwrap().compile().unwrap_err();
        assert!(
            matches!(&e, PatternError::Invalid(m) if m == "unclosed group"),
            "{e:?}"
        );
        let e = split_boundaries(r"\w{1000}\w{1000}")
            .unwrap()
            .compile()
            .unwrap_err();
        assert!(matches!(e, PatternError::TooBig(n) if n == limits::MAX_REGEX_BYTES));
        assert!(compile_shape("[0-9]{4}").unwrap().is_match("1234x"));
        assert!(!compile_shape("[0-9]{4}").unwrap().is_match("x1234"));
    }
}
