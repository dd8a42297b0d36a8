//! Rule files: raw TOML shapes, validated into checked definitions.
//!
//! Deserialisation uses `deny_unknown_fields`, and every semantic check
//! (category, regex, HS prefix, units, ids) happens before a rule exists in
//! memory, so an invalid rule cannot be compiled. All problems of all files
//! are collected, each with a stable code and a location.

use crate::diag::{Code, Diagnostic};
use crate::params::{Op, Quantity};
use crate::types::{Category, Requires, Severity};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use toml::Spanned;

use crate::limits;
use crate::pattern::{split_boundaries, PatternDef, PatternError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    ruleset: Option<Spanned<RawMeta>>,
    #[serde(default)]
    heading: Vec<Spanned<RawHeading>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
    #[serde(default)]
    manufacturer: Vec<Spanned<crate::parts::RawManufacturer>>,
    #[serde(default)]
    family: Vec<Spanned<crate::parts::RawFamily>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    id: Spanned<String>,
    version: Spanned<String>,
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    published: Option<String>,
    sources: Spanned<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeading {
    category: Spanned<String>,
    hs: Vec<Spanned<String>>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: String,
    category: Spanned<String>,
    severity: Spanned<String>,
    references: Spanned<Vec<String>>,
    sources: Spanned<Vec<String>>,
    requires: Spanned<String>,
    #[serde(default)]
    hs: Vec<Spanned<String>>,
    #[serde(default)]
    any: Vec<Spanned<String>>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    all: Vec<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    param: Vec<Spanned<RawParam>>,
    #[serde(default)]
    exclude: Option<RawExclude>,
    #[serde(default)]
    example: Vec<Example>,
    #[serde(default)]
    counterexample: Vec<Example>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    variants: Option<Spanned<String>>,
    #[serde(default)]
    exact: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    quantity: Spanned<String>,
    op: Spanned<String>,
    value: f64,
    #[serde(default)]
    unit: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExclude {
    #[serde(default)]
    any: Vec<Spanned<String>>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    hs: Vec<Spanned<String>>,
}

/// A line a rule must fire on (`example`) or must not fire on (`counterexample`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The description.
    #[serde(default)]
    pub text: String,
    /// The declared HS code as written.
    #[serde(default)]
    pub hs: Option<String>,
}

/// Metadata of a rule set.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RuleSetInfo {
    /// Stable id.
    pub id: String,
    /// Version string.
    pub version: String,
    /// One-line title.
    pub title: String,
    /// Longer description.
    pub description: Option<String>,
    /// Publication date of the list it encodes.
    pub published: Option<String>,
    /// Where the facts come from.
    pub sources: Vec<String>,
    /// Where the rule set was loaded from (`builtin:NAME.toml` or a path).
    pub origin: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Number of rules.
    pub rules: usize,
}

/// A term as written in a rule, with its wildcard flags resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TermDef {
    /// Normalised literal.
    pub lit: String,
    /// The term as written, for evidence.
    pub written: String,
    /// Whether a word boundary is needed before the literal.
    pub start_b: bool,
    /// Whether a word boundary is needed after the literal.
    pub end_b: bool,
    /// Which generated spellings also match for it (`crate::variants`).
    pub variants: crate::variants::VariantPolicy,
}

/// A checked parameter condition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamCond {
    /// What is measured.
    pub quantity: Quantity,
    /// The comparison.
    pub op: Op,
    /// Threshold in the canonical unit.
    pub value: f64,
    /// Threshold as written, for display (`9 Hz`).
    pub written: String,
}

/// A checked rule.
#[derive(Clone, Debug)]
pub(crate) struct RuleDef {
    pub id: String,
    pub title: String,
    pub ruleset: String,
    pub category: Category,
    pub severity: Severity,
    pub references: Vec<String>,
    pub sources: Vec<String>,
    pub requires: Requires,
    pub hs: Vec<String>,
    pub any: Vec<TermDef>,
    pub patterns: Vec<PatternDef>,
    pub all: Vec<Vec<TermDef>>,
    pub params: Vec<ParamCond>,
    pub ex_any: Vec<TermDef>,
    pub ex_patterns: Vec<PatternDef>,
    pub ex_hs: Vec<String>,
    pub examples: Vec<Example>,
    pub counterexamples: Vec<Example>,
    pub note: Option<String>,
    /// Where the rule is defined: file, line.
    pub file: String,
    pub line: usize,
}

/// A checked rule set.
#[derive(Clone, Debug)]
pub(crate) struct RuleSetDef {
    pub info: RuleSetInfo,
    pub headings: Vec<(Category, Vec<String>)>,
    pub rules: Vec<RuleDef>,
    pub manufacturers: Vec<crate::parts::ManufacturerInfo>,
    pub families: Vec<crate::parts::PartFamilyInfo>,
}

pub(crate) struct Ctx<'a> {
    pub(crate) file: &'a str,
    src: &'a str,
    pub(crate) offset: usize,
    diags: &'a mut Vec<Diagnostic>,
    /// Byte offsets of the line breaks of `src`, made once per file: counting
    /// them from the start for every rule made one large file quadratic to
    /// load (found by the scaling benchmark: 5,000 rules in one file took
    /// 3.2 s against 0.7 s in ten files).
    newlines: &'a [usize],
    /// Whether patterns are compiled for the check ([`parse_file_with`]).
    compile_patterns: bool,
}

impl Ctx<'_> {
    /// 1-based line of byte `at` of `src`.
    pub(crate) fn line_of(&self, at: usize) -> usize {
        self.newlines
            .partition_point(|&i| i < at.min(self.src.len()))
            + 1
    }
}

impl Ctx<'_> {
    pub(crate) fn err(
        &mut self,
        code: Code,
        msg: impl Into<String>,
        span: Range<usize>,
        rule: Option<&str>,
    ) {
        let span = span.start + self.offset..span.end + self.offset;
        self.diags.push(Diagnostic::at(
            code,
            msg,
            self.file,
            self.src,
            Some(span),
            rule,
        ));
    }
}

pub(crate) fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        })
}

/// Parses one rule file. Problems are appended to `diags`; `None` when the
/// file is unusable as a whole.
pub(crate) fn parse_file(file: &str, src: &str, diags: &mut Vec<Diagnostic>) -> Option<RuleSetDef> {
    parse_file_with(file, src, diags, true)
}

/// [`parse_file`]; with `compile_patterns` false, a pattern is not
/// compiled to see whether it builds and matches the empty string (E010,
/// E015), the one check that is most of the cost of loading the curated
/// files. Only for files the test suite has checked in full: the built-in
/// ones.
pub(crate) fn parse_file_with(
    file: &str,
    src: &str,
    diags: &mut Vec<Diagnostic>,
    compile_patterns: bool,
) -> Option<RuleSetDef> {
    if src.len() > limits::MAX_FILE_BYTES {
        diags.push(Diagnostic::at(
            Code::E010,
            format!(
                "rule file is {} bytes; the limit is {} bytes",
                src.len(),
                limits::MAX_FILE_BYTES
            ),
            file,
            src,
            None,
            None,
        ));
        return None;
    }
    let newlines: Vec<usize> = src
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let mut doc = match toml::de::DeTable::parse(src) {
        Ok(doc) => doc,
        Err(e) => {
            // Syntax errors stop the file.
            diags.push(Diagnostic::at(
                Code::E001,
                format!("invalid TOML: {}", e.message()),
                file,
                src,
                e.span(),
                None,
            ));
            return None;
        }
    };
    let before = diags.len();
    // Every unknown key of the file, each with the nearest valid one. Serde
    // would stop at the first; the keys are reported here and removed, so
    // that the rest of each rule is still checked.
    let unknown = strip_unknown_keys(doc.get_mut(), Schema::File);
    let chunks = if unknown.is_empty() {
        Vec::new()
    } else {
        split_rules(src)
    };
    // What each misspelling explains: a missing field it was meant to be
    // (serde's E002), a rule without conditions (E009), a threshold without
    // a unit (E008). Those follow-on errors are not reported.
    let mut explained: Vec<(Option<String>, FollowOn)> = Vec::new();
    for u in unknown {
        let rule = rule_id_at(&chunks, u.span.start);
        let meant = nearest_key(&u.key, u.table.keys());
        if let Some(k) = meant {
            explained.push((rule.clone(), FollowOn::Missing(k)));
        }
        if u.table == Schema::Rule
            && meant.is_none_or(|k| matches!(k, "hs" | "any" | "patterns" | "all"))
        {
            explained.push((rule.clone(), FollowOn::Code(Code::E009)));
        }
        if u.table == Schema::Param && meant.is_none_or(|k| k == "unit") {
            explained.push((rule.clone(), FollowOn::Code(Code::E008)));
        }
        diags.push(Diagnostic::at(
            Code::E002,
            u.message(),
            file,
            src,
            Some(u.span),
            rule.as_deref(),
        ));
    }
    let parsed = RawFile::deserialize(toml::de::Deserializer::from(doc));
    let merged = match parsed {
        Ok(raw) => {
            let mut ctx = Ctx {
                file,
                src,
                offset: 0,
                diags,
                newlines: &newlines,
                compile_patterns,
            };
            check_file_part(&mut ctx, raw, true)
        }
        Err(e) => {
            // Schema errors are retried rule by rule, so that every rule's
            // problem is reported, not only the first.
            let before_split = diags.len();
            let mut merged: Option<RuleSetDef> = None;
            for (offset, chunk) in split_rules(src) {
                let parsed = toml::de::DeTable::parse(chunk)
                    .map(|mut d| {
                        // Already reported for the whole file.
                        strip_unknown_keys(d.get_mut(), Schema::File);
                        d
                    })
                    .and_then(|d| RawFile::deserialize(toml::de::Deserializer::from(d)));
                match parsed {
                    Ok(raw) => {
                        let mut ctx = Ctx {
                            file,
                            src,
                            offset,
                            diags,
                            newlines: &newlines,
                            compile_patterns,
                        };
                        let is_header = raw.ruleset.is_some()
                            || raw.rule.is_empty()
                                && raw.family.is_empty()
                                && raw.manufacturer.is_empty();
                        if let Some(def) = check_file_part(&mut ctx, raw, is_header) {
                            match &mut merged {
                                None => merged = Some(def),
                                Some(m) => {
                                    m.rules.extend(def.rules);
                                    m.headings.extend(def.headings);
                                    m.manufacturers.extend(def.manufacturers);
                                    m.families.extend(def.families);
                                }
                            }
                        }
                    }
                    Err(e) => {
                        let span = e.span().map(|s| s.start + offset..s.end + offset);
                        let rule_id = rule_id_at(&[(offset, chunk)], offset);
                        diags.push(Diagnostic::at(
                            Code::E002,
                            e.message().to_string(),
                            file,
                            src,
                            span,
                            rule_id.as_deref(),
                        ));
                    }
                }
            }
            if let Some(m) = &mut merged {
                let id = m.info.id.clone();
                for r in &mut m.rules {
                    r.ruleset = id.clone();
                }
                for f in &mut m.families {
                    f.ruleset = id.clone();
                }
                for x in &mut m.manufacturers {
                    x.ruleset = id.clone();
                }
            }
            if diags.len() == before_split {
                // The split view found nothing; report the whole-file error.
                diags.push(Diagnostic::at(
                    Code::E002,
                    e.message().to_string(),
                    file,
                    src,
                    e.span(),
                    None,
                ));
            }
            merged
        }
    };
    if !explained.is_empty() {
        let mut i = before;
        while i < diags.len() {
            let d = &diags[i];
            let follows = explained.iter().any(|(rule, f)| {
                *rule == d.rule
                    && match f {
                        FollowOn::Code(c) => d.code == *c,
                        FollowOn::Missing(k) => {
                            d.code == Code::E002
                                && (d.message == format!("missing field `{k}`")
                                    || *k == "ruleset" && d.message.starts_with(MISSING_RULESET))
                        }
                    }
            });
            if follows {
                diags.remove(i);
            } else {
                i += 1;
            }
        }
    }
    // In the order of the file, whichever check found them.
    diags[before..].sort_by_key(|d| (d.line, d.column));
    merged
}

/// The fewest examples, and the fewest counterexamples, a rule should have.
pub(crate) const MIN_EXAMPLES: usize = 2;

/// Warnings about one rule file, problems that do not stop it from loading:
/// a rule with fewer than [`MIN_EXAMPLES`] examples or counterexamples
/// (E016). A file that [`parse_file`] rejects as a whole (too large, not
/// TOML) gives none; its error says why. Values of the wrong type are left
/// to `parse_file` too.
pub(crate) fn lint_file(file: &str, src: &str) -> Vec<Diagnostic> {
    use toml::de::DeValue;
    let mut out = Vec::new();
    if src.len() > limits::MAX_FILE_BYTES {
        return out;
    }
    let Ok(doc) = toml::de::DeTable::parse(src) else {
        return out;
    };
    let Some(DeValue::Array(rules)) = doc.get_ref().get("rule").map(|v| v.get_ref()) else {
        return out;
    };
    for rule in rules.iter() {
        let DeValue::Table(t) = rule.get_ref() else {
            continue;
        };
        let count = |key: &str| match t.get(key).map(|v| v.get_ref()) {
            None => Some(0),
            Some(DeValue::Array(a)) => Some(a.len()),
            Some(_) => None,
        };
        let (Some(ex), Some(counter)) = (count("example"), count("counterexample")) else {
            continue;
        };
        if ex >= MIN_EXAMPLES && counter >= MIN_EXAMPLES {
            continue;
        }
        let id = t.get("id");
        let id_str = id.and_then(|v| v.get_ref().as_str());
        let span = id.map_or(rule.span(), |v| v.span());
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        out.push(Diagnostic::at(
            Code::E016,
            format!(
                "{} and {}; a rule needs at least {MIN_EXAMPLES} of each (lines it must fire on, lines it must not)",
                plural(ex, "example"),
                plural(counter, "counterexample"),
            ),
            file,
            src,
            Some(span),
            id_str,
        ));
    }
    out
}

const MISSING_RULESET: &str = "missing [ruleset] table (id, version, title, sources)";

/// An error that a misspelt key explains.
enum FollowOn {
    /// serde's `missing field` for the key it was meant to be.
    Missing(&'static str),
    /// A code about what the key would have given: E009 (a rule without
    /// the conditions `requires` asks for), E008 (a threshold without a unit).
    Code(Code),
}

/// The tables of a rule file, for checking keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Schema {
    File,
    Ruleset,
    Heading,
    Rule,
    Param,
    Exclude,
    Example,
    Counterexample,
    Manufacturer,
    Family,
    FamilyExample,
    FamilyCounterexample,
}

impl Schema {
    /// The keys the table may hold, in the order the documentation gives them.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Schema::File => &["ruleset", "heading", "rule", "manufacturer", "family"],
            Schema::Ruleset => &[
                "id",
                "version",
                "title",
                "description",
                "published",
                "sources",
            ],
            Schema::Heading => &["category", "hs", "note"],
            Schema::Rule => &[
                "id",
                "title",
                "category",
                "severity",
                "references",
                "sources",
                "requires",
                "hs",
                "any",
                "patterns",
                "all",
                "param",
                "exclude",
                "example",
                "counterexample",
                "note",
                "variants",
                "exact",
            ],
            Schema::Param => &["quantity", "op", "value", "unit"],
            Schema::Exclude => &["any", "patterns", "hs"],
            Schema::Example
            | Schema::Counterexample
            | Schema::FamilyExample
            | Schema::FamilyCounterexample => &["text", "hs"],
            Schema::Manufacturer => &["id", "name", "aliases", "default_family", "sources", "note"],
            Schema::Family => &[
                "id",
                "title",
                "kind",
                "manufacturers",
                "category",
                "severity",
                "hs6",
                "hs",
                "references",
                "sources",
                "prefixes",
                "shape",
                "needs_manufacturer",
                "example",
                "counterexample",
                "note",
            ],
        }
    }

    /// How the table is written, for messages.
    fn name(self) -> &'static str {
        match self {
            Schema::File => "the top level",
            Schema::Ruleset => "[ruleset]",
            Schema::Heading => "[[heading]]",
            Schema::Rule => "[[rule]]",
            Schema::Param => "[[rule.param]]",
            Schema::Exclude => "[rule.exclude]",
            Schema::Example => "[[rule.example]]",
            Schema::Counterexample => "[[rule.counterexample]]",
            Schema::Manufacturer => "[[manufacturer]]",
            Schema::Family => "[[family]]",
            Schema::FamilyExample => "[[family.example]]",
            Schema::FamilyCounterexample => "[[family.counterexample]]",
        }
    }

    /// The schema of the table (or of each table of the array) under `key`.
    fn child(self, key: &str) -> Option<Schema> {
        Some(match (self, key) {
            (Schema::File, "ruleset") => Schema::Ruleset,
            (Schema::File, "heading") => Schema::Heading,
            (Schema::File, "rule") => Schema::Rule,
            (Schema::Rule, "param") => Schema::Param,
            (Schema::Rule, "exclude") => Schema::Exclude,
            (Schema::Rule, "example") => Schema::Example,
            (Schema::Rule, "counterexample") => Schema::Counterexample,
            (Schema::File, "manufacturer") => Schema::Manufacturer,
            (Schema::File, "family") => Schema::Family,
            (Schema::Family, "example") => Schema::FamilyExample,
            (Schema::Family, "counterexample") => Schema::FamilyCounterexample,
            _ => return None,
        })
    }
}

/// A key that no table of its kind has.
struct UnknownKey {
    key: String,
    span: Range<usize>,
    table: Schema,
}

impl UnknownKey {
    fn message(&self) -> String {
        let keys = self.table.keys();
        match nearest_key(&self.key, keys) {
            Some(k) => format!(
                "unknown field `{}` in {}: did you mean `{k}`?",
                self.key,
                self.table.name()
            ),
            None => format!(
                "unknown field `{}` in {}, expected one of {}",
                self.key,
                self.table.name(),
                keys.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Removes from `table` (and the tables below it) every key its schema does
/// not know, and returns them in the order of the file.
fn strip_unknown_keys(table: &mut toml::de::DeTable<'_>, schema: Schema) -> Vec<UnknownKey> {
    let mut out = Vec::new();
    strip_into(table, schema, &mut out);
    out.sort_by_key(|u| u.span.start);
    out
}

fn strip_into(table: &mut toml::de::DeTable<'_>, schema: Schema, out: &mut Vec<UnknownKey>) {
    use toml::de::DeValue;
    let keys = schema.keys();
    let unknown: Vec<(String, Range<usize>)> = table
        .keys()
        .filter(|k| !keys.contains(&k.get_ref().as_ref()))
        .map(|k| (k.get_ref().to_string(), k.span()))
        .collect();
    for (key, span) in unknown {
        table.remove(key.as_str());
        out.push(UnknownKey {
            key,
            span,
            table: schema,
        });
    }
    for (key, value) in table.iter_mut() {
        let Some(child) = schema.child(key.get_ref()) else {
            continue;
        };
        // A value of the wrong type is left to serde, which reports it.
        match value.get_mut() {
            DeValue::Table(t) => strip_into(t, child, out),
            DeValue::Array(items) => {
                for item in items.iter_mut() {
                    if let DeValue::Table(t) = item.get_mut() {
                        strip_into(t, child, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The valid key nearest to a misspelt one, when one is near enough to be
/// what was meant: at most one edit in a key of up to five characters, two
/// up to eight, three beyond (an edit is an insertion, a deletion, a
/// substitution or a swap of two neighbours: `exmaple`); case is ignored.
fn nearest_key(key: &str, keys: &[&'static str]) -> Option<&'static str> {
    let lower = key.to_lowercase();
    let n = lower.chars().count();
    let limit = match n {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    let near = keys
        .iter()
        .map(|&k| (edit_distance(&lower, k), k))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k);
    // Else a key the misspelt one starts with (`operator`: `op`), or one
    // that starts with it (`desc`: `description`).
    near.or_else(|| {
        keys.iter().copied().find(|k| {
            (k.len() >= 2 && lower.starts_with(k)) || (n >= 3 && k.starts_with(lower.as_str()))
        })
    })
}

/// Edit distance with adjacent swaps (optimal string alignment), on characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Rows i-2, i-1 and i of the table.
    let mut two_back: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(two_back[j - 2] + 1);
            }
        }
        std::mem::swap(&mut two_back, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The id of the `[[rule]]` that byte `at` lies in, when it lies in one;
/// `chunks` is the file as [`split_rules`] cuts it.
fn rule_id_at(chunks: &[(usize, &str)], at: usize) -> Option<String> {
    let i = chunks.partition_point(|&(o, _)| o <= at).checked_sub(1)?;
    let (offset, chunk) = chunks[i];
    (offset > 0 || chunk.trim_start().starts_with("[[rule]]"))
        .then(|| chunk_rule_id(chunk))
        .flatten()
}

/// Splits a rule file before every top-level `[[rule]]`, `[[family]]` and
/// `[[manufacturer]]` header.
fn split_rules(src: &str) -> Vec<(usize, &str)> {
    let mut cuts = vec![0usize];
    let mut pos = 0;
    for line in src.split_inclusive('\n') {
        let t: String = line.trim().chars().filter(|c| !c.is_whitespace()).collect();
        let table = ["[[rule]]", "[[family]]", "[[manufacturer]]"];
        if table.iter().any(|h| t.starts_with(h)) && pos > 0 {
            cuts.push(pos);
        }
        pos += line.len();
    }
    cuts.push(src.len());
    cuts.windows(2).map(|w| (w[0], &src[w[0]..w[1]])).collect()
}

fn chunk_rule_id(chunk: &str) -> Option<String> {
    chunk.lines().find_map(|l| {
        let l = l.trim();
        let rest = l.strip_prefix("id")?.trim_start().strip_prefix('=')?.trim();
        Some(rest.trim_matches(|c| c == '"' || c == '\'').to_string())
    })
}

fn check_file_part(ctx: &mut Ctx<'_>, raw: RawFile, header: bool) -> Option<RuleSetDef> {
    let mut info = RuleSetInfo {
        id: String::new(),
        version: String::new(),
        title: String::new(),
        description: None,
        published: None,
        sources: vec![],
        origin: ctx.file.to_string(),
        sha256: String::new(),
        rules: 0,
    };
    match raw.ruleset {
        Some(meta) => {
            let meta = meta.into_inner();
            if !valid_id(meta.id.get_ref()) {
                ctx.err(
                    Code::E011,
                    format!(
                        "rule set id `{}` must match [a-z0-9_.-]+",
                        meta.id.get_ref()
                    ),
                    meta.id.span(),
                    None,
                );
            }
            if meta.version.get_ref().trim().is_empty() {
                ctx.err(Code::E011, "empty version", meta.version.span(), None);
            }
            if meta.sources.get_ref().is_empty() {
                ctx.err(
                    Code::E013,
                    "a rule set needs at least one source",
                    meta.sources.span(),
                    None,
                );
            }
            info.id = meta.id.into_inner();
            info.version = meta.version.into_inner();
            info.title = meta.title;
            info.description = meta.description;
            info.published = meta.published;
            info.sources = meta.sources.into_inner();
        }
        None if header => {
            ctx.err(Code::E002, MISSING_RULESET, 0..0, None);
        }
        None => {}
    }
    let mut headings = Vec::new();
    for h in raw.heading {
        let h = h.into_inner();
        let cat = match h.category.get_ref().parse::<Category>() {
            Ok(c) => Some(c),
            Err(m) => {
                ctx.err(Code::E004, m, h.category.span(), None);
                None
            }
        };
        let prefixes = check_prefixes(ctx, &h.hs, None);
        if let Some(c) = cat {
            headings.push((c, prefixes));
        }
    }
    let mut rules = Vec::new();
    for r in raw.rule {
        if let Some(def) = check_rule(ctx, r, &info.id) {
            rules.push(def);
        }
    }
    let mut manufacturers = Vec::new();
    for m in raw.manufacturer {
        if let Some(def) = crate::parts::check_manufacturer(ctx, m, &info.id) {
            manufacturers.push(def);
        }
    }
    let mut families = Vec::new();
    for f in raw.family {
        if let Some(def) = crate::parts::check_family(ctx, f, &info.id) {
            families.push(def);
        }
    }
    Some(RuleSetDef {
        info,
        headings,
        rules,
        manufacturers,
        families,
    })
}

pub(crate) fn check_prefixes(
    ctx: &mut Ctx<'_>,
    raw: &[Spanned<String>],
    rule: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    for p in raw {
        match crate::hs::parse_prefix(p.get_ref()) {
            Ok(d) => out.push(d),
            Err(m) => ctx.err(Code::E007, m, p.span(), rule),
        }
    }
    out
}

fn check_terms(ctx: &mut Ctx<'_>, raw: &[Spanned<String>], rule: &str) -> Vec<TermDef> {
    let mut out = Vec::new();
    for t in raw {
        let written = t.get_ref();
        let mut body = written.trim();
        let lead = body.starts_with('*');
        let trail = body.ends_with('*') && body.len() > 1;
        body = body.trim_start_matches('*').trim_end_matches('*');
        if body.contains('*') {
            ctx.err(
                Code::E006,
                format!("`*` is allowed only at the start or end of a term: `{written}`"),
                t.span(),
                Some(rule),
            );
            continue;
        }
        let lit = crate::normalize::normalize_str(body);
        if lit.is_empty() {
            ctx.err(
                Code::E006,
                format!("term `{written}` is empty after normalisation"),
                t.span(),
                Some(rule),
            );
            continue;
        }
        if lit.len() > limits::MAX_TERM_BYTES {
            ctx.err(
                Code::E010,
                format!(
                    "term is {} bytes; the limit is {}",
                    lit.len(),
                    limits::MAX_TERM_BYTES
                ),
                t.span(),
                Some(rule),
            );
            continue;
        }
        let first = lit.chars().next().unwrap_or(' ');
        let last = lit.chars().next_back().unwrap_or(' ');
        out.push(TermDef {
            start_b: !lead && crate::normalize::is_word_char(first),
            end_b: !trail && crate::normalize::is_word_char(last),
            lit,
            written: written.clone(),
            variants: crate::variants::VariantPolicy::ALL,
        });
    }
    out
}

fn check_patterns(ctx: &mut Ctx<'_>, raw: &[Spanned<String>], rule: &str) -> Vec<PatternDef> {
    let mut out = Vec::new();
    for p in raw {
        let src = p.get_ref();
        if src.len() > limits::MAX_PATTERN_SOURCE {
            ctx.err(
                Code::E010,
                format!(
                    "pattern is {} bytes; the limit is {}",
                    src.len(),
                    limits::MAX_PATTERN_SOURCE
                ),
                p.span(),
                Some(rule),
            );
            continue;
        }
        let def = match split_boundaries(src) {
            Ok(d) => d,
            Err(m) => {
                ctx.err(Code::E012, m, p.span(), Some(rule));
                continue;
            }
        };
        let checked = if ctx.compile_patterns {
            def.check()
        } else {
            Ok(false)
        };
        match checked {
            Ok(matches_empty) => {
                if matches_empty {
                    ctx.err(
                        Code::E015,
                        format!("pattern `{src}` matches the empty string"),
                        p.span(),
                        Some(rule),
                    );
                    continue;
                }
                out.push(def);
            }
            Err(PatternError::TooBig(n)) => ctx.err(
                Code::E010,
                format!("pattern `{src}` compiles to more than {n} bytes"),
                p.span(),
                Some(rule),
            ),
            Err(PatternError::Invalid(m)) => ctx.err(
                Code::E005,
                format!("invalid regex `{src}`: {m}"),
                p.span(),
                Some(rule),
            ),
        }
    }
    out
}

fn check_rule(ctx: &mut Ctx<'_>, r: Spanned<RawRule>, ruleset: &str) -> Option<RuleDef> {
    let rule_span = r.span();
    let r = r.into_inner();
    let id = r.id.get_ref().clone();
    let n = ctx.diags.len();
    if !valid_id(&id) {
        ctx.err(
            Code::E011,
            format!("rule id `{id}` must match [a-z0-9_.-]+"),
            r.id.span(),
            Some(&id),
        );
    }
    let category = match r.category.get_ref().parse::<Category>() {
        Ok(c) => Some(c),
        Err(m) => {
            ctx.err(Code::E004, m, r.category.span(), Some(&id));
            None
        }
    };
    let severity = match r.severity.get_ref().parse::<Severity>() {
        Ok(s) => Some(s),
        Err(m) => {
            ctx.err(Code::E011, m, r.severity.span(), Some(&id));
            None
        }
    };
    let requires = match r.requires.get_ref().parse::<Requires>() {
        Ok(s) => Some(s),
        Err(m) => {
            ctx.err(Code::E011, m, r.requires.span(), Some(&id));
            None
        }
    };
    if r.references.get_ref().is_empty() {
        ctx.err(
            Code::E013,
            "a rule needs at least one reference (e.g. `CHPL:1`, `EU-2021/821:3A001.a.7`)",
            r.references.span(),
            Some(&id),
        );
    }
    if r.sources.get_ref().is_empty() {
        ctx.err(
            Code::E013,
            "a rule needs at least one source",
            r.sources.span(),
            Some(&id),
        );
    }
    let hs = check_prefixes(ctx, &r.hs, Some(&id));
    let any = check_terms(ctx, &r.any, &id);
    let patterns = check_patterns(ctx, &r.patterns, &id);
    if r.all.len() > limits::MAX_ALL_GROUPS {
        ctx.err(
            Code::E010,
            format!(
                "{} `all` groups; the limit is {}",
                r.all.len(),
                limits::MAX_ALL_GROUPS
            ),
            rule_span.clone(),
            Some(&id),
        );
    }
    let mut all = Vec::new();
    for g in &r.all {
        if g.get_ref().is_empty() {
            ctx.err(Code::E006, "empty term group in `all`", g.span(), Some(&id));
            continue;
        }
        let terms = check_terms(ctx, g.get_ref(), &id);
        if !terms.is_empty() {
            all.push(terms);
        }
    }
    let mut params = Vec::new();
    for p in &r.param {
        let p = p.get_ref();
        let q = match p.quantity.get_ref().parse::<Quantity>() {
            Ok(q) => q,
            Err(m) => {
                ctx.err(Code::E008, m, p.quantity.span(), Some(&id));
                continue;
            }
        };
        let op = match p.op.get_ref().parse::<Op>() {
            Ok(o) => o,
            Err(m) => {
                ctx.err(Code::E011, m, p.op.span(), Some(&id));
                continue;
            }
        };
        let unit = p.unit.as_ref().map(|u| u.get_ref().as_str());
        match q.to_canonical(p.value, unit) {
            Ok(v) => params.push(ParamCond {
                quantity: q,
                op,
                value: v,
                written: match unit {
                    Some(u) => format!("{} {} {} {}", q, op.as_str(), p.value, u),
                    None => format!("{} {} {}", q, op.as_str(), p.value),
                },
            }),
            Err(m) => {
                let span = p
                    .unit
                    .as_ref()
                    .map(|u| u.span())
                    .unwrap_or(p.quantity.span());
                ctx.err(Code::E008, m, span, Some(&id));
            }
        }
    }
    let ex = r.exclude.unwrap_or_default();
    let ex_any = check_terms(ctx, &ex.any, &id);
    let ex_patterns = check_patterns(ctx, &ex.patterns, &id);
    let ex_hs = check_prefixes(ctx, &ex.hs, Some(&id));
    let (mut any, mut all, mut ex_any) = (any, all, ex_any);
    check_variants(
        ctx,
        (r.variants.as_ref(), &r.exact),
        &id,
        &mut any,
        &mut all,
        &mut ex_any,
    );
    let has_text = !r.any.is_empty() || !r.patterns.is_empty() || !r.all.is_empty();
    if let Some(req) = requires {
        let needs_hs = matches!(req, Requires::Hs | Requires::Both);
        let needs_text = matches!(req, Requires::Text | Requires::Both);
        if needs_hs && r.hs.is_empty() {
            ctx.err(
                Code::E009,
                format!(
                    "`requires = \"{}\"` but the rule has no `hs` prefixes",
                    r.requires.get_ref()
                ),
                r.requires.span(),
                Some(&id),
            );
        }
        if needs_text && !has_text {
            ctx.err(
                Code::E009,
                format!(
                    "`requires = \"{}\"` but the rule has no `any`, `patterns` or `all`",
                    r.requires.get_ref()
                ),
                r.requires.span(),
                Some(&id),
            );
        }
        if req == Requires::Either && r.hs.is_empty() && !has_text {
            ctx.err(
                Code::E009,
                "the rule has neither `hs` nor text conditions",
                r.requires.span(),
                Some(&id),
            );
        }
        if !r.param.is_empty() && !has_text {
            ctx.err(
                Code::E009,
                "parameter conditions need text conditions (`any`, `patterns` or `all`) beside them",
                rule_span.clone(),
                Some(&id),
            );
        }
    }
    if ctx.diags.len() > n {
        return None;
    }
    let line = ctx.line_of(rule_span.start + ctx.offset);
    Some(RuleDef {
        id,
        title: r.title,
        ruleset: ruleset.to_string(),
        category: category?,
        severity: severity?,
        references: r.references.into_inner(),
        sources: r.sources.into_inner(),
        requires: requires?,
        hs,
        any,
        patterns,
        all,
        params,
        ex_any,
        ex_patterns,
        ex_hs,
        examples: r.example,
        counterexamples: r.counterexample,
        note: r.note,
        file: ctx.file.to_string(),
        line,
    })
}

/// Applies a rule's `variants` policy and `exact` list to its terms: E011
/// for an unknown policy, E017 for an `exact` entry that is none of the
/// rule's terms as written.
fn check_variants(
    ctx: &mut Ctx<'_>,
    (variants, exact): (Option<&Spanned<String>>, &[Spanned<String>]),
    id: &str,
    any: &mut [TermDef],
    all: &mut [Vec<TermDef>],
    ex_any: &mut [TermDef],
) {
    use crate::variants::VariantPolicy;
    let policy = match variants {
        Some(v) => match VariantPolicy::parse(v.get_ref()) {
            Ok(p) => p,
            Err(m) => {
                ctx.err(Code::E011, m, v.span(), Some(id));
                VariantPolicy::ALL
            }
        },
        None => VariantPolicy::ALL,
    };
    for e in exact {
        let known = any
            .iter()
            .chain(all.iter().flatten())
            .chain(ex_any.iter())
            .any(|t| &t.written == e.get_ref());
        if !known {
            ctx.err(
                Code::E017,
                format!(
                    "`exact` names `{}`, which is not a term of this rule (`any`, `all` or `exclude.any`, as written)",
                    e.get_ref()
                ),
                e.span(),
                Some(id),
            );
        }
    }
    for t in any
        .iter_mut()
        .chain(all.iter_mut().flatten())
        .chain(ex_any.iter_mut())
    {
        t.variants = if exact.iter().any(|e| e.get_ref() == &t.written) {
            VariantPolicy::NONE
        } else {
            policy
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("anny", "any"), 1);
        assert_eq!(edit_distance("exmaple", "example"), 1);
        assert_eq!(edit_distance("", "any"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ПЛИС", "плис"), 4);
    }

    #[test]
    fn nearest_key_suggests_only_what_is_near() {
        let rule = Schema::Rule.keys();
        assert_eq!(nearest_key("anny", rule), Some("any"));
        assert_eq!(nearest_key("Any", rule), Some("any"));
        assert_eq!(nearest_key("exampel", rule), Some("example"));
        assert_eq!(nearest_key("examples", rule), Some("example"));
        assert_eq!(nearest_key("counter_example", rule), Some("counterexample"));
        assert_eq!(nearest_key("pattern", rule), Some("patterns"));
        assert_eq!(nearest_key("refrences", rule), Some("references"));
        assert_eq!(nearest_key("colour", rule), None);
        assert_eq!(nearest_key("x", rule), None);
        assert_eq!(nearest_key("operator", Schema::Param.keys()), Some("op"));
        assert_eq!(
            nearest_key("desc", Schema::Ruleset.keys()),
            Some("description")
        );
    }
}

#[cfg(test)]
mod parse_cost {
    /// Not a test: `cargo test --release --lib parse_cost -- --ignored --nocapture`
    /// prints the cost of reading the curated files with the key check
    /// (`parse_file`) against serde alone.
    #[test]
    #[ignore = "a measurement"]
    fn key_check_cost() {
        let src = crate::RuleSources::builtin();
        let files: Vec<(&str, &str)> = src.files().collect();
        let time = |f: &dyn Fn()| {
            let mut best = std::time::Duration::MAX;
            for _ in 0..20 {
                let t = std::time::Instant::now();
                f();
                best = best.min(t.elapsed());
            }
            best
        };
        let serde_only = time(&|| {
            for (_, text) in &files {
                let _ = toml::from_str::<super::RawFile>(text).unwrap();
            }
        });
        let strip = time(&|| {
            for (_, text) in &files {
                let mut doc = toml::de::DeTable::parse(text).unwrap();
                assert!(super::strip_unknown_keys(doc.get_mut(), super::Schema::File).is_empty());
                let _ = <super::RawFile as serde::Deserialize>::deserialize(
                    toml::de::Deserializer::from(doc),
                )
                .unwrap();
            }
        });
        let full = time(&|| {
            for (name, text) in &files {
                let mut d = Vec::new();
                super::parse_file(name, text, &mut d).unwrap();
            }
        });
        eprintln!(
            "curated files, best of 20: serde alone {serde_only:?}, key check + serde {strip:?}, parse_file {full:?}"
        );
    }
}
