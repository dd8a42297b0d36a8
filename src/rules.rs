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

/// A pattern with the boundaries stripped from its ends.
#[derive(Clone, Debug)]
pub(crate) struct PatternDef {
    pub source: String,
    pub body: String,
    pub start_b: bool,
    pub end_b: bool,
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

/// Why a pattern's regex does not compile.
enum RegexProblem {
    /// Its syntax, as the `regex` crate words it.
    Syntax(String),
    /// Its compiled program would pass this many bytes.
    TooBig(usize),
}

/// Compiles a pattern's regex (case-insensitive, `limits::MAX_REGEX_BYTES`)
/// only as far as checking it needs: the syntax and the forward program,
/// the two the `regex` crate's builder refuses with these errors, and
/// whether it matches the empty string. The search engines (reverse
/// program, one-pass and lazy DFAs, literal prefilter) are left to the
/// classifier, which builds a pattern's regex when a line first needs it:
/// building them here too cost about a third of a second at every start.
/// The reverse program is built only for a large forward one, where it
/// could pass the limit on its own.
fn check_regex(src: &str) -> Result<bool, RegexProblem> {
    use regex_automata::nfa::thompson::{self, pikevm::PikeVM, WhichCaptures};
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(src)
        .map_err(|e| RegexProblem::Syntax(e.to_string()))?;
    let config = thompson::Config::new()
        .utf8(true)
        .nfa_size_limit(Some(limits::MAX_REGEX_BYTES))
        .shrink(false);
    let nfa_err = |e: thompson::BuildError| match e.size_limit() {
        Some(n) => RegexProblem::TooBig(n),
        None => RegexProblem::Syntax(e.to_string()),
    };
    // One compiler per thread: a compiler's tables are large to make and
    // to drop, and it starts afresh with each program it compiles.
    thread_local! {
        static COMPILER: std::cell::RefCell<thompson::Compiler> =
            std::cell::RefCell::new(thompson::Compiler::new());
    }
    let compile = |config: thompson::Config| {
        COMPILER.with(|c| {
            let mut c = c.borrow_mut();
            c.configure(config);
            c.build_from_hir(&hir).map_err(nfa_err)
        })
    };
    // `configure` keeps what a config leaves unset: every option is set.
    let nfa = compile(
        config
            .clone()
            .which_captures(WhichCaptures::All)
            .reverse(false),
    )?;
    if nfa.memory_usage() > limits::MAX_REGEX_BYTES / 4 {
        compile(config.which_captures(WhichCaptures::None).reverse(true))?;
    }
    let vm = PikeVM::new_from_nfa(nfa).map_err(|e| RegexProblem::Syntax(e.to_string()))?;
    Ok(vm.is_match(&mut vm.create_cache(), ""))
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
        match check_regex(&def.engine_source()) {
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
            Err(RegexProblem::TooBig(n)) => ctx.err(
                Code::E010,
                format!("pattern `{src}` compiles to more than {n} bytes"),
                p.span(),
                Some(rule),
            ),
            Err(RegexProblem::Syntax(msg)) => {
                let last = msg.lines().last().unwrap_or("").trim();
                let last = last.strip_prefix("error: ").unwrap_or(last).to_string();
                ctx.err(
                    Code::E005,
                    format!("invalid regex `{src}`: {last}"),
                    p.span(),
                    Some(rule),
                )
            }
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
mod boundary_tests {
    use super::*;

    fn re(src: &str) -> regex::Regex {
        regex::RegexBuilder::new(&split_boundaries(src).unwrap().engine_source())
            .case_insensitive(true)
            .build()
            .unwrap()
    }

    #[test]
    fn boundaries_try_every_alternative() {
        // A boundary checked after the match would take `e` and miss `ek`.
        let r = re(r"\b22222 (?:e|ek)\b");
        let c = r.captures("lot 22222 ek, 5 pcs").unwrap();
        assert_eq!(c.get(1).unwrap().as_str(), "22222 ek");
        assert!(re(r"\bplis\b").is_match("плис plis"));
        assert!(!re(r"\bplis\b").is_match("plisse"));
        assert!(re(r"\bfpga\b").is_match("fpga芯片"));
        assert!(!re(r"\bfpga").is_match("xfpga"));
        assert!(re(r"\bплис\b").is_match("микросхема плис,"));
        assert!(!re(r"\bплис\b").is_match("плиссе"));
    }
}

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
    let minimal = |set: &mut Vec<String>| {
        set.sort();
        set.dedup();
        let all = set.clone();
        set.retain(|l| {
            !all.iter().any(|o| {
                o.len() < l.len()
                    && match kind {
                        TriggerKind::Prefix => l.starts_with(o.as_str()),
                        TriggerKind::Suffix => l.ends_with(o.as_str()),
                        TriggerKind::Inner => l.contains(o.as_str()),
                    }
            })
        });
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
            if DECLARATION_BOILERPLATE.iter().any(|b| b.contains(l.trim())) {
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
