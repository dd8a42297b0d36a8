//! Party watch lists: the generated quality benchmark (recall and precision
//! at the default threshold), loader diagnostics as golden files, and the
//! thread-safety of the public types.

use dualuse::watchlist::synth::{self, Rng};
use dualuse::watchlist::{Method, PartyMatcher, Watchlist, WatchlistBuilder, DEFAULT_THRESHOLD};
use std::collections::HashMap;
use std::path::Path;

/// 10,000 generated entities; 5,000 party strings naming listed companies
/// the ways declarations write them and 5,000 decoys sharing words with a
/// listed company. Recall >= 0.95 and precision >= 0.98 at the default
/// threshold.
#[test]
fn generated_recall_and_precision_at_the_default_threshold() {
    let es = synth::entities(10_000, 20261207);
    let wl = WatchlistBuilder::new()
        .add_source("synthetic.csv", synth::opensanctions_csv(&es))
        .build()
        .expect("the generated list loads");
    assert_eq!(wl.len(), 10_000);
    let taken = synth::taken_keys(&es);
    let mut rng = Rng::new(42);
    let (mut tp, mut fp, mut fn_, mut decoys) = (0usize, 0usize, 0usize, 0usize);
    let mut by_method: HashMap<Method, usize> = HashMap::new();
    let mut missed = Vec::new();
    let mut wrong = Vec::new();
    for _ in 0..5_000 {
        let e = &es[rng.below(es.len())];
        let party = synth::true_party(&mut rng, e);
        let hits = wl.screen("consignee", &party);
        if let Some(h) = hits.iter().find(|h| h.id == e.id) {
            tp += 1;
            *by_method.entry(h.method).or_default() += 1;
        } else {
            fn_ += 1;
            missed.push(format!("{party}  <-  {}", e.name));
        }
        for h in hits.iter().filter(|h| h.id != e.id) {
            fp += 1;
            wrong.push(format!("{party}  ->  {} ({:.3})", h.alias, h.score));
        }
        let other = &es[rng.below(es.len())];
        let Some(d) = synth::decoy(&mut rng, other, &taken) else {
            continue;
        };
        decoys += 1;
        for h in wl.screen("consignee", &d) {
            fp += 1;
            wrong.push(format!(
                "decoy {d}  ->  {} ({:.3} {:?})",
                h.alias, h.score, h.method
            ));
        }
    }
    let recall = tp as f64 / (tp + fn_) as f64;
    let precision = tp as f64 / (tp + fp) as f64;
    println!(
        "threshold {DEFAULT_THRESHOLD}: recall {recall:.4} ({tp}/{}), precision {precision:.4} \
         ({fp} false hits over {} true strings and {decoys} decoys); by method {by_method:?}",
        tp + fn_,
        tp + fn_
    );
    for m in missed.iter().take(15) {
        println!("missed: {m}");
    }
    for w in wrong.iter().take(15) {
        println!("false: {w}");
    }
    assert!(decoys >= 4_500, "{decoys} decoys");
    assert!(recall >= 0.95, "recall {recall}");
    assert!(precision >= 0.98, "precision {precision}");
}

/// The per-worker matcher returns what the uncached screen returns.
#[test]
fn cached_matcher_agrees_with_screen() {
    let es = synth::entities(2_000, 3);
    let wl = WatchlistBuilder::new()
        .add_source("s.csv", synth::opensanctions_csv(&es))
        .build()
        .unwrap();
    let mut m: PartyMatcher = wl.matcher(64);
    let mut rng = Rng::new(9);
    let parties: Vec<String> = (0..200)
        .map(|_| {
            let e = &es[rng.below(es.len())];
            synth::true_party(&mut rng, e)
        })
        .collect();
    for round in 0..3 {
        for p in &parties {
            assert_eq!(
                m.screen("importer", p),
                wl.screen("importer", p),
                "round {round}: {p}"
            );
        }
    }
    assert_eq!(m.lookups(), 600);
    assert!(m.misses() >= 200 && m.misses() <= 600);
}

#[test]
fn public_types_are_send_sync_and_unwind_safe() {
    fn check<T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    check::<Watchlist>();
    check::<WatchlistBuilder>();
    check::<dualuse::watchlist::PartyHit>();
    fn send<T: Send>() {}
    send::<PartyMatcher>();
}

#[test]
fn party_hit_serialises_with_the_spec_keys() {
    let wl = WatchlistBuilder::new()
        .add_source("l.csv", "id,name,list\nX1,ROMASHKA SIBIR LLC,demo\n")
        .build()
        .unwrap();
    let hits = wl.screen("consignee", "ооо «Ромашка Сибирь»");
    let v = serde_json::to_value(&hits[0]).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["field", "text", "id", "name", "list", "alias", "score", "method"]
    );
    assert_eq!(v["method"], "transliterated");
    assert_eq!(v["score"], 1.0);
    assert_eq!(v["list"], "demo");
}

/// Each `tests/watchlist_diagnostics/NAME.csv` is loaded alone; every
/// diagnostic, rendered, must equal `NAME.out` (`UPDATE_GOLDEN=1` rewrites).
#[test]
fn loader_diagnostics_match_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/watchlist_diagnostics");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for f in files {
        let name = format!(
            "tests/watchlist_diagnostics/{}",
            f.file_name().unwrap().to_string_lossy()
        );
        let err = WatchlistBuilder::new()
            .add_source(name.clone(), std::fs::read_to_string(&f).unwrap())
            .build()
            .expect_err("golden inputs are broken on purpose");
        let mut got = String::new();
        for d in err.diagnostics() {
            got.push_str(&d.render());
        }
        let out = f.with_extension("out");
        if update {
            std::fs::write(&out, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&out).unwrap_or_default();
        assert_eq!(
            got,
            want,
            "{name}: diagnostics differ from {}",
            out.display()
        );
    }
}

/// A file is read as a stream; one with a problem is read again whole, so
/// that its diagnostics are those of the same text given in memory.
#[test]
fn a_path_gives_the_diagnostics_of_its_text() {
    let dir = Path::new("tests/watchlist_diagnostics");
    let mut n = 0;
    for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
        let f = e.unwrap().path();
        if f.extension().is_none_or(|x| x != "csv") {
            continue;
        }
        let name = dir.join(f.file_name().unwrap());
        let text = std::fs::read_to_string(&f).unwrap();
        let render = |b: WatchlistBuilder| -> String {
            let err = b.build().expect_err("broken on purpose");
            err.diagnostics().iter().map(|d| d.render()).collect()
        };
        let from_text =
            render(WatchlistBuilder::new().add_source(name.display().to_string(), text));
        let from_path = render(
            WatchlistBuilder::new().add_path(Path::new(env!("CARGO_MANIFEST_DIR")).join(&name)),
        );
        let from_text = from_text.replace(
            &name.display().to_string(),
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(&name)
                .display()
                .to_string(),
        );
        assert_eq!(from_path, from_text, "{}", name.display());
        n += 1;
    }
    assert!(n >= 3);
    // Not UTF-8, and a byte-order mark.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, b"name\nROMASHKA\n\xffOOPS\n").unwrap();
    let err = WatchlistBuilder::new().add_path(&bad).build().unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(
        (d.code.as_str(), d.message.as_str()),
        ("E050", "not UTF-8 at byte 14 (save the list as UTF-8)")
    );
    let bom = dir.path().join("bom.csv");
    std::fs::write(
        &bom,
        "\u{feff}name,identifiers\nROMASHKA SIBIR,INN:7701234567\n",
    )
    .unwrap();
    let wl = WatchlistBuilder::new().add_path(&bom).build().unwrap();
    assert_eq!(wl.screen("importer", "ROMASHKA SIBIR")[0].id, "bom:2");
    let err = WatchlistBuilder::new()
        .add_path(&bom)
        .add_source("x.csv", "name\n,\n")
        .add_path(&bad)
        .build()
        .unwrap_err();
    let codes: Vec<_> = err.diagnostics().iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["E052", "E050"]);
}

#[test]
fn an_unreadable_path_is_a_diagnostic() {
    let err = Watchlist::from_paths(&["/nonexistent/list.csv"]).unwrap_err();
    assert_eq!(err.diagnostics()[0].code.as_str(), "E050");
    assert_eq!(err.diagnostics()[0].file, "/nonexistent/list.csv");
}
