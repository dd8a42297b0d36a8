//! Arbitrary bytes through `RowReader`, with options chosen by the first
//! byte: reading must never panic and must end; row numbers run 1, 2, 3...
//! with none skipped; after the end (or an error) the reader stays ended.
//! For JSON Lines, every non-blank line becomes exactly one row.
#![no_main]

use dualuse::input::{Encoding, Format, InputOptions, RowReader};
use libfuzzer_sys::fuzz_target;
use std::io::Write;

/// Keeps a decompression bomb in the corpus from exhausting memory or time.
const MAX_OUT: u64 = 4 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, body)) = data.split_first() else {
        return;
    };
    let encoding = match ctl & 3 {
        0 => Encoding::Auto,
        1 => Encoding::Utf8,
        2 => Encoding::Windows1251,
        _ => Encoding::Gb18030,
    };
    let (format, delimiter) = match (ctl >> 2) & 7 {
        0 | 1 => (None, None),
        2 => (Some(Format::Jsonl), None),
        3 => (Some(Format::Csv { delimiter: b',' }), None),
        4 => (None, Some(b';')),
        5 => (None, Some(b'\t')),
        6 => (Some(Format::Csv { delimiter: b'|' }), None),
        _ => (None, Some(b'"')),
    };
    // Bit 5: gzip the body first, so the decoder is fed valid streams too;
    // bit 6: cut the compressed stream short.
    let owned;
    let bytes: &[u8] = if ctl & 0x20 != 0 {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(body).unwrap();
        let mut gz = enc.finish().unwrap();
        if ctl & 0x40 != 0 {
            gz.truncate(gz.len() / 2);
        }
        owned = gz;
        &owned
    } else {
        body
    };
    let opts = InputOptions {
        format,
        delimiter,
        encoding,
        max_decompressed_bytes: MAX_OUT,
        ..InputOptions::default()
    };
    let Ok(mut reader) = RowReader::from_reader(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        "fuzz",
        &opts,
    ) else {
        return;
    };
    let _ = reader.headers();
    let is_jsonl = reader.format() == Format::Jsonl;
    let mut rows = 0u64;
    let mut ended_by_error = false;
    // Every row takes at least one byte of (decompressed) input.
    let bound = (bytes.len() as u64).max(MAX_OUT) + 2;
    loop {
        match reader.next_row() {
            Ok(Some(row)) => {
                rows += 1;
                assert_eq!(row.row, rows, "row numbers must run without gaps");
                if let Err(reason) = &row.fields {
                    assert!(!reason.is_empty(), "a reject needs a reason");
                }
                assert!(rows <= bound, "more rows than input bytes: no progress?");
            }
            Ok(None) => break,
            Err(e) => {
                let _ = e.to_string();
                ended_by_error = true;
                break;
            }
        }
    }
    assert!(
        matches!(reader.next_row(), Ok(None)),
        "a finished reader must stay finished"
    );
    if is_jsonl
        && ctl & 0x20 == 0
        && !ended_by_error
        && !bytes.starts_with(&[0x1f, 0x8b])
        && !bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
    {
        // Plain JSON Lines: one row per line that is not blank.
        let mut expected = 0u64;
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            let line = if i == 0 {
                line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line)
            } else {
                line
            };
            if !line.iter().all(u8::is_ascii_whitespace) {
                expected += 1;
            }
        }
        assert_eq!(rows, expected, "JSON Lines: rows lost or invented");
    }
});
