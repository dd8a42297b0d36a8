//! How many rows of a CSV file pass the first phase of the screen (the
//! prefilter of `Classifier::text_may_matter`), with the built-in rules.
//!
//! ```sh
//! cargo run --release --example prefilter_rate -- bench-data/vendor-50m.csv [COLUMN] [TOP]
//! ```
//!
//! COLUMN is the description column (default `goods_description`); TOP > 0
//! also lists the literals that let most rows through
//! (`Classifier::prefilter_reason`). It also times the first phase alone
//! and the whole screen (one thread, descriptions in memory, normalisation
//! included, the best of 5 passes: a shared machine's load only ever adds
//! time), with and without the first phase.

use std::collections::HashMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: prefilter_rate FILE [COLUMN] [TOP]")?;
    let column = args
        .next()
        .unwrap_or_else(|| "goods_description".to_string());
    let top: usize = args.next().map(|t| t.parse()).transpose()?.unwrap_or(0);
    let clf = dualuse::ClassifierBuilder::new()
        .exhaustive(false)
        .build(&dualuse::RuleSources::builtin())?;
    eprintln!("{clf:?}");
    let mut scratch = clf.scratch();
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_path(&path)?;
    let col = rdr
        .headers()?
        .iter()
        .position(|h| h == column)
        .ok_or_else(|| format!("no column `{column}` in {path}"))?;
    let (mut rows, mut passed) = (0u64, 0u64);
    let mut texts: Vec<String> = Vec::new();
    let mut found: HashMap<String, u64> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        let text = rec.get(col).unwrap_or("");
        rows += 1;
        texts.push(text.to_string());
        if clf.text_may_matter(&mut scratch, text) {
            passed += 1;
            if top > 0 {
                let why = clf.prefilter_reason(&mut scratch, text).unwrap_or("(none)");
                *found.entry(why.to_string()).or_default() += 1;
            }
        }
    }
    println!(
        "{rows} rows, {passed} pass the prefilter ({:.2}%)",
        100.0 * passed as f64 / rows.max(1) as f64
    );
    let full = dualuse::ClassifierBuilder::new()
        .exhaustive(true)
        .build(&dualuse::RuleSources::builtin())?;
    let mut full_scratch = full.scratch();
    let best = |f: &mut dyn FnMut() -> usize| {
        (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let phase1 = best(&mut || {
        texts
            .iter()
            .filter(|t| clf.text_may_matter(&mut scratch, t))
            .count()
    });
    let two = best(&mut || {
        texts
            .iter()
            .filter(|t| clf.classify_with(&mut scratch, None, t).flagged())
            .count()
    });
    let one = best(&mut || {
        texts
            .iter()
            .filter(|t| full.classify_with(&mut full_scratch, None, t).flagged())
            .count()
    });
    println!(
        "one thread, best of 5: first phase {phase1:.3} s, two-phase screen {two:.3} s, exhaustive screen {one:.3} s"
    );
    let mut found: Vec<(String, u64)> = found.into_iter().collect();
    found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (lit, n) in found.into_iter().take(top) {
        println!("{n:>9}  {lit:?}");
    }
    Ok(())
}
