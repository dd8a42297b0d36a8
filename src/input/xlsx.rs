//! `.xlsx` input: one worksheet of a workbook, read by `calamine` after the
//! archive and its XML have been checked against the limits.
//!
//! A workbook is a zip of XML parts, and an untrusted one can be a
//! decompression bomb, an XML part nested without end, or a zip of
//! something else. Before `calamine` sees it, [`check_archive`] checks
//! every entry's declared size and ratio against
//! [`InputOptions::max_decompressed_bytes`] and
//! [`InputOptions::max_decompression_ratio`], then decompresses every entry
//! once, reading no more than its declared size plus one byte, so that a
//! size that lies is caught without the lie being read; the XML parts are
//! parsed on the way, their nesting bounded by [`limits::MAX_XML_DEPTH`] and
//! their declared shared-string count by their size (`calamine` reserves
//! room for that count up front). The bytes are in memory and do not change
//! afterwards, so what `calamine` decompresses is what was checked.
//!
//! Cells are read as a stream (`calamine`'s dense `Range` would allocate
//! rows × columns of the used area, which a hostile file sets to 17
//! billion cells) and kept per row, so memory follows the cells present.

use super::{Fields, InputOptions, TableRows};
use crate::error::{Error, Result};
use crate::limits;
use calamine::{DataRef, Reader};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// The rows of one worksheet, in sheet order, empty rows left out.
struct SheetRows {
    rows: std::vec::IntoIter<std::result::Result<Fields, String>>,
}

impl TableRows for SheetRows {
    fn next_fields(&mut self) -> Result<Option<std::result::Result<Fields, String>>> {
        Ok(self.rows.next())
    }
}

fn bad(name: &str, message: impl std::fmt::Display) -> Error {
    Error::input(name, 0, format!("not a readable .xlsx workbook: {message}"))
}

/// Opens the workbook in `bytes` and reads the chosen sheet.
pub(super) fn open(bytes: Vec<u8>, name: &str, opts: &InputOptions) -> Result<Box<dyn TableRows>> {
    check_archive(&bytes, name, opts)?;
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| bad(name, e))?;
    let sheets = book.sheet_names();
    let sheet = match &opts.sheet {
        Some(want) => sheets.iter().find(|s| *s == want).cloned().ok_or_else(|| {
            Error::config(format!(
                "{name}: no sheet `{want}` in the workbook (sheets: {})",
                sheets.join(", ")
            ))
        })?,
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| bad(name, "the workbook has no worksheet"))?,
    };
    let mut cells = book
        .worksheet_cells_reader(&sheet)
        .map_err(|e| bad(name, format!("sheet `{sheet}`: {e}")))?;
    // Sheet row → (column, text) of its non-empty cells.
    let mut by_row: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| bad(name, format!("sheet `{sheet}`: {e}")))?
    {
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        let (row, col) = cell.get_position();
        by_row.entry(row).or_default().push((col, text));
    }
    let mut rows = Vec::with_capacity(by_row.len());
    // The header is the first non-empty row; a data row is as wide as its
    // last non-empty cell (a CSV row is as wide as its delimiters say).
    for (row, mut cells) in by_row {
        cells.sort_by_key(|c| c.0);
        rows.push(sheet_row(row, cells));
    }
    Ok(Box::new(SheetRows {
        rows: rows.into_iter(),
    }))
}

/// One sheet row as fields, or why it is rejected. `cells` are sorted by column.
fn sheet_row(row: u32, cells: Vec<(u32, String)>) -> std::result::Result<Fields, String> {
    let width = cells.last().map_or(0, |c| c.0 as usize + 1);
    if width > limits::MAX_COLUMNS {
        return Err(format!(
            "sheet row {}: {width} columns; the limit is {}",
            row + 1,
            limits::MAX_COLUMNS
        ));
    }
    if cells.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(format!("sheet row {}: two cells in one column", row + 1));
    }
    let mut fields = Fields::new();
    let mut cells = cells.into_iter().peekable();
    for col in 0..width as u32 {
        match cells.next_if(|c| c.0 == col) {
            Some((_, text)) if text.len() > limits::MAX_FIELD_BYTES => {
                return Err(format!(
                    "sheet row {}: field {} is {} bytes; the limit is {}",
                    row + 1,
                    col + 1,
                    text.len(),
                    limits::MAX_FIELD_BYTES
                ))
            }
            Some((_, text)) => fields.push(&text),
            None => fields.push(""),
        }
    }
    Ok(fields)
}

/// A cell as text: strings as they are; numbers in their shortest decimal
/// form, whole numbers without a fraction (an HS code in a numeric cell is
/// `8542310000`, not `8542310000.0` or `8.54231E9`); dates in ISO 8601;
/// booleans `TRUE`/`FALSE`; errors and empty cells empty.
fn cell_text(v: &DataRef<'_>) -> String {
    match v {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(d) if d.is_datetime() => {
            let (y, mo, day, h, mi, s, ms) = d.to_ymd_hms_milli();
            match (h, mi, s, ms) {
                (0, 0, 0, 0) => format!("{y:04}-{mo:02}-{day:02}"),
                (_, _, _, 0) => format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}"),
                _ => format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}.{ms:03}"),
            }
        }
        DataRef::DateTime(d) => number_text(d.as_f64()),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// A number in its shortest form that reads back the same, whole numbers
/// (up to 2^53, where every integer is exact) without a fraction or exponent.
pub(super) fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Counts the bytes read through it and fails past a limit.
struct Capped<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Checks the archive's entries against the limits before anything reads
/// them for their content: declared sizes and ratios first, then each
/// entry decompressed once, capped at its declared size plus one byte,
/// with the XML parts parsed for their nesting depth.
fn check_archive(bytes: &[u8], name: &str, opts: &InputOptions) -> Result<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(name, e))?;
    if zip.index_for_name("xl/workbook.xml").is_none() {
        return Err(bad(
            name,
            "a zip archive without xl/workbook.xml (not an Excel workbook)",
        ));
    }
    let max_ratio = opts.max_decompression_ratio;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| bad(name, e))?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        total = total.saturating_add(size);
        // A small part may compress very well (a run of empty cells); the
        // ratio is held against parts past 1 MiB, as gzip's past 1 GiB.
        if size > 1 << 20 && size / packed.max(1) > max_ratio {
            return Err(bad(
                name,
                format!(
                    "entry `{}` declares {size} bytes from {packed} compressed, a ratio over the limit of {max_ratio}",
                    entry.name()
                ),
            ));
        }
    }
    if total > opts.max_decompressed_bytes {
        return Err(bad(
            name,
            format!(
                "its entries declare {total} bytes in all, over the limit of {} bytes",
                opts.max_decompressed_bytes
            ),
        ));
    }
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| bad(name, e))?;
        let entry_name = entry.name().to_string();
        let declared = entry.size();
        let is_xml = entry_name.ends_with(".xml") || entry_name.ends_with(".rels");
        let mut capped = Capped {
            inner: entry.take(declared.saturating_add(1)),
            read: 0,
        };
        let result = if is_xml {
            check_xml(&mut capped, declared)
        } else {
            std::io::copy(&mut capped, &mut std::io::sink()).map(|_| Ok(()))
        };
        let read = capped.read;
        if read > declared {
            return Err(bad(
                name,
                format!("entry `{entry_name}` decompresses past its declared {declared} bytes"),
            ));
        }
        match result {
            Ok(Ok(())) => {}
            Ok(Err(why)) => return Err(bad(name, format!("entry `{entry_name}` {why}"))),
            Err(e) => return Err(bad(name, format!("entry `{entry_name}`: {e}"))),
        }
    }
    Ok(())
}

/// Parses an XML part of `size` bytes to its end. `Ok(Err(why))` when it
/// nests deeper than [`limits::MAX_XML_DEPTH`], or when an `<sst>` declares
/// more shared strings (`uniqueCount`, for which `calamine` reserves room
/// before reading any) than the part can hold at 5 bytes (`<si/>`) the
/// least each. Malformed XML is left to the parser that reads it for its
/// content.
fn check_xml(r: &mut impl Read, size: u64) -> std::io::Result<std::result::Result<(), String>> {
    use quick_xml::events::{BytesStart, Event};
    let unique_count = |e: &BytesStart<'_>| -> Option<String> {
        if e.local_name().as_ref() != b"sst" {
            return None;
        }
        let count = e
            .attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == b"uniqueCount")?;
        let count = String::from_utf8_lossy(&count.value).trim().to_string();
        match count.parse::<u64>() {
            Ok(n) if n <= size / 5 => None,
            _ => Some(format!(
                "declares {count} shared strings in {size} bytes, more than it can hold"
            )),
        }
    };
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(r));
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                depth += 1;
                if depth > limits::MAX_XML_DEPTH {
                    return Ok(Err(format!(
                        "nests XML elements deeper than {depth} (the limit is {})",
                        limits::MAX_XML_DEPTH
                    )));
                }
                if let Some(why) = unique_count(&e) {
                    return Ok(Err(why));
                }
            }
            Ok(Event::Empty(e)) => {
                if let Some(why) = unique_count(&e) {
                    return Ok(Err(why));
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => return Ok(Ok(())),
            Ok(_) => {}
            // An I/O error (a broken deflate stream) ends the check.
            Err(quick_xml::Error::Io(e)) => {
                return Err(std::io::Error::new(e.kind(), e.to_string()))
            }
            // Malformed XML is for the content parser to report; the rest is
            // drained so that its size is still counted.
            Err(_) => {
                let mut rest = xml.into_inner();
                std::io::copy(&mut rest, &mut std::io::sink())?;
                return Ok(Ok(()));
            }
        }
    }
}
