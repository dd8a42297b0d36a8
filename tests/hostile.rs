//! Hostile inputs, end to end: the binary as a subprocess (and the library
//! where the decoded text matters). Every case ends in a clear error with
//! exit status 2, or in a reject record carrying the row number — never a
//! panic — and every successful run accounts for every row:
//! rows read = rows screened + rows rejected.
//!
//! Big inputs are generated in memory in one write each, so the whole file
//! runs in a few seconds in debug mode.

use dualuse::input::{Encoding, InputOptions, RowReader};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A small rule set, so that the tests do not depend on the curated rules.
const RULES: &str = r#"
[ruleset]
id = "hostile"
version = "1"
title = "rules for hostile-input tests"
sources = ["tests/hostile.rs"]

[[rule]]
id = "hostile.fpga"
title = "FPGA"
category = "microelectronics"
severity = "high"
references = ["X"]
sources = ["s"]
requires = "text"
any = ["fpga", "плис"]
patterns = ['\bxc7k\d{3}t\b']
"#;

struct Case {
    dir: TempDir,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("rules")).unwrap();
        std::fs::write(dir.path().join("rules/hostile.toml"), RULES).unwrap();
        Case { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// `dualuse classify INPUT --format jsonl` with the test rules and a summary file.
    fn classify(&self, input: &Path, extra: &[&str]) -> Run {
        self.classify_with_rules(input, &self.path("rules"), extra)
    }

    /// Like [`Case::classify`], with the rule files of `rules` instead.
    fn classify_with_rules(&self, input: &Path, rules: &Path, extra: &[&str]) -> Run {
        let summary = self.path("summary.json");
        let _ = std::fs::remove_file(&summary);
        let out = Command::new(env!("CARGO_BIN_EXE_dualuse"))
            .arg("classify")
            .arg(input)
            .args(["--format", "jsonl", "--quiet", "--no-builtin", "--rules"])
            .arg(rules)
            .arg("--summary")
            .arg(&summary)
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Run::new(out, std::fs::read_to_string(&summary).ok())
    }

    /// `dualuse rules check` on the rule files of `dir` alone.
    fn rules_check(&self, dir: &Path) -> Output {
        Command::new(env!("CARGO_BIN_EXE_dualuse"))
            .args(["rules", "check", "--no-builtin", "--rules"])
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

struct Run {
    code: Option<i32>,
    stderr: String,
    /// The output records after the metadata line.
    records: Vec<Value>,
    summary: Option<Value>,
}

impl Run {
    fn new(out: Output, summary: Option<String>) -> Run {
        let stdout = String::from_utf8(out.stdout).expect("output is UTF-8");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !stderr.contains("panicked"),
            "the binary panicked:\n{stderr}"
        );
        let mut lines = stdout.lines();
        if let Some(first) = lines.next() {
            let meta: Value = serde_json::from_str(first).expect("metadata line is JSON");
            assert!(meta.get("metadata").is_some(), "first line: {first}");
        }
        let records = lines
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad record {l:?}: {e}")))
            .collect();
        Run {
            code: out.status.code(),
            stderr,
            records,
            summary: summary.map(|s| serde_json::from_str(&s).unwrap()),
        }
    }

    fn summary(&self, key: &str) -> u64 {
        let s = self.summary.as_ref().expect("a summary was written");
        s[key]
            .as_u64()
            .unwrap_or_else(|| panic!("summary.{key} in {s}"))
    }

    /// A completed run: status 0 or 1, rows read = screened + rejected, one
    /// record per row numbered 1, 2, 3..., every reject with a row and reason.
    fn assert_accounted(&self, rows: u64) {
        assert!(
            matches!(self.code, Some(0 | 1)),
            "status {:?}, stderr:\n{}",
            self.code,
            self.stderr
        );
        let (read, screened, rejected) = (
            self.summary("rows_read"),
            self.summary("rows_screened"),
            self.summary("rows_rejected"),
        );
        assert_eq!(read, rows, "rows read");
        assert_eq!(read, screened + rejected, "read = screened + rejected");
        assert_eq!(self.records.len() as u64, read, "one record per row");
        for (i, r) in self.records.iter().enumerate() {
            assert_eq!(r["row"].as_u64(), Some(i as u64 + 1), "row numbers: {r}");
            if r["rejected"] == Value::Bool(true) {
                assert!(r["byte"].is_u64(), "reject without byte: {r}");
                assert!(
                    r["reason"].as_str().is_some_and(|s| !s.is_empty()),
                    "reject without reason: {r}"
                );
            }
        }
        let rejects = self
            .records
            .iter()
            .filter(|r| r["rejected"] == true)
            .count();
        assert_eq!(rejects as u64, rejected, "reject records = rows rejected");
    }

    fn rejected(&self, row: u64) -> &str {
        let r = &self.records[row as usize - 1];
        assert_eq!(r["rejected"], true, "row {row} should be rejected: {r}");
        r["reason"].as_str().unwrap()
    }

    fn flagged(&self, row: u64) -> bool {
        let r = &self.records[row as usize - 1];
        assert!(r.get("rejected").is_none(), "row {row} was rejected: {r}");
        r["flagged"] == true
    }

    /// A run that stopped with status 2 and said why.
    fn assert_failed(&self, needle: &str) {
        assert_eq!(self.code, Some(2), "stderr:\n{}", self.stderr);
        assert!(
            self.stderr.contains(needle),
            "stderr should mention {needle:?}:\n{}",
            self.stderr
        );
    }
}

fn read_all(bytes: &[u8], opts: &InputOptions) -> Vec<dualuse::input::Row> {
    let mut r =
        RowReader::from_reader(Box::new(std::io::Cursor::new(bytes.to_vec())), "t", opts).unwrap();
    let mut rows = Vec::new();
    while let Some(row) = r.next_row().unwrap() {
        rows.push(row);
    }
    rows
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn empty_file_reads_no_rows() {
    let c = Case::new();
    let run = c.classify(&c.write("empty.csv", b""), &[]);
    run.assert_accounted(0);
    assert_eq!(run.code, Some(0));
}

#[test]
fn header_only_reads_no_rows() {
    let c = Case::new();
    let run = c.classify(&c.write("h.csv", b"id,hs_code,description\n"), &[]);
    run.assert_accounted(0);
    assert_eq!(run.code, Some(0));
}

#[test]
fn invalid_utf8_is_a_reject_with_utf8_and_decoded_with_auto() {
    let c = Case::new();
    let bytes = b"id,description\n1,FPGA board\n2,bad \xff\xfe here\n3,plain\n";
    let input = c.write("bad.csv", bytes);

    let run = c.classify(&input, &["--encoding", "utf-8"]);
    run.assert_accounted(3);
    assert!(
        run.rejected(2).contains("invalid UTF-8"),
        "{}",
        run.rejected(2)
    );
    assert!(run.flagged(1));
    assert!(!run.flagged(3));

    let run = c.classify(&input, &[]);
    run.assert_accounted(3);
    assert_eq!(run.summary("rows_rejected"), 0);

    // Auto detection decodes the row (as Windows-1251) instead of rejecting it.
    let rows = read_all(bytes, &InputOptions::default());
    assert_eq!(&rows[1].fields.as_ref().unwrap()[1], "bad яю here");
    let utf8 = InputOptions {
        encoding: Encoding::Utf8,
        ..InputOptions::default()
    };
    let rows = read_all(bytes, &utf8);
    assert_eq!((rows[1].row, rows[1].byte), (2, 28));
    assert!(rows[1].fields.is_err());
}

#[test]
fn nul_bytes_are_whitespace_not_rejects() {
    let c = Case::new();
    let input = c.write(
        "nul.csv",
        b"id,description\n1,FPGA\x00chip\n\x00,\x00\x00\n3,a\x00b\n",
    );
    let run = c.classify(&input, &[]);
    run.assert_accounted(3);
    assert_eq!(run.summary("rows_rejected"), 0);
    assert!(run.flagged(1), "NUL separates words like a space");
    assert!(!run.flagged(2));
}

#[test]
fn field_of_50_mb_is_rejected_and_other_rows_kept() {
    let c = Case::new();
    let mut bytes = b"id,description\n1,FPGA module\n2,".to_vec();
    bytes.resize(bytes.len() + (50 << 20), b'x');
    bytes.extend_from_slice(b"\n3,XC7K325T-2FFG900I\n");
    let input = c.write("big.csv", &bytes);
    drop(bytes);
    let run = c.classify(&input, &[]);
    run.assert_accounted(3);
    let reason = run.rejected(2);
    assert!(
        reason.contains("52428800 bytes") && reason.contains("limit is 1048576"),
        "{reason}"
    );
    assert_eq!(run.records[1]["byte"], 29);
    assert!(run.flagged(1));
    assert!(run.flagged(3));
}

#[test]
fn row_of_100000_columns_is_rejected_by_the_column_limit() {
    let c = Case::new();
    let mut bytes = b"id,description\n1,FPGA\n2".to_vec();
    bytes.extend_from_slice(&b",c".repeat(100_000));
    bytes.extend_from_slice(b"\n3,fpga\n");
    let run = c.classify(&c.write("wide.csv", &bytes), &[]);
    run.assert_accounted(3);
    let reason = run.rejected(2);
    assert!(
        reason.contains("100001 columns") && reason.contains("limit is 10000"),
        "{reason}"
    );
    assert!(run.flagged(1) && run.flagged(3));
}

#[test]
fn unterminated_quote_at_end_of_file_rejects_the_last_row() {
    let c = Case::new();
    // Without the check, rows 2 and 3 would vanish into row 2's description.
    let input = c.write(
        "q.csv",
        b"id,description\n1,\"FPGA, \"\"quoted\"\"\"\n2,\"never closed\n3,fpga\n",
    );
    let run = c.classify(&input, &[]);
    run.assert_accounted(2);
    assert!(run.flagged(1));
    let reason = run.rejected(2);
    assert!(reason.contains("not closed"), "{reason}");
    assert_eq!(run.records[1]["byte"], 36);

    // A quote opened in the header leaves no table to read: an error.
    let run = c.classify(&c.write("qh.csv", b"id,\"description\n1,x\n"), &[]);
    run.assert_failed("not closed");
}

#[test]
fn mixed_delimiters_keep_every_row() {
    let c = Case::new();
    // The header decides the delimiter (`;`); a comma row is one field,
    // too short to hold the description, and rejected with that reason.
    let input = c.write(
        "mixed.csv",
        b"id;description\n1;FPGA, 5 pcs\n2,fpga\n3\tfpga\n4;a|b;extra\n",
    );
    let run = c.classify(&input, &[]);
    run.assert_accounted(4);
    assert!(run.flagged(1));
    assert!(run.rejected(2).contains("row has 1 field(s)"));
    assert!(run.rejected(3).contains("row has 1 field(s)"));
    assert!(!run.flagged(4));
}

#[test]
fn bom_and_crlf_are_invisible() {
    let c = Case::new();
    let bytes = b"\xef\xbb\xbfid,description\r\n7,FPGA\r\n8,\"multi\r\nline fpga\"\r\n";
    let run = c.classify(&c.write("bom.csv", bytes), &["--id-column", "id"]);
    run.assert_accounted(2);
    assert_eq!(
        run.records[0]["id"], "7",
        "the BOM is not part of the header"
    );
    assert!(run.flagged(1) && run.flagged(2));
    let rows = read_all(bytes, &InputOptions::default());
    assert_eq!(rows[0].fields.as_ref().unwrap(), &["7", "FPGA"]);
    assert_eq!(&rows[1].fields.as_ref().unwrap()[1], "multi\r\nline fpga");
}

#[test]
fn truncated_gzip_stops_with_status_2_after_the_rows_before_the_break() {
    let c = Case::new();
    let mut csv = b"id,description\n".to_vec();
    for i in 1..=20_000 {
        writeln!(csv, "{i},plain goods number {i}").unwrap();
    }
    let gz = gzip(&csv);
    let input = c.write("cut.csv.gz", &gz[..gz.len() / 2]);
    let run = c.classify(&input, &[]);
    // What the code does: every row decoded before the break is written,
    // in order and complete, then the run fails; it never claims success.
    run.assert_failed("deflate");
    assert!(run.summary.is_none(), "no summary for a failed run");
    assert!(!run.records.is_empty() && run.records.len() < 20_000);
    for (i, r) in run.records.iter().enumerate() {
        assert_eq!(r["row"].as_u64(), Some(i as u64 + 1));
        assert_eq!(r["flagged"], false);
    }
    let next = run.records.len() + 1;
    assert!(
        run.stderr.contains(&format!("row {next}")),
        "the error names the row where the stream broke:\n{}",
        run.stderr
    );

    // With --output, nothing that looks complete is left behind.
    let out = c.path("out.jsonl");
    let run = c.classify(&input, &["--output", out.to_str().unwrap()]);
    run.assert_failed("deflate");
    assert!(!out.exists(), "a failed run must not leave an output file");
    assert!(
        std::fs::read_dir(c.dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp")),
        "temporary output removed"
    );

    // Cut inside the trailer (CRC and length): all rows, then the error.
    let input = c.write("trailer.csv.gz", &gz[..gz.len() - 4]);
    let run = c.classify(&input, &[]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert_eq!(run.records.len(), 20_000);
}

#[test]
fn gzip_and_zstd_bombs_are_bounded_by_max_decompressed_bytes() {
    let c = Case::new();
    // 200 MB of zeros as 200 gzip members of 1 MiB each (~200 KB on disk).
    let mut member = b"id,description\n1,".to_vec();
    member.resize(1 << 20, 0);
    // Compressed at the best level: the fastest level of some deflate
    // backends (zlib-rs, which `calamine`'s zip brings in) packs zeros less
    // tightly than the 5 KiB a member that this precondition allows.
    let best = |bytes: &[u8]| {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    };
    let head = best(&member);
    let zeros = best(&vec![0u8; 1 << 20]);
    let mut bomb = head;
    for _ in 0..199 {
        bomb.extend_from_slice(&zeros);
    }
    assert!(bomb.len() < 1 << 20);
    let input = c.write("bomb.csv.gz", &bomb);
    let started = Instant::now();
    let run = c.classify(&input, &["--max-decompressed-bytes", "10000000"]);
    run.assert_failed("exceeds the limit");
    assert!(run.stderr.contains("10000000 bytes"), "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(20));

    let zbomb = zstd::encode_all(&vec![b'a'; 100 << 20][..], 3).unwrap();
    let input = c.write("bomb.csv.zst", &zbomb);
    let run = c.classify(&input, &["--max-decompressed-bytes", "10000000"]);
    run.assert_failed("exceeds the limit");
}

/// The line and column (1-based) where `needle` starts in `text`.
fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[test]
fn oversized_and_invalid_regexes_are_diagnosed_with_location() {
    let c = Case::new();
    let dir = c.path("badrules");
    std::fs::create_dir(&dir).unwrap();
    let long = format!("a{}", "b".repeat(5000));
    let text = format!(
        "{}\n[[rule]]\nid = \"badre.re\"\ntitle = \"x\"\ncategory = \"optics\"\nseverity = \"low\"\n\
         references = [\"X\"]\nsources = [\"s\"]\nrequires = \"text\"\n\
         patterns = ['(\\w{{100}}){{100}}', '(unclosed', '{long}']\n",
        RULES.replace("hostile", "badre")
    );
    std::fs::write(dir.join("bad.toml"), &text).unwrap();
    let started = Instant::now();
    let out = c.rules_check(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let file = dir.join("bad.toml").display().to_string();
    let (l, col) = line_col(&text, "'(\\w{100}){100}'");
    assert!(
        stderr.contains("error[E010]") && stderr.contains(&format!("{file}:{l}:{col}")),
        "huge compiled regex:\n{stderr}"
    );
    let (l, col) = line_col(&text, "'(unclosed'");
    assert!(
        stderr.contains("error[E005]") && stderr.contains(&format!("{file}:{l}:{col}")),
        "invalid regex:\n{stderr}"
    );
    assert!(
        stderr.contains("pattern is 5001 bytes; the limit is 4096"),
        "long pattern source:\n{stderr}"
    );

    // The same through `classify`: the run never starts.
    let run = c.classify_with_rules(&c.write("x.csv", b"id,description\n1,x\n"), &dir, &[]);
    run.assert_failed("E010");
    assert!(run.records.is_empty());
}

#[test]
fn backtracking_pattern_runs_in_linear_time() {
    // The classic catastrophic pattern for backtracking engines; the regex
    // crate has none, so it loads and screens a long line quickly.
    let c = Case::new();
    let dir = rules_with_patterns(&c, "bt", "'(a+)+$', '(x|x)*y'");
    let mut bytes = b"id,description\n1,".to_vec();
    bytes.resize(bytes.len() + 20_000, b'x');
    bytes.extend_from_slice(b"!\n2,");
    bytes.resize(bytes.len() + 20_000, b'a');
    bytes.extend_from_slice(b"!\n");
    let started = Instant::now();
    let run = c.classify_with_rules(&c.write("bt.csv", &bytes), &dir, &[]);
    run.assert_accounted(2);
    assert!(!run.flagged(1) && !run.flagged(2));
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn line_made_of_triggers_runs_in_linear_time() {
    // Every `60` starts an anchored run of `\b6[0-4]\d{2}(?:zz)?\b` (its
    // triggers are the prefixes `60` ... `64`), and every `1kv` opens a
    // window for `\b[0-9]{2}kv` (suffixes `0kv` ... `9kv`); past 16 a line,
    // one unanchored search takes over, so 200,000 of each stay linear.
    // The match at the end is still found.
    let c = Case::new();
    let dir = rules_with_patterns(&c, "trig", r"'\b6[0-4]\d{2}(?:zz)?\b', '\b[0-9]{2}kv'");
    let mut bytes = b"id,description\n1,".to_vec();
    bytes.extend_from_slice(&b"60 ".repeat(200_000));
    bytes.extend_from_slice(b"6099zz\n2,");
    bytes.extend_from_slice(&b"1kv ".repeat(200_000));
    bytes.extend_from_slice(b"99kv\n3,");
    bytes.extend_from_slice(&b"60 1kv ".repeat(100_000));
    bytes.extend_from_slice(b"\n");
    let started = Instant::now();
    let run = c.classify_with_rules(&c.write("trig.csv", &bytes), &dir, &[]);
    run.assert_accounted(3);
    assert!(run.flagged(1) && run.flagged(2) && !run.flagged(3));
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A rule directory named `name` holding the test rule set with its
/// pattern list replaced by `patterns` (TOML string items).
fn rules_with_patterns(c: &Case, name: &str, patterns: &str) -> PathBuf {
    let dir = c.path(name);
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{name}.toml")),
        RULES
            .replace(r"'\bxc7k\d{3}t\b'", patterns)
            .replace("hostile", name),
    )
    .unwrap();
    dir
}

#[test]
fn rule_set_with_100000_terms_loads_and_classifies() {
    let c = Case::new();
    let dir = c.path("big");
    std::fs::create_dir(&dir).unwrap();
    let mut text = String::from(
        "[ruleset]\nid = \"big\"\nversion = \"1\"\ntitle = \"t\"\nsources = [\"s\"]\n",
    );
    for r in 0..100 {
        text.push_str(&format!(
            "\n[[rule]]\nid = \"big.r{r:03}\"\ntitle = \"x\"\ncategory = \"optics\"\n\
             severity = \"low\"\nreferences = [\"X\"]\nsources = [\"s\"]\nrequires = \"text\"\nany = ["
        ));
        for i in 0..1000 {
            text.push_str(&format!("\"zq{r:03}w{i:04}\", "));
        }
        text.push_str("]\n");
    }
    std::fs::write(dir.join("big.toml"), &text).unwrap();
    let input = c.write(
        "terms.csv",
        b"id,description\n1,goods zq042w0999 here\n2,zq042w09990 no\n3,nothing\n",
    );
    let started = Instant::now();
    let run = c.classify_with_rules(&input, &dir, &[]);
    let took = started.elapsed();
    eprintln!("100,000 terms: loaded and classified in {took:?}");
    run.assert_accounted(3);
    assert!(run.flagged(1));
    assert_eq!(run.records[0]["hits"][0]["rule"], "big.r042");
    assert!(!run.flagged(2), "terms match whole words only");
    assert!(!run.flagged(3));
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn rule_files_that_are_too_big_or_not_utf8_are_diagnosed() {
    let c = Case::new();
    let dir = c.path("r");
    std::fs::create_dir(&dir).unwrap();
    let mut big = b"# padding\n".to_vec();
    big.resize((32 << 20) + 1, b'#');
    std::fs::write(dir.join("a_big.toml"), &big).unwrap();
    std::fs::write(dir.join("b_latin1.toml"), b"[ruleset]\nid = \"caf\xe9\"\n").unwrap();
    let out = c.rules_check(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error[E010]") && stderr.contains("the limit is 33554432"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error[E014]") && stderr.contains("b_latin1.toml:2:"),
        "{stderr}"
    );
}

#[test]
fn jsonl_long_lines_and_garbage_are_rejects() {
    let c = Case::new();
    let mut bytes =
        b"{\"id\":1,\"description\":\"FPGA\"}\nnot json\n[1,2]\n{\"id\":4,\"description\":\""
            .to_vec();
    bytes.resize(bytes.len() + (5 << 20), b'x');
    bytes.extend_from_slice(b"\"}\n\n{\"id\":5,\"description\":\"fpga\"}");
    let run = c.classify(&c.write("in.jsonl", &bytes), &[]);
    run.assert_accounted(5);
    assert!(run.flagged(1));
    assert!(run.rejected(2).contains("invalid JSON"));
    assert!(run.rejected(3).contains("not a JSON object"));
    assert!(run.rejected(4).contains("line longer than 4194304 bytes"));
    assert!(run.flagged(5), "the last line needs no newline");
}

#[test]
fn open_quote_at_the_end_is_told_apart_from_closed_and_literal_quotes() {
    let last = |bytes: &[u8]| {
        let rows = read_all(bytes, &InputOptions::default());
        rows.last().unwrap().fields.clone()
    };
    let open = |bytes: &[u8]| {
        let f = last(bytes);
        assert!(
            f.as_ref().is_err_and(|m| m.contains("not closed")),
            "{:?}: {f:?}",
            String::from_utf8_lossy(bytes)
        );
    };
    let closed = |bytes: &[u8], want: &[&str]| {
        assert_eq!(
            last(bytes).map(|f| f.to_vec()),
            Ok(want.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
    };
    closed(b"a,b\n1,\"x\"\"\"", &["1", "x\""]);
    closed(b"a,b\n1,\"x\"y\n", &["1", "xy"]);
    closed(b"a,b\n1,ab\"c\n", &["1", "ab\"c"]);
    closed(b"a,b\n1,\"\"\n\n\n", &["1", ""]);
    open(b"a,b\n1,\"x\"\"");
    open(b"a;b\n1;\"x;y\n2;z\n");
    open(b"a,b\r\n1,\"x\"\r\n\"");
    open(&gzip(b"a\tb\n1\t\"x\n"));
    // A field that opens a quote after a closed one, in the same row.
    open(b"a,b,c\n1,\"x\",\"y\n");
}

/// Found while writing these tests: nothing bounds the total compiled size
/// of all patterns. Each is compiled when the rules are checked and again on
/// the first line holding one of its literals: 2,000 patterns `q<i>\w{20}`
/// (a 29 KB rule file) take 17 s to load in a release build, and one line
/// naming every `q<i>` then takes 35 s and 3.4 GB. At the limit of 20,000
/// patterns that is minutes and tens of GB. The load should be refused
/// (E010) quickly.
#[test]
#[ignore = "no budget on the total compiled size of patterns; reported to the lead"]
fn many_near_limit_patterns_are_refused_quickly() {
    let c = Case::new();
    let dir = c.path("many");
    std::fs::create_dir(&dir).unwrap();
    let mut text = RULES.replace("hostile", "many");
    text.push_str("\n[[rule]]\nid = \"many.p\"\ntitle = \"x\"\ncategory = \"optics\"\nseverity = \"low\"\nreferences = [\"X\"]\nsources = [\"s\"]\nrequires = \"text\"\npatterns = [");
    for i in 0..2000 {
        text.push_str(&format!("'q{i}\\w{{20}}', "));
    }
    text.push_str("]\n");
    std::fs::write(dir.join("many.toml"), &text).unwrap();
    let started = Instant::now();
    let out = c.rules_check(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("E010"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Found while fuzzing `classify`: every HS code written after a marker
/// ("hs 8542 hs 8542 ...") was kept in `hs.in_text`, deduplicated by a linear
/// search per code, so one 1 MB description cost 5.6 s (quadratic) and its
/// output listed 125,000 codes. At most 16 codes are now considered.
#[test]
fn many_codes_in_one_description_take_linear_time() {
    let c = Case::new();
    let mut bytes = b"id,description\n1,".to_vec();
    bytes.extend_from_slice(&b"hs 8542 ".repeat(100_000));
    bytes.push(b'\n');
    let started = Instant::now();
    let run = c.classify(&c.write("codes.csv", &bytes), &[]);
    run.assert_accounted(1);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(run.records[0]["hs_in_text"].as_array().unwrap().len() <= 100);
}
