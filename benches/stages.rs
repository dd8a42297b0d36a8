//! Where the time of a screen goes, stage by stage, and the least time any
//! screen built of these stages can take on this machine, next to ripgrep
//! in the same run.
//!
//! ```text
//! cargo bench --bench stages                                    # 200 MB dump, 3 runs
//! cargo bench --bench stages -- bench-data/dump-1000000000.csv 3
//! ```
//!
//! The file must exist (`benches/throughput.sh` generates the dumps into
//! `bench-data/`, and the analyst's keyword list into `bench-data/terms.txt`).
//! Each stage is a whole pass over the file on one thread, and includes the
//! stages above it:
//!
//! 1. `parse`: [`RowReader`] (CSV, decoding, UTF-8 check), the description
//!    field of every row;
//! 2. `+ normalise`: [`Normalized::normalize_lazy`], as the classifier
//!    does it;
//! 3. `+ match the analyst's terms`: one Aho-Corasick automaton over the
//!    terms ripgrep is given (`TERMS`, lower-cased), overlapping matches,
//!    as the classifier searches;
//! 4. `+ match all literals`: instead of 3, the same over
//!    [`Classifier::literals`], the classifier's own automaton (terms,
//!    pattern triggers, HS markers);
//! 5. `+ first phase`: instead of 3, [`Classifier::text_may_matter`], the
//!    prefilter of the two-phase screen (its literals, boundaries and
//!    checks); the count is the rows it lets through;
//! 6. `classify`: [`Classifier::classify_with`], the whole engine, no
//!    output, two-phase;
//! 7. `classify, exhaustive`: the same without the first phase
//!    ([`dualuse::ClassifierBuilder::exhaustive`]).
//!
//! Then `rg -c -F -i -f TERMS FILE`, which searches one file on one thread.
//! The column `2 cores ≥` is the stage's time halved: no schedule of that
//! much work on two cores finishes sooner. When it exceeds ripgrep's time,
//! no screen that does that stage's work can match ripgrep on two cores.
//! Stages and ripgrep alternate within each run; the table shows medians.

use aho_corasick::{AhoCorasick, MatchKind};
use dualuse::input::{InputOptions, RowReader};
use dualuse::normalize::Normalized;
use dualuse::Classifier;
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Parse,
    Normalise,
    Terms,
    Literals,
    FirstPhase,
    Classify,
    Exhaustive,
}

impl Stage {
    const ALL: [Stage; 7] = [
        Stage::Parse,
        Stage::Normalise,
        Stage::Terms,
        Stage::Literals,
        Stage::FirstPhase,
        Stage::Classify,
        Stage::Exhaustive,
    ];

    fn name(self) -> &'static str {
        match self {
            Stage::Parse => "parse",
            Stage::Normalise => "+ normalise",
            Stage::Terms => "+ match the analyst's terms",
            Stage::Literals => "+ match all literals",
            Stage::FirstPhase => "+ first phase (prefilter) instead",
            Stage::Classify => "classify (whole engine)",
            Stage::Exhaustive => "classify, exhaustive",
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; positional arguments are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let file = args
        .first()
        .cloned()
        .unwrap_or_else(|| "bench-data/dump-200000000.csv".into());
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let terms_path = std::env::var("TERMS").unwrap_or_else(|_| "bench-data/terms.txt".into());
    let size = match std::fs::metadata(&file) {
        Ok(m) => m.len(),
        Err(e) => {
            eprintln!("{file}: {e} (generate it with benches/throughput.sh)");
            std::process::exit(2);
        }
    };
    let terms: Vec<String> = match std::fs::read_to_string(&terms_path) {
        Ok(t) => t
            .lines()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
            .collect(),
        Err(e) => {
            eprintln!("{terms_path}: {e} (benches/throughput.sh writes it)");
            std::process::exit(2);
        }
    };
    let clf = Classifier::builtin().expect("the curated rules compile");
    let two = dualuse::ClassifierBuilder::new()
        .exhaustive(false)
        .build(&dualuse::RuleSources::builtin())
        .expect("the curated rules compile");
    let full = dualuse::ClassifierBuilder::new()
        .exhaustive(true)
        .build(&dualuse::RuleSources::builtin())
        .expect("the curated rules compile");
    let literals: Vec<&str> = clf.literals().collect();
    // The classifier's settings: standard semantics for overlapping
    // search, the automaton kind left to the crate (a contiguous NFA at
    // this size, as in the classifier).
    let build = |lits: &[&str]| {
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(lits)
            .expect("automaton")
    };
    let term_refs: Vec<&str> = terms.iter().map(String::as_str).collect();
    let ac_terms = build(&term_refs);
    let ac_all = build(&literals);
    eprintln!(
        "{file}: {size} bytes; {} terms ({} KiB automaton), {} literals ({} KiB)",
        terms.len(),
        ac_terms.memory_usage() >> 10,
        literals.len(),
        ac_all.memory_usage() >> 10
    );

    let rg = Command::new("rg").arg("--version").output().is_ok();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); Stage::ALL.len() + 1];
    let mut checks = vec![0u64; Stage::ALL.len() + 1];
    for run in 0..runs {
        for (i, &stage) in Stage::ALL.iter().enumerate() {
            let t = Instant::now();
            let c = match stage {
                Stage::Exhaustive => &full,
                Stage::FirstPhase | Stage::Classify => &two,
                _ => &clf,
            };
            checks[i] = pass(&file, stage, c, &ac_terms, &ac_all);
            times[i].push(t.elapsed().as_secs_f64());
        }
        if rg {
            let t = Instant::now();
            let out = Command::new("rg")
                .args(["-c", "-F", "-i", "-f", &terms_path, &file])
                .stderr(Stdio::inherit())
                .output()
                .expect("rg runs");
            times[Stage::ALL.len()].push(t.elapsed().as_secs_f64());
            checks[Stage::ALL.len()] = String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .unwrap_or(0);
        }
        eprintln!("run {} of {runs} done", run + 1);
    }

    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let rg_s = if rg {
        Some(median(&mut times[Stage::ALL.len()]))
    } else {
        None
    };
    println!("| stage (one thread) | median s | MB/s | added s | 2 cores ≥ s | vs rg | count |");
    println!("|---|---|---|---|---|---|---|");
    let mut prev = 0.0;
    for (i, &stage) in Stage::ALL.iter().enumerate() {
        let s = median(&mut times[i]);
        // The two matching stages each add to `+ normalise`.
        let added = if matches!(stage, Stage::Classify | Stage::Exhaustive) {
            "".to_string()
        } else {
            format!("{:.2}", s - prev)
        };
        let vs = rg_s.map_or("".into(), |r| format!("{:.2}×", s / 2.0 / r));
        println!(
            "| {} | {s:.2} | {:.0} | {added} | {:.2} | {vs} | {} |",
            stage.name(),
            size as f64 / s / 1e6,
            s / 2.0,
            checks[i]
        );
        if matches!(stage, Stage::Parse | Stage::Normalise) {
            prev = s;
        }
    }
    if let Some(r) = rg_s {
        println!(
            "| `rg -c -F -i -f TERMS` | {r:.2} | {:.0} | | | 1.00× | {} |",
            size as f64 / r / 1e6,
            checks[Stage::ALL.len()]
        );
    } else {
        println!("(ripgrep not found: no reference row)");
    }
    println!(
        "\n`vs rg`: the two-core bound over ripgrep's time; above 1.00× that \
         stage alone, split perfectly over two cores, is slower than ripgrep. \
         `count`: rows (parse, classify: rows flagged), non-empty normalised \
         descriptions, or automaton matches; ripgrep: matching lines."
    );
}

/// One pass over `file`: parse every row and do `stage`'s work on its
/// description; returns a count that depends on all of it, so that none of
/// it can be optimised away.
fn pass(file: &str, stage: Stage, clf: &Classifier, terms: &AhoCorasick, all: &AhoCorasick) -> u64 {
    let mut reader = RowReader::open(file, &InputOptions::default()).expect("input opens");
    let headers = reader.headers().to_vec();
    let text_col = headers
        .iter()
        .position(|h| h == "description" || h == "goods_description")
        .unwrap_or(2);
    let hs_col = headers.iter().position(|h| h == "hs_code");
    let mut norm = Normalized::new();
    let mut scratch = clf.scratch();
    let mut count = 0u64;
    while let Some(row) = reader.next_row().expect("input reads") {
        let Ok(fields) = row.fields else { continue };
        let text = fields.get(text_col).unwrap_or("");
        match stage {
            Stage::Parse => {
                std::hint::black_box(text);
                count += 1;
            }
            Stage::Normalise => {
                norm.normalize_lazy(text);
                count += u64::from(!norm.as_str().is_empty());
            }
            Stage::Terms | Stage::Literals => {
                norm.normalize_lazy(text);
                let ac = if stage == Stage::Terms { terms } else { all };
                count += ac.find_overlapping_iter(norm.as_str()).count() as u64;
            }
            Stage::FirstPhase => {
                count += u64::from(clf.text_may_matter(&mut scratch, text));
            }
            Stage::Classify | Stage::Exhaustive => {
                let hs = hs_col.and_then(|c| fields.get(c));
                count += u64::from(clf.classify_with(&mut scratch, hs, text).flagged());
            }
        }
    }
    count
}
