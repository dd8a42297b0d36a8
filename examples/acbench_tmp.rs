use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let terms: Vec<String> = std::fs::read_to_string(&args[2])
        .unwrap()
        .split('\n')
        .map(|s| s.to_string())
        .collect();
    let mut rdr = csv::Reader::from_path(&args[1]).unwrap();
    let mut groups: Vec<Vec<String>> = vec![vec![], vec![], vec![]];
    for r in rdr.records() {
        let r = r.unwrap();
        let t = dualuse::normalize::normalize_str(&r[2]);
        let g = if t.is_ascii() {
            0
        } else if t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
            2
        } else {
            1
        };
        groups[g].push(t);
    }
    for kind in [AhoCorasickKind::ContiguousNFA, AhoCorasickKind::DFA] {
        let ac = AhoCorasick::builder()
            .kind(Some(kind))
            .match_kind(MatchKind::Standard)
            .build(&terms)
            .unwrap();
        for (name, texts) in ["ascii", "cyrillic", "cjk"].iter().zip(&groups) {
            let bytes: usize = texts.iter().map(|t| t.len()).sum();
            let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
            let t = Instant::now();
            let mut n = 0;
            for _ in 0..3 {
                for x in texts {
                    n += ac.find_overlapping_iter(x.as_str()).count();
                }
            }
            let el = t.elapsed().as_secs_f64() / 3.0;
            eprintln!("{kind:?} {name}: lines {} bytes {bytes} chars {chars} {:.0} MB/s {:.1} ns/char matches/line {:.1}", texts.len(), bytes as f64 / el / 1e6, el * 1e9 / chars as f64, n as f64 / 3.0 / texts.len() as f64);
        }
    }
}
