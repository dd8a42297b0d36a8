//! The binary, tested as a subprocess: exit codes, stdout, stderr, golden
//! files. The fixture rule set (`tests/fixtures/rules`) keeps the goldens
//! independent of changes to the curated rules. `UPDATE_GOLDEN=1` rewrites
//! the golden files after an intended change.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dualuse"));
    c.current_dir(root());
    c.env_remove("NO_COLOR");
    c
}

fn fixture_rules() -> [&'static str; 3] {
    ["--no-builtin", "--rules", "tests/fixtures/rules"]
}

fn run(args: &[&str]) -> Output {
    bin().args(args).stdin(Stdio::null()).output().unwrap()
}

fn golden(name: &str, got: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        got,
        want,
        "output differs from golden file {}",
        path.display()
    );
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn classify_jsonl_matches_golden_and_accounts_for_every_row() {
    let mut args = vec![
        "classify",
        "tests/fixtures/lines.csv",
        "--format",
        "jsonl",
        "--id-column",
        "id",
    ];
    args.extend(fixture_rules());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1), "flagged rows give status 1");
    let stdout = text(&out.stdout);
    golden("classify.jsonl", &stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines[0].get("metadata").is_some(),
        "metadata leads the stream"
    );
    assert_eq!(lines.len(), 1 + 7, "one record per input row");
    for (i, l) in lines[1..].iter().enumerate() {
        assert_eq!(l["row"], i as u64 + 1);
    }
    let stderr = text(&out.stderr);
    assert!(stderr.contains("7 rows read, 7 screened"), "{stderr}");
}

#[test]
fn classify_csv_passes_columns_through() {
    let mut args = vec!["classify", "tests/fixtures/lines.csv", "--quiet"];
    args.extend(fixture_rules());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.is_empty(), "--quiet silences stderr");
    golden("classify.csv", &text(&out.stdout));
}

#[test]
fn hits_only_and_clean_input_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.csv");
    std::fs::write(&clean, "hs_code,description\n0901.11,Coffee beans\n").unwrap();
    let mut args = vec![
        "classify",
        clean.to_str().unwrap(),
        "--hits-only",
        "--quiet",
    ];
    args.extend(fixture_rules());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert_eq!(s.lines().count(), 2, "comment line and header only: {s}");
}

#[test]
fn output_file_is_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.jsonl");
    let mut args = vec![
        "classify",
        "tests/fixtures/lines.csv",
        "--format",
        "jsonl",
        "--quiet",
        "--output",
        target.to_str().unwrap(),
    ];
    args.extend(fixture_rules());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&target).unwrap().lines().count(), 8);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name() != "out.jsonl")
        .collect();
    assert!(leftovers.is_empty(), "temporary file left behind");
}

#[test]
fn summary_file_reconciles() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let mut args = vec![
        "classify",
        "tests/fixtures/lines.csv",
        "--quiet",
        "--summary",
        summary.to_str().unwrap(),
    ];
    args.extend(fixture_rules());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["rows_read"], 7);
    assert_eq!(
        s["rows_read"].as_u64(),
        Some(s["rows_screened"].as_u64().unwrap() + s["rows_rejected"].as_u64().unwrap())
    );
    assert_eq!(s["metadata"]["rulesets"][0]["id"], "fixture");
}

#[test]
fn explain_matches_golden() {
    let mut args = vec![
        "explain",
        "--hs",
        "9503.00",
        "МИКРОСХЕМЫ ПЛИС XC7K325T, тепловизор 30 Гц",
    ];
    args.extend(fixture_rules());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    golden("explain.txt", &text(&out.stdout));
    let mut args = vec!["explain", "ball bearing grease"];
    args.extend(fixture_rules());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("vetoed: fixture.bearing"));
}

#[test]
fn rules_list_check_test() {
    let mut args = vec!["rules", "test"];
    args.extend(fixture_rules());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("rules: 16 passed, 0 failed"));

    let mut args = vec!["rules", "list"];
    args.extend(fixture_rules());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("fixture.thermal"));

    let out = run(&[
        "rules",
        "check",
        "--no-builtin",
        "--rules",
        "tests/diagnostics/bad_fields.toml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("tests/diagnostics/bad_fields.toml:10:12"),
        "{err}"
    );
    assert!(err.contains("error[E005]"));

    let out = run(&[
        "rules",
        "check",
        "--format",
        "json",
        "--no-builtin",
        "--rules",
        "tests/diagnostics/bad_fields.toml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["code"], "E004");
}

#[test]
fn eval_matches_golden() {
    let mut args = vec!["eval", "tests/fixtures/labelled.csv"];
    args.extend(fixture_rules());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0));
    golden("eval.txt", &text(&out.stdout));
}

#[test]
fn errors_exit_two_with_one_line_reason() {
    let out = run(&["classify", "no/such/file.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no/such/file.csv"));

    let out = run(&["classify", "--bogus-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Usage"));

    let out = run(&[
        "classify",
        "tests/fixtures/lines.csv",
        "--text-column",
        "nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no column `nope`"));
}

#[test]
fn reads_stdin_and_closed_pipe_ends_quietly() {
    use std::io::{Read, Write};
    let mut input = String::from("hs_code,description\n");
    for i in 0..200_000 {
        input.push_str(&format!("8542.31,FPGA XC7K325T lot {i}\n"));
    }
    let mut args = vec!["classify", "-", "--format", "jsonl"];
    args.extend(fixture_rules());
    let mut child = bin()
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 4096];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("error"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn compressed_input_is_recognised_by_content() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p: &Path = dir.path();
    let raw = std::fs::read(root().join("tests/fixtures/lines.csv")).unwrap();
    let gz = p.join("lines.bin");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&raw).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let zs = p.join("lines.zst");
    std::fs::write(&zs, zstd::encode_all(&raw[..], 3).unwrap()).unwrap();
    for f in [gz, zs] {
        let mut args = vec!["classify", f.to_str().unwrap(), "--quiet"];
        args.extend(fixture_rules());
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            text(&out.stdout),
            std::fs::read_to_string(root().join("tests/golden/classify.csv")).unwrap()
        );
    }
}

#[test]
fn mentions_are_written_and_explained_but_do_not_flag() {
    use std::io::Write;
    let input = "hs_code,description\n3926909709,PLASTIC BRACKET FOR WIFI ROUTER\n8806220000,DRONE WITH THERMAL CAMERA 640X512\n";
    let mut child = bin()
        .args(["classify", "-", "--format", "jsonl", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v.get("row").is_some())
        .collect();
    assert_eq!(rows.len(), 2);
    // The bracket: a mention of router rules, not flagged, no category.
    assert_eq!(rows[0]["flagged"], false);
    assert_eq!(rows[0]["hits"].as_array().unwrap().len(), 0);
    assert_eq!(rows[0]["categories"].as_array().unwrap().len(), 0);
    let m = rows[0]["mentions"].as_array().unwrap();
    assert!(!m.is_empty());
    for h in m {
        assert_eq!(h["category"], "communications");
        let ev = h["evidence"].as_array().unwrap();
        assert!(
            ev.iter()
                .any(|e| e["text"].as_str().unwrap().ends_with("ROUTER")),
            "{h}"
        );
    }
    // The drone with a thermal camera: a kit, both hits, no `mentions` key.
    assert_eq!(rows[1]["flagged"], true);
    assert!(rows[1].get("mentions").is_none());
    let cats: Vec<&str> = rows[1]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert!(
        cats.contains(&"uav") && cats.contains(&"optics"),
        "{cats:?}"
    );
    // Exit status 1: the second row is flagged, the first is not.
    assert_eq!(out.status.code(), Some(1));

    let out = run(&[
        "explain",
        "--hs",
        "3926909709",
        "PLASTIC BRACKET FOR WIFI ROUTER",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let o = text(&out.stdout);
    assert!(o.contains("result: not flagged"), "{o}");
    assert!(o.contains("mention: communications."), "{o}");
    assert!(o.contains("ROUTER\" at bytes"), "{o}");
}
