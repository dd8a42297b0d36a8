//! What one search over every byte of the normalised descriptions costs,
//! whatever the literal set: the floor under any first phase that runs an
//! automaton over the whole line (see BENCHMARKS.md, "Known floors").
//!
//! ```sh
//! cargo run --release --example scan_floor -- bench-data/vendor-50m.csv [COLUMN]
//! ```
//!
//! Normalises the description column of every row once (in memory, like
//! the screen), then times, on one thread (best of 3 passes), an
//! overlapping aho-corasick search over all of them with: the first
//! phase's literals (`Classifier::prefilter_literals`) and the full
//! automaton's (`Classifier::literals`), each as a contiguous NFA and, where
//! it builds within 1 GiB, as a DFA; and the distinct first 3 and 4 bytes
//! of the first phase's literals (a set of heads a cheaper first step
//! could search for). Prints each set's size, the automaton's memory, the
//! matches reported and the time. Then the first two sets as one lazy DFA
//! (regex-automata's hybrid engine): anywhere, and only after a byte that
//! is not an ASCII letter or digit (a word-start gate that every literal
//! whose uses need a word boundary could stand behind).
//!
//! With `SCAN_FLOOR_DUMP=DIR`, it first writes the normalised descriptions
//! and both literal sets to DIR, one a line, for
//! `benches/hyperscan_floor.py`.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use dualuse::normalize::Normalized;
use regex_automata::hybrid::dfa::{OverlappingState, DFA};
use regex_automata::nfa::thompson;
use regex_automata::Input;
use regex_syntax::hir::Hir;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: scan_floor FILE [COLUMN]")?;
    let column = args
        .next()
        .unwrap_or_else(|| "goods_description".to_string());
    let clf = dualuse::ClassifierBuilder::new()
        .exhaustive(false)
        .build(&dualuse::RuleSources::builtin())?;
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_path(&path)?;
    let col = rdr
        .headers()?
        .iter()
        .position(|h| h == column)
        .ok_or_else(|| format!("no column `{column}` in {path}"))?;
    let mut norm = Normalized::new();
    let mut texts: Vec<String> = Vec::new();
    for rec in rdr.records() {
        norm.normalize(rec?.get(col).unwrap_or(""));
        texts.push(norm.as_str().to_string());
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("{} rows, {bytes} bytes of normalised text", texts.len());
    if let Some(dir) = std::env::var_os("SCAN_FLOOR_DUMP") {
        dump(std::path::Path::new(&dir), &clf, &texts)?;
    }

    let first_phase: Vec<Vec<u8>> = clf
        .prefilter_literals()
        .map(|l| l.as_bytes().to_vec())
        .collect();
    let full: Vec<Vec<u8>> = clf.literals().map(|l| l.as_bytes().to_vec()).collect();
    let heads = |n: usize| {
        let mut h: Vec<Vec<u8>> = first_phase
            .iter()
            .map(|l| l[..l.len().min(n)].to_vec())
            .collect();
        h.sort();
        h.dedup();
        h
    };
    let sets = [
        ("first-phase literals", first_phase.clone()),
        ("full automaton literals", full),
        ("first 4 bytes of the first-phase literals", heads(4)),
        ("first 3 bytes of the first-phase literals", heads(3)),
    ];
    for (name, lits) in &sets {
        for kind in [AhoCorasickKind::ContiguousNFA, AhoCorasickKind::DFA] {
            let ac = match AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(kind))
                .build(lits)
            {
                Ok(ac) if ac.memory_usage() < 1 << 30 => ac,
                _ => {
                    println!("{name} ({}): {kind:?} not built", lits.len());
                    continue;
                }
            };
            let (best, matches) = best_of_3(|| {
                Ok(texts
                    .iter()
                    .map(|t| ac.find_overlapping_iter(t.as_str()).count())
                    .sum())
            })?;
            row(
                &format!("{name} ({}): {kind:?}", lits.len()),
                &format!("{} MB", ac.memory_usage() / 1_000_000),
                &format!("{matches} matches"),
                best,
                bytes,
            );
        }
    }

    // The same literals as one lazy DFA (regex-automata's hybrid engine),
    // which builds only the states the text visits: every end of a match,
    // overlapping. A DFA gives no start and no literal, so a real scan
    // would still have to find which literals end at each place.
    let word_start = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(r"(?-u:^|[^0-9a-zA-Z])")?;
    for (name, lits) in &sets[..2] {
        let alt = Hir::alternation(lits.iter().map(|l| Hir::literal(l.clone())).collect());
        let gated = Hir::concat(vec![word_start.clone(), alt.clone()]);
        for (how, hir) in [("anywhere", alt), ("after a non-alphanumeric byte", gated)] {
            let nfa = thompson::Compiler::new()
                .configure(
                    thompson::Config::new()
                        .shrink(false)
                        .utf8(false)
                        .which_captures(thompson::WhichCaptures::None),
                )
                .build_from_hir(&hir)?;
            let dfa = DFA::builder()
                .configure(
                    DFA::config()
                        .match_kind(regex_automata::MatchKind::All)
                        .cache_capacity(64 << 20),
                )
                .build_from_nfa(nfa)?;
            let mut cache = dfa.create_cache();
            let (best, ends) = best_of_3(|| {
                let mut ends = 0;
                for text in &texts {
                    let input = Input::new(text.as_bytes());
                    let mut state = OverlappingState::start();
                    loop {
                        dfa.try_search_overlapping_fwd(&mut cache, &input, &mut state)?;
                        if state.get_match().is_none() {
                            break;
                        }
                        ends += 1;
                    }
                }
                Ok(ends)
            })?;
            row(
                &format!("{name} ({}), {how}: lazy DFA", lits.len()),
                &format!("{} MB of states", cache.memory_usage() / 1_000_000),
                &format!("{ends} match ends"),
                best,
                bytes,
            );
        }
    }
    Ok(())
}

/// Writes the normalised descriptions (one a line) and the two literal
/// sets (one a line) to `dir`, for engines outside this crate
/// (`benches/hyperscan_floor.py`).
fn dump(
    dir: &std::path::Path,
    clf: &dualuse::Classifier,
    texts: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("descriptions.txt"))?);
    for t in texts {
        // The normaliser turns every line break into a space.
        writeln!(out, "{t}")?;
    }
    out.flush()?;
    for (name, lits) in [
        (
            "first_phase.txt",
            clf.prefilter_literals().collect::<Vec<_>>(),
        ),
        ("full.txt", clf.literals().collect()),
    ] {
        let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join(name))?);
        for l in lits {
            writeln!(out, "{l}")?;
        }
        out.flush()?;
    }
    println!(
        "wrote descriptions.txt, first_phase.txt and full.txt to {}",
        dir.display()
    );
    Ok(())
}

/// One line of results: what was searched, its memory, what it found, and
/// the best time in seconds and per byte of the `bytes` searched.
fn row(what: &str, memory: &str, found: &str, best: f64, bytes: usize) {
    println!(
        "{what}, {memory}, {found}, {best:.3} s ({:.1} ns/byte)",
        best * 1e9 / bytes.max(1) as f64
    );
}

/// The fastest of three runs of `pass` in seconds, and the count it returns.
fn best_of_3(
    mut pass: impl FnMut() -> Result<usize, Box<dyn std::error::Error>>,
) -> Result<(f64, usize), Box<dyn std::error::Error>> {
    let (mut best, mut count) = (f64::INFINITY, 0);
    for _ in 0..3 {
        let t = std::time::Instant::now();
        count = pass()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok((best, count))
}
