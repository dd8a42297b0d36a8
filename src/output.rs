//! One projection of a screening result, used by every writer: JSON Lines,
//! CSV (plain and Excel-oriented), xlsx, Arrow and `dualuse explain --json`.
//!
//! Each value has one spelling in every format: evidence kinds are
//! `hs_prefix`, `term`, `pattern`, `parameter`; code sources `declared`,
//! `description`, `none`; bases `hs`, `text`, `hs+text`. A writer chooses
//! only how lists are joined (`|` in CSV, a line break in xlsx, a list in
//! Arrow and JSON).
//!
//! ```
//! use dualuse::output::{Record, CSV_COLUMNS};
//! let clf = dualuse::Classifier::builtin()?;
//! let r = clf.classify(Some("8542.31"), "MICROCONTROLLER STM32F407VGT6");
//! let rec = Record::new(1, &r);
//! let cells = rec.csv_values();
//! assert_eq!(cells.len(), CSV_COLUMNS.len());
//! let json = serde_json::to_value(&rec).unwrap();
//! assert_eq!(json["flagged"], true);
//! let at = CSV_COLUMNS.iter().position(|c| *c == "dualuse_max_severity").unwrap();
//! assert_eq!(json["max_severity"], cells[at].as_str());
//! # Ok::<(), dualuse::Error>(())
//! ```

use crate::input::{Compression, EncodingSource, Fields, Format, RowReader};
use crate::result::{Evidence, Hit, Screening};
use crate::watchlist::PartyHit;
use crate::Classifier;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

/// How many result columns CSV and xlsx output append.
pub const N_RESULT_COLUMNS: usize = 17;

/// The names of the result columns that CSV and xlsx output append to the
/// input columns, in order. [`Record::cells`] returns one list per column:
/// the array lengths make a missing or extra cell a compile error.
pub const CSV_COLUMNS: [&str; N_RESULT_COLUMNS] = [
    "dualuse_row",
    "dualuse_hs",
    "dualuse_hs_error",
    "dualuse_hs_warning",
    "dualuse_flagged",
    "dualuse_max_severity",
    "dualuse_categories",
    "dualuse_rules",
    "dualuse_basis",
    "dualuse_severity",
    "dualuse_references",
    "dualuse_misdeclaration",
    "dualuse_evidence",
    "dualuse_parts",
    "dualuse_manufacturers",
    "dualuse_party_hits",
    "dualuse_error",
];

/// What screened the data and what was read: the record that leads JSON
/// Lines output, the comment line of CSV output, the metadata sheet of xlsx
/// output and the `metadata` object of the summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metadata {
    /// The `dualuse` version.
    pub dualuse: String,
    /// SHA-256 over all rule sets ([`Classifier::hash`]).
    pub rules_hash: String,
    /// Each rule set's id, version and SHA-256.
    pub rulesets: Vec<RulesetMeta>,
    /// The input, where the run read a file or stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<InputMeta>,
    /// The columns used, where the run read a file or stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<ColumnsMeta>,
}

/// One rule set in [`Metadata`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RulesetMeta {
    /// Rule set id.
    pub id: String,
    /// Rule set version.
    pub version: String,
    /// SHA-256 of the rule file.
    pub sha256: String,
}

/// The input of a run, as detected or given.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputMeta {
    /// The path, or `-` for standard input.
    pub path: String,
    /// `csv`, `tsv`, `jsonl`, `xlsx` or `parquet`.
    pub format: String,
    /// The CSV delimiter, for CSV input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// `none`, `gzip` or `zstd`.
    pub compression: String,
    /// The text encoding used for every field (`UTF-8`, `windows-1251`, `gb18030`).
    pub encoding: String,
    /// How the encoding was chosen: `given`, `detected` (from a sample at
    /// the first non-ASCII byte), `ascii` (no non-ASCII byte was read: the
    /// input reads the same in every candidate) or `format` (xlsx and
    /// Parquet carry Unicode text).
    pub encoding_source: String,
}

impl InputMeta {
    /// What `reader` reads from `path`, as far as known now (the encoding
    /// is decided at the first non-ASCII byte: see [`InputMeta::refresh`]).
    pub fn new(path: &str, reader: &RowReader) -> InputMeta {
        let format = match reader.format() {
            Format::Jsonl => "jsonl",
            Format::Csv { delimiter: b'\t' } => "tsv",
            Format::Csv { .. } => "csv",
            Format::Xlsx => "xlsx",
            Format::Parquet => "parquet",
        };
        let mut m = InputMeta {
            path: path.to_string(),
            format: format.to_string(),
            delimiter: reader.delimiter().map(|d| match d {
                b'\t' => "\t".to_string(),
                d => (d as char).to_string(),
            }),
            compression: match reader.compression() {
                Compression::None => "none",
                Compression::Gzip => "gzip",
                Compression::Zstd => "zstd",
            }
            .to_string(),
            encoding: String::new(),
            encoding_source: String::new(),
        };
        m.refresh(reader);
        m
    }

    /// Takes the encoding `reader` has decided on by now.
    pub fn refresh(&mut self, reader: &RowReader) {
        let e = reader.encoding();
        self.encoding = e.name.to_string();
        self.encoding_source = match e.source {
            EncodingSource::Given => "given",
            EncodingSource::Detected => "detected",
            EncodingSource::Ascii => "ascii",
            EncodingSource::Format => "format",
        }
        .to_string();
    }
}

/// The columns a run used, by header name.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ColumnsMeta {
    /// The declared code column, if any.
    pub hs: Option<String>,
    /// The description columns, screened together.
    pub text: Vec<String>,
    /// The id column, if any.
    pub id: Option<String>,
    /// The party columns screened against watch lists.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub party: Vec<String>,
}

impl Metadata {
    /// The metadata of a classifier alone (no input).
    pub fn new(clf: &Classifier) -> Metadata {
        Metadata {
            dualuse: env!("CARGO_PKG_VERSION").to_string(),
            rules_hash: clf.hash().to_string(),
            rulesets: clf
                .rulesets()
                .iter()
                .map(|s| RulesetMeta {
                    id: s.id.to_string(),
                    version: s.version.to_string(),
                    sha256: s.sha256.to_string(),
                })
                .collect(),
            input: None,
            columns: None,
        }
    }

    /// The JSON Lines record: `{"metadata": {...}}`, without a line break.
    pub fn json_line(&self) -> String {
        #[derive(Serialize)]
        struct Line<'a> {
            metadata: &'a Metadata,
        }
        // Strings and numbers only: serialising cannot fail.
        serde_json::to_string(&Line { metadata: self }).expect("metadata serialises")
    }

    /// The CSV comment line, without a line break:
    /// `# dualuse VERSION rules_hash=HASH rulesets=ID@VERSION|...`.
    pub fn csv_comment(&self) -> String {
        let sets: Vec<String> = self
            .rulesets
            .iter()
            .map(|s| format!("{}@{}", s.id, s.version))
            .collect();
        format!(
            "# dualuse {} rules_hash={} rulesets={}",
            self.dualuse,
            self.rules_hash,
            sets.join("|")
        )
    }
}

/// The input row's own columns, as JSON Lines output carries them (`fields`).
#[derive(Clone, Copy, Debug)]
pub struct RowFields<'a> {
    /// One unique key per header column (see [`field_keys`]).
    pub keys: &'a [String],
    /// The row's values; values past the header are keyed `#N` (1-based).
    pub values: &'a Fields,
}

/// Unique JSON keys for a header: the header names, with a repeated or
/// empty name written `NAME#N` or `#N` (N the 1-based column position).
pub fn field_keys(headers: &[String]) -> Vec<String> {
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let repeated = headers[..i].contains(h) || headers[i + 1..].contains(h);
            if h.is_empty() {
                format!("#{}", i + 1)
            } else if repeated {
                format!("{h}#{}", i + 1)
            } else {
                h.clone()
            }
        })
        .collect()
}

/// One input row's result as every writer sees it.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    /// The 1-based data row number.
    pub row: u64,
    /// The id column's value.
    pub id: Option<&'a str>,
    /// The declared code as written (non-empty), if a code column exists.
    pub hs_declared: Option<&'a str>,
    /// The screening result.
    pub result: &'a Screening,
    /// Names of the text columns, indexed by [`Evidence::column`]; empty
    /// when the result came from one text without column names.
    pub text_columns: &'a [String],
    /// The input row's columns, for JSON Lines' `fields`.
    pub fields: Option<RowFields<'a>>,
    /// Whether to list vetoed rules (`explain`).
    pub vetoed: bool,
    /// Matches of the row's party columns against watch lists.
    pub party_hits: &'a [PartyHit],
}

impl<'a> Record<'a> {
    /// A record with only the row number and the result.
    pub fn new(row: u64, result: &'a Screening) -> Record<'a> {
        Record {
            row,
            id: None,
            hs_declared: None,
            result,
            text_columns: &[],
            fields: None,
            vetoed: false,
            party_hits: &[],
        }
    }

    /// True when a rule fired or a party matched a watch list.
    pub fn flagged(&self) -> bool {
        self.result.flagged() || !self.party_hits.is_empty()
    }

    /// The most severe hit's severity, if any hit.
    pub fn max_severity(&self) -> Option<&'static str> {
        self.result
            .hits
            .iter()
            .map(|h| h.severity)
            .max()
            .map(|s| s.as_str())
    }

    fn column_name(&self, e: &Evidence) -> Option<&'a str> {
        e.column
            .and_then(|c| self.text_columns.get(c))
            .map(String::as_str)
    }

    /// One evidence item for CSV and xlsx: `RULE:KIND=TEXT`, with
    /// `@COLUMN` after the kind when more than one text column was screened.
    fn evidence_cell(&self, h: &Hit, e: &Evidence) -> String {
        match self.column_name(e).filter(|_| self.text_columns.len() > 1) {
            Some(c) => format!("{}:{}@{c}={}", h.rule, e.kind.as_str(), e.text),
            None => format!("{}:{}={}", h.rule, e.kind.as_str(), e.text),
        }
    }

    /// The result columns ([`CSV_COLUMNS`]) as lists of values: a writer
    /// joins each list its own way (`|` in CSV, a line break in xlsx).
    pub fn cells(&self) -> [Vec<String>; N_RESULT_COLUMNS] {
        let r = self.result;
        let one = |s: String| if s.is_empty() { vec![] } else { vec![s] };
        [
            vec![self.row.to_string()],
            one(r.hs.digits.clone().unwrap_or_default()),
            one(r
                .hs
                .error
                .as_ref()
                .map(|e| e.to_string())
                .unwrap_or_default()),
            one(r.hs.warning.clone().unwrap_or_default()),
            vec![self.flagged().to_string()],
            one(self.max_severity().unwrap_or_default().to_string()),
            r.categories
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            r.hits.iter().map(|h| h.rule.to_string()).collect(),
            r.hits
                .iter()
                .map(|h| h.basis.as_str().to_string())
                .collect(),
            r.hits
                .iter()
                .map(|h| h.severity.as_str().to_string())
                .collect(),
            r.hits.iter().map(|h| h.references.join(";")).collect(),
            r.misdeclared_categories()
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            r.hits
                .iter()
                .flat_map(|h| h.evidence.iter().map(move |e| (h, e)))
                .map(|(h, e)| self.evidence_cell(h, e))
                .collect(),
            r.parts
                .iter()
                .map(|p| {
                    format!(
                        "{}={}:{}",
                        p.text,
                        p.manufacturer.as_deref().unwrap_or("?"),
                        p.family
                    )
                })
                .collect(),
            r.manufacturers.iter().map(|m| m.to_string()).collect(),
            self.party_hits
                .iter()
                .map(|p| {
                    format!(
                        "{}:{}/{}={} ({} {:.2})",
                        p.field,
                        p.list,
                        p.id,
                        p.name,
                        p.method.as_str(),
                        p.score
                    )
                })
                .collect(),
            vec![],
        ]
    }

    /// The result columns ([`CSV_COLUMNS`]) as CSV writes them: lists joined
    /// with `|`; the references of one rule joined with `;`, one group per
    /// rule in the order of `dualuse_rules`.
    pub fn csv_values(&self) -> Vec<String> {
        self.cells().into_iter().map(|c| c.join("|")).collect()
    }
}

/// The result columns ([`CSV_COLUMNS`]) of a row that could not be read:
/// the row number, empty results, and the reason last.
pub fn reject_cells(row: u64, byte: u64, reason: &str) -> [Vec<String>; N_RESULT_COLUMNS] {
    let mut v: [Vec<String>; N_RESULT_COLUMNS] = Default::default();
    v[0] = vec![row.to_string()];
    v[N_RESULT_COLUMNS - 1] = vec![format!("rejected at byte {byte}: {reason}")];
    v
}

/// A cell of an Excel-oriented output: text that Excel would take for a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return)
/// gets a leading `'`, so that untrusted input is shown, never evaluated.
pub fn excel_safe(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// The JSON of a reject record: `{"row", "byte", "rejected": true, "reason"}`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Reject<'a> {
    /// The 1-based data row number.
    pub row: u64,
    /// Byte offset of the row in the (decompressed) input.
    pub byte: u64,
    /// Always true.
    pub rejected: bool,
    /// Why the row could not be read.
    pub reason: &'a str,
}

struct EvidenceOut<'r, 'a> {
    rec: &'r Record<'a>,
    e: &'r Evidence,
}

impl Serialize for EvidenceOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.e;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("kind", e.kind.as_str())?;
        m.serialize_entry("text", &e.text)?;
        m.serialize_entry("rule_part", &e.rule_part)?;
        if let Some(c) = self.rec.column_name(e) {
            m.serialize_entry("column", c)?;
        }
        if let Some(v) = e.start {
            m.serialize_entry("start", &v)?;
        }
        if let Some(v) = e.end {
            m.serialize_entry("end", &v)?;
        }
        if let Some(v) = e.value {
            m.serialize_entry("value", &v)?;
        }
        if let Some(v) = e.unit {
            m.serialize_entry("unit", v)?;
        }
        m.end()
    }
}

struct EvidenceList<'r, 'a>(&'r Record<'a>, &'r [Evidence]);

impl Serialize for EvidenceList<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.1.len()))?;
        for e in self.1 {
            seq.serialize_element(&EvidenceOut { rec: self.0, e })?;
        }
        seq.end()
    }
}

/// The hits of a record in their JSON shape (as in JSON Lines `hits`).
pub struct HitsOut<'r, 'a>(pub &'r Record<'a>);

impl Serialize for HitsOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        HitList(self.0, &self.0.result.hits).serialize(s)
    }
}

/// The mentions of a record in their JSON shape (as in JSON Lines
/// `mentions`: the shape of `hits`).
pub struct MentionsOut<'r, 'a>(pub &'r Record<'a>);

impl Serialize for MentionsOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        HitList(self.0, &self.0.result.mentions).serialize(s)
    }
}

struct HitList<'r, 'a>(&'r Record<'a>, &'r [Hit]);

impl Serialize for HitList<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rec = self.0;
        let mut seq = s.serialize_seq(Some(self.1.len()))?;
        for h in self.1 {
            seq.serialize_element(&HitOut { rec, h })?;
        }
        seq.end()
    }
}

struct HitOut<'r, 'a> {
    rec: &'r Record<'a>,
    h: &'r Hit,
}

impl Serialize for HitOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.h;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("rule", &*h.rule)?;
        m.serialize_entry("ruleset", &*h.ruleset)?;
        m.serialize_entry("category", h.category.as_str())?;
        m.serialize_entry("severity", h.severity.as_str())?;
        m.serialize_entry("references", &*h.references)?;
        m.serialize_entry("basis", h.basis.as_str())?;
        m.serialize_entry("evidence", &EvidenceList(self.rec, &h.evidence))?;
        m.end()
    }
}

struct FieldsOut<'a>(RowFields<'a>);

impl Serialize for FieldsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut m = s.serialize_map(Some(f.values.len()))?;
        for (i, v) in f.values.iter().enumerate() {
            match f.keys.get(i) {
                Some(k) => m.serialize_entry(k, v)?,
                None => m.serialize_entry(&format!("#{}", i + 1), v)?,
            }
        }
        m.end()
    }
}

struct PartsOut<'r, 'a>(&'r Record<'a>);

impl Serialize for PartsOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rec = self.0;
        let parts = &rec.result.parts;
        let mut seq = s.serialize_seq(Some(parts.len()))?;
        for p in parts {
            #[derive(Serialize)]
            struct PartOut<'x> {
                text: &'x str,
                #[serde(skip_serializing_if = "Option::is_none")]
                column: Option<&'x str>,
                start: usize,
                end: usize,
                manufacturer: Option<&'x str>,
                family: &'x str,
                category: Option<&'static str>,
                hs6: &'x str,
                rule: &'x str,
            }
            seq.serialize_element(&PartOut {
                text: &p.text,
                column: p
                    .column
                    .and_then(|i| rec.text_columns.get(i))
                    .map(String::as_str),
                start: p.start,
                end: p.end,
                manufacturer: p.manufacturer.as_deref(),
                family: &p.family,
                category: p.category.map(|c| c.as_str()),
                hs6: &p.hs6,
                rule: &p.rule,
            })?;
        }
        seq.end()
    }
}

struct CodesOut<'r, 'a>(&'r Record<'a>);

impl Serialize for CodesOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rec = self.0;
        let codes = &rec.result.hs.in_text;
        let mut seq = s.serialize_seq(Some(codes.len()))?;
        for c in codes {
            #[derive(Serialize)]
            struct Code<'x> {
                digits: &'x str,
                #[serde(skip_serializing_if = "Option::is_none")]
                column: Option<&'x str>,
                start: usize,
                end: usize,
            }
            seq.serialize_element(&Code {
                digits: &c.digits,
                column: c
                    .column
                    .and_then(|i| rec.text_columns.get(i))
                    .map(String::as_str),
                start: c.start,
                end: c.end,
            })?;
        }
        seq.end()
    }
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.result;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("row", &self.row)?;
        if let Some(id) = self.id {
            m.serialize_entry("id", id)?;
        }
        m.serialize_entry("hs", &r.hs.digits)?;
        m.serialize_entry("hs_declared", &self.hs_declared)?;
        if let Some(e) = &r.hs.error {
            m.serialize_entry("hs_error", &e.to_string())?;
        }
        if let Some(w) = &r.hs.warning {
            m.serialize_entry("hs_warning", w)?;
        }
        m.serialize_entry("hs_source", r.hs.source.as_str())?;
        if !r.hs.in_text.is_empty() {
            m.serialize_entry("hs_in_text", &CodesOut(self))?;
        }
        m.serialize_entry("flagged", &self.flagged())?;
        m.serialize_entry("max_severity", &self.max_severity())?;
        m.serialize_entry("categories", &r.categories)?;
        m.serialize_entry("hits", &HitsOut(self))?;
        if !r.mentions.is_empty() {
            m.serialize_entry("mentions", &MentionsOut(self))?;
        }
        m.serialize_entry("parts", &PartsOut(self))?;
        m.serialize_entry("manufacturers", &r.manufacturers)?;
        if !r.misdeclarations.is_empty() {
            m.serialize_entry("misdeclaration", &r.misdeclarations)?;
        }
        if !self.party_hits.is_empty() {
            m.serialize_entry("party_hits", self.party_hits)?;
        }
        if self.vetoed {
            #[derive(Serialize)]
            struct Vetoed<'x, 'r, 'a> {
                rule: &'x str,
                category: &'static str,
                by: EvidenceOut<'r, 'a>,
            }
            let v: Vec<Vetoed> = r
                .vetoed
                .iter()
                .map(|v| Vetoed {
                    rule: &v.rule,
                    category: v.category.as_str(),
                    by: EvidenceOut {
                        rec: self,
                        e: &v.by,
                    },
                })
                .collect();
            m.serialize_entry("vetoed", &v)?;
        }
        if let Some(f) = self.fields {
            m.serialize_entry("fields", &FieldsOut(f))?;
        }
        m.end()
    }
}
