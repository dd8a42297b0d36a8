//! Reading customs data as it comes: CSV, TSV and JSON Lines; gzip and zstd
//! recognised by their magic bytes; UTF-8 with or without BOM, Windows-1251
//! and GB18030 (by flag, or detected when the bytes are not UTF-8).
//!
//! Every physical record becomes exactly one [`Row`]: either its fields, or
//! a rejection with the row number, byte offset and reason. Nothing is
//! skipped silently.

use crate::error::{Error, Result};
use std::io::{BufRead, BufReader, Read};

/// Limits on untrusted input.
pub mod limits {
    /// Largest single field accepted; a longer one rejects its row.
    pub const MAX_FIELD_BYTES: usize = 1 << 20;
    /// Most columns in a row; a wider row is rejected.
    pub const MAX_COLUMNS: usize = 10_000;
    /// Default limit on the decompressed size of a compressed input, in bytes.
    pub const MAX_DECOMPRESSED_BYTES: u64 = 1 << 40;
    /// Default limit on the ratio of decompressed to compressed bytes, once
    /// more than 1 GiB has come out of the decoder (a decompression bomb).
    pub const MAX_DECOMPRESSION_RATIO: u64 = 1000;
}

/// Text encoding of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8; when a field is not UTF-8, guess Windows-1251 or GB18030 once
    /// for the whole input from that field, and decode with it from then on.
    #[default]
    Auto,
    /// UTF-8 only: a row that is not UTF-8 is rejected.
    Utf8,
    /// Windows-1251 (Cyrillic).
    Windows1251,
    /// GB18030 (a superset of GBK and GB2312).
    Gb18030,
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
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            format: None,
            delimiter: None,
            encoding: Encoding::Auto,
            max_decompressed_bytes: limits::MAX_DECOMPRESSED_BYTES,
            max_decompression_ratio: limits::MAX_DECOMPRESSION_RATIO,
        }
    }
}

/// One input record.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1-based data row number (the header is row 0).
    pub row: u64,
    /// Byte offset of the record's start in the (decompressed) input.
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
    inner: Inner,
    headers: Vec<String>,
    encoding: Encoding,
    chosen: Option<&'static encoding_rs::Encoding>,
    row: u64,
    compressed_read: std::sync::Arc<std::sync::atomic::AtomicU64>,
    compression: Compression,
    format: Format,
    done: bool,
    /// See [`QuoteTracker`]; `u64::MAX` until the input ends inside quotes.
    open_quote_at_eof: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

enum Inner {
    Csv(csv::Reader<Box<dyn Read + Send>>, csv::ByteRecord),
    Jsonl(Box<dyn BufRead + Send>, Vec<u8>, u64),
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

/// Guesses the legacy encoding of bytes that are not UTF-8.
pub fn guess_encoding(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    let (cyr, _, _) = encoding_rs::WINDOWS_1251.decode(bytes);
    let non_ascii: Vec<char> = cyr.chars().filter(|c| !c.is_ascii()).collect();
    let cyr_letters = non_ascii
        .iter()
        .filter(|c| ('\u{0410}'..='\u{044F}').contains(*c) || **c == 'ё' || **c == 'Ё')
        .count();
    let share = cyr_letters as f64 / non_ascii.len().max(1) as f64;
    if share > 0.9 {
        return encoding_rs::WINDOWS_1251;
    }
    let (gb, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if !had_errors && gb.chars().any(crate::normalize::is_unsegmented) {
        encoding_rs::GB18030
    } else {
        encoding_rs::WINDOWS_1251
    }
}

impl RowReader {
    /// Opens a path (`-` for standard input).
    ///
    /// # Errors
    /// The file cannot be opened, or its header cannot be read.
    pub fn open(path: &str, opts: &InputOptions) -> Result<RowReader> {
        let raw: Box<dyn Read + Send> = if path == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(
                std::fs::File::open(path).map_err(|e| Error::io(format!("opening {path}"), e))?,
            )
        };
        RowReader::from_reader(raw, path, opts)
    }

    /// Reads from any byte source.
    ///
    /// # Errors
    /// The header cannot be read.
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
        let decoded: Box<dyn Read + Send> = match compression {
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
        let mut text = BufReader::with_capacity(256 << 10, decoded);
        let head = text
            .fill_buf()
            .map_err(|e| Error::io(format!("reading {name}"), e))?
            .to_vec();
        let head_nobom = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
        let format = match opts.format {
            Some(Format::Csv { .. }) | None if opts.delimiter.is_some() => Format::Csv {
                delimiter: opts.delimiter.unwrap_or(b','),
            },
            Some(f) => f,
            None => {
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
        let mut reader = RowReader {
            name: name.to_string(),
            inner: Inner::Jsonl(Box::new(std::io::empty()), Vec::new(), 0),
            headers: Vec::new(),
            encoding: opts.encoding,
            chosen: match opts.encoding {
                Encoding::Windows1251 => Some(encoding_rs::WINDOWS_1251),
                Encoding::Gb18030 => Some(encoding_rs::GB18030),
                _ => None,
            },
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
                reader.inner = Inner::Csv(rdr, rec);
            }
            Format::Jsonl => {
                reader.inner = Inner::Jsonl(Box::new(text), Vec::new(), 0);
                // Column names come from the first object; peek it without consuming.
                let first_line = head_nobom
                    .split(|&b| b == b'\n')
                    .find(|l| !l.iter().all(u8::is_ascii_whitespace));
                if let Some(l) = first_line {
                    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice(l) {
                        reader.headers = m.keys().cloned().collect();
                    }
                }
            }
        }
        Ok(reader)
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
        self.chosen.map(|e| e.name())
    }

    /// True when a record that ends at byte `end` of the decoded input runs
    /// into the end of the input inside an unterminated quoted field.
    fn ends_in_open_quote(&self, end: u64) -> bool {
        end == self
            .open_quote_at_eof
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn decode(&mut self, bytes: &[u8]) -> std::result::Result<String, String> {
        if let Some(enc) = self.chosen {
            if self.encoding != Encoding::Auto {
                let (s, _) = enc.decode_without_bom_handling(bytes);
                return Ok(s.into_owned());
            }
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_string()),
            Err(e) => match self.encoding {
                Encoding::Utf8 => Err(format!(
                    "invalid UTF-8 at byte {} of a field (use --encoding to read legacy encodings)",
                    e.valid_up_to()
                )),
                _ => {
                    let enc = *self.chosen.get_or_insert_with(|| guess_encoding(bytes));
                    let (s, _) = enc.decode_without_bom_handling(bytes);
                    Ok(s.into_owned())
                }
            },
        }
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
        let mut inner = std::mem::replace(
            &mut self.inner,
            Inner::Jsonl(Box::new(std::io::empty()), Vec::new(), 0),
        );
        let out = match &mut inner {
            Inner::Csv(rdr, rec) => self.next_csv(rdr, rec),
            Inner::Jsonl(r, buf, pos) => self.next_jsonl(r, buf, pos),
        };
        self.inner = inner;
        if matches!(out, Ok(None) | Err(_)) {
            self.done = true;
        }
        out
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
                // The usual case: the whole record is UTF-8 and within the
                // limits, and is checked once. Each field must still hold
                // whole characters: two broken halves can make valid UTF-8
                // together, and such a record takes the path below, which
                // decodes (or rejects) field by field.
                if self.chosen.is_none() || self.encoding == Encoding::Auto {
                    if let Ok(all) = std::str::from_utf8(rec.as_slice()) {
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

/// Default header names for the HS code column, compared after trimming and lower-casing.
pub const HS_NAMES: &[&str] = &[
    "hs_code",
    "hs",
    "hscode",
    "hs code",
    "hs-code",
    "hts",
    "hts_code",
    "tnved",
    "tn_ved",
    "код тн вэд",
    "код тн вэд еаэс",
    "тн вэд",
    "код товара",
    "商品编码",
    "hs编码",
    "海关编码",
    "税则号",
    "commodity code",
    "tariff code",
    "cn code",
    "code",
];

/// Default header names for the description column.
pub const TEXT_NAMES: &[&str] = &[
    "description",
    "goods_description",
    "goods description",
    "description of goods",
    "product description",
    "item description",
    "commodity",
    "goods",
    "text",
    "описание товара",
    "наименование товара",
    "описание",
    "наименование",
    "товар",
    "商品名称",
    "货物名称",
    "品名",
    "商品描述",
    "warenbezeichnung",
    "beschreibung",
];

/// Default header names for the id column.
pub const ID_NAMES: &[&str] = &["id", "row_id", "record_id", "номер", "编号"];

/// Finds a column by name (case-insensitive), by 1-based index (`#3`), or by defaults.
///
/// # Errors
/// A given name that is not among the headers.
pub fn find_column(
    headers: &[String],
    given: Option<&str>,
    defaults: &[&str],
) -> Result<Option<usize>> {
    let norm = |s: &str| s.trim().to_lowercase();
    if let Some(g) = given {
        if let Some(n) = g.strip_prefix('#') {
            if let Ok(i) = n.parse::<usize>() {
                if i >= 1 && i <= headers.len().max(1) {
                    return Ok(Some(i - 1));
                }
            }
        }
        return headers
            .iter()
            .position(|h| norm(h) == norm(g))
            .map(Some)
            .ok_or_else(|| {
                Error::config(format!(
                    "no column `{g}` in the input (columns: {})",
                    headers.join(", ")
                ))
            });
    }
    for d in defaults {
        if let Some(i) = headers.iter().position(|h| norm(h) == *d) {
            return Ok(Some(i));
        }
    }
    Ok(None)
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
