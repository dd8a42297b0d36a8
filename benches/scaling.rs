//! Per-line cost against the number of rules loaded: the compiled classifier
//! (one automaton for all terms) against the naive classifier (every rule
//! checked alone), with 50, 500, 5,000 and 50,000 generated rules.
//!
//! ```text
//! cargo bench --bench scaling
//! cargo bench --bench scaling -- --warm-up-time 1 --measurement-time 3   # shorter
//! python3 scripts/plot_scaling.py    # target/scaling.csv -> docs/scaling.svg
//! ```
//!
//! Rules are written as TOML text, as a user would, 1,000 rules per file:
//! 2 to 5 pseudo-words as
//! `any` terms (Latin and Cyrillic syllables, some with a stem `*`),
//! categories cycling through the ten ids, `requires = "text"`. The lines are
//! 1,000 rows of the dump generator; 5% of them also carry one of the rule
//! words, so some rules fire. After criterion has measured, the medians are
//! written to `target/scaling.csv` (rules, engine, ns_per_line).

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use dualuse::oracle::NaiveClassifier;
use dualuse::{Category, Classifier, RuleSources};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

#[allow(dead_code)] // the example's `main` and CSV helpers are not used here
#[path = "../examples/gen_dump.rs"]
mod gen_dump;

const SIZES: &[usize] = &[50, 500, 5_000, 50_000];
const LINES: usize = 1_000;

const LATIN: &[&str] = &[
    "ka", "ro", "mi", "ze", "tu", "vel", "dor", "sin", "pa", "lu", "gre", "bo", "ny", "fa", "qui",
    "hem",
];
const CYRILLIC: &[&str] = &[
    "ка", "ро", "ми", "зе", "ту", "вел", "дор", "син", "па", "лу", "гре", "бо", "ны", "фа", "щи",
    "хем",
];

/// The `i`-th pseudo-word: five syllables, base 16, so distinct `i` give
/// distinct words; every third word is Cyrillic.
fn word(i: usize) -> String {
    let syl = if i % 3 == 2 { CYRILLIC } else { LATIN };
    let mut s = String::new();
    let mut x = i;
    for _ in 0..5 {
        s.push_str(syl[x % 16]);
        x /= 16;
    }
    s
}

/// Terms of rule `k`: `(first word index, count)`; word indices never overlap
/// between rules, so a word in a line touches exactly one rule.
fn rule_terms(k: usize, rng: &mut gen_dump::Rng) -> (usize, usize) {
    (k * 5, rng.range(2, 5) as usize)
}

/// Rules per file. The rule loader's cost grows with the square of a file's
/// size (see BENCHMARKS.md), and real rule packs come as many files anyway.
const RULES_PER_FILE: usize = 1_000;

/// `n` generated rules, as TOML files of at most [`RULES_PER_FILE`] rules.
fn rule_sources(n: usize) -> RuleSources {
    let mut rng = gen_dump::Rng::new(n as u64);
    let mut src = RuleSources::empty();
    for (f, start) in (0..n).step_by(RULES_PER_FILE).enumerate() {
        let end = (start + RULES_PER_FILE).min(n);
        let mut s = String::with_capacity((end - start) * 260);
        let _ = write!(
            s,
            "[ruleset]\nid = \"gen{f}\"\nversion = \"1\"\n\
             title = \"generated for benches/scaling.rs\"\nsources = [\"benches/scaling.rs\"]\n"
        );
        for k in start..end {
            let cat = Category::ALL[k % Category::ALL.len()].as_str();
            let (first, count) = rule_terms(k, &mut rng);
            let terms: Vec<String> = (first..first + count)
                .map(|i| {
                    let star = if rng.permille(200) { "*" } else { "" };
                    format!("\"{}{star}\"", word(i))
                })
                .collect();
            let _ = write!(
                s,
                "\n[[rule]]\nid = \"gen{f}.r{k:05}\"\ntitle = \"generated rule {k}\"\n\
                 category = \"{cat}\"\nseverity = \"medium\"\nreferences = [\"GEN:{k}\"]\n\
                 sources = [\"benches/scaling.rs\"]\nrequires = \"text\"\nany = [{}]\n",
                terms.join(", ")
            );
        }
        src.add_source(format!("gen{f}.toml"), s);
    }
    src
}

/// 1,000 dump rows; 5% of them get one word of a random rule appended.
fn lines_for(n_rules: usize) -> Vec<(String, String)> {
    let mut g = gen_dump::DumpGen::new(7);
    let mut rng = gen_dump::Rng::new(99);
    (0..LINES)
        .map(|_| {
            let r = g.next_row();
            let mut text = r.text;
            if rng.permille(50) {
                let k = rng.below(n_rules as u64) as usize;
                text.push_str(", ");
                text.push_str(&word(k * 5));
            }
            (r.hs, text)
        })
        .collect()
}

/// How many lines the naive classifier screens per iteration: fewer as the
/// rules grow, so one sample stays well under a second.
fn naive_lines(n_rules: usize) -> usize {
    match n_rules {
        0..=500 => LINES,
        501..=5_000 => 200,
        _ => 20,
    }
}

fn criterion_dir() -> PathBuf {
    if let Some(h) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(h);
    }
    target_dir().join("criterion")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The median time per iteration (ns) criterion stored for one benchmark.
fn median_ns(group: &str, function: &str, param: usize) -> Option<f64> {
    let p = criterion_dir()
        .join(group)
        .join(function)
        .join(param.to_string())
        .join("new")
        .join("estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn main() {
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    // (rules, engine, lines per iteration) of the benchmarks that ran.
    let mut ran: Vec<(usize, &str, usize)> = Vec::new();

    {
        let mut g = c.benchmark_group("scaling_compile");
        g.sampling_mode(SamplingMode::Flat);
        g.sample_size(10);
        for &n in SIZES {
            let src = rule_sources(n);
            g.bench_with_input(BenchmarkId::new("compiled", n), &src, |b, src| {
                b.iter(|| Classifier::new(src).expect("generated rules compile"))
            });
        }
        g.finish();
    }

    let mut g = c.benchmark_group("scaling");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.warm_up_time(Duration::from_secs(1));
    for &n in SIZES {
        let src = rule_sources(n);
        let clf = Classifier::new(&src).expect("generated rules compile");
        let naive = NaiveClassifier::new(&src).expect("generated rules load");
        let rows = lines_for(n);
        let mut scratch = clf.scratch();

        // The two engines must agree, or the comparison means nothing.
        let k = naive_lines(n);
        let (mut fast, mut slow) = (0usize, 0usize);
        for (hs, t) in &rows[..k] {
            let hs = (!hs.is_empty()).then_some(hs.as_str());
            fast += clf.classify_with(&mut scratch, hs, t).hits.len();
            slow += naive.classify(hs, t).len();
        }
        eprintln!("scaling: {n} rules, {k} lines: {fast} hits (compiled), {slow} (naive)");
        assert_eq!(fast, slow, "compiled and naive disagree with {n} rules");

        g.throughput(Throughput::Elements(rows.len() as u64));
        let mut did = false;
        g.bench_with_input(BenchmarkId::new("compiled", n), &rows, |b, rows| {
            did = true;
            b.iter(|| {
                let mut hits = 0usize;
                for (hs, t) in rows {
                    let hs = (!hs.is_empty()).then_some(hs.as_str());
                    hits += clf.classify_with(&mut scratch, hs, t).hits.len();
                }
                hits
            })
        });
        if did {
            ran.push((n, "compiled", rows.len()));
        }

        g.throughput(Throughput::Elements(k as u64));
        let mut did = false;
        g.bench_with_input(BenchmarkId::new("naive", n), &rows[..k], |b, rows| {
            did = true;
            b.iter(|| {
                let mut hits = 0usize;
                for (hs, t) in rows {
                    let hs = (!hs.is_empty()).then_some(hs.as_str());
                    hits += naive.classify(hs, t).len();
                }
                hits
            })
        });
        if did {
            ran.push((n, "naive", k));
        }
    }
    g.finish();
    c.final_summary();

    // Only a real measurement run leaves estimates behind (`cargo test`
    // runs each benchmark once, in test mode, and writes none).
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut csv = String::from("rules,engine,ns_per_line\n");
    for (n, engine, lines) in ran {
        match median_ns("scaling", engine, n) {
            Some(ns) => {
                let _ = writeln!(csv, "{n},{engine},{:.1}", ns / lines as f64);
            }
            None => eprintln!("scaling: no estimate found for {engine}/{n}"),
        }
    }
    let out = target_dir().join("scaling.csv");
    match std::fs::write(&out, &csv) {
        Ok(()) => eprintln!("scaling: wrote {}", out.display()),
        Err(e) => eprintln!("scaling: cannot write {}: {e}", out.display()),
    }
}
