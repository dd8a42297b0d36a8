//! Writes a generated watch list (OpenSanctions "simple" CSV) of N companies,
//! for benchmarks of the party side of a screen.
//!
//! ```sh
//! cargo run --release --example gen_watchlist -- 100000 bench-data/list-100k.csv
//! ```

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let path = args.next().unwrap_or_else(|| "-".to_string());
    let csv =
        dualuse::watchlist::synth::opensanctions_csv(&dualuse::watchlist::synth::entities(n, 7));
    if path == "-" {
        print!("{csv}");
    } else {
        std::fs::write(&path, csv).expect("write the list");
    }
    eprintln!("gen_watchlist: {n} entities");
}
