//! Screening whole files: a reader thread parses records into chunks, rayon
//! classifies each chunk with one scratch per worker, and the results are
//! written in input order. Memory is bounded by the chunk size and the
//! number of chunks in flight, whatever the input size.

use crate::error::{Error, Result};
use crate::input::{Fields, Row, RowReader};
use crate::result::Screening;
use crate::types::Category;
use crate::Classifier;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

/// How results are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON object per input row, after one metadata record.
    Jsonl,
    /// The input columns followed by `dualuse_*` result columns, after one
    /// `#` comment line with the rule sets' ids, versions and hash.
    Csv,
}

/// Which input columns hold what (0-based indices).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    /// The declared HS code.
    pub hs: Option<usize>,
    /// The goods description.
    pub text: usize,
    /// A row id to carry into the output.
    pub id: Option<usize>,
}

/// Settings of a screening run.
#[derive(Clone, Debug)]
pub struct ScreenOptions {
    /// Output format.
    pub format: OutputFormat,
    /// Write only flagged rows (and rejects).
    pub hits_only: bool,
    /// Rows per chunk handed to the workers.
    pub chunk_rows: usize,
}

impl Default for ScreenOptions {
    fn default() -> Self {
        ScreenOptions {
            format: OutputFormat::Jsonl,
            hits_only: false,
            chunk_rows: 2048,
        }
    }
}

/// What a run did. Rows read = rows screened + rows rejected.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Rows classified.
    pub rows_screened: u64,
    /// Rows flagged by at least one rule.
    pub rows_flagged: u64,
    /// Rows that could not be read, with reasons in the output.
    pub rows_rejected: u64,
    /// Rows with a misdeclaration signal.
    pub rows_misdeclared: u64,
    /// Flagged rows per category.
    pub per_category: BTreeMap<String, u64>,
    /// Hits per rule.
    pub per_rule: BTreeMap<String, u64>,
    /// Bytes read from the input source (compressed size for compressed input).
    pub bytes_read: u64,
    /// Wall-clock seconds.
    pub elapsed_s: f64,
    /// Rows per second.
    pub rows_per_s: f64,
    /// Megabytes (10^6) of input per second.
    pub mb_per_s: f64,
    /// The first rejected rows (row number, byte offset, reason), at most 100.
    pub rejects: Vec<(u64, u64, String)>,
}

/// Progress reported after each chunk.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Rows done.
    pub rows: u64,
    /// Bytes read from the source.
    pub bytes: u64,
    /// Rows flagged.
    pub flagged: u64,
}

/// The metadata record that leads every output.
#[derive(Serialize)]
struct Meta<'a> {
    dualuse: &'static str,
    rules_hash: &'a str,
    rulesets: Vec<MetaSet<'a>>,
}

#[derive(Serialize)]
struct MetaSet<'a> {
    id: &'a str,
    version: &'a str,
    sha256: &'a str,
}

/// The metadata line (JSON) naming the rule sets that screened the data.
pub fn metadata_json(clf: &Classifier) -> String {
    let m = Meta {
        dualuse: env!("CARGO_PKG_VERSION"),
        rules_hash: clf.hash(),
        rulesets: clf
            .rulesets()
            .iter()
            .map(|s| MetaSet {
                id: &s.id,
                version: &s.version,
                sha256: &s.sha256,
            })
            .collect(),
    };
    serde_json::to_string(&serde_json::json!({ "metadata": m })).unwrap_or_default()
}

#[derive(Serialize)]
struct JsonRow<'a> {
    row: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    hs: Option<&'a str>,
    hs_declared: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hs_error: Option<String>,
    hs_source: crate::HsSource,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    hs_in_text: &'a [crate::CodeInText],
    flagged: bool,
    categories: &'a [Category],
    hits: &'a [crate::Hit],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    misdeclaration: &'a [crate::Misdeclaration],
}

#[derive(Serialize)]
struct JsonReject<'a> {
    row: u64,
    byte: u64,
    rejected: bool,
    reason: &'a str,
}

/// One row's result, rendered, plus what the summary needs.
struct Done {
    bytes: Vec<u8>,
    flagged: bool,
    rejected: Option<(u64, u64, String)>,
    categories: Vec<Category>,
    rules: Vec<std::sync::Arc<str>>,
    misdeclared: bool,
}

fn field(fields: &Fields, i: Option<usize>) -> Option<&str> {
    i.and_then(|i| fields.get(i))
}

fn join<T: AsRef<str>>(items: impl Iterator<Item = T>) -> String {
    let mut s = String::new();
    for (i, x) in items.enumerate() {
        if i > 0 {
            s.push('|');
        }
        s.push_str(x.as_ref());
    }
    s
}

/// The names of the result columns in CSV output.
pub const CSV_COLUMNS: &[&str] = &[
    "dualuse_row",
    "dualuse_hs",
    "dualuse_hs_error",
    "dualuse_flagged",
    "dualuse_categories",
    "dualuse_rules",
    "dualuse_basis",
    "dualuse_severity",
    "dualuse_references",
    "dualuse_misdeclaration",
    "dualuse_evidence",
    "dualuse_error",
];

fn render(
    row: &Row,
    cols: Columns,
    n_headers: usize,
    format: OutputFormat,
    r: Option<&Screening>,
) -> Vec<u8> {
    match format {
        OutputFormat::Jsonl => {
            let mut out = match (&row.fields, r) {
                (Ok(fields), Some(r)) => {
                    let declared = field(fields, cols.hs).filter(|s| !s.trim().is_empty());
                    serde_json::to_vec(&JsonRow {
                        row: row.row,
                        id: field(fields, cols.id),
                        hs: r.hs.digits.as_deref(),
                        hs_declared: declared,
                        hs_error: r.hs.error.as_ref().map(|e| e.to_string()),
                        hs_source: r.hs.source,
                        hs_in_text: &r.hs.in_text,
                        flagged: r.flagged(),
                        categories: &r.categories,
                        hits: &r.hits,
                        misdeclaration: &r.misdeclarations,
                    })
                }
                (Err(reason), _) => serde_json::to_vec(&JsonReject {
                    row: row.row,
                    byte: row.byte,
                    rejected: true,
                    reason,
                }),
                (Ok(_), None) => Ok(Vec::new()),
            }
            .unwrap_or_default();
            out.push(b'\n');
            out
        }
        OutputFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                // A row is short: the default 8 KiB buffer, allocated and
                // freed for every row, was pure overhead.
                .buffer_capacity(512)
                .from_writer(Vec::with_capacity(256));
            // The input columns, padded to the header; fields past the
            // header (ragged rows) follow the result columns, so none is lost.
            let empty = Fields::new();
            let fields = row.fields.as_ref().unwrap_or(&empty);
            let pad = n_headers.saturating_sub(fields.len());
            let mut results: Vec<String> = Vec::new();
            match (&row.fields, r) {
                (Ok(_), Some(r)) => {
                    let ev = join(r.hits.iter().flat_map(|h| {
                        h.evidence
                            .iter()
                            .map(move |e| format!("{}:{}={}", h.rule, kind_str(e.kind), e.text))
                    }));
                    results.extend([
                        row.row.to_string(),
                        r.hs.digits.clone().unwrap_or_default(),
                        r.hs.error
                            .as_ref()
                            .map(|e| e.to_string())
                            .unwrap_or_default(),
                        r.flagged().to_string(),
                        join(r.categories.iter().map(|c| c.as_str())),
                        join(r.hits.iter().map(|h| h.rule.as_ref())),
                        join(r.hits.iter().map(|h| h.basis.as_str())),
                        join(r.hits.iter().map(|h| h.severity.as_str())),
                        join(r.hits.iter().flat_map(|h| h.references.iter())),
                        join(r.misdeclarations.iter().map(|m| m.category.as_str())),
                        ev,
                        String::new(),
                    ]);
                }
                (Err(reason), _) => {
                    // Row number, empty result columns, then the reason.
                    results.push(row.row.to_string());
                    results.resize(CSV_COLUMNS.len() - 1, String::new());
                    results.push(format!("rejected at byte {}: {reason}", row.byte));
                }
                _ => {}
            }
            let record = fields
                .iter()
                .take(n_headers)
                .chain(std::iter::repeat_n("", pad))
                .chain(results.iter().map(String::as_str))
                .chain(fields.iter().skip(n_headers));
            let _ = w.write_record(record);
            w.into_inner().unwrap_or_default()
        }
    }
}

fn kind_str(k: crate::EvidenceKind) -> &'static str {
    match k {
        crate::EvidenceKind::HsPrefix => "hs",
        crate::EvidenceKind::Term => "term",
        crate::EvidenceKind::Pattern => "pattern",
        crate::EvidenceKind::Parameter => "param",
    }
}

/// Writes the output preamble: the metadata record (JSONL) or the comment
/// line and header (CSV).
///
/// # Errors
/// Writing fails.
pub fn write_preamble<W: Write>(
    out: &mut W,
    clf: &Classifier,
    headers: &[String],
    format: OutputFormat,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Jsonl => {
            out.write_all(metadata_json(clf).as_bytes())?;
            out.write_all(b"\n")
        }
        OutputFormat::Csv => {
            let sets = join(
                clf.rulesets()
                    .iter()
                    .map(|s| format!("{}@{}", s.id, s.version)),
            );
            writeln!(
                out,
                "# dualuse {} rules_hash={} rulesets={}",
                env!("CARGO_PKG_VERSION"),
                clf.hash(),
                sets
            )?;
            let mut w = csv::Writer::from_writer(Vec::new());
            let mut h: Vec<&str> = headers.iter().map(String::as_str).collect();
            h.extend_from_slice(CSV_COLUMNS);
            let _ = w.write_record(&h);
            out.write_all(&w.into_inner().unwrap_or_default())
        }
    }
}

/// The receiving end for one chunk's results (or a worker's panic).
type DoneRx = std::sync::mpsc::Receiver<std::thread::Result<Vec<Done>>>;

/// Classifies one chunk in parallel, one scratch per worker.
fn classify_chunk(
    clf: &Classifier,
    chunk: &[Row],
    cols: Columns,
    n_headers: usize,
    opts: &ScreenOptions,
) -> Vec<Done> {
    use rayon::prelude::*;
    // A rejected row (`row.fields` holds the reason).
    let reject = |row: &Row, reason: &str| Done {
        bytes: render(row, cols, n_headers, opts.format, None),
        flagged: false,
        rejected: Some((row.row, row.byte, reason.to_string())),
        categories: vec![],
        rules: vec![],
        misdeclared: false,
    };
    chunk
        .par_iter()
        .map_init(
            || clf.scratch(),
            |scratch, row| match &row.fields {
                Ok(fields) => {
                    if fields.len() <= cols.text {
                        // A ragged row too short to hold the text column.
                        let reason = format!(
                            "row has {} field(s); the description is column {}",
                            fields.len(),
                            cols.text + 1
                        );
                        let bad = Row {
                            row: row.row,
                            byte: row.byte,
                            fields: Err(reason.clone()),
                        };
                        return reject(&bad, &reason);
                    }
                    let text = field(fields, Some(cols.text)).unwrap_or("");
                    let hs = field(fields, cols.hs);
                    let r = clf.classify_with(scratch, hs, text);
                    let flagged = r.flagged();
                    let bytes = if opts.hits_only && !flagged {
                        Vec::new()
                    } else {
                        render(row, cols, n_headers, opts.format, Some(&r))
                    };
                    Done {
                        bytes,
                        flagged,
                        rejected: None,
                        categories: r.categories.clone(),
                        rules: r.hits.iter().map(|h| h.rule.clone()).collect(),
                        misdeclared: !r.misdeclarations.is_empty(),
                    }
                }
                Err(reason) => reject(row, reason),
            },
        )
        .collect()
}

/// Screens every row of `reader`, writing one output record per input row
/// (or per flagged row with `hits_only`; rejects are always written).
///
/// `progress` is called after each chunk.
///
/// # Errors
/// Reading the input or writing the output fails. A broken pipe on the
/// output is returned as an I/O error of kind `BrokenPipe`.
pub fn screen<W: Write>(
    clf: &Classifier,
    mut reader: RowReader,
    cols: Columns,
    out: &mut W,
    opts: &ScreenOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary> {
    let start = Instant::now();
    let n_headers = reader.headers().len();
    write_preamble(out, clf, reader.headers(), opts.format)
        .map_err(|e| Error::io("writing output", e))?;
    let chunk_rows = opts.chunk_rows.max(1);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(Vec<Row>, u64)>>(4);
    let mut summary = Summary::default();
    let result = std::thread::scope(|scope| -> Result<()> {
        // Owned by this closure, so that an early return (a closed output
        // pipe) drops the receiver and the reader thread stops sending.
        let rx = rx;
        let reader_ref = &mut reader;
        scope.spawn(move || loop {
            let mut chunk = Vec::with_capacity(chunk_rows);
            let mut err = None;
            while chunk.len() < chunk_rows {
                match reader_ref.next_row() {
                    Ok(Some(r)) => chunk.push(r),
                    Ok(None) => break,
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            let last = chunk.len() < chunk_rows || err.is_some();
            let bytes = reader_ref.bytes_read();
            if !chunk.is_empty() && tx.send(Ok((chunk, bytes))).is_err() {
                return;
            }
            if let Some(e) = err {
                let _ = tx.send(Err(e));
                return;
            }
            if last {
                return;
            }
        });
        // Up to this many chunks are classified at once, so that no worker
        // waits while the results of one chunk are written; results are
        // written in input order.
        const IN_FLIGHT: usize = 4;
        let mut pending: std::collections::VecDeque<(DoneRx, u64)> = Default::default();
        let mut write_one = |(drx, bytes): (DoneRx, u64), summary: &mut Summary| -> Result<()> {
            let done = match drx.recv() {
                Ok(Ok(done)) => done,
                // A worker panicked: the panic goes on here, as it would
                // have from a parallel iterator.
                Ok(Err(panic)) => std::panic::resume_unwind(panic),
                Err(_) => {
                    return Err(Error::io(
                        "classifying",
                        std::io::Error::other("a worker stopped without a result"),
                    ))
                }
            };
            for d in done {
                out.write_all(&d.bytes)
                    .map_err(|e| Error::io("writing output", e))?;
                summary.rows_read += 1;
                match d.rejected {
                    Some(rej) => {
                        summary.rows_rejected += 1;
                        if summary.rejects.len() < 100 {
                            summary.rejects.push(rej);
                        }
                    }
                    None => summary.rows_screened += 1,
                }
                if d.flagged {
                    summary.rows_flagged += 1;
                }
                if d.misdeclared {
                    summary.rows_misdeclared += 1;
                }
                for c in d.categories {
                    *summary
                        .per_category
                        .entry(c.as_str().to_string())
                        .or_default() += 1;
                }
                for r in d.rules {
                    *summary.per_rule.entry(r.to_string()).or_default() += 1;
                }
            }
            summary.bytes_read = bytes;
            progress(Progress {
                rows: summary.rows_read,
                bytes,
                flagged: summary.rows_flagged,
            });
            Ok(())
        };
        for msg in rx.iter() {
            let (chunk, bytes) = match msg {
                Ok(m) => m,
                Err(e) => {
                    // The rows before a broken input are written first.
                    while let Some(p) = pending.pop_front() {
                        write_one(p, &mut summary)?;
                    }
                    return Err(e);
                }
            };
            let (dtx, drx) = std::sync::mpsc::sync_channel(1);
            let clf = clf.clone();
            let opts = opts.clone();
            rayon::spawn(move || {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    classify_chunk(&clf, &chunk, cols, n_headers, &opts)
                }));
                let _ = dtx.send(r);
            });
            pending.push_back((drx, bytes));
            while pending.len() > IN_FLIGHT {
                if let Some(p) = pending.pop_front() {
                    write_one(p, &mut summary)?;
                }
            }
        }
        while let Some(p) = pending.pop_front() {
            write_one(p, &mut summary)?;
        }
        Ok(())
    });
    result?;
    out.flush().map_err(|e| Error::io("writing output", e))?;
    summary.bytes_read = reader.bytes_read();
    summary.elapsed_s = start.elapsed().as_secs_f64();
    if summary.elapsed_s > 0.0 {
        summary.rows_per_s = summary.rows_read as f64 / summary.elapsed_s;
        summary.mb_per_s = summary.bytes_read as f64 / 1e6 / summary.elapsed_s;
    }
    Ok(summary)
}
