//! Parquet input (feature `arrow`): the file's record batches as rows of text.
//!
//! The column names are the header. Values become text as in `.xlsx` input:
//! strings as they are; integers and decimals in full; floats in their
//! shortest form, whole ones without a fraction (`8542310000`, not
//! `8542310000.0`); dates and timestamps in ISO 8601 (a timestamp with a
//! time zone is UTC and ends in `Z`); booleans `true`/`false`; nulls empty;
//! dictionary columns by their values. A binary value that is not UTF-8
//! rejects its row. A column of another type (lists, structs, times,
//! intervals) is an error at open that names it.
//!
//! A file opened by path is read from the file; from any other source
//! (standard input, a compressed stream) it is read into memory first, its
//! size bounded by
//! [`InputOptions::max_decompressed_bytes`](super::InputOptions). Rows come
//! one record batch at a time.

use super::{xlsx::number_text, Fields, TableRows};
use crate::error::{Error, Result};
use crate::limits;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::file::reader::ChunkReader;

/// Rows per record batch.
const BATCH_ROWS: usize = 4096;

struct ParquetRows {
    name: String,
    header: Option<Fields>,
    batches: ParquetRecordBatchReader,
    /// The current batch, as text column by column, and the next row in it.
    columns: Vec<Vec<std::result::Result<String, String>>>,
    next: usize,
}

/// Opens a Parquet file: a file on disk, or bytes in memory.
pub(super) fn open<T: ChunkReader + 'static>(file: T, name: &str) -> Result<Box<dyn TableRows>> {
    let bad = |e: parquet::errors::ParquetError| {
        Error::input(name, 0, format!("not a readable Parquet file: {e}"))
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(bad)?;
    let schema = builder.schema().clone();
    if schema.fields().len() > limits::MAX_COLUMNS {
        return Err(Error::input(
            name,
            0,
            format!(
                "{} columns; the limit is {}",
                schema.fields().len(),
                limits::MAX_COLUMNS
            ),
        ));
    }
    for f in schema.fields() {
        if !readable(f.data_type()) {
            return Err(Error::input(
                name,
                0,
                format!(
                    "column `{}` is of type {}, which is not read as text (leave it out of the file)",
                    f.name(),
                    f.data_type()
                ),
            ));
        }
    }
    let header = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let batches = builder.with_batch_size(BATCH_ROWS).build().map_err(bad)?;
    Ok(Box::new(ParquetRows {
        name: name.to_string(),
        header: Some(header),
        batches,
        columns: Vec::new(),
        next: 0,
    }))
}

/// Whether values of type `t` are read as text.
fn readable(t: &DataType) -> bool {
    match t {
        DataType::Dictionary(_, values) => readable(values),
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(..) => true,
        _ => false,
    }
}

impl TableRows for ParquetRows {
    fn next_fields(&mut self) -> Result<Option<std::result::Result<Fields, String>>> {
        if let Some(h) = self.header.take() {
            return Ok(Some(Ok(h)));
        }
        while self.columns.first().is_none_or(|c| self.next >= c.len()) {
            match self.batches.next() {
                None => return Ok(None),
                Some(Err(e)) => {
                    return Err(Error::input(
                        &self.name,
                        0,
                        format!("reading a Parquet record batch: {e}"),
                    ))
                }
                Some(Ok(batch)) => {
                    self.columns = batch_texts(&batch);
                    self.next = 0;
                    if batch.num_columns() == 0 {
                        // Rows without columns: nothing to read as text.
                        return Ok(None);
                    }
                }
            }
        }
        let i = self.next;
        self.next += 1;
        let mut fields = Fields::new();
        for (c, column) in self.columns.iter().enumerate() {
            match &column[i] {
                Ok(text) if text.len() > limits::MAX_FIELD_BYTES => {
                    return Ok(Some(Err(format!(
                        "field {} is {} bytes; the limit is {}",
                        c + 1,
                        text.len(),
                        limits::MAX_FIELD_BYTES
                    ))))
                }
                Ok(text) => fields.push(text),
                Err(m) => return Ok(Some(Err(format!("field {}: {m}", c + 1)))),
            }
        }
        Ok(Some(Ok(fields)))
    }
}

fn batch_texts(batch: &RecordBatch) -> Vec<Vec<std::result::Result<String, String>>> {
    batch.columns().iter().map(texts).collect()
}

/// The values of one column as text; `Err` for a value that has none.
fn texts(a: &ArrayRef) -> Vec<std::result::Result<String, String>> {
    let n = a.len();
    let each = |f: &dyn Fn(usize) -> std::result::Result<String, String>| {
        (0..n)
            .map(|i| {
                if a.is_null(i) {
                    Ok(String::new())
                } else {
                    f(i)
                }
            })
            .collect()
    };
    macro_rules! display {
        ($t:ty) => {{
            let p = a.as_primitive::<$t>();
            each(&|i| Ok(p.value(i).to_string()))
        }};
    }
    let binary = |b: &[u8]| {
        String::from_utf8(b.to_vec()).map_err(|e| {
            format!(
                "a binary value that is not UTF-8 (at byte {})",
                e.utf8_error().valid_up_to()
            )
        })
    };
    match a.data_type() {
        DataType::Null => vec![Ok(String::new()); n],
        DataType::Boolean => {
            let b = a.as_boolean();
            each(&|i| Ok(b.value(i).to_string()))
        }
        DataType::Int8 => display!(Int8Type),
        DataType::Int16 => display!(Int16Type),
        DataType::Int32 => display!(Int32Type),
        DataType::Int64 => display!(Int64Type),
        DataType::UInt8 => display!(UInt8Type),
        DataType::UInt16 => display!(UInt16Type),
        DataType::UInt32 => display!(UInt32Type),
        DataType::UInt64 => display!(UInt64Type),
        DataType::Float32 => {
            let p = a.as_primitive::<Float32Type>();
            each(&|i| {
                let v = p.value(i);
                // The f32's own shortest form: widening first would print
                // 0.1 as 0.10000000149011612.
                Ok(if v.fract() == 0.0 && v.abs() < 16_777_216.0 {
                    format!("{}", v as i64)
                } else {
                    format!("{v}")
                })
            })
        }
        DataType::Float64 => {
            let p = a.as_primitive::<Float64Type>();
            each(&|i| Ok(number_text(p.value(i))))
        }
        DataType::Decimal128(..) => {
            let p = a.as_primitive::<Decimal128Type>();
            each(&|i| Ok(p.value_as_string(i)))
        }
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            each(&|i| Ok(s.value(i).to_string()))
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            each(&|i| Ok(s.value(i).to_string()))
        }
        DataType::Utf8View => {
            let s = a.as_string_view();
            each(&|i| Ok(s.value(i).to_string()))
        }
        DataType::Binary => {
            let b = a.as_binary::<i32>();
            each(&|i| binary(b.value(i)))
        }
        DataType::LargeBinary => {
            let b = a.as_binary::<i64>();
            each(&|i| binary(b.value(i)))
        }
        DataType::BinaryView => {
            let b = a.as_binary_view();
            each(&|i| binary(b.value(i)))
        }
        DataType::Date32 => {
            let p = a.as_primitive::<Date32Type>();
            each(&|i| Ok(iso_date(i64::from(p.value(i)))))
        }
        DataType::Date64 => {
            let p = a.as_primitive::<Date64Type>();
            each(&|i| Ok(iso_datetime(i128::from(p.value(i)) * 1_000_000, false)))
        }
        DataType::Timestamp(unit, tz) => {
            let utc = tz.is_some();
            let nanos: Box<dyn Fn(usize) -> i128 + '_> = match unit {
                TimeUnit::Second => {
                    let p = a.as_primitive::<TimestampSecondType>();
                    Box::new(move |i| i128::from(p.value(i)) * 1_000_000_000)
                }
                TimeUnit::Millisecond => {
                    let p = a.as_primitive::<TimestampMillisecondType>();
                    Box::new(move |i| i128::from(p.value(i)) * 1_000_000)
                }
                TimeUnit::Microsecond => {
                    let p = a.as_primitive::<TimestampMicrosecondType>();
                    Box::new(move |i| i128::from(p.value(i)) * 1_000)
                }
                TimeUnit::Nanosecond => {
                    let p = a.as_primitive::<TimestampNanosecondType>();
                    Box::new(move |i| i128::from(p.value(i)))
                }
            };
            each(&|i| Ok(iso_datetime(nanos(i), utc)))
        }
        DataType::Dictionary(..) => {
            let d = a.as_any_dictionary();
            let values = texts(d.values());
            let keys = d.normalized_keys();
            each(&|i| {
                values
                    .get(keys[i])
                    .cloned()
                    .unwrap_or_else(|| Err("a dictionary key out of range".to_string()))
            })
        }
        // Refused at open (`readable`).
        t => vec![Err(format!("a value of type {t}")); n],
    }
}

/// The civil date of a day count from 1970-01-01 (proleptic Gregorian),
/// by Howard Hinnant's `civil_from_days`.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn iso_date(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// An instant in nanoseconds from the epoch: the date alone at midnight,
/// else the date and time with as many fraction digits as it needs.
fn iso_datetime(nanos: i128, utc: bool) -> String {
    const DAY: i128 = 86_400 * 1_000_000_000;
    let days = nanos.div_euclid(DAY);
    let rest = nanos.rem_euclid(DAY);
    let date = iso_date(days as i64);
    let z = if utc { "Z" } else { "" };
    if rest == 0 && !utc {
        return date;
    }
    let secs = rest / 1_000_000_000;
    let frac = rest % 1_000_000_000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let frac = if frac == 0 {
        String::new()
    } else {
        format!(".{frac:09}").trim_end_matches('0').to_string()
    };
    format!("{date}T{h:02}:{m:02}:{s:02}{frac}{z}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Format, InputOptions, RowReader};
    use arrow_array::{
        BooleanArray, Date32Array, DictionaryArray, Float64Array, Int64Array, StringArray,
        TimestampSecondArray,
    };
    use std::sync::Arc;

    fn parquet_bytes(batch: &RecordBatch) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
        w.write(batch).unwrap();
        w.close().unwrap();
        out
    }

    fn read(bytes: Vec<u8>) -> (RowReader, Vec<crate::input::Row>) {
        let mut r = RowReader::from_reader(
            Box::new(std::io::Cursor::new(bytes)),
            "t.parquet",
            &InputOptions::default(),
        )
        .unwrap();
        let mut rows = Vec::new();
        while let Some(row) = r.next_row().unwrap() {
            rows.push(row);
        }
        (r, rows)
    }

    #[test]
    fn arrow_parquet_columns_read_as_text() {
        let dict: DictionaryArray<arrow_array::types::Int32Type> =
            vec![Some("kg"), Some("pcs"), None].into_iter().collect();
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef),
            (
                "hs_code",
                Arc::new(Float64Array::from(vec![
                    Some(8542310000.0),
                    Some(1.5),
                    None,
                ])) as _,
            ),
            (
                "description",
                Arc::new(StringArray::from(vec![
                    Some("集成电路/FPGA"),
                    Some("ПЛИС Xilinx"),
                    Some(""),
                ])) as _,
            ),
            ("unit", Arc::new(dict) as _),
            (
                "ok",
                Arc::new(BooleanArray::from(vec![true, false, true])) as _,
            ),
            (
                "date",
                Arc::new(Date32Array::from(vec![0, 19_723, -1])) as _,
            ),
            (
                "at",
                Arc::new(
                    TimestampSecondArray::from(vec![0, 1_704_067_201, 86_400]).with_timezone("UTC"),
                ) as _,
            ),
        ])
        .unwrap();
        let bytes = parquet_bytes(&batch);
        assert!(bytes.starts_with(b"PAR1"));
        let (r, rows) = read(bytes);
        assert_eq!(r.format(), Format::Parquet);
        assert_eq!(r.encoding().to_string(), "UTF-8 (by file format)");
        assert_eq!(r.delimiter(), None);
        assert_eq!(
            r.headers(),
            ["id", "hs_code", "description", "unit", "ok", "date", "at"]
        );
        let got: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.fields.clone().unwrap().to_vec())
            .collect();
        assert_eq!(
            got,
            [
                [
                    "1",
                    "8542310000",
                    "集成电路/FPGA",
                    "kg",
                    "true",
                    "1970-01-01",
                    "1970-01-01T00:00:00Z"
                ],
                [
                    "2",
                    "1.5",
                    "ПЛИС Xilinx",
                    "pcs",
                    "false",
                    "2024-01-01",
                    "2024-01-01T00:00:01Z"
                ],
                [
                    "3",
                    "",
                    "",
                    "",
                    "true",
                    "1969-12-31",
                    "1970-01-02T00:00:00Z"
                ],
            ]
        );
        assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn arrow_parquet_many_batches_and_bad_binary_rows() {
        let n = BATCH_ROWS * 2 + 7;
        let bin: Vec<&[u8]> = (0..n)
            .map(|i| {
                if i == 5000 {
                    &b"\xff\xfe"[..]
                } else {
                    &b"ok"[..]
                }
            })
            .collect();
        let batch = RecordBatch::try_from_iter([
            (
                "id",
                Arc::new(Int64Array::from_iter_values(0..n as i64)) as ArrayRef,
            ),
            ("raw", Arc::new(arrow_array::BinaryArray::from(bin)) as _),
        ])
        .unwrap();
        let (_, rows) = read(parquet_bytes(&batch));
        assert_eq!(rows.len(), n);
        assert_eq!(
            rows[n - 1].fields.as_ref().unwrap(),
            &[(n - 1).to_string(), "ok".into()]
        );
        let err = rows[5000].fields.clone().unwrap_err();
        assert_eq!(err, "field 2: a binary value that is not UTF-8 (at byte 0)");
        assert_eq!(rows.iter().filter(|r| r.fields.is_err()).count(), 1);
    }

    #[test]
    fn arrow_parquet_broken_or_unreadable_is_a_clear_error() {
        let batch =
            RecordBatch::try_from_iter([("id", Arc::new(Int64Array::from(vec![1])) as ArrayRef)])
                .unwrap();
        let bytes = parquet_bytes(&batch);
        let cut = bytes[..bytes.len() / 2].to_vec();
        let err = RowReader::from_reader(
            Box::new(std::io::Cursor::new(cut)),
            "cut.parquet",
            &InputOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("cut.parquet: row 0: not a readable Parquet file"),
            "{err}"
        );
    }

    #[test]
    fn arrow_parquet_file_on_disk_is_read_from_the_file() {
        let batch = RecordBatch::try_from_iter([(
            "description",
            Arc::new(StringArray::from(vec!["FPGA", "chipboard"])) as ArrayRef,
        )])
        .unwrap();
        let bytes = parquet_bytes(&batch);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lines.parquet");
        std::fs::write(&path, &bytes).unwrap();
        let mut r = RowReader::open(path.to_str().unwrap(), &InputOptions::default()).unwrap();
        assert_eq!(r.format(), Format::Parquet);
        assert_eq!(r.bytes_read(), bytes.len() as u64);
        assert_eq!(r.headers(), ["description"]);
        let mut got = Vec::new();
        while let Some(row) = r.next_row().unwrap() {
            got.push(row.fields.unwrap().to_vec());
        }
        assert_eq!(got, [["FPGA"], ["chipboard"]]);
        // The same bytes through gzip are read from memory.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, &bytes).unwrap();
        let (r, rows) = read(gz.finish().unwrap());
        assert_eq!((r.format(), rows.len()), (Format::Parquet, 2));
    }

    #[test]
    fn arrow_iso_dates_from_days_and_nanos() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(11_016), "2000-02-29");
        assert_eq!(iso_date(-719_468), "0000-03-01");
        assert_eq!(iso_datetime(1_500_000_000, false), "1970-01-01T00:00:01.5");
        assert_eq!(iso_datetime(-1, true), "1969-12-31T23:59:59.999999999Z");
    }
}
