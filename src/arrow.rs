//! Screening whole Arrow record batches (feature `arrow`).
//!
//! The engines that feed columnar data — Spark's `mapInArrow`, Ray Data's
//! `map_batches`, pyarrow, DataFusion — hand over a [`RecordBatch`]. This
//! module screens the HS code and description columns of such a batch and
//! returns the results as columns of the same length, so they can be
//! appended to the batch ([`append_results`]) and travel on with it.
//!
//! # Threads
//! [`classify_arrays`] and [`classify_record_batch`] screen on the calling
//! thread with the caller's [`Scratch`]: an engine already runs one task per
//! core, and a thread pool per task would oversubscribe them.
//! [`classify_arrays_parallel`] and [`classify_record_batch_parallel`] spread
//! one batch over the rayon pool, for a single machine that screens one large
//! batch at a time.
//!
//! # Parties
//! [`screen_parties`] screens party columns (importer, exporter, ...)
//! against a [`Watchlist`] with the caller's [`PartyMatcher`] (one per
//! task: it caches each distinct party string) and returns
//! [`PARTY_COLUMNS`]: `dualuse_party_hits`, a list per row of the hits'
//! fields (`field`, `text`, `id`, `name`, `list`, `alias`, `score`,
//! `method`, as in the binary's JSON Lines), and `dualuse_party_flagged`.
//! [`screen_parties_record_batch`] appends them to the batch.
//!
//! Both columns may be `Utf8`, `LargeUtf8` or `Utf8View` (or `Null`); the code
//! column may be absent. An integer code column is refused: it has lost the
//! leading zeros (`090111` read as `90111`), so read codes as strings.
//!
//! A row whose code and description are both null gets a null result (every
//! result column null). A null code alone is a line without a code, screened
//! on its description; a null description alone is screened on its code, as
//! the binary screens an empty field.
//!
//! # Output
//! [`result_schema`] gives the columns, all nullable:
//!
//! | column | type | value |
//! |---|---|---|
//! | `dualuse_hs` | `Utf8` | normalised digits of the code used, or null |
//! | `dualuse_hs_error` | `Utf8` | why the declared code could not be read, or null |
//! | `dualuse_hs_source` | `Utf8` | `declared`, `description` or `none` |
//! | `dualuse_flagged` | `Boolean` | at least one rule fired |
//! | `dualuse_max_severity` | `Utf8` | the most severe hit's severity, or null |
//! | `dualuse_categories` | `List<Utf8>` | categories of the hits, in the order of `docs/categories.md` |
//! | `dualuse_rules` | `List<Utf8>` | one rule id per hit, most severe first |
//! | `dualuse_rulesets` | `List<Utf8>` | the rule set of each hit (parallel to `dualuse_rules`) |
//! | `dualuse_severity` | `List<Utf8>` | the severity of each hit (parallel) |
//! | `dualuse_basis` | `List<Utf8>` | the basis of each hit, `hs`, `text` or `hs+text` (parallel) |
//! | `dualuse_references` | `List<Utf8>` | one item per hit, aligned with `dualuse_rules`: the hit's list entries joined with `;` (as in CSV output) |
//! | `dualuse_misdeclaration` | `List<Utf8>` | categories named by the text under a code outside their headings |
//! | `dualuse_parts` | `List<Utf8>` | the part numbers found in the description, as written |
//! | `dualuse_manufacturers` | `List<Utf8>` | the canonical ids of the manufacturers named |
//! | `dualuse_hits_json` | `Utf8` | JSON array of the hits with their evidence, as `hits` in `dualuse classify --format jsonl` |
//! | `dualuse_mentions_json` | `Utf8` | JSON array of the mentions (rules whose text match rests only on a part, an accessory or a purpose named after `for`, `with`, `для`...), as `mentions` in JSON Lines; `[]` when none |
//! | `dualuse_rules_hash` | `Utf8` | [`Classifier::hash`]: which rule sets screened the row |
//!
//! The list items are named `item` and nullable (Arrow's default), though
//! never null. The schema's metadata holds, under the key `dualuse`, the
//! same record as the first line of JSON Lines output: the crate version,
//! each rule set's id, version and SHA-256, and the hash over them. Engines
//! that drop schema metadata (Spark) keep `dualuse_rules_hash`.
//!
//! # Examples
//! ```
//! use std::sync::Arc;
//! use arrow_array::{cast::AsArray, Array, RecordBatch, StringArray};
//! use dualuse::Classifier;
//!
//! let clf = Classifier::builtin()?;
//! let batch = RecordBatch::try_from_iter([
//!     ("hs", Arc::new(StringArray::from(vec![Some("854231"), None, None])) as _),
//!     ("text", Arc::new(StringArray::from(vec![
//!         Some("MICROCONTROLLER STM32F407VGT6"), Some("ЧАЙ ЧЕРНЫЙ"), None,
//!     ])) as _),
//! ]).unwrap();
//! let mut scratch = clf.scratch();
//! let out = dualuse::arrow::classify_record_batch(&clf, &mut scratch, &batch, Some("hs"), "text").unwrap();
//! assert_eq!(out.num_columns(), 2 + dualuse::arrow::RESULT_COLUMNS.len());
//! let flagged = out.column_by_name("dualuse_flagged").unwrap().as_boolean();
//! assert!(flagged.value(0));
//! assert!(!flagged.value(1));
//! assert!(flagged.is_null(2)); // nothing to screen
//! # Ok::<(), dualuse::Error>(())
//! ```
//!
//! [`RecordBatch`]: arrow_array::RecordBatch
//! [`Scratch`]: crate::Scratch
//! [`Classifier::hash`]: crate::Classifier::hash
//! [`append_results`]: crate::arrow::append_results
//! [`classify_arrays`]: crate::arrow::classify_arrays
//! [`classify_arrays_parallel`]: crate::arrow::classify_arrays_parallel
//! [`classify_record_batch`]: crate::arrow::classify_record_batch
//! [`classify_record_batch_parallel`]: crate::arrow::classify_record_batch_parallel
//! [`result_schema`]: crate::arrow::result_schema

use crate::output::{HitsOut, MentionsOut, Record};
#[cfg(doc)]
use crate::watchlist::Watchlist;
use crate::watchlist::{PartyHit, PartyMatcher};
use crate::{batch, Classifier, Scratch, Screening};
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, ListBuilder, StringBuilder, StructBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, SchemaRef};
use std::collections::HashMap;
use std::sync::Arc;

/// The names of the result columns, in order.
pub const RESULT_COLUMNS: [&str; 17] = [
    "dualuse_hs",
    "dualuse_hs_error",
    "dualuse_hs_source",
    "dualuse_flagged",
    "dualuse_max_severity",
    "dualuse_categories",
    "dualuse_rules",
    "dualuse_rulesets",
    "dualuse_severity",
    "dualuse_basis",
    "dualuse_references",
    "dualuse_misdeclaration",
    "dualuse_parts",
    "dualuse_manufacturers",
    "dualuse_hits_json",
    "dualuse_mentions_json",
    "dualuse_rules_hash",
];

/// The key under which the schema metadata names the rule sets.
pub const METADATA_KEY: &str = "dualuse";

/// The schema of the result columns (see the module docs), with the
/// classifier's rule sets in its metadata.
pub fn result_schema(clf: &Classifier) -> SchemaRef {
    let list = || DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    let fields: Vec<Field> = RESULT_COLUMNS
        .iter()
        .map(|&name| {
            let t = match name {
                "dualuse_flagged" => DataType::Boolean,
                "dualuse_categories"
                | "dualuse_rules"
                | "dualuse_rulesets"
                | "dualuse_severity"
                | "dualuse_basis"
                | "dualuse_references"
                | "dualuse_misdeclaration"
                | "dualuse_parts"
                | "dualuse_manufacturers" => list(),
                _ => DataType::Utf8,
            };
            Field::new(name, t, true)
        })
        .collect();
    let meta = HashMap::from([(METADATA_KEY.to_string(), batch::metadata_json(clf))]);
    Arc::new(Schema::new_with_metadata(fields, meta))
}

/// A string column of any of the three Arrow string layouts.
enum Strings<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    Null,
}

impl<'a> Strings<'a> {
    fn new(a: &'a dyn Array, role: &str) -> Result<Self, ArrowError> {
        Ok(match a.data_type() {
            DataType::Utf8 => Strings::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Strings::Large(a.as_string::<i64>()),
            DataType::Utf8View => Strings::View(a.as_string_view()),
            DataType::Null => Strings::Null,
            t @ (DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(..)) => {
                return Err(ArrowError::InvalidArgumentError(format!(
                    "the {role} column is {t}, not a string: numbers lose leading zeros \
                     (`090111` becomes 90111); read it with an explicit string schema"
                )))
            }
            t => {
                return Err(ArrowError::InvalidArgumentError(format!(
                    "the {role} column is {t}; expected Utf8, LargeUtf8 or Utf8View"
                )))
            }
        })
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Null => None,
        }
    }
}

/// The inputs of one batch: `None` when the row has nothing to screen.
struct Inputs<'a> {
    hs: Option<Strings<'a>>,
    text: Strings<'a>,
    len: usize,
}

impl<'a> Inputs<'a> {
    fn new(hs: Option<&'a dyn Array>, text: &'a dyn Array) -> Result<Self, ArrowError> {
        if let Some(h) = hs {
            if h.len() != text.len() {
                return Err(ArrowError::InvalidArgumentError(format!(
                    "the code column has {} rows, the description column {}",
                    h.len(),
                    text.len()
                )));
            }
        }
        Ok(Inputs {
            hs: hs.map(|h| Strings::new(h, "HS code")).transpose()?,
            text: Strings::new(text, "description")?,
            len: text.len(),
        })
    }

    fn row(&self, i: usize) -> Option<(Option<&'a str>, &'a str)> {
        let hs = self.hs.as_ref().and_then(|h| h.get(i));
        match (hs, self.text.get(i)) {
            (None, None) => None,
            (hs, text) => Some((hs, text.unwrap_or(""))),
        }
    }
}

/// Builders for the result columns.
struct ResultBuilders<'c> {
    clf: &'c Classifier,
    hs: StringBuilder,
    hs_error: StringBuilder,
    hs_source: StringBuilder,
    max_severity: StringBuilder,
    flagged: BooleanBuilder,
    categories: ListBuilder<StringBuilder>,
    rules: ListBuilder<StringBuilder>,
    rulesets: ListBuilder<StringBuilder>,
    severity: ListBuilder<StringBuilder>,
    basis: ListBuilder<StringBuilder>,
    references: ListBuilder<StringBuilder>,
    misdeclaration: ListBuilder<StringBuilder>,
    parts: ListBuilder<StringBuilder>,
    manufacturers: ListBuilder<StringBuilder>,
    hits_json: StringBuilder,
    mentions_json: StringBuilder,
    rules_hash: StringBuilder,
    json: Vec<u8>,
}

impl<'c> ResultBuilders<'c> {
    fn new(clf: &'c Classifier, rows: usize) -> Self {
        let s = || StringBuilder::with_capacity(rows, rows * 8);
        let l = || ListBuilder::with_capacity(StringBuilder::new(), rows);
        ResultBuilders {
            clf,
            hs: s(),
            hs_error: s(),
            hs_source: s(),
            max_severity: s(),
            flagged: BooleanBuilder::with_capacity(rows),
            categories: l(),
            rules: l(),
            rulesets: l(),
            severity: l(),
            basis: l(),
            references: l(),
            misdeclaration: l(),
            parts: l(),
            manufacturers: l(),
            hits_json: s(),
            mentions_json: s(),
            rules_hash: StringBuilder::with_capacity(rows, rows * clf.hash().len()),
            json: Vec::new(),
        }
    }

    fn push(&mut self, r: Option<&Screening>) {
        let Some(r) = r else {
            self.hs.append_null();
            self.hs_error.append_null();
            self.hs_source.append_null();
            self.max_severity.append_null();
            self.flagged.append_null();
            for l in self.lists() {
                l.append_null();
            }
            self.hits_json.append_null();
            self.mentions_json.append_null();
            self.rules_hash.append_null();
            return;
        };
        self.hs.append_option(r.hs.digits.as_deref());
        self.hs_error
            .append_option(r.hs.error.as_ref().map(|e| e.to_string()));
        self.hs_source.append_value(r.hs.source.as_str());
        self.flagged.append_value(r.flagged());
        let rec = Record::new(0, r);
        self.max_severity.append_option(rec.max_severity());
        for c in &r.categories {
            self.categories.values().append_value(c.as_str());
        }
        for h in &r.hits {
            self.rules.values().append_value(&h.rule);
            self.rulesets.values().append_value(&h.ruleset);
            self.severity.values().append_value(h.severity.as_str());
            self.basis.values().append_value(h.basis.as_str());
        }
        // One group per hit, aligned with `dualuse_rules`, as in CSV output.
        for h in &r.hits {
            self.references
                .values()
                .append_value(h.references.join(";"));
        }
        for c in r.misdeclared_categories() {
            self.misdeclaration.values().append_value(c.as_str());
        }
        for p in &r.parts {
            self.parts.values().append_value(&p.text);
        }
        for m in &r.manufacturers {
            self.manufacturers.values().append_value(m);
        }
        for l in self.lists() {
            l.append(true);
        }
        if r.hits.is_empty() {
            self.hits_json.append_value("[]");
        } else {
            self.json.clear();
            // Serialising plain structs of strings and numbers cannot fail.
            serde_json::to_writer(&mut self.json, &HitsOut(&rec)).expect("hits serialise");
            self.hits_json
                .append_value(std::str::from_utf8(&self.json).expect("JSON is UTF-8"));
        }
        if r.mentions.is_empty() {
            self.mentions_json.append_value("[]");
        } else {
            self.json.clear();
            serde_json::to_writer(&mut self.json, &MentionsOut(&rec)).expect("mentions serialise");
            self.mentions_json
                .append_value(std::str::from_utf8(&self.json).expect("JSON is UTF-8"));
        }
        self.rules_hash.append_value(self.clf.hash());
    }

    fn lists(&mut self) -> [&mut ListBuilder<StringBuilder>; 9] {
        [
            &mut self.categories,
            &mut self.rules,
            &mut self.rulesets,
            &mut self.severity,
            &mut self.basis,
            &mut self.references,
            &mut self.misdeclaration,
            &mut self.parts,
            &mut self.manufacturers,
        ]
    }

    fn finish(mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.hs.finish()),
            Arc::new(self.hs_error.finish()),
            Arc::new(self.hs_source.finish()),
            Arc::new(self.flagged.finish()),
            Arc::new(self.max_severity.finish()),
            Arc::new(self.categories.finish()),
            Arc::new(self.rules.finish()),
            Arc::new(self.rulesets.finish()),
            Arc::new(self.severity.finish()),
            Arc::new(self.basis.finish()),
            Arc::new(self.references.finish()),
            Arc::new(self.misdeclaration.finish()),
            Arc::new(self.parts.finish()),
            Arc::new(self.manufacturers.finish()),
            Arc::new(self.hits_json.finish()),
            Arc::new(self.mentions_json.finish()),
            Arc::new(self.rules_hash.finish()),
        ];
        RecordBatch::try_new(result_schema(self.clf), columns)
    }
}

/// Screens a code column (or none) and a description column on the calling
/// thread, and returns the result columns ([`result_schema`]), one row per
/// input row.
///
/// # Errors
/// If a column is not a string column, or the two differ in length.
pub fn classify_arrays(
    clf: &Classifier,
    scratch: &mut Scratch,
    hs: Option<&dyn Array>,
    text: &dyn Array,
) -> Result<RecordBatch, ArrowError> {
    let input = Inputs::new(hs, text)?;
    let mut out = ResultBuilders::new(clf, input.len);
    for i in 0..input.len {
        match input.row(i) {
            Some((hs, text)) => out.push(Some(&clf.classify_with(scratch, hs, text))),
            None => out.push(None),
        }
    }
    out.finish()
}

/// [`classify_arrays`] spread over the rayon thread pool, one scratch per
/// worker: for one machine screening large batches, not for an engine task.
///
/// # Errors
/// As [`classify_arrays`].
pub fn classify_arrays_parallel(
    clf: &Classifier,
    hs: Option<&dyn Array>,
    text: &dyn Array,
) -> Result<RecordBatch, ArrowError> {
    use rayon::prelude::*;
    let input = Inputs::new(hs, text)?;
    let results: Vec<Option<Screening>> = (0..input.len)
        .into_par_iter()
        .map_init(
            || clf.scratch(),
            |s, i| {
                input
                    .row(i)
                    .map(|(hs, text)| clf.classify_with(s, hs, text))
            },
        )
        .collect();
    let mut out = ResultBuilders::new(clf, input.len);
    for r in &results {
        out.push(r.as_ref());
    }
    out.finish()
}

/// The columns of `batch` followed by the result columns. An input column
/// named like a result column (a batch screened before) is replaced; the
/// schema metadata of both is kept, the results' winning on a shared key.
///
/// # Errors
/// If the two differ in row count.
pub fn append_results(
    batch: &RecordBatch,
    results: &RecordBatch,
) -> Result<RecordBatch, ArrowError> {
    if batch.num_rows() != results.num_rows() {
        return Err(ArrowError::InvalidArgumentError(format!(
            "the batch has {} rows, the results {}",
            batch.num_rows(),
            results.num_rows()
        )));
    }
    let replaced = |name: &str| results.schema_ref().column_with_name(name).is_some();
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (f, c) in batch.schema_ref().fields().iter().zip(batch.columns()) {
        if !replaced(f.name()) {
            fields.push(f.clone());
            columns.push(c.clone());
        }
    }
    fields.extend(results.schema_ref().fields().iter().cloned());
    columns.extend(results.columns().iter().cloned());
    let mut meta = batch.schema_ref().metadata().clone();
    meta.extend(results.schema_ref().metadata().clone());
    RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, meta)), columns)
}

/// Screens the named columns of `batch` on the calling thread and returns
/// the batch with the result columns appended ([`append_results`]).
/// `hs_column` is `None` when the data has no code column.
///
/// # Errors
/// If a named column is missing or not a string column.
pub fn classify_record_batch(
    clf: &Classifier,
    scratch: &mut Scratch,
    batch: &RecordBatch,
    hs_column: Option<&str>,
    text_column: &str,
) -> Result<RecordBatch, ArrowError> {
    let (hs, text) = input_columns(batch, hs_column, text_column)?;
    append_results(batch, &classify_arrays(clf, scratch, hs, text)?)
}

/// [`classify_record_batch`] spread over the rayon thread pool: for one
/// machine screening large batches, not for an engine task.
///
/// # Errors
/// As [`classify_record_batch`].
pub fn classify_record_batch_parallel(
    clf: &Classifier,
    batch: &RecordBatch,
    hs_column: Option<&str>,
    text_column: &str,
) -> Result<RecordBatch, ArrowError> {
    let (hs, text) = input_columns(batch, hs_column, text_column)?;
    append_results(batch, &classify_arrays_parallel(clf, hs, text)?)
}

/// The names of the party result columns, in order.
pub const PARTY_COLUMNS: [&str; 2] = ["dualuse_party_hits", "dualuse_party_flagged"];

/// The fields of one party hit, as in the binary's `party_hits`.
fn party_hit_fields() -> Fields {
    Fields::from(vec![
        Field::new("field", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("id", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("list", DataType::Utf8, false),
        Field::new("alias", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("method", DataType::Utf8, false),
    ])
}

/// The list item of `dualuse_party_hits`: one hit.
fn party_hit_item() -> Arc<Field> {
    Arc::new(Field::new(
        "item",
        DataType::Struct(party_hit_fields()),
        true,
    ))
}

/// The schema of [`screen_parties`]' columns: `dualuse_party_hits`
/// (`List<Struct>`, best hit first within each column, columns in the
/// order given) and `dualuse_party_flagged` (`Boolean`); neither is null.
pub fn party_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(PARTY_COLUMNS[0], DataType::List(party_hit_item()), false),
        Field::new(PARTY_COLUMNS[1], DataType::Boolean, false),
    ]))
}

/// Screens the party columns `columns` of `batch` with `matcher` on the
/// calling thread and returns [`party_schema`]'s columns, one row per input
/// row. A null or empty party is not screened.
///
/// # Errors
/// If a named column is missing or not a string column.
pub fn screen_parties(
    matcher: &mut PartyMatcher,
    batch: &RecordBatch,
    columns: &[&str],
) -> Result<RecordBatch, ArrowError> {
    let mut inputs = Vec::with_capacity(columns.len());
    for &name in columns {
        let (_, array) = input_columns(batch, None, name)?;
        inputs.push((name, Strings::new(array, name)?));
    }
    let rows = batch.num_rows();
    let struct_builder = StructBuilder::from_fields(party_hit_fields(), 0);
    let mut hits_col = ListBuilder::new(struct_builder).with_field(party_hit_item());
    let mut flagged = BooleanBuilder::with_capacity(rows);
    let mut row_hits: Vec<PartyHit> = Vec::new();
    for i in 0..rows {
        row_hits.clear();
        for (name, col) in &inputs {
            if let Some(text) = col.get(i).filter(|t| !t.trim().is_empty()) {
                row_hits.extend(matcher.screen(name, text));
            }
        }
        let sb = hits_col.values();
        for h in &row_hits {
            let text_fields = [&h.field, &h.text, &h.id, &h.name, &h.list, &h.alias];
            for (k, v) in text_fields.into_iter().enumerate() {
                string_field(sb, k)?.append_value(v);
            }
            sb.field_builder::<Float64Builder>(6)
                .ok_or_else(|| ArrowError::ComputeError("party hit field 6".into()))?
                .append_value(h.score);
            string_field(sb, 7)?.append_value(h.method.as_str());
            sb.append(true);
        }
        hits_col.append(true);
        flagged.append_value(!row_hits.is_empty());
    }
    RecordBatch::try_new(
        party_schema(),
        vec![Arc::new(hits_col.finish()), Arc::new(flagged.finish())],
    )
}

fn string_field(sb: &mut StructBuilder, k: usize) -> Result<&mut StringBuilder, ArrowError> {
    sb.field_builder::<StringBuilder>(k)
        .ok_or_else(|| ArrowError::ComputeError(format!("party hit field {k} is not a string")))
}

/// Screens the party columns of `batch` ([`screen_parties`]) and returns the
/// batch with [`PARTY_COLUMNS`] appended ([`append_results`]).
///
/// # Errors
/// As [`screen_parties`].
pub fn screen_parties_record_batch(
    matcher: &mut PartyMatcher,
    batch: &RecordBatch,
    columns: &[&str],
) -> Result<RecordBatch, ArrowError> {
    append_results(batch, &screen_parties(matcher, batch, columns)?)
}

fn input_columns<'b>(
    batch: &'b RecordBatch,
    hs_column: Option<&str>,
    text_column: &str,
) -> Result<(Option<&'b dyn Array>, &'b dyn Array), ArrowError> {
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .map(|c| c.as_ref())
            .ok_or_else(|| {
                let names: Vec<&str> = batch
                    .schema_ref()
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect();
                ArrowError::SchemaError(format!(
                    "no column `{name}` in the batch (columns: {})",
                    names.join(", ")
                ))
            })
    };
    Ok((hs_column.map(column).transpose()?, column(text_column)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        BooleanArray, Int64Array, LargeStringArray, ListArray, NullArray, StringArray,
        StringViewArray,
    };
    use std::sync::OnceLock;

    fn clf() -> &'static Classifier {
        static C: OnceLock<Classifier> = OnceLock::new();
        C.get_or_init(|| Classifier::builtin().unwrap())
    }

    const HS: [Option<&str>; 8] = [
        Some("8542.31"),
        Some("090111"),
        None,
        Some("9503.00"),
        Some("848210"),
        None,
        Some("ABC"),
        Some("930690"),
    ];
    const TEXT: [Option<&str>; 8] = [
        Some("MICROCONTROLLER STM32F407VGT6, 500 PCS"),
        Some("Coffee, not roasted, arabica"),
        Some("ПЛИС XC7K325T-2FFG900I ДЛЯ ПЛАТ УПРАВЛЕНИЯ, 10 ШТ"),
        Some("ПЛИС XC7K325T-2FFG900I ДЛЯ ПЛАТ УПРАВЛЕНИЯ, 10 ШТ"),
        None,
        None,
        Some("无人机 四旋翼 航拍"),
        Some("cartridges 7.62x39"),
    ];

    fn strings(v: &[Option<&str>]) -> StringArray {
        StringArray::from(v.to_vec())
    }

    fn list(a: &RecordBatch, name: &str, row: usize) -> Option<Vec<String>> {
        let l: &ListArray = a.column_by_name(name).unwrap().as_list::<i32>();
        l.is_valid(row).then(|| {
            l.value(row)
                .as_string::<i32>()
                .iter()
                .map(|s| s.unwrap().to_string())
                .collect()
        })
    }

    fn text(a: &RecordBatch, name: &str, row: usize) -> Option<String> {
        let s = a.column_by_name(name).unwrap().as_string::<i32>();
        s.is_valid(row).then(|| s.value(row).to_string())
    }

    /// Each output row says what `Classifier::classify` says about the line.
    fn check_against_library(out: &RecordBatch, hs: &[Option<&str>], txt: &[Option<&str>]) {
        assert_eq!(out.num_rows(), hs.len());
        let flagged: &BooleanArray = out.column_by_name("dualuse_flagged").unwrap().as_boolean();
        for i in 0..hs.len() {
            if hs[i].is_none() && txt[i].is_none() {
                for name in RESULT_COLUMNS {
                    assert!(
                        out.column_by_name(name).unwrap().is_null(i),
                        "{name} row {i}"
                    );
                }
                continue;
            }
            let r = clf().classify(hs[i], txt[i].unwrap_or(""));
            assert_eq!(flagged.value(i), r.flagged(), "row {i}");
            assert_eq!(text(out, "dualuse_hs", i), r.hs.digits, "row {i}");
            assert_eq!(
                text(out, "dualuse_hs_error", i),
                r.hs.error.as_ref().map(|e| e.to_string())
            );
            let hits = |f: fn(&crate::Hit) -> String| Some(r.hits.iter().map(f).collect());
            assert_eq!(list(out, "dualuse_rules", i), hits(|h| h.rule.to_string()));
            assert_eq!(
                list(out, "dualuse_rulesets", i),
                hits(|h| h.ruleset.to_string())
            );
            assert_eq!(
                list(out, "dualuse_severity", i),
                hits(|h| h.severity.to_string())
            );
            assert_eq!(list(out, "dualuse_basis", i), hits(|h| h.basis.to_string()));
            let cats = r.categories.iter().map(|c| c.to_string()).collect();
            assert_eq!(list(out, "dualuse_categories", i), Some(cats));
            let mis = r
                .misdeclared_categories()
                .iter()
                .map(|c| c.to_string())
                .collect();
            assert_eq!(list(out, "dualuse_misdeclaration", i), Some(mis));
            let refs = list(out, "dualuse_references", i).unwrap();
            assert_eq!(refs, hits(|h| h.references.join(";")).unwrap());
            let json: serde_json::Value =
                serde_json::from_str(&text(out, "dualuse_hits_json", i).unwrap()).unwrap();
            assert_eq!(json, serde_json::to_value(&r.hits).unwrap());
            let json: serde_json::Value =
                serde_json::from_str(&text(out, "dualuse_mentions_json", i).unwrap()).unwrap();
            assert_eq!(json, serde_json::to_value(&r.mentions).unwrap());
            assert_eq!(
                text(out, "dualuse_rules_hash", i).as_deref(),
                Some(clf().hash())
            );
        }
    }

    #[test]
    fn results_agree_with_the_library_row_for_row() {
        let mut s = clf().scratch();
        let out = classify_arrays(clf(), &mut s, Some(&strings(&HS)), &strings(&TEXT)).unwrap();
        assert_eq!(out.schema(), result_schema(clf()));
        check_against_library(&out, &HS, &TEXT);
        let flagged = out.column_by_name("dualuse_flagged").unwrap().as_boolean();
        // The sample covers flagged, clean, null and code-only rows.
        assert!(flagged.value(0) && !flagged.value(1) && flagged.value(2));
        assert!(flagged.value(4), "a bearing code alone is screened");
        assert!(flagged.is_null(5));
        assert_eq!(
            list(&out, "dualuse_misdeclaration", 3).unwrap(),
            ["microelectronics"]
        );
        assert_eq!(text(&out, "dualuse_hs", 1).as_deref(), Some("090111"));
        assert_eq!(text(&out, "dualuse_hs_source", 2).as_deref(), Some("none"));
        assert!(text(&out, "dualuse_hs_error", 6).is_some());
        assert_eq!(text(&out, "dualuse_hits_json", 1).as_deref(), Some("[]"));
        assert_eq!(
            text(&out, "dualuse_mentions_json", 1).as_deref(),
            Some("[]")
        );
    }

    #[test]
    fn all_three_string_layouts_give_the_same_results() {
        let mut s = clf().scratch();
        let base = classify_arrays(clf(), &mut s, Some(&strings(&HS)), &strings(&TEXT)).unwrap();
        let large = classify_arrays(
            clf(),
            &mut s,
            Some(&LargeStringArray::from(HS.to_vec())),
            &LargeStringArray::from(TEXT.to_vec()),
        )
        .unwrap();
        let view = classify_arrays(
            clf(),
            &mut s,
            Some(&StringViewArray::from(HS.to_vec())),
            &StringViewArray::from(TEXT.to_vec()),
        )
        .unwrap();
        assert_eq!(base, large);
        assert_eq!(base, view);
    }

    #[test]
    fn parallel_equals_single_threaded() {
        let hs: Vec<Option<&str>> = HS.iter().cycle().take(2000).copied().collect();
        let txt: Vec<Option<&str>> = TEXT.iter().cycle().take(2000).copied().collect();
        let mut s = clf().scratch();
        let one = classify_arrays(clf(), &mut s, Some(&strings(&hs)), &strings(&txt)).unwrap();
        let par = classify_arrays_parallel(clf(), Some(&strings(&hs)), &strings(&txt)).unwrap();
        assert_eq!(one, par);
        check_against_library(&par, &hs, &txt);
    }

    #[test]
    fn slices_read_from_their_offset() {
        let (hs, txt) = (strings(&HS), strings(&TEXT));
        let mut s = clf().scratch();
        let out = classify_arrays(clf(), &mut s, Some(&hs.slice(2, 5)), &txt.slice(2, 5)).unwrap();
        check_against_library(&out, &HS[2..7], &TEXT[2..7]);
    }

    #[test]
    fn no_code_column_and_null_columns() {
        let mut s = clf().scratch();
        let none: [Option<&str>; 8] = [None; 8];
        let out = classify_arrays(clf(), &mut s, None, &strings(&TEXT)).unwrap();
        // Without codes, only the null descriptions give null results.
        check_against_library(&out, &none, &TEXT);
        let nulls = NullArray::new(8);
        let out2 = classify_arrays(clf(), &mut s, Some(&nulls), &strings(&TEXT)).unwrap();
        assert_eq!(out, out2);
        let all_null = classify_arrays(clf(), &mut s, Some(&nulls), &nulls).unwrap();
        assert_eq!(all_null.column(3).null_count(), 8);
    }

    #[test]
    fn integer_codes_are_refused_with_the_reason() {
        let mut s = clf().scratch();
        let codes = Int64Array::from(vec![90111; 8]);
        let e = classify_arrays(clf(), &mut s, Some(&codes), &strings(&TEXT)).unwrap_err();
        assert!(e.to_string().contains("leading zeros"), "{e}");
        let short = strings(&TEXT[..2]);
        let e = classify_arrays(clf(), &mut s, Some(&short), &strings(&TEXT)).unwrap_err();
        assert!(e.to_string().contains("2 rows"), "{e}");
    }

    #[test]
    fn record_batches_keep_their_columns_and_gain_the_results() {
        let batch = RecordBatch::try_from_iter([
            (
                "id",
                Arc::new(Int64Array::from_iter_values(0..8)) as ArrayRef,
            ),
            ("code", Arc::new(strings(&HS)) as ArrayRef),
            ("desc", Arc::new(strings(&TEXT)) as ArrayRef),
        ])
        .unwrap();
        let mut s = clf().scratch();
        let out = classify_record_batch(clf(), &mut s, &batch, Some("code"), "desc").unwrap();
        let names: Vec<String> = out
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(&names[..3], ["id", "code", "desc"]);
        assert_eq!(&names[3..], RESULT_COLUMNS);
        check_against_library(&out, &HS, &TEXT);
        let meta: serde_json::Value =
            serde_json::from_str(&out.schema().metadata()[METADATA_KEY]).unwrap();
        assert_eq!(meta["metadata"]["rules_hash"], clf().hash());
        assert_eq!(
            meta["metadata"]["rulesets"].as_array().unwrap().len(),
            clf().rulesets().len()
        );

        let par = classify_record_batch_parallel(clf(), &batch, Some("code"), "desc").unwrap();
        assert_eq!(par, out);

        // Screening the output again replaces the result columns.
        let again = classify_record_batch(clf(), &mut s, &out, Some("code"), "desc").unwrap();
        assert_eq!(again, out);

        let e = classify_record_batch(clf(), &mut s, &batch, Some("hs"), "desc").unwrap_err();
        assert!(e.to_string().contains("columns: id, code, desc"), "{e}");
        let e = append_results(&batch, &out.slice(0, 3)).unwrap_err();
        assert!(e.to_string().contains("8 rows"), "{e}");
    }

    #[test]
    fn party_columns_match_the_matcher_row_by_row() {
        use arrow_array::StructArray;
        let wl = crate::watchlist::WatchlistBuilder::new()
            .add_source(
                "list.csv",
                "name,aliases,country,identifiers,list,id\n\
                 \"Romashka Sibir LLC\",ООО Ромашка Сибирь,RU,INN 5401234567,test,e1\n\
                 Shenzhen Huajin Electronics Co Ltd,,CN,,test,e2\n",
            )
            .build()
            .unwrap();
        let importer = StringArray::from(vec![
            Some("ООО \"РОМАШКА СИБИРЬ\""),
            None,
            Some("Coffee Traders GmbH"),
            Some(""),
        ]);
        let exporter = LargeStringArray::from(vec![
            Some("SHENZHEN HUAJIN ELECTRONICS CO., LTD"),
            Some("ROMASHKA SIBIR"),
            None,
            Some("x"),
        ]);
        let batch = RecordBatch::try_from_iter(vec![
            ("importer", Arc::new(importer) as ArrayRef),
            ("exporter", Arc::new(exporter) as ArrayRef),
        ])
        .unwrap();
        let mut m = wl.matcher(64);
        let out = screen_parties_record_batch(&mut m, &batch, &["importer", "exporter"]).unwrap();
        assert_eq!(out.num_columns(), 4);
        let hits = out
            .column_by_name("dualuse_party_hits")
            .unwrap()
            .as_list::<i32>();
        let flagged = out
            .column_by_name("dualuse_party_flagged")
            .unwrap()
            .as_boolean();
        let columns = [
            ("importer", batch.column(0).as_string::<i32>().clone()),
            ("exporter", {
                let l = batch.column(1).as_string::<i64>();
                StringArray::from_iter(l.iter())
            }),
        ];
        let mut any = 0;
        for i in 0..batch.num_rows() {
            let want: Vec<crate::watchlist::PartyHit> = columns
                .iter()
                .filter(|(_, c)| c.is_valid(i) && !c.value(i).trim().is_empty())
                .flat_map(|(n, c)| wl.screen(n, c.value(i)))
                .collect();
            let row = hits.value(i);
            let row: &StructArray = row.as_struct();
            assert_eq!(row.len(), want.len(), "row {i}");
            assert_eq!(flagged.value(i), !want.is_empty());
            for (k, w) in want.iter().enumerate() {
                let col = |n: &str| {
                    row.column_by_name(n)
                        .unwrap()
                        .as_string::<i32>()
                        .value(k)
                        .to_string()
                };
                assert_eq!(col("field"), w.field);
                assert_eq!(col("id"), w.id);
                assert_eq!(col("method"), w.method.as_str());
                let score = row.column_by_name("score").unwrap();
                let score = score.as_primitive::<arrow_array::types::Float64Type>();
                assert_eq!(score.value(k), w.score);
                any += 1;
            }
        }
        assert!(
            any >= 3,
            "the list's two entities are found in three fields"
        );
        assert!(screen_parties(&mut m, &batch, &["consignee"]).is_err());
    }
}
