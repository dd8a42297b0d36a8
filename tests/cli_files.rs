//! The binary on analysts' files: several description columns, vendor
//! header names, the summary, JSON Lines `fields`, the Excel outputs, write
//! errors and `explain` on a file's row. Subprocess tests, like `cli.rs`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dualuse"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("NO_COLOR");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).stdin(Stdio::null()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

fn jsonl(out: &Output) -> Vec<serde_json::Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Chinese customs data: the goods name and the specification/model in two
/// columns. The model column alone names the goods here.
const ZH: &str = "商品编码,商品名称,规格型号,数量,单位\n\
9503000000,电子元件,XC7K325T-2FFG900I,10,个\n\
9503000000,塑料玩具,儿童积木,100,套\n";

#[test]
fn chinese_name_and_model_columns_are_screened_together_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "zh.csv", ZH);
    let out = run(&["classify", f.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines = jsonl(&out);
    let cols = &lines[0]["metadata"]["columns"];
    assert_eq!(cols["text"], serde_json::json!(["商品名称", "规格型号"]));
    assert_eq!(cols["hs"], "商品编码");
    let row1 = &lines[1];
    assert_eq!(row1["flagged"], true);
    let ev = &row1["hits"][0]["evidence"][0];
    assert_eq!(ev["column"], "规格型号");
    let (s, e) = (ev["start"].as_u64().unwrap(), ev["end"].as_u64().unwrap());
    assert_eq!(&"XC7K325T-2FFG900I"[s as usize..e as usize], ev["text"]);
    assert_eq!(lines[2]["flagged"], false);
    // Only the name column: the model is not screened.
    let one = run(&[
        "classify",
        f.to_str().unwrap(),
        "--format",
        "jsonl",
        "--text-column",
        "商品名称",
    ]);
    assert_eq!(one.status.code(), Some(0), "{}", text(&one.stderr));
    // CSV names the column of each evidence item when several were screened.
    let csv = run(&["classify", f.to_str().unwrap(), "--quiet"]);
    assert!(
        text(&csv.stdout).contains(":pattern@规格型号=XC7K325"),
        "{}",
        text(&csv.stdout)
    );
}

#[test]
fn vendor_code_header_is_found_and_the_summary_says_what_was_used() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "ru.csv",
        "№;10-значный код ТНВЭД;Наименование товара;Получатель\n1;8482101009;ПОДШИПНИК ШАРИКОВЫЙ 6204;ООО \"РОМАШКА\"\n",
    );
    let summary = dir.path().join("summary.json");
    let out = run(&[
        "classify",
        f.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    let err = text(&out.stderr);
    assert!(err.contains("(csv, delimiter `;`"), "{err}");
    assert!(err.contains("encoding UTF-8"), "{err}");
    assert!(
        err.contains("code `10-значный код ТНВЭД`, text `Наименование товара`"),
        "{err}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["metadata"]["input"]["delimiter"], ";");
    assert_eq!(s["metadata"]["columns"]["hs"], "10-значный код ТНВЭД");
    assert_eq!(s["warnings"], serde_json::json!([]));
    assert_eq!(s["rows_flagged"], 1);
}

#[test]
fn a_file_without_a_code_column_is_screened_on_text_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "t.csv", "description\nBALL BEARING 6204-2RS\n");
    let summary = dir.path().join("s.json");
    let out = run(&[
        "classify",
        f.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("warning: no code column found"),
        "{}",
        text(&out.stderr)
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert!(s["warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("no code column found"));
    assert_eq!(s["metadata"]["columns"]["hs"], serde_json::Value::Null);
}

#[test]
fn jsonl_carries_every_input_column_as_fields() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "f.csv",
        "id,hs_code,description,consignee,value,,value\nA1,848210,BALL BEARING,\"ACME #2 LLC\",100,x,200,extra\n",
    );
    let out = run(&[
        "classify",
        f.to_str().unwrap(),
        "--format",
        "jsonl",
        "--quiet",
    ]);
    let row = &jsonl(&out)[1];
    assert_eq!(
        row["fields"],
        serde_json::json!({
            "id": "A1", "hs_code": "848210", "description": "BALL BEARING",
            "consignee": "ACME #2 LLC", "value#5": "100", "#6": "x", "value#7": "200",
            "#8": "extra"
        })
    );
}

#[test]
fn excel_csv_has_a_bom_semicolons_and_no_live_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "x.csv",
        "hs_code,description,note\n848210,BALL BEARING 6204,\"=HYPERLINK(\"\"http://x\"\")\"\n",
    );
    let out = run(&[
        "classify",
        f.to_str().unwrap(),
        "--format",
        "csv-excel",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let b = &out.stdout;
    assert!(b.starts_with(b"\xef\xbb\xbfhs_code;description;note;dualuse_row;"));
    let s = text(b);
    assert!(s.contains("\r\n"));
    assert!(s.contains("'=HYPERLINK"), "{s}");
    assert!(
        !s.contains(";=HYPERLINK") && !s.contains(";\"=HYPERLINK"),
        "{s}"
    );
}

fn xlsx_entry(path: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn xlsx_output_holds_flagged_rows_as_text_with_a_frozen_header() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "x.csv",
        "hs_code,description,note\n848210,BALL BEARING 6204,=1+1\n090111,COFFEE BEANS,x\n,@SUM(A1),y\n",
    );
    let out_path = dir.path().join("out.xlsx");
    let out = run(&[
        "classify",
        f.to_str().unwrap(),
        "--format",
        "xlsx",
        "--output",
        out_path.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let sheet = xlsx_entry(&out_path, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("state=\"frozen\""), "frozen header");
    assert!(sheet.contains("<autoFilter"), "autofilter");
    assert!(!sheet.contains("<f>"), "no cell is a formula");
    // Header and the one flagged row; the coffee and the unflagged line are not written.
    assert_eq!(sheet.matches("<row ").count(), 2, "{sheet}");
    let strings = xlsx_entry(&out_path, "xl/sharedStrings.xml");
    assert!(
        strings.contains("=1+1"),
        "the formula-like note is kept as text"
    );
    assert!(strings.contains("dualuse_max_severity"));
    assert!(!strings.contains("COFFEE"));
    let wb = xlsx_entry(&out_path, "xl/workbook.xml");
    assert!(wb.contains("name=\"metadata\""));
    // Without --output on a terminal it refuses; into a pipe it writes.
    let piped = run(&[
        "classify",
        f.to_str().unwrap(),
        "--format",
        "xlsx",
        "--quiet",
    ]);
    assert!(piped.stdout.starts_with(b"PK\x03\x04"));
}

#[test]
fn a_failed_write_stops_the_run_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "x.csv",
        "hs_code,description\n848210,BALL BEARING\n",
    );
    for format in ["csv", "jsonl", "csv-excel", "xlsx"] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = bin()
            .args([
                "classify",
                f.to_str().unwrap(),
                "--format",
                format,
                "--quiet",
            ])
            .stdin(Stdio::null())
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert!(
            text(&out.stderr).contains("writing output"),
            "{format}: {}",
            text(&out.stderr)
        );
    }
    let out = run(&[
        "classify",
        f.to_str().unwrap(),
        "--quiet",
        "--summary",
        "/dev/full",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn explain_reads_stdin_and_a_files_row() {
    let mut child = bin()
        .args(["explain", "--hs", "8482.10", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("ПОДШИПНИК ШАРИКОВЫЙ 6204\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("[ПОДШИПНИК"),
        "{}",
        text(&out.stdout)
    );

    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "zh.csv", ZH);
    let out = run(&["explain", "--file", f.to_str().unwrap(), "--row", "1"]);
    let s = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{s}");
    assert!(s.starts_with("row:   1\n"), "{s}");
    assert!(s.contains("text[规格型号]: [XC7K325]T-2FFG900I"), "{s}");
    let out = run(&["explain", "--file", f.to_str().unwrap(), "--row", "9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no data row 9"));
}

#[test]
fn explain_says_why_a_rule_that_came_close_did_not_fire() {
    let out = run(&[
        "explain",
        "--no-builtin",
        "--rules",
        "tests/fixtures/rules",
        "ТЕПЛОВИЗОР 640Х512 5 ГЦ",
    ]);
    let s = text(&out.stdout);
    assert!(s.contains("close: fixture.thermal"), "{s}");
    assert!(s.contains("found 5 гц, which does not hold"), "{s}");
    let out = run(&[
        "explain",
        "--no-builtin",
        "--rules",
        "tests/fixtures/rules",
        "--json",
        "ТЕПЛОВИЗОР 640Х512 5 ГЦ",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["near_misses"][0]["rule"], "fixture.thermal");
    assert_eq!(v["flagged"], false);
}

#[test]
fn the_summary_names_the_encoding_the_reader_decided_on() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _, _) = encoding_rs::GB18030.encode(
        "商品编码,商品名称,规格型号,单位\n8482101000,深沟球轴承,6204-2RS,台\n9503000000,玩具,塑料,台\n",
    );
    let f = dir.path().join("gb.csv");
    std::fs::write(&f, &bytes).unwrap();
    let summary = dir.path().join("s.json");
    let out = run(&[
        "classify",
        f.to_str().unwrap(),
        "--format",
        "jsonl",
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["metadata"]["input"]["encoding"], "gb18030");
    assert_eq!(s["metadata"]["input"]["encoding_source"], "detected");
    // Every field decoded in it: the unit is 台, never a stray accent.
    let rows = jsonl(&out);
    assert_eq!(rows[1]["fields"]["单位"], "台");
    assert_eq!(rows[2]["fields"]["单位"], "台");
    assert!(text(&out.stderr).contains("encoding gb18030 (detected)"));
}

/// A plain analyst's watch list, and a file whose importer and exporter
/// columns hold listed parties written other ways.
const WATCHLIST: &str = "name,aliases,country,identifiers,list,id\n\
ООО «ВЕКТОР-М»,VEKTOR-M LLC;VECTOR M,RU,INN:7701234567,demo-sanctions,DS-1\n\
STAR LINE GENERAL TRADING FZE,,AE,,demo-sanctions,DS-2\n";

const PARTIES: &str = "id,hs_code,description,importer,exporter\n\
1,090111,COFFEE BEANS,\"Vektor M, OOO\",BRAZIL COFFEE SA\n\
2,090111,COFFEE BEANS,OOO ROMASHKA,STAR LINE GENERAL TRADING FZE\n\
3,090111,COFFEE BEANS,OOO ROMASHKA,BRAZIL COFFEE SA\n";

#[test]
fn parties_on_a_watch_list_flag_their_rows_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let wl = write(dir.path(), "wl.csv", WATCHLIST);
    let f = write(dir.path(), "p.csv", PARTIES);
    let (f, wl) = (f.to_str().unwrap(), wl.to_str().unwrap());
    let out = run(&["classify", f, "--watchlist", wl, "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let rows = jsonl(&out);
    assert_eq!(
        rows[0]["metadata"]["columns"]["party"],
        serde_json::json!(["importer", "exporter"])
    );
    let hit = &rows[1]["party_hits"][0];
    assert_eq!(hit["field"], "importer");
    assert_eq!(hit["text"], "Vektor M, OOO");
    assert_eq!(hit["id"], "DS-1");
    assert_eq!(hit["list"], "demo-sanctions");
    assert!(hit["score"].as_f64().unwrap() >= 0.8);
    assert_eq!(rows[1]["flagged"], true);
    assert_eq!(rows[2]["party_hits"][0]["field"], "exporter");
    assert_eq!(rows[3]["flagged"], false);
    assert!(rows[3].get("party_hits").is_none());
    assert!(text(&out.stderr).contains("parties on watch lists: 2 rows"));
    // CSV carries them in dualuse_party_hits.
    let csv = run(&["classify", f, "--watchlist", wl, "--quiet"]);
    let s = text(&csv.stdout);
    assert!(
        s.lines().nth(1).unwrap().contains("dualuse_party_hits"),
        "{s}"
    );
    assert!(
        s.contains("importer:demo-sanctions/DS-1=ООО «ВЕКТОР-М»"),
        "{s}"
    );
    // Without the list, nothing is flagged.
    assert_eq!(run(&["classify", f, "--quiet"]).status.code(), Some(0));
    // explain says why a name matched.
    let ex = run(&[
        "explain",
        "--watchlist",
        wl,
        "--party",
        "VECTOR-M LLC",
        "COFFEE",
    ]);
    let s = text(&ex.stdout);
    assert_eq!(ex.status.code(), Some(1), "{s}");
    assert!(
        s.contains("ON WATCH LIST demo-sanctions: ООО «ВЕКТОР-М» (id DS-1)"),
        "{s}"
    );
    // A broken list is a diagnostic with its line.
    let bad = write(dir.path(), "bad.csv", "name,identifiers\nROMASHKA,INN:12\n");
    let out = run(&["classify", f, "--watchlist", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("E055"), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("bad.csv:2"),
        "{}",
        text(&out.stderr)
    );
    // The report lists the entries matched.
    let json = dir.path().join("r.json");
    let rep = run(&[
        "report",
        f,
        "--watchlist",
        wl,
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(rep.status.code(), Some(1), "{}", text(&rep.stderr));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["totals"]["rows_party_flagged"], 2);
    assert_eq!(v["watchlist"].as_array().unwrap().len(), 2);
}

#[test]
fn every_csv_row_has_one_value_per_header_column() {
    let out = run(&[
        "classify",
        "tests/fixtures/lines.csv",
        "--no-builtin",
        "--rules",
        "tests/fixtures/rules",
        "--quiet",
    ]);
    let body = text(&out.stdout);
    let body = body.split_once('\n').unwrap().1; // the metadata line
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let n = r.headers().unwrap().len();
    let mut rows = 0;
    for rec in r.records() {
        assert_eq!(rec.unwrap().len(), n);
        rows += 1;
    }
    assert_eq!(rows, 7);
}

/// `--output` onto something that is not a regular file (`/dev/null`, a
/// named pipe) writes to it and leaves it what it was: renaming a temporary
/// file over `/dev/null` once turned it into a regular file for the whole
/// machine.
#[test]
fn output_onto_a_named_pipe_writes_into_it_and_keeps_it_a_pipe() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap())
    };
    let out = run(&[
        "classify",
        "tests/fixtures/lines.csv",
        "--no-builtin",
        "--rules",
        "tests/fixtures/rules",
        "--quiet",
        "--output",
        fifo.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let got = reader.join().unwrap();
    assert!(got.starts_with(b"# dualuse "), "{}", text(&got));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}
