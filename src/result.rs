//! What screening a line produces.

use crate::hs::HsError;
use crate::types::{Basis, Category, Severity};
use serde::Serialize;
use std::sync::Arc;

/// Where the HS code used for screening came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HsSource {
    /// The declared code field.
    Declared,
    /// A code written inside the description (`HS CODE: 8542.31`), used
    /// because the declared field was empty or unreadable.
    Description,
    /// No code was available.
    None,
}

impl HsSource {
    /// The stable id: `declared`, `description` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            HsSource::Declared => "declared",
            HsSource::Description => "description",
            HsSource::None => "none",
        }
    }
}

/// A code found written inside the description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeInText {
    /// Its digits.
    pub digits: String,
    /// Byte offset into the original description.
    pub start: usize,
    /// End byte offset into the original description.
    pub end: usize,
    /// The text column it was found in, as an index into the columns given
    /// to [`Classifier::classify_columns`](crate::Classifier::classify_columns)
    /// (`None` for a single text); `start`/`end` are offsets into that column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// The HS side of a result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HsInfo {
    /// The normalised digits of the code used for screening, if any.
    pub digits: Option<String>,
    /// Why the declared code could not be read, if it could not.
    pub error: Option<HsError>,
    /// What was assumed to read the declared code, if anything (a code of
    /// 9 digits read as 10 by restoring a lost zero).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Where `digits` came from.
    pub source: HsSource,
    /// Codes written inside the description.
    pub in_text: Vec<CodeInText>,
}

/// What kind of evidence supports a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// The HS code starts with one of the rule's prefixes.
    HsPrefix,
    /// A term of the rule occurs in the description.
    Term,
    /// A pattern of the rule matches the description.
    Pattern,
    /// A technical parameter in the description satisfies the rule's threshold.
    Parameter,
}

impl EvidenceKind {
    /// The stable id, the same in every output: `hs_prefix`, `term`,
    /// `pattern` or `parameter`.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::HsPrefix => "hs_prefix",
            EvidenceKind::Term => "term",
            EvidenceKind::Pattern => "pattern",
            EvidenceKind::Parameter => "parameter",
        }
    }
}

/// One piece of evidence for a hit (or for a veto).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// What kind of evidence.
    pub kind: EvidenceKind,
    /// The matched text as it stands in the original description, or the code's digits.
    pub text: String,
    /// What in the rule matched: the term as written, the pattern, the HS prefix, or the condition.
    pub rule_part: String,
    /// Byte offset into the original description (absent for the declared code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    /// End byte offset into the original description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
    /// The value of a technical parameter, in `unit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The canonical unit of `value`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
    /// The text column the span lies in, as an index into the columns given
    /// to [`Classifier::classify_columns`](crate::Classifier::classify_columns)
    /// (`None` for a single text or for the declared code); `start`/`end`
    /// are then offsets into that column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// One rule that fired.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hit {
    /// The rule id.
    pub rule: Arc<str>,
    /// The rule set id.
    pub ruleset: Arc<str>,
    /// The rule's category.
    pub category: Category,
    /// The rule's severity.
    pub severity: Severity,
    /// The list entries the rule encodes (`CHPL:1`, `EU-2021/821:3A001.a.7`).
    pub references: Arc<[String]>,
    /// What the hit rests on.
    pub basis: Basis,
    /// Why it fired.
    pub evidence: Vec<Evidence>,
}

/// A rule whose conditions held but which an exclusion vetoed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Veto {
    /// The rule id.
    pub rule: Arc<str>,
    /// The rule's category.
    pub category: Category,
    /// What vetoed it.
    pub by: Evidence,
}

/// A rule that came close without firing (see
/// [`Classifier::explain_columns`](crate::Classifier::explain_columns)).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NearMiss {
    /// The rule id.
    pub rule: Arc<str>,
    /// The rule's category.
    pub category: Category,
    /// What of the rule was found in the text.
    pub found: Vec<Evidence>,
    /// What was missing, one reason a line.
    pub missing: Vec<String>,
}

/// The description names goods of a category while the code lies outside
/// every heading where that category is normally declared.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Misdeclaration {
    /// The category named by the description.
    pub category: Category,
    /// The code used for screening.
    pub hs: String,
    /// The headings where the category's goods are normally declared (for a
    /// part: where its family is normally declared).
    pub expected: Arc<[String]>,
    /// For a signal raised by a part number: its index in [`Screening::parts`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<usize>,
}

/// A part number found in the description, with what the knowledge base
/// (`[[family]]` tables, `rules/parts.toml`) says about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Part {
    /// The part number as written in the original description, ordering
    /// suffixes included (`XC7K325T-2FFG900I`, `LM2596SX-5.0/NOPB`).
    pub text: String,
    /// Byte offset into the original description.
    pub start: usize,
    /// End byte offset into the original description.
    pub end: usize,
    /// Canonical id of the manufacturer: the one named on the line, or the
    /// only maker of the family; null when the family has several and none is named.
    pub manufacturer: Option<Arc<str>>,
    /// The kind of part: `fpga`, `mcu`, `mlcc`, `resistor`...
    pub family: Arc<str>,
    /// The category of its goods, or null for parts that are not listed goods.
    pub category: Option<Category>,
    /// The HS subheading the family is normally declared under (`854239`).
    pub hs6: Arc<str>,
    /// The id of the family in the knowledge base (the rule id of its hit).
    pub rule: Arc<str>,
    /// The text column it was found in (see [`Evidence::column`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// The result of screening one line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Screening {
    /// The HS side.
    pub hs: HsInfo,
    /// Rules that fired, most severe first.
    pub hits: Vec<Hit>,
    /// Rules whose text match rests only on a *mention*: words after a
    /// marker such as `for`, `with`, `для`, `用于` that name a part, an
    /// accessory or a purpose of the goods, not the goods (the decision
    /// table is in DESIGN.md, "Why are some matches only mentions?").
    /// Same shape as `hits`, most severe first; they do not make the line
    /// flagged, add no category and raise no misdeclaration.
    pub mentions: Vec<Hit>,
    /// The categories of the hits, in the order of `docs/categories.md`, without repeats.
    pub categories: Vec<Category>,
    /// Misdeclaration signals.
    pub misdeclarations: Vec<Misdeclaration>,
    /// Rules that would have fired but were vetoed by an exclusion.
    pub vetoed: Vec<Veto>,
    /// Part numbers found in the description, in order of position.
    pub parts: Vec<Part>,
    /// Canonical ids of the manufacturers named in the description or
    /// implied by a part, in order of first appearance, without repeats.
    pub manufacturers: Vec<Arc<str>>,
}

impl Screening {
    /// The categories of the misdeclaration signals, each once, in
    /// category order (a line can signal one category for its description
    /// and again for each of its parts).
    pub fn misdeclared_categories(&self) -> Vec<Category> {
        let mut v: Vec<Category> = self.misdeclarations.iter().map(|m| m.category).collect();
        v.sort();
        v.dedup();
        v
    }

    /// True when at least one rule fired.
    pub fn flagged(&self) -> bool {
        !self.hits.is_empty()
    }
}
