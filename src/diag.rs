//! Diagnostics from loading rule files: every problem at once, each with a
//! stable code, a file, a line and column, and the rule it concerns.

use serde::Serialize;
use std::fmt;

/// A stable diagnostic code. The codes never change meaning; new ones are added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Code {
    /// E001: the file is not valid TOML.
    E001,
    /// E002: a field is unknown, missing, or of the wrong type.
    E002,
    /// E003: two rules (or two rule sets) share an id.
    E003,
    /// E004: unknown category.
    E004,
    /// E005: a regular expression does not compile.
    E005,
    /// E006: an empty term, an empty term group, or a term that normalises to nothing.
    E006,
    /// E007: a malformed HS prefix.
    E007,
    /// E008: a technical parameter without a unit, with an unknown unit, or an unknown quantity.
    E008,
    /// E009: a rule that can never fire (no condition for what `requires` asks).
    E009,
    /// E010: a limit was exceeded (regex size, number of terms, file size, term length).
    E010,
    /// E011: an invalid value (severity, requires, id syntax, comparison operator).
    E011,
    /// E012: `\b` or `\B` inside a pattern, where the engine cannot check it.
    E012,
    /// E013: a required list is empty (references, sources). Too few
    /// examples are reported as E016, a warning.
    E013,
    /// E014: the file could not be read (I/O, encoding).
    E014,
    /// E015: a pattern that matches the empty string.
    E015,
    /// E016 (warning): a rule has fewer than two examples or fewer than two
    /// counterexamples. The rule still compiles and screens; `dualuse rules
    /// check` reports it and exits with status 1.
    E016,
    /// E017: a rule's `exact` list names a term that is not one of the
    /// rule's terms (`any`, `all`, `exclude.any`) as written.
    E017,
    /// E030: a part family names an unknown manufacturer, or a manufacturer
    /// an unknown default family.
    E030,
    /// E031: a malformed manufacturer or part family (id or kind syntax, a
    /// prefix that is not ASCII letters and digits, an `hs6` that is not six
    /// digits, an alias too short, a family that can never match).
    E031,
    /// E032: two manufacturers or two families share an id, or two
    /// manufacturers share an alias.
    E032,
    /// E050: a watch-list file could not be read (I/O, not UTF-8, broken CSV quoting).
    E050,
    /// E051: a watch-list file is empty or its header names no known format.
    E051,
    /// E052: a watch-list entry lacks a required field (id, name) or has the wrong number of fields.
    E052,
    /// E053: two watch-list entries share an id within one list.
    E053,
    /// E054: a watch-list name or alias has no letters or digits.
    E054,
    /// E055: a watch-list identifier is not a registration or tax number.
    E055,
}

/// How serious a diagnostic is. Each [`Code`] has one level, which never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Level {
    /// The rule file cannot be used: loading fails.
    Error,
    /// The rules load and screen, but fall short of what a curated rule
    /// needs; only `dualuse rules check` (and [`crate::check::check_rules`])
    /// reports it.
    Warning,
}

impl Level {
    /// `error` or `warning`, as written in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

impl Code {
    /// Every code, in order.
    pub const ALL: &'static [Code] = &[
        Code::E001,
        Code::E002,
        Code::E003,
        Code::E004,
        Code::E005,
        Code::E006,
        Code::E007,
        Code::E008,
        Code::E009,
        Code::E010,
        Code::E011,
        Code::E012,
        Code::E013,
        Code::E014,
        Code::E015,
        Code::E016,
        Code::E017,
        Code::E030,
        Code::E031,
        Code::E032,
        Code::E050,
        Code::E051,
        Code::E052,
        Code::E053,
        Code::E054,
        Code::E055,
    ];

    /// The code as written in output, e.g. `E005`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::E001 => "E001",
            Code::E002 => "E002",
            Code::E003 => "E003",
            Code::E004 => "E004",
            Code::E005 => "E005",
            Code::E006 => "E006",
            Code::E007 => "E007",
            Code::E008 => "E008",
            Code::E009 => "E009",
            Code::E010 => "E010",
            Code::E011 => "E011",
            Code::E012 => "E012",
            Code::E013 => "E013",
            Code::E014 => "E014",
            Code::E015 => "E015",
            Code::E016 => "E016",
            Code::E017 => "E017",
            Code::E030 => "E030",
            Code::E031 => "E031",
            Code::E032 => "E032",
            Code::E050 => "E050",
            Code::E051 => "E051",
            Code::E052 => "E052",
            Code::E053 => "E053",
            Code::E054 => "E054",
            Code::E055 => "E055",
        }
    }

    /// The level of every diagnostic with this code.
    pub fn level(self) -> Level {
        match self {
            Code::E016 => Level::Warning,
            _ => Level::Error,
        }
    }
}

/// One problem found while loading rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable code.
    pub code: Code,
    /// `error` or `warning`: always `code.level()`.
    pub level: Level,
    /// What is wrong, in one line.
    pub message: String,
    /// The file (or embedded source name) it was found in.
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column in characters, 0 when unknown.
    pub column: usize,
    /// The id of the rule concerned, when there is one.
    pub rule: Option<String>,
    /// The source line, for rendering.
    #[serde(skip)]
    pub(crate) source_line: Option<String>,
    /// Length of the offending span in characters on its line, for rendering.
    #[serde(skip)]
    pub(crate) span_len: usize,
}

impl Diagnostic {
    /// Builds a diagnostic located at byte `span` of `source`.
    pub(crate) fn at(
        code: Code,
        message: impl Into<String>,
        file: &str,
        source: &str,
        span: Option<std::ops::Range<usize>>,
        rule: Option<&str>,
    ) -> Diagnostic {
        let mut d = Diagnostic {
            code,
            level: code.level(),
            message: message.into(),
            file: file.to_string(),
            line: 0,
            column: 0,
            rule: rule.map(str::to_string),
            source_line: None,
            span_len: 0,
        };
        if let Some(span) = span {
            let start = crate::normalize::floor_char(source, span.start.min(source.len()));
            let end = crate::normalize::floor_char(source, span.end.min(source.len())).max(start);
            let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = source[start..]
                .find('\n')
                .map_or(source.len(), |i| start + i);
            d.line = source[..start].matches('\n').count() + 1;
            d.column = source[line_start..start].chars().count() + 1;
            let line_text = source[line_start..line_end].trim_end_matches('\r');
            d.source_line = Some(line_text.to_string());
            let span_end = end.min(line_end);
            d.span_len = source[start..span_end].chars().count().max(1);
        }
        d
    }

    /// Renders the diagnostic the way rustc does, with the offending span underlined.
    pub fn render(&self) -> String {
        let mut s = format!(
            "{}[{}]: {}",
            self.level.as_str(),
            self.code.as_str(),
            self.message
        );
        if let Some(rule) = &self.rule {
            s.push_str(&format!(" (rule `{rule}`)"));
        }
        s.push('\n');
        if self.line > 0 {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            s.push_str(&format!(
                "{pad}--> {}:{}:{}\n",
                self.file, self.line, self.column
            ));
            if let Some(src) = &self.source_line {
                s.push_str(&format!("{pad} |\n{num} | {src}\n"));
                let lead: String = src
                    .chars()
                    .take(self.column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                s.push_str(&format!("{pad} | {lead}{}\n", "^".repeat(self.span_len)));
            }
        } else {
            s.push_str(&format!("  --> {}\n", self.file));
        }
        s
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {} {}",
            self.file,
            self.line,
            self.column,
            self.code.as_str(),
            self.message
        )?;
        if let Some(rule) = &self.rule {
            write!(f, " (rule `{rule}`)")?;
        }
        Ok(())
    }
}
