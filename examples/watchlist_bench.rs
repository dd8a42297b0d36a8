//! Party watch-list costs: loading a generated list, matching distinct party
//! strings, and the party side of a dump screen next to the goods side.
//!
//! ```sh
//! cargo run --release --example watchlist_bench -- [--entities 100000] [--distinct 20000] [--rows 300000]
//! ```
//!
//! 1. *load*: an OpenSanctions CSV of `--entities` generated companies
//!    (`dualuse::watchlist::synth`) is written to a temporary file and loaded
//!    with `Watchlist::from_paths`; wall time and the process's resident
//!    memory before and after (Linux `/proc/self/status`).
//! 2. *match*: `--distinct` party strings (half written from listed entities,
//!    half decoys) each matched once, uncached: cost per string.
//! 3. *dump*: `--rows` rows, each a goods description (from
//!    `examples/sample.csv`, cycled) and two party fields drawn from the
//!    distinct strings with a Zipf(1) law (a few companies make most rows,
//!    as in customs data). Times the goods screen (`Classifier::classify_with`)
//!    and the party side (`PartyMatcher::screen`, cache of 65,536) on one
//!    thread, then both on all threads with one matcher per rayon worker.

use dualuse::watchlist::synth::{self, Rng};
use dualuse::watchlist::{PartyMatcher, Watchlist};
use dualuse::Classifier;
use rayon::prelude::*;
use std::time::Instant;

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n_entities = arg("--entities", 100_000);
    let n_distinct = arg("--distinct", 20_000);
    let n_rows = arg("--rows", 300_000);

    // 1. load
    let es = synth::entities(n_entities, 20261207);
    let dir = std::env::temp_dir().join(format!("watchlist_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("list.csv");
    std::fs::write(&path, synth::opensanctions_csv(&es)).expect("write list");
    let file_mib = std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1048576.0;
    let rss0 = rss_kib("VmRSS:");
    let t = Instant::now();
    let wl = Watchlist::from_paths(&[&path]).expect("the generated list loads");
    let load_s = t.elapsed().as_secs_f64();
    let rss1 = rss_kib("VmRSS:");
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "load: {} entities, {} names, file {file_mib:.1} MiB: {load_s:.2} s, resident memory +{:.1} MiB \
         ({:.0} bytes per entity)",
        wl.len(),
        wl.names(),
        (rss1.saturating_sub(rss0)) as f64 / 1024.0,
        (rss1.saturating_sub(rss0)) as f64 * 1024.0 / wl.len().max(1) as f64
    );

    // 2. match distinct strings
    let taken = synth::taken_keys(&es);
    let mut rng = Rng::new(5);
    let mut parties = Vec::with_capacity(n_distinct);
    while parties.len() < n_distinct {
        let e = &es[rng.below(es.len())];
        if parties.len() % 2 == 0 {
            parties.push(synth::true_party(&mut rng, e));
        } else if let Some(d) = synth::decoy(&mut rng, e, &taken) {
            parties.push(d);
        }
    }
    let t = Instant::now();
    let mut hits = 0usize;
    for p in &parties {
        hits += wl.screen("consignee", p).len();
    }
    let match_s = t.elapsed().as_secs_f64();
    println!(
        "match: {} distinct strings, uncached, one thread: {match_s:.2} s, {:.1} µs per string ({hits} hits)",
        parties.len(),
        match_s * 1e6 / parties.len() as f64
    );

    // 3. dump: goods screen and party side
    let sample =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample.csv"))
            .expect("examples/sample.csv");
    let mut rdr = csv::Reader::from_reader(sample.as_bytes());
    let lines: Vec<(String, String)> = rdr
        .records()
        .filter_map(Result::ok)
        .map(|r| (r[1].to_string(), r[2].to_string()))
        .collect();
    // Zipf(1) over the distinct strings by inverse CDF on the harmonic numbers.
    let h: Vec<f64> = (1..=parties.len())
        .scan(0.0, |s, k| {
            *s += 1.0 / k as f64;
            Some(*s)
        })
        .collect();
    let total = *h.last().unwrap_or(&1.0);
    let draw = |rng: &mut Rng| {
        let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        h.partition_point(|&x| x < u).min(parties.len() - 1)
    };
    let rows: Vec<(usize, usize, usize)> = (0..n_rows)
        .map(|i| (i % lines.len(), draw(&mut rng), draw(&mut rng)))
        .collect();
    let distinct_used = {
        let mut v: Vec<usize> = rows.iter().flat_map(|r| [r.1, r.2]).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let clf = Classifier::builtin().expect("built-in rules");
    let mut scratch = clf.scratch();
    let t = Instant::now();
    let mut flagged = 0usize;
    for &(l, _, _) in &rows {
        let (hs, text) = &lines[l];
        flagged += usize::from(clf.classify_with(&mut scratch, Some(hs), text).flagged());
    }
    let goods_s = t.elapsed().as_secs_f64();
    let mut m: PartyMatcher = wl.matcher(1 << 16);
    let t = Instant::now();
    let mut party_hits = 0usize;
    for &(_, a, b) in &rows {
        party_hits += m.screen("importer", &parties[a]).len();
        party_hits += m.screen("exporter", &parties[b]).len();
    }
    let party_s = t.elapsed().as_secs_f64();
    println!(
        "dump, one thread: {n_rows} rows, {distinct_used} distinct parties in {} party fields: goods screen \
         {goods_s:.2} s ({:.2} µs/row, {flagged} flagged), party side {party_s:.2} s ({:.2} µs/row, \
         {} matched, {party_hits} hits) = {:.1}% of the goods screen",
        2 * n_rows,
        goods_s * 1e6 / n_rows as f64,
        party_s * 1e6 / n_rows as f64,
        m.misses(),
        100.0 * party_s / goods_s
    );

    let threads = rayon::current_num_threads();
    let t = Instant::now();
    let goods_par: usize = rows
        .par_iter()
        .map_init(
            || clf.scratch(),
            |s, &(l, _, _)| {
                usize::from(
                    clf.classify_with(s, Some(&lines[l].0), &lines[l].1)
                        .flagged(),
                )
            },
        )
        .sum();
    let goods_par_s = t.elapsed().as_secs_f64();
    // One matcher per worker thread, found by rayon's thread index (the lock
    // is never contended: only its own thread takes it).
    let matchers: Vec<std::sync::Mutex<PartyMatcher>> = (0..threads)
        .map(|_| std::sync::Mutex::new(wl.matcher(1 << 16)))
        .collect();
    let t = Instant::now();
    let party_par: usize = rows
        .par_iter()
        .map(|&(_, a, b)| {
            let i = rayon::current_thread_index().unwrap_or(0) % threads;
            let mut m = matchers[i].lock().unwrap_or_else(|e| e.into_inner());
            m.screen("importer", &parties[a]).len() + m.screen("exporter", &parties[b]).len()
        })
        .sum();
    let misses: u64 = matchers
        .iter()
        .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()).misses())
        .sum();
    let party_par_s = t.elapsed().as_secs_f64();
    println!(
        "dump, {threads} threads (one matcher per worker): goods screen {goods_par_s:.2} s ({goods_par} flagged), \
         party side {party_par_s:.2} s ({} matched, {party_par} hits) = {:.1}% of the goods screen",
        misses,
        100.0 * party_par_s / goods_par_s
    );
    println!(
        "peak resident memory: {:.1} MiB",
        rss_kib("VmHWM:") as f64 / 1024.0
    );
}
