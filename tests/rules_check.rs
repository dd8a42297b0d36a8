//! `dualuse rules check` and `rules test` for rule authors (issue "analysts'
//! files", item 11): check reports every problem at once (a rule with too
//! few examples is a warning, E016), suggests the nearest valid key for each
//! misspelt one, and examples and counterexamples are numbered separately.
//! The rendering of each diagnostic is pinned by `tests/diagnostics/`.

use dualuse::check::check_rules;
use dualuse::{Classifier, ClassifierBuilder, Code, Level, RuleSources};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dualuse"))
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const HEADER: &str = "[ruleset]\nid = \"t\"\nversion = \"1\"\ntitle = \"t\"\nsources = [\"s\"]\n";

/// A rule `t.<name>` on the term `thermal camera` with the given example
/// and counterexample texts.
fn rule(name: &str, examples: &[&str], counterexamples: &[&str]) -> String {
    let mut s = format!(
        "\n[[rule]]\nid = \"t.{name}\"\ntitle = \"x\"\ncategory = \"optics\"\nseverity = \"high\"\n\
         references = [\"X\"]\nsources = [\"s\"]\nrequires = \"text\"\nany = [\"thermal camera\"]\n"
    );
    for e in examples {
        s.push_str(&format!("\n[[rule.example]]\ntext = \"{e}\"\n"));
    }
    for e in counterexamples {
        s.push_str(&format!("\n[[rule.counterexample]]\ntext = \"{e}\"\n"));
    }
    s
}

fn sources(text: &str) -> RuleSources {
    let mut s = RuleSources::empty();
    s.add_source("t.toml", text.to_string());
    s
}

#[test]
fn counterexamples_are_numbered_among_counterexamples() {
    let text = format!(
        "{HEADER}{}",
        rule(
            "cam",
            &["thermal camera", "camera bag"],
            &["camera bag", "THERMAL CAMERA 640", "thermal underwear"],
        )
    );
    let clf = Classifier::new(&sources(&text)).unwrap();
    let (passed, failures) = clf.check_examples();
    assert_eq!(passed, 3);
    let got: Vec<(&str, usize)> = failures
        .iter()
        .map(|f| (f.problem.as_str(), f.index))
        .collect();
    // The second example and the second counterexample, not "#4".
    assert_eq!(got, [("example", 2), ("counterexample", 2)]);
    assert!(failures[1].to_string().contains("counterexample #2:"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    std::fs::write(&path, &text).unwrap();
    let out = run(&[
        "rules",
        "test",
        "--no-builtin",
        "--rules",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text_of(&out);
    assert!(
        stdout.contains("example #2: hs=\"\" text=\"camera bag\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("counterexample #2: hs=\"\" text=\"THERMAL CAMERA 640\""),
        "{stdout}"
    );
}

fn text_of(out: &Output) -> String {
    lossy(&out.stdout)
}

#[test]
fn too_few_examples_is_a_warning_that_check_reports_and_classify_ignores() {
    let text = format!(
        "{HEADER}{}{}",
        rule("one", &["thermal camera"], &[]),
        rule(
            "enough",
            &["thermal camera", "THERMAL CAMERA"],
            &["camera", "thermal"]
        ),
    );
    // The library: the rules build, and check_rules reports the warning.
    assert!(Classifier::new(&sources(&text)).is_ok());
    let report = check_rules(&ClassifierBuilder::new(), &sources(&text)).unwrap();
    assert_eq!((report.errors(), report.warnings()), (0, 1));
    let d = &report.diagnostics()[0];
    assert_eq!((d.code, d.level), (Code::E016, Level::Warning));
    assert_eq!(d.rule.as_deref(), Some("t.one"));
    assert_eq!((d.line, d.column), (8, 6));
    assert!(
        d.message.starts_with("1 example and 0 counterexamples"),
        "{}",
        d.message
    );
    assert_eq!(report.exit_status(), 1);

    // The binary: exit 1, the warning on stderr, a summary on stdout.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    std::fs::write(&path, &text).unwrap();
    let p = path.to_str().unwrap();
    let out = run(&["rules", "check", "--no-builtin", "--rules", p]);
    let stderr = lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("warning[E016]") && stderr.contains(&format!("{p}:8:6")),
        "{stderr}"
    );
    let stdout = text_of(&out);
    assert!(!stdout.contains("no problems"), "{stdout}");
    assert!(stdout.contains("1 warning(s)"), "{stdout}");

    let out = run(&[
        "rules",
        "check",
        "--format",
        "json",
        "--no-builtin",
        "--rules",
        p,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["code"], "E016");
    assert_eq!(v[0]["level"], "warning");
    assert_eq!(v[0]["rule"], "t.one");

    // classify with the same file is not refused.
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "id,description\n1,THERMAL CAMERA\n").unwrap();
    let out = run(&[
        "classify",
        csv.to_str().unwrap(),
        "--no-builtin",
        "--rules",
        p,
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", lossy(&out.stderr));
    assert!(text_of(&out).contains("t.one"));
}

#[test]
fn every_misspelt_key_is_reported_with_the_nearest_valid_one() {
    let text = format!(
        "{HEADER}{}",
        rule("two", &["thermal camera", "thermal camera 2"], &["a", "b"])
    )
    .replace("title = \"x\"", "titel = \"x\"")
    .replace("severity =", "severty =");
    let report = check_rules(&ClassifierBuilder::new(), &sources(&text)).unwrap();
    let msgs: Vec<&str> = report
        .diagnostics()
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "unknown field `titel` in [[rule]]: did you mean `title`?",
            "unknown field `severty` in [[rule]]: did you mean `severity`?",
        ]
    );
    assert!(report.diagnostics().iter().all(|d| d.code == Code::E002
        && d.level == Level::Error
        && d.rule.as_deref() == Some("t.two")));
    // The curated rules are clean.
    let report = check_rules(&ClassifierBuilder::new(), &RuleSources::builtin()).unwrap();
    assert_eq!(report.diagnostics(), &[]);
}

#[test]
fn errors_and_warnings_of_several_files_come_file_by_file() {
    let mut src = RuleSources::empty();
    src.add_source("a.toml", format!("{HEADER}{}", rule("few", &[], &[])));
    src.add_source(
        "b.toml",
        format!("{HEADER}{}", rule("bad", &["x", "y"], &["z", "w"]))
            .replace("\"t\"", "\"u\"")
            .replace("t.bad", "u.bad")
            .replace("\"optics\"", "\"rockets\""),
    );
    let report = check_rules(&ClassifierBuilder::new(), &src).unwrap();
    let got: Vec<(&str, &str)> = report
        .diagnostics()
        .iter()
        .map(|d| (d.file.as_str(), d.code.as_str()))
        .collect();
    assert_eq!(got, [("a.toml", "E016"), ("b.toml", "E004")]);
    assert_eq!(report.exit_status(), 2);
    assert!(report.classifier().is_none());
}

/// A rule file that uses every key of every table once.
const EVERY_KEY: &str = r#"[ruleset]
id = "every"
version = "1"
title = "every key"
description = "d"
published = "2024-02-01"
sources = ["s"]

[[heading]]
category = "optics"
hs = ["9013"]
note = "n"

[[rule]]
id = "every.key"
title = "x"
category = "optics"
severity = "high"
references = ["X"]
sources = ["s"]
requires = "either"
hs = ["9013"]
any = ["thermal camera"]
patterns = ['\bflir boson\b']
all = [["sight", "scope"]]
note = "n"

[[rule.param]]
quantity = "frame_rate"
op = ">"
value = 9
unit = "Hz"

[rule.exclude]
any = ["toy"]
patterns = ['\btoy\b']
hs = ["9503"]

[[rule.example]]
text = "thermal camera sight"
hs = "9013"

[[rule.example]]
text = "flir boson scope"

[[rule.counterexample]]
text = "camera"

[[rule.counterexample]]
text = "toy thermal camera sight"
"#;

/// Every key of every table, misspelt by swapping its first two letters,
/// gives exactly one diagnostic: E002 at that key, suggesting the key.
#[test]
fn each_key_misspelt_alone_is_the_only_problem_and_is_suggested() {
    let clean = check_rules(&ClassifierBuilder::new(), &sources(EVERY_KEY)).unwrap();
    assert_eq!(clean.diagnostics(), &[]);
    let lines: Vec<&str> = EVERY_KEY.lines().collect();
    let mut tried = 0;
    for (i, line) in lines.iter().enumerate() {
        // `key = ...`, or the last part of a table header other than `[[rule]]`.
        let (start, key) = if let Some(eq) = line.find(" = ") {
            (0, &line[..eq])
        } else if line.starts_with('[') && *line != "[[rule]]" {
            let name = line.trim_matches(|c| c == '[' || c == ']');
            let last = name.rsplit('.').next().unwrap();
            (line.find(last).unwrap(), last)
        } else {
            continue;
        };
        let mut chars: Vec<char> = key.chars().collect();
        chars.swap(0, 1);
        let typo: String = chars.into_iter().collect();
        let mut text = String::new();
        for (j, l) in lines.iter().enumerate() {
            if j == i {
                text.push_str(&format!("{}{typo}{}", &l[..start], &l[start + key.len()..]));
            } else {
                text.push_str(l);
            }
            text.push('\n');
        }
        let report = check_rules(&ClassifierBuilder::new(), &sources(&text)).unwrap();
        let d = report.diagnostics();
        assert_eq!(d.len(), 1, "`{key}` as `{typo}`: {d:#?}");
        assert_eq!(d[0].code, Code::E002);
        assert_eq!((d[0].line, d[0].column), (i + 1, start + 1), "`{typo}`");
        assert!(
            d[0].message.ends_with(&format!("did you mean `{key}`?")),
            "`{typo}`: {}",
            d[0].message
        );
        tried += 1;
    }
    assert_eq!(tried, 41);
}

/// Every cut of a rule file (at each line, and inside each line) is checked
/// without a panic, and each problem has a location in the file.
#[test]
fn every_cut_of_a_file_is_checked_without_panic() {
    let mut cuts: Vec<usize> = EVERY_KEY.match_indices('\n').map(|(i, _)| i).collect();
    cuts.extend(EVERY_KEY.match_indices(" = ").map(|(i, _)| i + 2));
    cuts.extend(EVERY_KEY.match_indices("\"\n").map(|(i, _)| i));
    for cut in cuts {
        let text = &EVERY_KEY[..cut];
        let report = check_rules(&ClassifierBuilder::new(), &sources(text)).unwrap();
        for d in report.diagnostics() {
            assert_eq!(d.file, "t.toml");
            assert!(d.line >= 1, "cut at {cut}: {d:?}");
            assert_eq!(d.level, d.code.level());
        }
        if report.errors() == 0 {
            assert!(report.classifier().is_some(), "cut at {cut}");
        }
    }
}

/// A build trusts the patterns of the embedded curated files (the check
/// above compiles them), never those of a file added after them.
#[test]
fn a_file_added_to_the_builtin_sets_has_its_patterns_compiled() {
    let mut src = RuleSources::builtin();
    let bad = rule("pat", &["thermal camera"], &[]).replace(
        "any = [\"thermal camera\"]\n",
        "any = [\"thermal camera\"]\npatterns = [\"x*\"]\n",
    );
    src.add_source("user.toml", format!("{HEADER}{bad}"));
    let err = ClassifierBuilder::new().build(&src).unwrap_err();
    let diags = match err.kind() {
        dualuse::ErrorKind::Rules(d) => d.clone(),
        other => panic!("not a rule error: {other:?}"),
    };
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].file, "user.toml");
    assert_eq!(diags[0].code, Code::E015);
    // Built alone, the curated files give the same rules as when their
    // patterns are compiled for the check.
    let trusted = ClassifierBuilder::new()
        .build(&RuleSources::builtin())
        .unwrap();
    let checked = ClassifierBuilder::new()
        .check_embedded_patterns(true)
        .build(&RuleSources::builtin())
        .unwrap();
    assert_eq!(trusted.hash(), checked.hash());
    assert_eq!(trusted.rules().len(), checked.rules().len());
}
