//! Screening whole files: a reader thread parses records into chunks, rayon
//! classifies each chunk with one scratch per worker, and the results are
//! written in input order. Memory is bounded by the chunk size and the
//! number of chunks in flight, whatever the input size.

use crate::error::{Error, Result};
use crate::input::{Fields, Row, RowReader};
use crate::output::{self, Metadata, Record, Reject, RowFields, CSV_COLUMNS};
use crate::result::Screening;
use crate::types::Category;
use crate::watchlist::{PartyHit, PartyMatcher, Watchlist};
use crate::{Classifier, Scratch};
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
    /// CSV for Excel on a Russian or Chinese desktop: a UTF-8 byte order
    /// mark, `;` between fields, CRLF line ends, no comment line (the
    /// metadata is in the summary), and every cell that Excel would read as
    /// a formula written as text ([`crate::output::excel_safe`]).
    CsvExcel,
    /// An Excel workbook: a sheet of the flagged and rejected rows (input
    /// columns, then the result columns; frozen header, autofilter, text
    /// cells only) and a `metadata` sheet. Excel holds at most 1,048,575
    /// data rows in a sheet; more is an error, never a silent cut.
    Xlsx,
}

impl OutputFormat {
    /// Whether only flagged and rejected rows are written whatever
    /// [`ScreenOptions::hits_only`] says (xlsx: a sheet has a row limit).
    pub fn hits_only(self) -> bool {
        self == OutputFormat::Xlsx
    }
}

/// Which input columns hold what (0-based indices).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    /// The declared HS code.
    pub hs: Option<usize>,
    /// The goods description columns, screened together
    /// ([`Classifier::classify_columns`]); at least one.
    pub text: Vec<usize>,
    /// A row id to carry into the output.
    pub id: Option<usize>,
}

/// The party side of a run: the party columns (index and name) screened
/// against a watch list, with one matcher (and its cache of distinct
/// party strings) per worker thread, kept for the whole run.
pub struct Parties {
    columns: Vec<(usize, String)>,
    matchers: Vec<std::sync::Mutex<PartyMatcher>>,
}

impl std::fmt::Debug for Parties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parties")
            .field("columns", &self.columns)
            .field("matchers", &self.matchers.len())
            .finish()
    }
}

/// Distinct party strings each worker's matcher keeps.
const PARTY_CACHE: usize = 1 << 17;

impl Parties {
    /// Screens `columns` (index, header name) against `list`.
    pub fn new(list: &Watchlist, columns: Vec<(usize, String)>) -> Parties {
        // One per pool thread, plus one for a caller outside the pool.
        let n = rayon::current_num_threads().max(1) + 1;
        Parties {
            columns,
            matchers: (0..n)
                .map(|_| std::sync::Mutex::new(list.matcher(PARTY_CACHE)))
                .collect(),
        }
    }

    /// The party columns.
    pub fn columns(&self) -> &[(usize, String)] {
        &self.columns
    }

    /// The watch-list hits of one row's party columns.
    pub fn screen(&self, fields: &Fields) -> Vec<PartyHit> {
        let slot = rayon::current_thread_index()
            .unwrap_or(self.matchers.len() - 1)
            .min(self.matchers.len() - 1);
        // Each thread has its own slot: the lock is never contended, and a
        // panic elsewhere cannot poison what the cache holds.
        let mut m = match self.matchers[slot].lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let mut hits = Vec::new();
        for (i, name) in &self.columns {
            if let Some(v) = fields.get(*i) {
                if !v.trim().is_empty() {
                    hits.extend(m.screen(name, v));
                }
            }
        }
        hits
    }
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
    /// The metadata written at the head of the output and into the
    /// summary; by default the classifier's rule sets alone.
    pub metadata: Option<Metadata>,
    /// Party columns screened against watch lists; a party hit flags its row.
    pub parties: Option<std::sync::Arc<Parties>>,
}

impl Default for ScreenOptions {
    fn default() -> Self {
        ScreenOptions {
            format: OutputFormat::Jsonl,
            hits_only: false,
            chunk_rows: 2048,
            metadata: None,
            parties: None,
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
    /// Rows with a party on a watch list (counted in `rows_flagged` too).
    pub rows_party_flagged: u64,
    /// Party hits per watch list.
    pub per_list: BTreeMap<String, u64>,
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
    /// What screened the data, what was read and which columns were used.
    pub metadata: Option<Metadata>,
    /// Things the analyst should know about the run (no code column found,
    /// cells cut to fit a spreadsheet).
    pub warnings: Vec<String>,
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

/// The metadata line (JSON) naming the rule sets that screened the data.
pub fn metadata_json(clf: &Classifier) -> String {
    Metadata::new(clf).json_line()
}

/// Excel's limit on the characters of one cell.
const XLSX_MAX_CELL_CHARS: usize = 32_767;

/// Excel's limit on the rows of one sheet, header included.
const XLSX_MAX_ROWS: u32 = 1_048_576;

/// What the writer needs to know about the run, shared by the workers.
struct Layout {
    cols: Columns,
    parties: Option<std::sync::Arc<Parties>>,
    n_headers: usize,
    format: OutputFormat,
    hits_only: bool,
    /// Names of the text columns, for evidence `column`.
    text_names: Vec<String>,
    /// Unique JSON keys of the input columns (JSON Lines `fields`).
    keys: Vec<String>,
}

/// One row, rendered.
enum Rendered {
    /// Bytes for a byte-stream format.
    Bytes(Vec<u8>),
    /// Cells of an xlsx row.
    Cells(Vec<String>),
    /// Not written (`--hits-only`).
    Nothing,
}

/// One row's result, rendered, plus what the summary needs.
struct Done {
    out: std::result::Result<Rendered, String>,
    flagged: bool,
    /// The lists of the row's party hits.
    lists: Vec<String>,
    rejected: Option<(u64, u64, String)>,
    categories: Vec<Category>,
    rules: Vec<std::sync::Arc<str>>,
    misdeclared: bool,
}

fn field(fields: &Fields, i: Option<usize>) -> Option<&str> {
    i.and_then(|i| fields.get(i))
}

/// A CSV record into bytes; errors carry the csv crate's message.
fn csv_bytes<'a>(
    format: OutputFormat,
    cells: impl Iterator<Item = &'a str>,
) -> std::result::Result<Vec<u8>, String> {
    let excel = format == OutputFormat::CsvExcel;
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .delimiter(if excel { b';' } else { b',' })
        .terminator(if excel {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        // A row is short: the default 8 KiB buffer, allocated and
        // freed for every row, was pure overhead.
        .buffer_capacity(512)
        .from_writer(Vec::with_capacity(256));
    let r = if excel {
        w.write_record(cells.map(|c| output::excel_safe(c).into_owned()))
    } else {
        w.write_record(cells)
    };
    r.map_err(|e| e.to_string())?;
    w.into_inner().map_err(|e| e.to_string())
}

/// Cuts a cell to what Excel holds, saying so in the cell itself.
fn xlsx_cell(s: &str) -> String {
    let n = s.chars().count();
    if n <= XLSX_MAX_CELL_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(XLSX_MAX_CELL_CHARS - 64).collect();
    out.push_str(&format!(
        " [dualuse: cut to fit Excel; {n} characters in all]"
    ));
    out
}

fn render(
    row: &Row,
    lay: &Layout,
    r: Option<&Screening>,
    party_hits: &[PartyHit],
) -> std::result::Result<Rendered, String> {
    // The input columns, padded to the header; fields past the header
    // (ragged rows) follow the result columns, so none is lost.
    let empty = Fields::new();
    let fields = row.fields.as_ref().unwrap_or(&empty);
    let cells = match (&row.fields, r) {
        (Ok(fields), Some(r)) => {
            let rec = Record {
                row: row.row,
                id: field(fields, lay.cols.id),
                hs_declared: field(fields, lay.cols.hs).filter(|s| !s.trim().is_empty()),
                result: r,
                text_columns: &lay.text_names,
                fields: Some(RowFields {
                    keys: &lay.keys,
                    values: fields,
                }),
                vetoed: false,
                party_hits,
            };
            if lay.format == OutputFormat::Jsonl {
                let mut out = serde_json::to_vec(&rec).map_err(|e| e.to_string())?;
                out.push(b'\n');
                return Ok(Rendered::Bytes(out));
            }
            rec.cells()
        }
        (Err(reason), _) => {
            if lay.format == OutputFormat::Jsonl {
                let mut out = serde_json::to_vec(&Reject {
                    row: row.row,
                    byte: row.byte,
                    rejected: true,
                    reason,
                })
                .map_err(|e| e.to_string())?;
                out.push(b'\n');
                return Ok(Rendered::Bytes(out));
            }
            output::reject_cells(row.row, row.byte, reason)
        }
        (Ok(_), None) => return Ok(Rendered::Nothing),
    };
    let pad = lay.n_headers.saturating_sub(fields.len());
    let sep = if lay.format == OutputFormat::Xlsx {
        "\n"
    } else {
        "|"
    };
    let results: Vec<String> = cells.into_iter().map(|c| c.join(sep)).collect();
    let record = fields
        .iter()
        .take(lay.n_headers)
        .chain(std::iter::repeat_n("", pad))
        .chain(results.iter().map(String::as_str))
        .chain(fields.iter().skip(lay.n_headers));
    if lay.format == OutputFormat::Xlsx {
        Ok(Rendered::Cells(record.map(xlsx_cell).collect()))
    } else {
        csv_bytes(lay.format, record).map(Rendered::Bytes)
    }
}

/// Writes the output preamble: the metadata record (JSONL) or the comment
/// line and header (CSV); the header with a byte order mark (Excel CSV).
///
/// # Errors
/// Writing fails.
pub fn write_preamble<W: Write>(
    out: &mut W,
    meta: &Metadata,
    headers: &[String],
    format: OutputFormat,
) -> std::io::Result<()> {
    let header = || {
        headers
            .iter()
            .map(String::as_str)
            .chain(CSV_COLUMNS.iter().copied())
    };
    match format {
        OutputFormat::Jsonl => {
            out.write_all(meta.json_line().as_bytes())?;
            out.write_all(b"\n")
        }
        OutputFormat::Csv => {
            writeln!(out, "{}", meta.csv_comment())?;
            out.write_all(&csv_bytes(format, header()).map_err(std::io::Error::other)?)
        }
        OutputFormat::CsvExcel => {
            out.write_all(b"\xef\xbb\xbf")?;
            out.write_all(&csv_bytes(format, header()).map_err(std::io::Error::other)?)
        }
        OutputFormat::Xlsx => Ok(()),
    }
}

/// The workbook of xlsx output, filled row by row on the writer thread.
struct XlsxSink {
    sheet: rust_xlsxwriter::Worksheet,
    next_row: u32,
    columns: u16,
    cut: u64,
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::io("writing xlsx output", std::io::Error::other(e))
}

impl XlsxSink {
    fn new(headers: &[String]) -> Result<XlsxSink> {
        let mut sheet = rust_xlsxwriter::Worksheet::new();
        sheet.set_name("screened").map_err(xlsx_err)?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let names = headers
            .iter()
            .map(String::as_str)
            .chain(CSV_COLUMNS.iter().copied());
        let mut columns = 0u16;
        for (i, h) in names.enumerate() {
            let col = u16::try_from(i).map_err(|_| {
                Error::io(
                    "writing xlsx output",
                    std::io::Error::other("more columns than a sheet holds"),
                )
            })?;
            sheet
                .write_string_with_format(0, col, xlsx_cell(h), &bold)
                .map_err(xlsx_err)?;
            sheet.set_column_width(col, 18).map_err(xlsx_err)?;
            columns = col + 1;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        Ok(XlsxSink {
            sheet,
            next_row: 1,
            columns,
            cut: 0,
        })
    }

    fn write(&mut self, cells: &[String]) -> Result<()> {
        if self.next_row >= XLSX_MAX_ROWS {
            return Err(Error::io(
                "writing xlsx output",
                std::io::Error::other(format!(
                    "a sheet holds at most {} rows; write csv or jsonl for larger results",
                    XLSX_MAX_ROWS - 1
                )),
            ));
        }
        let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
        for (i, c) in cells.iter().enumerate() {
            let col = u16::try_from(i).map_err(|_| {
                Error::io(
                    "writing xlsx output",
                    std::io::Error::other("more columns than a sheet holds"),
                )
            })?;
            if c.ends_with(" characters in all]") && c.contains("[dualuse: cut to fit Excel;") {
                self.cut += 1;
            }
            if c.contains('\n') {
                self.sheet
                    .write_string_with_format(self.next_row, col, c, &wrap)
                    .map_err(xlsx_err)?;
            } else {
                self.sheet
                    .write_string(self.next_row, col, c)
                    .map_err(xlsx_err)?;
            }
        }
        self.next_row += 1;
        Ok(())
    }

    fn finish<W: Write>(
        mut self,
        out: &mut W,
        meta: &Metadata,
        summary: &mut Summary,
    ) -> Result<()> {
        if self.columns > 0 {
            self.sheet
                .autofilter(0, 0, self.next_row.saturating_sub(1), self.columns - 1)
                .map_err(xlsx_err)?;
        }
        let mut info = rust_xlsxwriter::Worksheet::new();
        info.set_name("metadata").map_err(xlsx_err)?;
        let json =
            serde_json::to_value(meta).map_err(|e| Error::io("writing xlsx output", e.into()))?;
        let mut r = 0u32;
        let mut put = |k: &str, v: String| -> Result<()> {
            info.write_string(r, 0, k).map_err(xlsx_err)?;
            info.write_string(r, 1, xlsx_cell(&v)).map_err(xlsx_err)?;
            r += 1;
            Ok(())
        };
        if let serde_json::Value::Object(m) = json {
            for (k, v) in m {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    v => v.to_string(),
                };
                put(&k, v)?;
            }
        }
        put("rows_read", summary.rows_read.to_string())?;
        put("rows_flagged", summary.rows_flagged.to_string())?;
        put("rows_rejected", summary.rows_rejected.to_string())?;
        info.set_column_width(0, 16).map_err(xlsx_err)?;
        info.set_column_width(1, 120).map_err(xlsx_err)?;
        if self.cut > 0 {
            summary.warnings.push(format!(
                "{} cell(s) longer than Excel's {XLSX_MAX_CELL_CHARS} characters were cut in the xlsx output, each marked in the cell",
                self.cut
            ));
        }
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.push_worksheet(self.sheet);
        wb.push_worksheet(info);
        let buf = wb.save_to_buffer().map_err(xlsx_err)?;
        out.write_all(&buf)
            .map_err(|e| Error::io("writing output", e))
    }
}

/// The receiving end for one chunk's results (or a worker's panic).
type ChunkRx<T> = std::sync::mpsc::Receiver<std::thread::Result<Vec<T>>>;

/// Scratches handed back by finished pieces of a chunk, for the next
/// piece to take: rayon calls a `map_init` initialiser for every piece it
/// splits a chunk into, and a fresh scratch starts with no regex caches,
/// so without the pool every piece would rebuild them.
type ScratchPool = std::sync::Arc<std::sync::Mutex<Vec<Scratch>>>;

/// A scratch on loan from a [`ScratchPool`], returned when dropped.
struct Loan {
    scratch: Option<Scratch>,
    pool: ScratchPool,
}

impl Loan {
    fn take(pool: &ScratchPool, clf: &Classifier) -> Loan {
        let got = pool.lock().ok().and_then(|mut v| v.pop());
        Loan {
            scratch: Some(got.unwrap_or_else(|| clf.scratch())),
            pool: pool.clone(),
        }
    }

    fn get(&mut self) -> &mut Scratch {
        self.scratch
            .as_mut()
            .expect("a loan holds its scratch until it is dropped")
    }
}

impl Drop for Loan {
    fn drop(&mut self) {
        // A scratch left by a panicking row is not lent again.
        if std::thread::panicking() {
            return;
        }
        if let (Some(s), Ok(mut v)) = (self.scratch.take(), self.pool.lock()) {
            v.push(s);
        }
    }
}

/// The pipeline every whole-file job runs on: a reader thread parses
/// records into chunks of `chunk_rows`, rayon maps each row to a `T` with
/// one scratch per worker (`per_row`), and `consume` receives every row's
/// `T` on the calling thread, in input order, with the bytes read so far.
/// Up to four chunks are in flight, so memory is bounded whatever the
/// input size. Rows before a broken input are consumed before its error is
/// returned; a worker's panic is resumed on the calling thread.
pub(crate) fn drive<T, F>(
    clf: &Classifier,
    reader: &mut RowReader,
    chunk_rows: usize,
    per_row: F,
    consume: &mut dyn FnMut(T, u64) -> Result<()>,
) -> Result<()>
where
    T: Send + 'static,
    F: Fn(&mut Scratch, &Row) -> T + Send + Sync + 'static,
{
    let chunk_rows = chunk_rows.max(1);
    let per_row = std::sync::Arc::new(per_row);
    let pool = ScratchPool::default();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(Vec<Row>, u64)>>(4);
    std::thread::scope(|scope| -> Result<()> {
        // Owned by this closure, so that an early return (a closed output
        // pipe) drops the receiver and the reader thread stops sending.
        let rx = rx;
        scope.spawn(move || loop {
            let mut chunk = Vec::with_capacity(chunk_rows);
            let mut err = None;
            while chunk.len() < chunk_rows {
                match reader.next_row() {
                    Ok(Some(r)) => chunk.push(r),
                    Ok(None) => break,
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            let last = chunk.len() < chunk_rows || err.is_some();
            let bytes = reader.bytes_read();
            if !chunk.is_empty() && tx.send(Ok((chunk, bytes))).is_err() {
                return;
            }
            if let Some(e) = err {
                // The receiver is gone only when the consumer stopped
                // first, with an error of its own.
                let _ = tx.send(Err(e));
                return;
            }
            if last {
                return;
            }
        });
        // Up to this many chunks are mapped at once, so that no worker
        // waits while the results of one chunk are consumed.
        const IN_FLIGHT: usize = 4;
        let mut pending: std::collections::VecDeque<(ChunkRx<T>, u64)> = Default::default();
        let mut take = |(crx, bytes): (ChunkRx<T>, u64)| -> Result<()> {
            let done = match crx.recv() {
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
                consume(d, bytes)?;
            }
            Ok(())
        };
        for msg in rx.iter() {
            let (chunk, bytes) = match msg {
                Ok(m) => m,
                Err(e) => {
                    // The rows before a broken input are consumed first.
                    while let Some(p) = pending.pop_front() {
                        take(p)?;
                    }
                    return Err(e);
                }
            };
            let (dtx, drx) = std::sync::mpsc::sync_channel(1);
            let clf = clf.clone();
            let per_row = per_row.clone();
            let pool = pool.clone();
            rayon::spawn(move || {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    use rayon::prelude::*;
                    chunk
                        .par_iter()
                        .map_init(
                            || Loan::take(&pool, &clf),
                            |loan, row| per_row(loan.get(), row),
                        )
                        .collect::<Vec<T>>()
                }));
                // The receiver is gone only when the consumer already
                // stopped with an error; that error is what the run reports.
                let _ = dtx.send(r);
            });
            pending.push_back((drx, bytes));
            while pending.len() > IN_FLIGHT {
                if let Some(p) = pending.pop_front() {
                    take(p)?;
                }
            }
        }
        while let Some(p) = pending.pop_front() {
            take(p)?;
        }
        Ok(())
    })
}

/// Screens one row and renders it.
fn classify_row(clf: &Classifier, scratch: &mut Scratch, row: &Row, lay: &Layout) -> Done {
    // A rejected row (`row.fields` holds the reason).
    let reject = |row: &Row, reason: &str| Done {
        out: render(row, lay, None, &[]),
        flagged: false,
        lists: vec![],
        rejected: Some((row.row, row.byte, reason.to_string())),
        categories: vec![],
        rules: vec![],
        misdeclared: false,
    };
    let fields = match &row.fields {
        Ok(f) => f,
        Err(reason) => return reject(row, reason),
    };
    let r = match screen_fields(clf, scratch, fields, &lay.cols) {
        Ok(r) => r,
        Err(reason) => {
            let bad = Row {
                row: row.row,
                byte: row.byte,
                fields: Err(reason.clone()),
            };
            return reject(&bad, &reason);
        }
    };
    let party_hits = lay
        .parties
        .as_ref()
        .map(|p| p.screen(fields))
        .unwrap_or_default();
    let flagged = r.flagged() || !party_hits.is_empty();
    let out = if (lay.hits_only || lay.format.hits_only()) && !flagged {
        Ok(Rendered::Nothing)
    } else {
        render(row, lay, Some(&r), &party_hits)
    };
    Done {
        out,
        flagged,
        lists: party_hits.iter().map(|p| p.list.clone()).collect(),
        rejected: None,
        categories: r.categories.clone(),
        rules: r.hits.iter().map(|h| h.rule.clone()).collect(),
        misdeclared: !r.misdeclarations.is_empty(),
    }
}

/// Screens a row's code and description columns; `Err` for a ragged row
/// too short to hold a description column.
pub(crate) fn screen_fields(
    clf: &Classifier,
    scratch: &mut Scratch,
    fields: &Fields,
    cols: &Columns,
) -> std::result::Result<Screening, String> {
    let max_text = cols.text.iter().copied().max().unwrap_or(0);
    if fields.len() <= max_text {
        return Err(format!(
            "row has {} field(s); a description is in column {}",
            fields.len(),
            max_text + 1
        ));
    }
    let hs = field(fields, cols.hs);
    Ok(if let [t] = cols.text[..] {
        clf.classify_columns(scratch, hs, &[fields.get(t).unwrap_or("")])
    } else {
        let texts: Vec<&str> = cols
            .text
            .iter()
            .map(|&i| fields.get(i).unwrap_or(""))
            .collect();
        clf.classify_columns(scratch, hs, &texts)
    })
}

/// Screens every row of `reader`, writing one output record per input row
/// (or per flagged row with `hits_only`; rejects are always written).
///
/// `progress` is called after each chunk.
///
/// # Errors
/// Reading the input or writing the output fails (a row that cannot be
/// rendered is an output error too: the run stops, nothing is skipped). A
/// broken pipe on the output is returned as an I/O error of kind
/// `BrokenPipe`.
pub fn screen<W: Write>(
    clf: &Classifier,
    mut reader: RowReader,
    cols: Columns,
    out: &mut W,
    opts: &ScreenOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary> {
    let start = Instant::now();
    let headers = reader.headers().to_vec();
    let meta = opts.metadata.clone().unwrap_or_else(|| Metadata::new(clf));
    let mut cols = cols;
    if cols.text.is_empty() {
        cols.text.push(0);
    }
    let lay = std::sync::Arc::new(Layout {
        text_names: cols
            .text
            .iter()
            .map(|&i| {
                headers
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("#{}", i + 1))
            })
            .collect(),
        keys: output::field_keys(&headers),
        n_headers: headers.len(),
        format: opts.format,
        hits_only: opts.hits_only,
        parties: opts.parties.clone(),
        cols,
    });
    write_preamble(out, &meta, &headers, opts.format)
        .map_err(|e| Error::io("writing output", e))?;
    let mut xlsx = if opts.format == OutputFormat::Xlsx {
        Some(XlsxSink::new(&headers)?)
    } else {
        None
    };
    let mut summary = Summary::default();
    let chunk_rows = opts.chunk_rows.max(1);
    let per_row = {
        let lay = lay.clone();
        let clf = clf.clone();
        move |scratch: &mut Scratch, row: &Row| classify_row(&clf, scratch, row, &lay)
    };
    let mut consume = |mut d: Done, bytes: u64| -> Result<()> {
        let row = summary.rows_read + 1;
        match std::mem::replace(&mut d.out, Ok(Rendered::Nothing)) {
            Ok(Rendered::Bytes(b)) => out
                .write_all(&b)
                .map_err(|e| Error::io("writing output", e))?,
            Ok(Rendered::Cells(c)) => match xlsx.as_mut() {
                Some(x) => x.write(&c)?,
                None => unreachable!("cells are rendered only for xlsx output"),
            },
            Ok(Rendered::Nothing) => {}
            Err(m) => {
                return Err(Error::io(
                    format!("writing the result of row {row}"),
                    std::io::Error::other(m),
                ))
            }
        }
        summary.count(d);
        if summary.bytes_read != bytes || summary.rows_read % chunk_rows as u64 == 0 {
            summary.bytes_read = bytes;
            progress(Progress {
                rows: summary.rows_read,
                bytes,
                flagged: summary.rows_flagged,
            });
        }
        Ok(())
    };
    drive(clf, &mut reader, chunk_rows, per_row, &mut consume)?;
    // The encoding is decided at the first non-ASCII byte: the summary says
    // what it came to (the output's head said what was known then).
    let mut meta = meta;
    if let Some(i) = meta.input.as_mut() {
        i.refresh(&reader);
    }
    if let Some(x) = xlsx {
        x.finish(out, &meta, &mut summary)?;
    }
    out.flush().map_err(|e| Error::io("writing output", e))?;
    summary.bytes_read = reader.bytes_read();
    summary.elapsed_s = start.elapsed().as_secs_f64();
    if summary.elapsed_s > 0.0 {
        summary.rows_per_s = summary.rows_read as f64 / summary.elapsed_s;
        summary.mb_per_s = summary.bytes_read as f64 / 1e6 / summary.elapsed_s;
    }
    summary.metadata = Some(meta);
    Ok(summary)
}

impl Summary {
    /// Counts one row's result.
    fn count(&mut self, d: Done) {
        self.rows_read += 1;
        match d.rejected {
            Some(rej) => {
                self.rows_rejected += 1;
                if self.rejects.len() < 100 {
                    self.rejects.push(rej);
                }
            }
            None => self.rows_screened += 1,
        }
        if d.flagged {
            self.rows_flagged += 1;
        }
        if d.misdeclared {
            self.rows_misdeclared += 1;
        }
        if !d.lists.is_empty() {
            self.rows_party_flagged += 1;
        }
        for l in d.lists {
            *self.per_list.entry(l).or_default() += 1;
        }
        for c in d.categories {
            *self.per_category.entry(c.as_str().to_string()).or_default() += 1;
        }
        for r in d.rules {
            *self.per_rule.entry(r.to_string()).or_default() += 1;
        }
    }
}
