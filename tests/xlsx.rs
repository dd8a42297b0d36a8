//! `.xlsx` input: workbooks written by the tests themselves, with
//! `rust_xlsxwriter` (as Excel writes them) or zipped by hand (the hostile
//! ones: bombs, lying sizes, deep XML, zips of something else).

use dualuse::input::{EncodingSource, Format, InputOptions, Row, RowReader};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
use std::io::Write;
use std::process::Command;

fn open(bytes: &[u8], opts: &InputOptions) -> dualuse::Result<RowReader> {
    RowReader::from_reader(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        "book.xlsx",
        opts,
    )
}

fn read(bytes: &[u8], opts: &InputOptions) -> (RowReader, Vec<Row>) {
    let mut r = open(bytes, opts).unwrap();
    let mut rows = Vec::new();
    while let Some(row) = r.next_row().unwrap() {
        rows.push(row);
    }
    (r, rows)
}

fn fields(rows: &[Row]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| match &r.fields {
            Ok(f) => f.to_vec(),
            Err(m) => vec![format!("REJECT: {m}")],
        })
        .collect()
}

/// A declarations workbook as an analyst gets it: a title row left empty,
/// numeric HS codes, dates, Chinese and Russian text, an error cell.
fn declarations() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Декларации").unwrap();
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let stamp = CellFormat::new().set_num_format("yyyy-mm-dd hh:mm");
    // Row 1 (index 0) is left empty: the header is the first non-empty row.
    for (c, h) in ["id", "hs_code", "description", "date", "qty", "ok"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    sheet.write_number(2, 0, 1).unwrap();
    sheet.write_number(2, 1, 8542310000.0).unwrap();
    sheet
        .write_string(2, 2, "集成电路/FPGA|型号:XC7K325T")
        .unwrap();
    sheet
        .write_date_with_format(2, 3, ExcelDateTime::from_ymd(2024, 3, 1).unwrap(), &date)
        .unwrap();
    sheet.write_number(2, 4, 2.5).unwrap();
    sheet.write_boolean(2, 5, true).unwrap();
    // Row 4 (index 3) empty; row 5 with a gap in column C and a date-time.
    sheet.write_number(4, 0, 2).unwrap();
    sheet.write_string(4, 1, "8471300000").unwrap();
    sheet
        .write_datetime_with_format(
            4,
            3,
            ExcelDateTime::parse_from_str("2024-03-02 14:30:00").unwrap(),
            &stamp,
        )
        .unwrap();
    sheet.write_number(4, 4, 1e20).unwrap();
    sheet.write_number(5, 0, 3).unwrap();
    sheet
        .write_string(5, 2, "ПЛИС Xilinx Kintex-7, 10 шт")
        .unwrap();
    sheet.write_formula(5, 4, "=1/0").unwrap();
    let second = book.add_worksheet();
    second.set_name("Other").unwrap();
    second.write_string(0, 0, "description").unwrap();
    second.write_string(1, 0, "plain goods").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_workbook_reads_as_rows_with_numbers_dates_and_text() {
    let bytes = declarations();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    let (r, rows) = read(&bytes, &InputOptions::default());
    assert_eq!(r.format(), Format::Xlsx);
    assert_eq!(r.encoding().source, EncodingSource::Format);
    assert_eq!(r.delimiter(), None);
    assert_eq!(
        r.headers(),
        ["id", "hs_code", "description", "date", "qty", "ok"]
    );
    assert_eq!(
        fields(&rows),
        [
            vec![
                "1",
                "8542310000",
                "集成电路/FPGA|型号:XC7K325T",
                "2024-03-01",
                "2.5",
                "TRUE"
            ],
            vec![
                "2",
                "8471300000",
                "",
                "2024-03-02T14:30:00",
                "100000000000000000000"
            ],
            // A formula reads as the value cached in the file (rust_xlsxwriter
            // writes 0 for a formula it did not calculate).
            vec!["3", "", "ПЛИС Xilinx Kintex-7, 10 шт", "", "0"],
        ]
    );
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [1, 2, 3]);
}

#[test]
fn a_sheet_is_chosen_by_name_and_a_missing_one_lists_the_sheets() {
    let bytes = declarations();
    let opts = InputOptions {
        sheet: Some("Other".into()),
        ..InputOptions::default()
    };
    let (r, rows) = read(&bytes, &opts);
    assert_eq!(r.headers(), ["description"]);
    assert_eq!(fields(&rows), [["plain goods"]]);
    let opts = InputOptions {
        sheet: Some("Nope".into()),
        ..InputOptions::default()
    };
    let err = open(&bytes, &opts).unwrap_err().to_string();
    assert_eq!(
        err,
        "book.xlsx: no sheet `Nope` in the workbook (sheets: Декларации, Other)"
    );
    let err = error(b"description\nx\n", &opts);
    assert_eq!(
        err,
        "book.xlsx: sheet `Nope` was asked for, but the input is not an .xlsx workbook"
    );
}

/// Before: `no description column found among: PK...`.
#[test]
fn the_cli_screens_a_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("декларации.xlsx");
    std::fs::write(&path, declarations()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dualuse"))
        .arg("classify")
        .arg(&path)
        .args(["--format", "jsonl", "--quiet"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["hs"], "8542310000");
    assert_eq!(records[0]["flagged"], true);
    assert_eq!(records[2]["flagged"], true, "ПЛИС is an FPGA");

    let out = Command::new(env!("CARGO_BIN_EXE_dualuse"))
        .arg("classify")
        .arg(&path)
        .args(["--format", "jsonl", "--quiet", "--sheet", "Other"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}

// ---- hostile workbooks, zipped by hand ----

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in entries {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A minimal workbook whose only sheet holds `sheet_data` (the inside of
/// `<sheetData>`).
fn book_with(sheet_data: &str) -> Vec<u8> {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
    );
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

fn error(bytes: &[u8], opts: &InputOptions) -> String {
    open(bytes, opts).unwrap_err().to_string()
}

#[test]
fn a_hand_made_workbook_reads() {
    let bytes = book_with(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>description</t></is></c><c r="B1" t="inlineStr"><is><t>hs</t></is></c><c r="C1" t="inlineStr"><is><t>value</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>FPGA</t></is></c><c r="B2"><v>854231</v></c><c r="C2" t="e"><v>#DIV/0!</v></c></row><row r="3"><c r="B3"><v>8.54231E9</v></c><c r="C3"><v>0.1</v></c></row>"#,
    );
    let (_, rows) = read(&bytes, &InputOptions::default());
    // An error cell is empty; a code stored in exponent form reads whole.
    assert_eq!(
        fields(&rows),
        [vec!["FPGA", "854231"], vec!["", "8542310000", "0.1"]]
    );
}

#[test]
fn a_far_cell_does_not_allocate_the_area_between() {
    // A1 and XFD1048576: a dense range would be 17 billion cells. The far
    // row is as wide as its last cell, over the column limit: a reject.
    let bytes = book_with(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>description</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    );
    let (_, rows) = read(&bytes, &InputOptions::default());
    assert_eq!(
        fields(&rows),
        [
            vec!["x".to_string()],
            vec!["REJECT: sheet row 1048576: 16384 columns; the limit is 10000".to_string()]
        ]
    );
}

#[test]
fn a_zip_that_is_not_a_workbook_is_a_clear_error() {
    let bytes = zip_of(&[("word/document.xml", b"<w:document/>")]);
    assert_eq!(
        error(&bytes, &InputOptions::default()),
        "book.xlsx: row 0: not a readable .xlsx workbook: a zip archive without xl/workbook.xml (not an Excel workbook)"
    );
    // Cut short: the central directory is gone.
    let whole = declarations();
    let err = error(&whole[..whole.len() / 2], &InputOptions::default());
    assert!(
        err.starts_with("book.xlsx: row 0: not a readable .xlsx workbook: "),
        "{err}"
    );
    // Asked for a workbook, given text.
    let opts = InputOptions {
        format: Some(Format::Xlsx),
        ..InputOptions::default()
    };
    let err = error(b"id,description\n1,x\n", &opts);
    assert!(err.contains("not an .xlsx workbook"), "{err}");
}

/// 20 MiB of one repeated cell: deflate packs it over a thousand to one.
fn bomb() -> Vec<u8> {
    let cell = r#"<row><c t="inlineStr"><is><t>x</t></is></c></row>"#;
    book_with(&cell.repeat((20 << 20) / cell.len()))
}

#[test]
fn a_decompression_bomb_is_refused_by_its_declared_sizes() {
    let bytes = bomb();
    assert!(bytes.len() < 200 << 10, "{}", bytes.len());
    let small = InputOptions {
        max_decompressed_bytes: 10 << 20,
        ..InputOptions::default()
    };
    let err = error(&bytes, &small);
    assert!(err.contains("over the limit of 10485760 bytes"), "{err}");
    let ratio = InputOptions {
        max_decompression_ratio: 50,
        ..InputOptions::default()
    };
    let err = error(&bytes, &ratio);
    assert!(
        err.contains("entry `xl/worksheets/sheet1.xml` declares")
            && err.contains("ratio over the limit of 50"),
        "{err}"
    );
}

/// Rewrites the declared uncompressed size of every entry named `name`, in
/// its local header and in the central directory.
fn lie_about_size(bytes: &mut [u8], name: &str, size: u32) {
    let mut i = 0;
    let mut patched = 0;
    while i + 46 <= bytes.len() {
        let sig = &bytes[i..i + 4];
        if sig == b"PK\x03\x04" {
            let n = u16::from_le_bytes([bytes[i + 26], bytes[i + 27]]) as usize;
            if bytes.get(i + 30..i + 30 + n) == Some(name.as_bytes()) {
                bytes[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        } else if sig == b"PK\x01\x02" {
            let n = u16::from_le_bytes([bytes[i + 28], bytes[i + 29]]) as usize;
            if bytes.get(i + 46..i + 46 + n) == Some(name.as_bytes()) {
                bytes[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        }
        i += 1;
    }
    assert_eq!(patched, 2);
}

#[test]
fn an_entry_that_decompresses_past_its_declared_size_is_caught() {
    let mut bytes = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", &vec![b' '; 20 << 20]),
    ]);
    lie_about_size(&mut bytes, "xl/worksheets/sheet1.xml", 100);
    let err = error(&bytes, &InputOptions::default());
    assert!(
        err.contains("entry `xl/worksheets/sheet1.xml` decompresses past its declared 100 bytes"),
        "{err}"
    );
}

#[test]
fn deeply_nested_xml_is_a_clear_error() {
    let depth = 100_000;
    let nested = format!(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>description</t></is></c></row>{}{}"#,
        "<x>".repeat(depth),
        "</x>".repeat(depth)
    );
    let err = error(&book_with(&nested), &InputOptions::default());
    assert!(
        err.contains(
            "entry `xl/worksheets/sheet1.xml` nests XML elements deeper than 65 (the limit is 64)"
        ),
        "{err}"
    );
}

/// calamine reserves room for the shared strings a workbook declares in
/// `uniqueCount` before reading them: a trillion would abort the process.
#[test]
fn a_shared_string_count_the_part_cannot_hold_is_a_clear_error() {
    let sheet = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#;
    let sst = |count: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="{count}"><si><t>description</t></si></sst>"#
        )
    };
    let book = |count: &str| {
        zip_of(&[
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
            ("_rels/.rels", RELS.as_bytes()),
            ("xl/workbook.xml", WORKBOOK.as_bytes()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
            ("xl/sharedStrings.xml", sst(count).as_bytes()),
        ])
    };
    let (r, rows) = read(&book("1"), &InputOptions::default());
    assert_eq!(
        (r.headers(), rows.len()),
        (&["description".to_string()][..], 0)
    );
    let err = error(&book("1000000000000"), &InputOptions::default());
    assert!(
        err.contains("entry `xl/sharedStrings.xml` declares 1000000000000 shared strings"),
        "{err}"
    );
}
