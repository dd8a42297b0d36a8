//! Reading customs data as it comes: CSV, TSV and JSON Lines; gzip and zstd
//! recognised by their magic bytes; UTF-8 with or without BOM, Windows-1251
//! and GB18030 (by flag, or detected once per input from a sample of its
//! bytes); `.xlsx` workbooks; Parquet files with the `parquet` feature.
//!
//! Every physical record becomes exactly one [`Row`]: either its fields, or
//! a rejection with the row number, byte offset and reason. Nothing is
//! skipped silently.
//!
//! # Encoding
//! With [`Encoding::Auto`] the encoding is decided once for the whole input,
//! by [`detect_encoding`] over the first [`limits::ENCODING_SAMPLE_BYTES`]
//! bytes from the first non-ASCII byte on (rows before it are ASCII, which
//! reads the same in every candidate), and every field is then decoded with
//! it alone: a field that is invalid in it rejects its row, naming the field
//! and the byte. [`RowReader::encoding`] tells what was chosen and how.

use crate::error::{Error, Result};
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, OnceLock};

#[cfg(feature = "parquet")]
mod parquet_file;
mod xlsx;

use crate::limits;

/// Text encoding of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Decide once for the whole input between UTF-8, Windows-1251 and
    /// GB18030 from a sample of its bytes ([`detect_encoding`]), and decode
    /// every field with that encoding alone.
    #[default]
    Auto,
    /// UTF-8 only: a row that is not UTF-8 is rejected.
    Utf8,
    /// Windows-1251 (Cyrillic). Every byte decodes (`98`, undefined in
    /// Microsoft's table, as U+0098), so no row is rejected for its bytes.
    Windows1251,
    /// GB18030 (a superset of GBK and GB2312): a row that is not GB18030
    /// is rejected.
    Gb18030,
}

/// How a reader came to its text encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodingSource {
    /// Given by the caller ([`InputOptions::encoding`]).
    Given,
    /// Detected from a sample of the input ([`detect_encoding`]).
    Detected,
    /// Not decided (yet): every byte read so far is ASCII, which reads the
    /// same in every candidate. Reported as UTF-8.
    Ascii,
    /// Fixed by the file format: `.xlsx` and Parquet text is Unicode.
    Format,
}

/// The text encoding a [`RowReader`] decodes with, and how it was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadEncoding {
    /// The encoding's WHATWG name: `UTF-8`, `windows-1251` or `gb18030`.
    pub name: &'static str,
    /// How it was chosen.
    pub source: EncodingSource,
}

impl std::fmt::Display for ReadEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = match self.source {
            EncodingSource::Given => "given",
            EncodingSource::Detected => "detected",
            EncodingSource::Ascii => "all ASCII",
            EncodingSource::Format => "by file format",
        };
        write!(f, "{} ({how})", self.name)
    }
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "windows-1251" | "cp1251" | "win1251" => Ok(Encoding::Windows1251),
            "gb18030" | "gbk" | "gb2312" => Ok(Encoding::Gb18030),
            _ => Err(format!(
                "unknown encoding `{s}` (expected auto, utf-8, windows-1251 or gb18030)"
            )),
        }
    }
}

/// The shape of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Delimited text with a header row.
    Csv {
        /// The delimiter byte.
        delimiter: u8,
    },
    /// One JSON object per line.
    Jsonl,
    /// An Excel `.xlsx` workbook (a zip of XML), detected by its content:
    /// one worksheet is read, its first non-empty row being the header.
    Xlsx,
    /// A Parquet file (magic `PAR1`); read with the `parquet` feature.
    Parquet,
}

/// A compression wrapper recognised by magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`1f 8b`).
    Gzip,
    /// Zstandard (`28 b5 2f fd`).
    Zstd,
}

/// Bytes of decoded input read at the start to tell the format.
const HEAD_BYTES: usize = 256 << 10;

/// The head read at the start, then an error met while reading it (if
/// any), then the rest.
struct Prefixed<R> {
    head: std::io::Cursor<Vec<u8>>,
    err: Option<std::io::Error>,
    rest: R,
}

impl<R: Read> Read for Prefixed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.head.read(buf)?;
        if n > 0 || buf.is_empty() {
            return Ok(n);
        }
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        self.rest.read(buf)
    }
}

/// Counts bytes read through it.
struct Counting<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Stops a decoder that produces too much (a decompression bomb).
struct Bounded<R> {
    inner: R,
    out: u64,
    compressed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    max_bytes: u64,
    max_ratio: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let comp = self
            .compressed
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(1);
        if self.out > self.max_bytes || (self.out > 1 << 30 && self.out / comp > self.max_ratio) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "decompressed input exceeds the limit ({} bytes out of {} compressed; limits: {} bytes, ratio {})",
                    self.out, comp, self.max_bytes, self.max_ratio
                ),
            ));
        }
        Ok(n)
    }
}

/// Follows the quoting state of the bytes the CSV parser reads, exactly as
/// `csv_core` does for our settings (quote `"`, doubled quotes, CR/LF
/// terminators). The parser ends a quoted field that is still open at the
/// end of the input without complaint, so an unterminated quote would
/// silently swallow every later line into one field; this lets the reader
/// reject that record instead.
struct QuoteTracker<R> {
    inner: R,
    delimiter: u8,
    state: QuoteState,
    total: u64,
    /// Total bytes read, stored once the input ends inside a quoted field.
    open_at_eof: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the end of the field, or the first
    /// half of a doubled quote.
    QuoteInQuoted,
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use QuoteState::*;
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if self.state == Quoted {
                self.open_at_eof
                    .store(self.total, std::sync::atomic::Ordering::Relaxed);
            }
            return Ok(0);
        }
        let bytes = &buf[..n];
        let mut i = 0;
        while i < bytes.len() {
            // Runs that cannot change the state are skipped with memchr:
            // inside quotes up to the next quote, in an unquoted field up to
            // the next delimiter or terminator.
            match self.state {
                Quoted => match memchr::memchr(b'"', &bytes[i..]) {
                    Some(j) => i += j,
                    None => break,
                },
                Unquoted => match memchr::memchr3(self.delimiter, b'\r', b'\n', &bytes[i..]) {
                    Some(j) => i += j,
                    None => break,
                },
                FieldStart | QuoteInQuoted => {}
            }
            let b = bytes[i];
            // The order of the checks is csv_core's: quote, delimiter, terminator.
            self.state = match (self.state, b) {
                (Quoted, b'"') => QuoteInQuoted,
                (Quoted, _) => Quoted,
                (FieldStart | QuoteInQuoted, b'"') => Quoted,
                (_, b) if b == self.delimiter || b == b'\r' || b == b'\n' => FieldStart,
                _ => Unquoted,
            };
            i += 1;
        }
        self.total += n as u64;
        Ok(n)
    }
}

/// Decides the encoding from the bytes that pass through it: at the first
/// non-ASCII byte it reads ahead up to [`limits::ENCODING_SAMPLE_BYTES`],
/// decides with [`detect_encoding`], and hands the bytes on unchanged. The
/// parser above reads through it, so the decision is made before any
/// non-ASCII byte reaches a field. Until then it costs one ASCII check per
/// read, and nothing after.
struct Sniffer<R> {
    inner: R,
    decided: Arc<OnceLock<&'static encoding_rs::Encoding>>,
    /// Bytes read ahead for the sample and not yet handed on.
    ahead: Vec<u8>,
    ahead_pos: usize,
    /// An error met while reading ahead, returned once `ahead` is handed on.
    ahead_err: Option<std::io::Error>,
}

impl<R: Read> Read for Sniffer<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ahead_pos < self.ahead.len() {
            let n = buf.len().min(self.ahead.len() - self.ahead_pos);
            buf[..n].copy_from_slice(&self.ahead[self.ahead_pos..self.ahead_pos + n]);
            self.ahead_pos += n;
            if self.ahead_pos == self.ahead.len() {
                self.ahead = Vec::new();
                self.ahead_pos = 0;
            }
            return Ok(n);
        }
        if let Some(e) = self.ahead_err.take() {
            return Err(e);
        }
        let n = self.inner.read(buf)?;
        if self.decided.get().is_none() && !buf[..n].is_ascii() {
            let first = buf[..n].iter().position(|b| !b.is_ascii()).unwrap_or(n);
            let mut sample = buf[first..n].to_vec();
            let want = limits::ENCODING_SAMPLE_BYTES.saturating_sub(sample.len());
            let complete = match (&mut self.inner).take(want as u64).read_to_end(&mut sample) {
                Ok(got) => got < want,
                Err(e) => {
                    self.ahead_err = Some(e);
                    false
                }
            };
            let _ = self.decided.set(detect_encoding(&sample, complete));
            self.ahead = sample.split_off(n - first);
        }
        Ok(n)
    }
}

/// Counts, in `bytes` read as UTF-8, the valid multi-byte characters and the
/// invalid sequences. A character cut off at the end counts as invalid only
/// when `complete`.
fn utf8_counts(mut bytes: &[u8], complete: bool) -> (usize, usize) {
    let lead = |b: &&u8| **b >= 0xC0;
    let (mut valid, mut invalid) = (0, 0);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => return (valid + s.as_bytes().iter().filter(lead).count(), invalid),
            Err(e) => {
                valid += bytes[..e.valid_up_to()].iter().filter(lead).count();
                match e.error_len() {
                    Some(len) => {
                        invalid += 1;
                        bytes = &bytes[e.valid_up_to() + len..];
                    }
                    None => return (valid, invalid + usize::from(complete)),
                }
            }
        }
    }
}

/// The first byte of `bytes` that `enc` cannot decode, if any; a character
/// cut off at the end counts only when `complete`.
fn first_invalid(
    enc: &'static encoding_rs::Encoding,
    bytes: &[u8],
    complete: bool,
) -> Option<usize> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len().saturating_mul(3)),
    );
    match decoder.decode_to_string_without_replacement(bytes, &mut out, complete) {
        (encoding_rs::DecoderResult::Malformed(bad, extra), read) => {
            Some(read - usize::from(extra) - usize::from(bad))
        }
        _ => None,
    }
}

/// The share of the non-ASCII bytes that lie in runs reading as Russian in
/// Windows-1251: words of Cyrillic letters in upper case, lower case, or a
/// capital then lower case; or the punctuation `№ « » – — …`. GB18030
/// Chinese read as Windows-1251 mixes cases and symbols within a run.
fn russian_share(bytes: &[u8]) -> f64 {
    // Some(true): an upper-case letter; Some(false): lower case.
    let letter = |b: u8| match b {
        0xC0..=0xDF | 0xA8 => Some(true),
        0xE0..=0xFF | 0xB8 => Some(false),
        _ => None,
    };
    let (mut good, mut all) = (0usize, 0usize);
    for run in bytes.split(u8::is_ascii).filter(|r| !r.is_empty()) {
        all += run.len();
        let punctuation = run
            .iter()
            .all(|b| matches!(b, 0xB9 | 0xAB | 0xBB | 0x96 | 0x97 | 0x85));
        let word = run.iter().all(|&b| letter(b).is_some()) && {
            let rest = &run[1..];
            rest.iter().all(|&b| letter(b) == Some(true))
                || rest.iter().all(|&b| letter(b) == Some(false))
        };
        if punctuation || word {
            good += run.len();
        }
    }
    good as f64 / all.max(1) as f64
}

/// Chooses the encoding of an input from a sample of its bytes: UTF-8,
/// Windows-1251 or GB18030. `complete` says the sample runs to the end of
/// the input (so a character cut off at its end is an error, not a cut).
///
/// - UTF-8 when the sample has no invalid UTF-8 sequence, or at least 20
///   valid multi-byte characters for each invalid sequence (a UTF-8 file
///   with a stray bad byte stays UTF-8, and that row is rejected).
///   GB18030 text has about as many invalid as valid UTF-8 sequences.
/// - Otherwise Windows-1251 when at least 80% of its non-ASCII bytes lie in
///   runs that read as Russian words in Windows-1251; else GB18030 when the
///   sample has at least 20 valid GB18030 characters for each invalid
///   sequence (so one bad byte does not turn a GB18030 file into
///   Windows-1251); else Windows-1251, which decodes every byte.
///
/// Measured on the labelled descriptions of `shared/eval/dev.csv`, each
/// encoded alone as a one-line sample: all 15 non-ASCII Russian ones
/// (Windows-1251) and all 32 Chinese ones (GB18030) are told right, where
/// `chardetng` 0.1 takes 2 of the Chinese for EUC-JP. A sample of one
/// two-byte character is ambiguous (`台` in GB18030 is valid UTF-8 `̨`); the
/// reader decides on up to a mebibyte.
pub fn detect_encoding(sample: &[u8], complete: bool) -> &'static encoding_rs::Encoding {
    let (valid, invalid) = utf8_counts(sample, complete);
    if invalid == 0 || valid >= 20 * invalid {
        return encoding_rs::UTF_8;
    }
    legacy_encoding_of(sample, complete)
}

fn legacy_encoding_of(sample: &[u8], complete: bool) -> &'static encoding_rs::Encoding {
    if russian_share(sample) >= 0.8 {
        return encoding_rs::WINDOWS_1251;
    }
    let (valid, invalid) = gb18030_counts(sample, complete);
    if valid >= 20 * invalid {
        encoding_rs::GB18030
    } else {
        encoding_rs::WINDOWS_1251
    }
}

/// Counts, in `bytes` read as GB18030, the non-ASCII characters and the
/// invalid sequences, as [`utf8_counts`] does for UTF-8.
fn gb18030_counts(mut bytes: &[u8], complete: bool) -> (usize, usize) {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len().saturating_mul(2).saturating_add(16));
    let (mut valid, mut invalid) = (0, 0);
    loop {
        out.clear();
        let (result, read) =
            decoder.decode_to_string_without_replacement(bytes, &mut out, complete);
        valid += out.chars().filter(|c| !c.is_ascii()).count();
        bytes = &bytes[read..];
        match result {
            encoding_rs::DecoderResult::Malformed(..) => invalid += 1,
            encoding_rs::DecoderResult::InputEmpty => return (valid, invalid),
            // `out` holds at least twice the input's length, more than
            // GB18030 ever needs; go on if a decoder thinks otherwise.
            encoding_rs::DecoderResult::OutputFull => {
                out.reserve(bytes.len().saturating_mul(2).saturating_add(16))
            }
        }
    }
}

/// Options for reading.
#[derive(Clone, Debug)]
pub struct InputOptions {
    /// Force a format; `None` detects JSON Lines by a leading `{`, else CSV.
    pub format: Option<Format>,
    /// Force a delimiter for CSV; `None` sniffs `,` `;` tab `|`.
    pub delimiter: Option<u8>,
    /// Text encoding.
    pub encoding: Encoding,
    /// Limit on decompressed bytes.
    pub max_decompressed_bytes: u64,
    /// Limit on the decompression ratio.
    pub max_decompression_ratio: u64,
    /// The worksheet of an `.xlsx` input to read, by name; `None` reads the
    /// first. A name the workbook lacks is an error that lists its sheets;
    /// a sheet asked of any other input (text, Parquet) is an error too.
    pub sheet: Option<String>,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            format: None,
            delimiter: None,
            encoding: Encoding::Auto,
            max_decompressed_bytes: limits::MAX_DECOMPRESSED_BYTES,
            max_decompression_ratio: limits::MAX_DECOMPRESSION_RATIO,
            sheet: None,
        }
    }
}

/// One input record.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1-based data row number (the header is row 0).
    pub row: u64,
    /// Byte offset of the record's start in the (decompressed) input; 0 for
    /// `.xlsx` and Parquet input, whose rows have no byte offset (a
    /// rejected `.xlsx` row names its sheet row in the reason).
    pub byte: u64,
    /// The decoded fields, or why the record was rejected.
    pub fields: std::result::Result<Fields, String>,
}

/// The decoded fields of one record, in one buffer (two allocations a row
/// instead of one per field).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Fields {
    buf: String,
    /// The end of each field in `buf`.
    ends: Vec<u32>,
}

impl Fields {
    /// No fields.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// Appends a field.
    pub fn push(&mut self, field: &str) {
        self.buf.push_str(field);
        self.ends.push(self.buf.len() as u32);
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.buf.get(start..end)
    }

    /// The fields in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or(""))
    }

    /// The fields as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl std::ops::Index<usize> for Fields {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(f) => f,
            None => panic!("field {i} of {}", self.len()),
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for Fields {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Fields {
        let mut f = Fields::new();
        for s in iter {
            f.push(s.as_ref());
        }
        f
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Fields {
    fn eq(&self, other: &[S; N]) -> bool {
        self.len() == N && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Fields {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for Fields {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

/// Reads records from any input, one [`Row`] per record.
pub struct RowReader {
    name: String,
    rows: Rows,
    headers: Vec<String>,
    /// The encoding, once decided (by the caller, the [`Sniffer`] or the
    /// file format); shared with the sniffer.
    decided: Arc<OnceLock<&'static encoding_rs::Encoding>>,
    /// `None` while the encoding is detected.
    encoding_source: Option<EncodingSource>,
    row: u64,
    compressed_read: std::sync::Arc<std::sync::atomic::AtomicU64>,
    compression: Compression,
    format: Format,
    done: bool,
    /// See [`QuoteTracker`]; `u64::MAX` until the input ends inside quotes.
    open_quote_at_eof: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Where a reader's rows come from, by format.
enum Rows {
    /// Delimited text: the reader and its reused record.
    Csv(csv::Reader<Box<dyn Read + Send>>, csv::ByteRecord),
    /// JSON Lines: the text, a reused line buffer, and the line number.
    Jsonl(Box<dyn BufRead + Send>, Vec<u8>, u64),
    /// A workbook sheet or a Parquet file.
    Table(Box<dyn TableRows>),
}

/// The data rows of a file format that is not text (`.xlsx`, Parquet),
/// after its header.
trait TableRows: Send {
    /// The next data row: its fields, or why it is rejected; `Ok(None)` at
    /// the end. An `Err` means the input cannot go on.
    fn next_fields(&mut self) -> Result<Option<std::result::Result<Fields, String>>>;
}

/// Reads all of `r`, failing when it holds more than `max` bytes.
fn read_all_limited(r: impl Read, name: &str, max: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    r.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("reading {name}"), e))?;
    if bytes.len() as u64 > max {
        return Err(Error::input(
            name,
            0,
            format!("the input is larger than the limit of {max} bytes"),
        ));
    }
    Ok(bytes)
}

impl std::fmt::Debug for RowReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowReader")
            .field("headers", &self.headers)
            .field("format", &self.format)
            .field("compression", &self.compression)
            .finish()
    }
}

fn sniff_delimiter(head: &[u8]) -> u8 {
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = &head[..line_end];
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for c in counts.iter_mut() {
                if c.0 == b {
                    c.1 += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|c| c.1 > 0)
        .map_or(b',', |c| c.0)
}

impl RowReader {
    /// Opens a path (`-` for standard input).
    ///
    /// # Errors
    /// The file cannot be opened, or its header cannot be read.
    pub fn open(path: &str, opts: &InputOptions) -> Result<RowReader> {
        if path == "-" {
            return RowReader::from_reader(Box::new(std::io::stdin()), path, opts);
        }
        let file =
            std::fs::File::open(path).map_err(|e| Error::io(format!("opening {path}"), e))?;
        // A Parquet file on disk is read from the file, not from memory.
        #[cfg(feature = "parquet")]
        if matches!(opts.format, None | Some(Format::Parquet)) && opts.sheet.is_none() {
            use std::io::Seek;
            let mut magic = Vec::with_capacity(4);
            (&file)
                .take(4)
                .read_to_end(&mut magic)
                .and_then(|_| (&file).rewind())
                .map_err(|e| Error::io(format!("reading {path}"), e))?;
            if magic == b"PAR1" {
                let size = file.metadata().map_or(0, |m| m.len());
                let table = parquet_file::open(file, path)?;
                let read = Arc::new(std::sync::atomic::AtomicU64::new(size));
                return RowReader::from_table(
                    table,
                    path,
                    Format::Parquet,
                    Compression::None,
                    read,
                );
            }
        }
        RowReader::from_reader(Box::new(file), path, opts)
    }

    /// Reads from any byte source.
    ///
    /// # Errors
    /// The header cannot be read; or the input is an `.xlsx` workbook or a
    /// Parquet file that cannot be read (over the limits, broken, not a
    /// workbook, a sheet it lacks, Parquet without the `parquet` feature): the
    /// message names the input and why.
    pub fn from_reader(
        raw: Box<dyn Read + Send>,
        name: &str,
        opts: &InputOptions,
    ) -> Result<RowReader> {
        let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counting = Counting {
            inner: raw,
            count: count.clone(),
        };
        let mut buffered = BufReader::with_capacity(256 << 10, counting);
        let head = buffered
            .fill_buf()
            .map_err(|e| Error::io(format!("reading {name}"), e))?;
        let compression = if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        };
        let mut decoded: Box<dyn Read + Send> = match compression {
            Compression::None => Box::new(buffered),
            Compression::Gzip => Box::new(Bounded {
                inner: flate2::read::MultiGzDecoder::new(buffered),
                out: 0,
                compressed: count.clone(),
                max_bytes: opts.max_decompressed_bytes,
                max_ratio: opts.max_decompression_ratio,
            }),
            Compression::Zstd => Box::new(Bounded {
                inner: zstd::stream::read::Decoder::with_buffer(buffered)
                    .map_err(|e| Error::io(format!("reading {name}"), e))?,
                out: 0,
                compressed: count.clone(),
                max_bytes: opts.max_decompressed_bytes,
                max_ratio: opts.max_decompression_ratio,
            }),
        };
        // The head tells a workbook or a Parquet file from text, and text's
        // format and delimiter. An error after some bytes (a truncated
        // stream) comes after them, so that their rows are still read.
        let mut head = Vec::with_capacity(HEAD_BYTES);
        let head_err = (&mut decoded)
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .err();
        if head.is_empty() {
            if let Some(e) = head_err {
                return Err(Error::io(format!("reading {name}"), e));
            }
        }
        let zip_magic = head.starts_with(b"PK\x03\x04");
        let parquet_magic = head.starts_with(b"PAR1");
        let container = match opts.format {
            Some(Format::Xlsx) => Some(Format::Xlsx),
            Some(Format::Parquet) => Some(Format::Parquet),
            Some(_) => None,
            None if zip_magic => Some(Format::Xlsx),
            None if parquet_magic => Some(Format::Parquet),
            None => None,
        };
        let head_nobom = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
        let format = match opts.format {
            Some(Format::Csv { .. }) | None if opts.delimiter.is_some() => Format::Csv {
                delimiter: opts.delimiter.unwrap_or(b','),
            },
            Some(f @ (Format::Csv { .. } | Format::Jsonl)) => f,
            Some(Format::Xlsx | Format::Parquet) | None => {
                let first = head_nobom.iter().find(|b| !b.is_ascii_whitespace());
                if first == Some(&b'{') {
                    Format::Jsonl
                } else {
                    Format::Csv {
                        delimiter: sniff_delimiter(head_nobom),
                    }
                }
            }
        };
        // The first JSON object, for the column names.
        let first_object = match format {
            Format::Jsonl => head_nobom
                .split(|&b| b == b'\n')
                .find(|l| !l.iter().all(u8::is_ascii_whitespace))
                .and_then(|l| match serde_json::from_slice(l) {
                    Ok(serde_json::Value::Object(m)) => Some(m),
                    _ => None,
                }),
            _ => None,
        };
        let decoded: Box<dyn Read + Send> = Box::new(Prefixed {
            head: std::io::Cursor::new(head),
            err: head_err,
            rest: decoded,
        });
        if let Some(sheet) = opts
            .sheet
            .as_ref()
            .filter(|_| container != Some(Format::Xlsx))
        {
            return Err(Error::config(format!(
                "{name}: sheet `{sheet}` was asked for, but the input is not an .xlsx workbook"
            )));
        }
        if let Some(format) = container {
            let table: Box<dyn TableRows> = match format {
                Format::Xlsx => {
                    if !zip_magic {
                        return Err(Error::input(
                            name,
                            0,
                            "not an .xlsx workbook: it does not start as a zip archive (PK\\x03\\x04)",
                        ));
                    }
                    let bytes = read_all_limited(decoded, name, opts.max_decompressed_bytes)?;
                    xlsx::open(bytes, name, opts)?
                }
                _ => {
                    if !parquet_magic {
                        return Err(Error::input(
                            name,
                            0,
                            "not a Parquet file: it does not start with PAR1",
                        ));
                    }
                    #[cfg(feature = "parquet")]
                    {
                        let bytes = read_all_limited(decoded, name, opts.max_decompressed_bytes)?;
                        parquet_file::open(bytes::Bytes::from(bytes), name)?
                    }
                    #[cfg(not(feature = "parquet"))]
                    {
                        return Err(Error::input(
                            name,
                            0,
                            "a Parquet file (it starts with PAR1): this build reads Parquet only with the `parquet` feature (build with --features parquet)",
                        ));
                    }
                }
            };
            return RowReader::from_table(table, name, format, compression, count);
        }
        let decided = Arc::new(OnceLock::new());
        let given = match opts.encoding {
            Encoding::Auto => None,
            Encoding::Utf8 => Some(encoding_rs::UTF_8),
            Encoding::Windows1251 => Some(encoding_rs::WINDOWS_1251),
            Encoding::Gb18030 => Some(encoding_rs::GB18030),
        };
        if let Some(enc) = given {
            let _ = decided.set(enc);
        }
        let sniffer = Sniffer {
            inner: decoded,
            decided: decided.clone(),
            ahead: Vec::new(),
            ahead_pos: 0,
            ahead_err: None,
        };
        let text = BufReader::with_capacity(256 << 10, sniffer);
        let mut reader = RowReader {
            name: name.to_string(),
            rows: Rows::Jsonl(Box::new(std::io::empty()), Vec::new(), 0),
            headers: Vec::new(),
            decided,
            encoding_source: given.map(|_| EncodingSource::Given),
            row: 0,
            compressed_read: count,
            compression,
            format,
            done: false,
            open_quote_at_eof: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(u64::MAX)),
        };
        match format {
            Format::Csv { delimiter } => {
                let boxed: Box<dyn Read + Send> = Box::new(QuoteTracker {
                    inner: text,
                    delimiter,
                    state: QuoteState::FieldStart,
                    total: 0,
                    open_at_eof: reader.open_quote_at_eof.clone(),
                });
                let mut rdr = csv::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .has_headers(false)
                    .flexible(true)
                    .buffer_capacity(256 << 10)
                    .from_reader(boxed);
                let mut rec = csv::ByteRecord::new();
                match rdr.read_byte_record(&mut rec) {
                    Ok(true) if reader.ends_in_open_quote(rdr.position().byte()) => {
                        return Err(Error::input(
                            name,
                            0,
                            "header: a quoted field is not closed before the end of the input",
                        ));
                    }
                    Ok(true) => {
                        let mut headers = Vec::with_capacity(rec.len());
                        for (i, f) in rec.iter().enumerate() {
                            let f = if i == 0 {
                                f.strip_prefix(b"\xef\xbb\xbf").unwrap_or(f)
                            } else {
                                f
                            };
                            let s = reader
                                .decode(f)
                                .map_err(|m| Error::input(name, 0, format!("header: {m}")))?;
                            headers.push(s.trim().to_string());
                        }
                        reader.headers = headers;
                    }
                    Ok(false) => reader.done = true,
                    Err(e) => return Err(Error::input(name, 0, format!("header: {e}"))),
                }
                reader.rows = Rows::Csv(rdr, rec);
            }
            Format::Jsonl => {
                reader.rows = Rows::Jsonl(Box::new(text), Vec::new(), 0);
                // Column names come from the first object, peeked in the head.
                if let Some(m) = first_object {
                    reader.headers = m.keys().cloned().collect();
                }
            }
            // Read above, before any text decoding.
            Format::Xlsx | Format::Parquet => {}
        }
        Ok(reader)
    }

    /// A reader over the rows of a table format, its header read.
    fn from_table(
        table: Box<dyn TableRows>,
        name: &str,
        format: Format,
        compression: Compression,
        compressed_read: Arc<std::sync::atomic::AtomicU64>,
    ) -> Result<RowReader> {
        let decided = OnceLock::new();
        let _ = decided.set(encoding_rs::UTF_8);
        let mut reader = RowReader {
            name: name.to_string(),
            rows: Rows::Table(table),
            headers: Vec::new(),
            decided: Arc::new(decided),
            encoding_source: Some(EncodingSource::Format),
            row: 0,
            compressed_read,
            compression,
            format,
            done: false,
            open_quote_at_eof: Arc::new(std::sync::atomic::AtomicU64::new(u64::MAX)),
        };
        reader.read_table_header()?;
        Ok(reader)
    }

    /// Takes the header of a table format from its first row.
    fn read_table_header(&mut self) -> Result<()> {
        if let Rows::Table(t) = &mut self.rows {
            match t.next_fields()? {
                Some(Ok(h)) => self.headers = h.iter().map(|s| s.trim().to_string()).collect(),
                Some(Err(m)) => return Err(Error::input(&self.name, 0, format!("header: {m}"))),
                None => self.done = true,
            }
        }
        Ok(())
    }

    /// The column names (CSV header, or the keys of the first JSON object).
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The detected or given format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The detected compression.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Bytes read so far from the underlying (compressed) source.
    pub fn bytes_read(&self) -> u64 {
        self.compressed_read
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The legacy encoding in use, once one was chosen or detected.
    pub fn legacy_encoding(&self) -> Option<&'static str> {
        self.decided
            .get()
            .filter(|e| **e != encoding_rs::UTF_8)
            .map(|e| e.name())
    }

    /// The text encoding and how it was chosen: given, detected from the
    /// input's first non-ASCII bytes, fixed by the file format, or not yet
    /// decided because every byte read so far is ASCII (reported as UTF-8;
    /// ask again after reading the rows for the final answer).
    pub fn encoding(&self) -> ReadEncoding {
        match (self.decided.get(), self.encoding_source) {
            (Some(enc), Some(source)) => ReadEncoding {
                name: enc.name(),
                source,
            },
            (Some(enc), None) => ReadEncoding {
                name: enc.name(),
                source: EncodingSource::Detected,
            },
            (None, _) => ReadEncoding {
                name: encoding_rs::UTF_8.name(),
                source: EncodingSource::Ascii,
            },
        }
    }

    /// The field delimiter of delimited text (given or sniffed from the
    /// header line); `None` for JSON Lines, `.xlsx` and Parquet.
    pub fn delimiter(&self) -> Option<u8> {
        match self.format {
            Format::Csv { delimiter } => Some(delimiter),
            _ => None,
        }
    }

    /// True when a record that ends at byte `end` of the decoded input runs
    /// into the end of the input inside an unterminated quoted field.
    fn ends_in_open_quote(&self, end: u64) -> bool {
        end == self
            .open_quote_at_eof
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Decodes one field (or JSON line) with the input's encoding alone.
    fn decode<'a>(&self, bytes: &'a [u8]) -> std::result::Result<Cow<'a, str>, String> {
        let enc = match self.decided.get() {
            // Undecided: every byte so far was ASCII (the sniffer decides at
            // the first other byte, before the parser can see it).
            None => encoding_rs::UTF_8,
            Some(e) => *e,
        };
        if enc == encoding_rs::UTF_8 || bytes.is_ascii() {
            return match std::str::from_utf8(bytes) {
                Ok(s) => Ok(Cow::Borrowed(s)),
                Err(e) => Err(self.invalid(enc, e.valid_up_to())),
            };
        }
        match enc.decode_without_bom_handling_and_without_replacement(bytes) {
            Some(s) => Ok(s),
            None => Err(self.invalid(enc, first_invalid(enc, bytes, true).unwrap_or(bytes.len()))),
        }
    }

    fn invalid(&self, enc: &'static encoding_rs::Encoding, at: usize) -> String {
        let how = match self.encoding_source {
            Some(EncodingSource::Given) => "the encoding given; use another to read legacy encodings",
            _ => "the encoding detected for this input from its first non-ASCII bytes; give another to override",
        };
        let name = if enc == encoding_rs::UTF_8 {
            "UTF-8"
        } else if enc == encoding_rs::GB18030 {
            "GB18030"
        } else {
            "Windows-1251"
        };
        format!("invalid {name} at byte {at} of the field ({how})")
    }

    /// Reads the next row; `Ok(None)` at the end.
    ///
    /// # Errors
    /// An I/O error or a broken compressed stream: the input cannot go on.
    /// Problems confined to one record reject that record instead.
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        if self.done {
            return Ok(None);
        }
        let mut rows = std::mem::replace(
            &mut self.rows,
            Rows::Jsonl(Box::new(std::io::empty()), Vec::new(), 0),
        );
        let out = match &mut rows {
            Rows::Csv(rdr, rec) => self.next_csv(rdr, rec),
            Rows::Jsonl(r, buf, pos) => self.next_jsonl(r, buf, pos),
            Rows::Table(t) => self.next_table(t.as_mut()),
        };
        self.rows = rows;
        if matches!(out, Ok(None) | Err(_)) {
            self.done = true;
        }
        out
    }

    fn next_table(&mut self, t: &mut dyn TableRows) -> Result<Option<Row>> {
        let Some(fields) = t.next_fields()? else {
            return Ok(None);
        };
        self.row += 1;
        Ok(Some(Row {
            row: self.row,
            byte: 0,
            fields,
        }))
    }

    fn next_csv(
        &mut self,
        rdr: &mut csv::Reader<Box<dyn Read + Send>>,
        rec: &mut csv::ByteRecord,
    ) -> Result<Option<Row>> {
        match rdr.read_byte_record(rec) {
            Ok(false) => Ok(None),
            Ok(true) => {
                self.row += 1;
                let byte = rec.position().map_or(0, |p| p.byte());
                if self.ends_in_open_quote(rdr.position().byte()) {
                    return Ok(Some(Row {
                        row: self.row,
                        byte,
                        fields: Err(format!(
                            "a quoted field is not closed before the end of the input (the row runs from byte {byte} to byte {})",
                            rdr.position().byte()
                        )),
                    }));
                }
                if rec.len() > limits::MAX_COLUMNS {
                    return Ok(Some(Row {
                        row: self.row,
                        byte,
                        fields: Err(format!(
                            "{} columns; the limit is {}",
                            rec.len(),
                            limits::MAX_COLUMNS
                        )),
                    }));
                }
                // The usual case: the whole record is UTF-8 (or ASCII in a
                // legacy encoding) and within the limits, and is checked
                // once. Each field must still hold whole characters: two
                // broken halves can make valid UTF-8 together, and such a
                // record takes the path below, which decodes (or rejects)
                // field by field. A legacy record is never read as UTF-8,
                // even where its bytes happen to be valid UTF-8.
                let utf8 = self.decided.get().is_none_or(|e| *e == encoding_rs::UTF_8);
                if utf8 || rec.as_slice().is_ascii() {
                    if let Ok(all) = simdutf8::basic::from_utf8(rec.as_slice()) {
                        let mut fields = Fields {
                            buf: String::with_capacity(all.len()),
                            ends: Vec::with_capacity(rec.len()),
                        };
                        let mut start = 0;
                        let whole = rec.iter().all(|f| {
                            let piece = all.get(start..start + f.len());
                            start += f.len();
                            match piece {
                                Some(p) if p.len() <= limits::MAX_FIELD_BYTES => {
                                    fields.push(p);
                                    true
                                }
                                _ => false,
                            }
                        });
                        if whole {
                            return Ok(Some(Row {
                                row: self.row,
                                byte,
                                fields: Ok(fields),
                            }));
                        }
                    }
                }
                let mut fields = Fields::new();
                for (i, f) in rec.iter().enumerate() {
                    if f.len() > limits::MAX_FIELD_BYTES {
                        return Ok(Some(Row {
                            row: self.row,
                            byte,
                            fields: Err(format!(
                                "field {} is {} bytes; the limit is {}",
                                i + 1,
                                f.len(),
                                limits::MAX_FIELD_BYTES
                            )),
                        }));
                    }
                    match self.decode(f) {
                        Ok(s) => fields.push(&s),
                        Err(m) => {
                            return Ok(Some(Row {
                                row: self.row,
                                byte,
                                fields: Err(format!("field {}: {m}", i + 1)),
                            }))
                        }
                    }
                }
                Ok(Some(Row {
                    row: self.row,
                    byte,
                    fields: Ok(fields),
                }))
            }
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(_) => {
                    let msg = e.to_string();
                    Err(Error::input(&self.name, self.row + 1, msg))
                }
                _ => {
                    self.row += 1;
                    let byte = e.position().map_or(0, |p| p.byte());
                    Ok(Some(Row {
                        row: self.row,
                        byte,
                        fields: Err(e.to_string()),
                    }))
                }
            },
        }
    }

    fn next_jsonl(
        &mut self,
        r: &mut Box<dyn BufRead + Send>,
        buf: &mut Vec<u8>,
        pos: &mut u64,
    ) -> Result<Option<Row>> {
        loop {
            buf.clear();
            let start = *pos;
            let n = read_line_limited(r, buf, limits::MAX_FIELD_BYTES * 4)
                .map_err(|e| Error::input(&self.name, self.row + 1, e.to_string()))?;
            if n == 0 {
                return Ok(None);
            }
            *pos += n as u64;
            let line = if start == 0 {
                buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(buf)
            } else {
                &buf[..]
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.row += 1;
            if n > limits::MAX_FIELD_BYTES * 4 {
                return Ok(Some(Row {
                    row: self.row,
                    byte: start,
                    fields: Err(format!(
                        "line longer than {} bytes",
                        limits::MAX_FIELD_BYTES * 4
                    )),
                }));
            }
            let text = match self.decode(line) {
                Ok(t) => t,
                Err(m) => {
                    return Ok(Some(Row {
                        row: self.row,
                        byte: start,
                        fields: Err(m),
                    }))
                }
            };
            let fields = match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(serde_json::Value::Object(m)) => {
                    if self.headers.is_empty() {
                        self.headers = m.keys().cloned().collect();
                    }
                    let mut fields = Fields::new();
                    for h in &self.headers {
                        match m.get(h) {
                            None | Some(serde_json::Value::Null) => fields.push(""),
                            Some(serde_json::Value::String(s)) => fields.push(s),
                            Some(v) => fields.push(&v.to_string()),
                        }
                    }
                    Ok(fields)
                }
                Ok(_) => Err("not a JSON object".to_string()),
                Err(e) => Err(format!("invalid JSON: {e}")),
            };
            return Ok(Some(Row {
                row: self.row,
                byte: start,
                fields,
            }));
        }
    }
}

/// Reads one line, keeping at most `max` bytes of it (the rest is consumed).
/// Returns the number of bytes consumed.
fn read_line_limited(r: &mut dyn BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(total);
        }
        let (take, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        let room = max.saturating_sub(buf.len()).min(take);
        buf.extend_from_slice(&avail[..room]);
        r.consume(take);
        total += take;
        if done {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8]) -> (Vec<String>, Vec<Row>) {
        let mut r = RowReader::from_reader(
            Box::new(std::io::Cursor::new(bytes.to_vec())),
            "t",
            &InputOptions::default(),
        )
        .unwrap();
        let mut out = Vec::new();
        while let Some(row) = r.next_row().unwrap() {
            out.push(row);
        }
        (r.headers().to_vec(), out)
    }

    #[test]
    fn csv_with_bom_crlf_and_quotes() {
        let (h, r) = rows(b"\xef\xbb\xbfid;hs;desc\r\n1;8542;\"a\r\nb\"\r\n2;;x\r\n");
        assert_eq!(h, vec!["id", "hs", "desc"]);
        assert_eq!(r.len(), 2);
        assert_eq!(&r[0].fields.as_ref().unwrap()[2], "a\r\nb");
        assert_eq!(r[1].row, 2);
    }

    #[test]
    fn field_split_inside_a_character_is_not_silently_emptied() {
        // `a\xD0` and `\x9Fb` are each broken, but together they are the
        // valid UTF-8 `aПb`: the record must not pass as UTF-8 with fields
        // that fall between the bytes of one character.
        let input = b"id,x,y\n1,a\xD0,\x9Fb\n";
        let utf8 = InputOptions {
            encoding: Encoding::Utf8,
            ..InputOptions::default()
        };
        let mut r =
            RowReader::from_reader(Box::new(std::io::Cursor::new(input.to_vec())), "t", &utf8)
                .unwrap();
        let row = r.next_row().unwrap().unwrap();
        let err = row.fields.unwrap_err();
        assert!(err.contains("invalid UTF-8"), "{err}");
        // Detected: decoded field by field in a legacy encoding, never empty.
        let (_, rows) = rows(input);
        let f = rows[0].fields.as_ref().unwrap();
        assert_eq!(f.len(), 3);
        assert!(f.iter().all(|x| !x.is_empty()), "{f:?}");
    }

    #[test]
    fn cp1251_detected() {
        let (text, _, _) = encoding_rs::WINDOWS_1251.encode("id,desc\n1,ПОДШИПНИК ШАРИКОВЫЙ\n");
        let (_, r) = rows(&text);
        assert_eq!(&r[0].fields.as_ref().unwrap()[1], "ПОДШИПНИК ШАРИКОВЫЙ");
    }

    #[test]
    fn gb18030_detected() {
        let (text, _, _) = encoding_rs::GB18030.encode("id,desc\n1,集成电路/型号:STM32\n");
        let (_, r) = rows(&text);
        assert_eq!(&r[0].fields.as_ref().unwrap()[1], "集成电路/型号:STM32");
    }

    fn read(bytes: &[u8], opts: &InputOptions) -> (RowReader, Vec<Row>) {
        let mut r =
            RowReader::from_reader(Box::new(std::io::Cursor::new(bytes.to_vec())), "t", opts)
                .unwrap();
        let mut out = Vec::new();
        while let Some(row) = r.next_row().unwrap() {
            out.push(row);
        }
        (r, out)
    }

    /// The file: GB18030 with a unit field `台` (`CC A8`, also the
    /// valid UTF-8 `U+0328`) in 8 of 25 rows. Before, those fields came out
    /// as a stray combining accent; now the encoding is decided once.
    #[test]
    fn gb18030_file_with_tai_is_read_as_gb18030_in_every_field() {
        let mut text = "id,description,qty,unit\n".to_string();
        let mut want = Vec::new();
        for i in 1..=25 {
            let unit = if i % 3 == 0 { "台" } else { "件" };
            let row = [
                i.to_string(),
                format!("数控机床零件/型号:BT30-{i}"),
                i.to_string(),
                unit.to_string(),
            ];
            text.push_str(&row.join(","));
            text.push('\n');
            want.push(row);
        }
        // Auto, and the unit field alone first: still GB18030, because the
        // sample runs on past the first non-ASCII field.
        let first_tai = "id,unit,description\n1,台,数控机床零件/电主轴|型号:BT30-24000\n";
        for text in [text.as_str(), first_tai] {
            let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
            assert!(!unmappable);
            let (r, rows) = read(&bytes, &InputOptions::default());
            assert_eq!(
                r.encoding(),
                ReadEncoding {
                    name: "gb18030",
                    source: EncodingSource::Detected
                }
            );
            let got: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.fields.clone().unwrap().to_vec())
                .collect();
            let want: Vec<Vec<String>> = text
                .lines()
                .skip(1)
                .map(|l| l.split(',').map(str::to_string).collect())
                .collect();
            assert_eq!(got, want);
        }
        assert_eq!(want.iter().filter(|r| r[3] == "台").count(), 8);
    }

    #[test]
    fn a_field_invalid_in_the_chosen_encoding_is_a_reject_with_field_and_byte() {
        // Mostly UTF-8 with one stray Windows-1251 byte: UTF-8 is chosen and
        // that row alone is rejected; it is never decoded with a guess.
        let mut text = "id,description\n".to_string();
        for i in 0..30 {
            text.push_str(&format!("{i},ПОДШИПНИК ШАРИКОВЫЙ {i}\n"));
        }
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(b"30,ok,\xcf\xce\xc4\n");
        let (r, rows) = read(&bytes, &InputOptions::default());
        assert_eq!(r.encoding().name, "UTF-8");
        assert_eq!(r.encoding().source, EncodingSource::Detected);
        assert!(rows[..30].iter().all(|r| r.fields.is_ok()));
        let err = rows[30].fields.clone().unwrap_err();
        assert!(
            err.starts_with("field 3: invalid UTF-8 at byte 0 of the field"),
            "{err}"
        );

        // GB18030 detected; a row whose bytes are not GB18030 (`FF`) is a reject.
        let (bytes, _, _) = encoding_rs::GB18030.encode("id,d\n1,集成电路\n2,晶体管和二极管\n");
        let mut bytes = bytes.into_owned();
        bytes.extend_from_slice(b"3,\xbc\xaf\xff\n4,x\n");
        let (enc, _, _) = encoding_rs::GB18030.encode("5,数控机床零件/电主轴|型号:BT30-24000\n");
        bytes.extend_from_slice(&enc);
        let (r, rows) = read(&bytes, &InputOptions::default());
        assert_eq!(r.legacy_encoding(), Some("gb18030"));
        assert_eq!(rows.len(), 5);
        let err = rows[2].fields.clone().unwrap_err();
        assert!(
            err.starts_with("field 2: invalid GB18030 at byte 2 of the field"),
            "{err}"
        );
        assert_eq!(rows[3].fields.as_ref().unwrap(), &["4", "x"]);
        assert_eq!(
            &rows[4].fields.as_ref().unwrap()[1],
            "数控机床零件/电主轴|型号:BT30-24000"
        );
    }

    #[test]
    fn ascii_rows_defer_the_decision_to_the_first_non_ascii_bytes() {
        // More than a sample of ASCII rows, then Windows-1251.
        let mut bytes = b"id;description\n".to_vec();
        let mut i = 0;
        while bytes.len() < limits::ENCODING_SAMPLE_BYTES + 1000 {
            i += 1;
            bytes.extend_from_slice(format!("{i};BALL BEARING 6205\n").as_bytes());
        }
        let (cyr, _, _) = encoding_rs::WINDOWS_1251.encode("ПОДШИПНИК ШАРИКОВЫЙ «SKF» №6205");
        bytes.extend_from_slice(b"x;");
        bytes.extend_from_slice(&cyr);
        bytes.push(b'\n');
        let mut r = RowReader::from_reader(
            Box::new(std::io::Cursor::new(bytes)),
            "t",
            &InputOptions::default(),
        )
        .unwrap();
        assert_eq!(r.encoding().source, EncodingSource::Ascii);
        assert_eq!(r.delimiter(), Some(b';'));
        let mut last = None;
        while let Some(row) = r.next_row().unwrap() {
            last = Some(row);
        }
        let last = last.unwrap();
        assert_eq!(last.row, i + 1);
        assert_eq!(&last.fields.unwrap()[1], "ПОДШИПНИК ШАРИКОВЫЙ «SKF» №6205");
        assert_eq!(r.encoding().to_string(), "windows-1251 (detected)");
    }

    #[test]
    fn a_given_encoding_is_used_as_given() {
        // Valid UTF-8 bytes read as GB18030 because that was asked for.
        let bytes = "id,d\n1,集成\n".as_bytes();
        let opts = InputOptions {
            encoding: Encoding::Gb18030,
            ..InputOptions::default()
        };
        let (r, rows) = read(bytes, &opts);
        assert_eq!(r.encoding().to_string(), "gb18030 (given)");
        let (gb, _, _) = encoding_rs::GB18030.decode(b"\xe9\x9b\x86\xe6\x88\x90");
        assert_eq!(rows[0].fields.as_ref().unwrap()[1], *gb);
        // An all-ASCII input reports UTF-8, all ASCII.
        let (r, _) = read(b"a,b\n1,2\n", &InputOptions::default());
        assert_eq!(r.encoding().to_string(), "UTF-8 (all ASCII)");
    }

    /// `detect_encoding` over short customs texts, one sample each.
    #[test]
    fn detect_encoding_table() {
        use encoding_rs::{GB18030, UTF_8, WINDOWS_1251};
        let cases: &[(&str, &'static encoding_rs::Encoding)] = &[
            ("ПОДШИПНИК", WINDOWS_1251),
            ("Станок токарный с ЧПУ", WINDOWS_1251),
            ("дрон", WINDOWS_1251),
            ("№5 «ЗИЛ»", WINDOWS_1251),
            ("集成电路", GB18030),
            (
                "数控机床零件/电主轴|型号:BT30-24000|用途:加工中心用",
                GB18030,
            ),
            ("刨花板/厚度:18mm|三聚氰胺饰面", GB18030),
            ("冷冻虾仁/去壳|规格:31-40", GB18030),
            ("Kugellager für Werkzeugmaschinen", UTF_8),
        ];
        for &(text, enc) in cases {
            let (bytes, _, _) = enc.encode(text);
            assert_eq!(detect_encoding(&bytes, true), enc, "{text}");
            assert_eq!(detect_encoding(text.as_bytes(), true), UTF_8, "{text}");
        }
        // A UTF-8 character cut off at the end of a partial sample is not an error.
        assert_eq!(detect_encoding(&"ПЛИС".as_bytes()[..7], false), UTF_8);
        assert_eq!(detect_encoding(&"ПЛИС".as_bytes()[..7], true), WINDOWS_1251);
    }

    #[cfg(not(feature = "parquet"))]
    #[test]
    fn parquet_without_the_arrow_feature_is_a_clear_error() {
        let err = RowReader::from_reader(
            Box::new(std::io::Cursor::new(b"PAR1\0\0\0\0PAR1".to_vec())),
            "x.parquet",
            &InputOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("x.parquet: row 0: a Parquet file (it starts with PAR1)")
                && err.contains("build with --features parquet"),
            "{err}"
        );
    }

    #[test]
    fn jsonl_rows_and_rejects() {
        let (h, r) = rows(b"{\"id\":1,\"hs\":\"8542\",\"d\":\"x\"}\nnot json\n\n{\"id\":2}\n");
        assert_eq!(h, vec!["id", "hs", "d"]);
        assert_eq!(r.len(), 3);
        assert!(r[1].fields.is_err());
        assert_eq!(
            r[2].fields.as_ref().unwrap(),
            &vec!["2".to_string(), String::new(), String::new()]
        );
    }

    #[test]
    fn gzip_by_magic() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"a\tb\n1\t2\n").unwrap();
        let (h, r) = rows(&enc.finish().unwrap());
        assert_eq!(h, vec!["a", "b"]);
        assert_eq!(
            r[0].fields.as_ref().unwrap(),
            &vec!["1".to_string(), "2".to_string()]
        );
    }
}
