//! Compile and classify, measured separately, each against the naive oracle
//! on the same input, so every figure has its baseline from the same run.
//!
//! ```text
//! cargo bench --bench classify
//! cargo bench --bench classify -- --warm-up-time 1 --measurement-time 3   # shorter
//! ```
//!
//! Inputs are realistic: two hand-written declaration lines and 10,000 rows
//! from the same deterministic generator as `examples/gen_dump.rs`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dualuse::oracle::NaiveClassifier;
use dualuse::{Classifier, Line, RuleSources};

#[allow(dead_code)] // the example's `main` and CSV helpers are not used here
#[path = "../examples/gen_dump.rs"]
mod gen_dump;

/// A terse bill-of-lading line.
const SHORT: (&str, &str) = ("8482.10", "BALL BEARING 6204-2RS SKF 200 PCS");

/// A full Russian graph-31 declaration of a microcontroller, with the
/// attribute list that real declarations carry.
const LONG: (&str, &str) = (
    "8542 31 900 0",
    "1) МИКРОСХЕМЫ ИНТЕГРАЛЬНЫЕ ЭЛЕКТРОННЫЕ: ПРОЦЕССОРЫ И КОНТРОЛЛЕРЫ, ОБЪЕДИНЕННЫЕ ИЛИ \
     НЕ ОБЪЕДИНЕННЫЕ С ЗАПОМИНАЮЩИМИ УСТРОЙСТВАМИ, ПРЕОБРАЗОВАТЕЛЯМИ, ЛОГИЧЕСКИМИ СХЕМАМИ, \
     УСИЛИТЕЛЯМИ, ТАКТОВЫМИ ГЕНЕРАТОРАМИ: МИКРОКОНТРОЛЛЕР 32-РАЗРЯДНЫЙ ARM CORTEX-M4, \
     ТАКТОВАЯ ЧАСТОТА 168 МГЦ, КОРПУС LQFP100, ДЛЯ ПРОМЫШЛЕННОГО ОБОРУДОВАНИЯ, НЕ ЯВЛЯЕТСЯ \
     ТОВАРОМ ДВОЙНОГО НАЗНАЧЕНИЯ, НЕ ВОЕННОГО НАЗНАЧЕНИЯ, ИЗГОТОВИТЕЛЬ: STMICROELECTRONICS, \
     ТОВАРНЫЙ ЗНАК: ST, МАРКА: ST, МОДЕЛЬ: STM32F407VGT6, АРТИКУЛ: 497-11605-ND, КОЛ-ВО: \
     2400 ШТ; 2) МЕСТ 3, КАРТОННЫЕ КОРОБКИ НА ПОДДОНЕ",
);

fn builtin_pair() -> (Classifier, NaiveClassifier) {
    let clf = Classifier::builtin().expect("built-in rules compile");
    let naive = NaiveClassifier::new(&RuleSources::builtin()).expect("built-in rules load");
    (clf, naive)
}

/// `n` generated rows, owned; [`Line`]s borrow from them.
fn generated_rows(n: usize, seed: u64) -> Vec<(String, String)> {
    let mut g = gen_dump::DumpGen::new(seed);
    (0..n)
        .map(|_| {
            let r = g.next_row();
            (r.hs, r.text)
        })
        .collect()
}

fn hs_opt(hs: &str) -> Option<&str> {
    (!hs.is_empty()).then_some(hs)
}

fn compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    g.sample_size(20);
    let sources = RuleSources::builtin();
    g.bench_function("builtin/compiled", |b| {
        b.iter(|| Classifier::builtin().expect("compile"))
    });
    // The naive classifier only parses and compiles each rule's own regexes:
    // the price of building the shared automaton is the difference.
    g.bench_function("builtin/naive", |b| {
        b.iter(|| NaiveClassifier::new(black_box(&sources)).expect("load"))
    });
    g.finish();
}

fn one_line(c: &mut Criterion) {
    let (clf, naive) = builtin_pair();
    let mut scratch = clf.scratch();
    let mut g = c.benchmark_group("line");
    for (name, (hs, text)) in [("short", SHORT), ("long", LONG)] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("compiled", name),
            &(hs, text),
            |b, &(hs, t)| {
                b.iter(|| clf.classify_with(&mut scratch, black_box(Some(hs)), black_box(t)))
            },
        );
        g.bench_with_input(
            BenchmarkId::new("naive", name),
            &(hs, text),
            |b, &(hs, t)| b.iter(|| naive.classify(black_box(Some(hs)), black_box(t))),
        );
    }
    g.finish();
}

fn batch(c: &mut Criterion) {
    let (clf, naive) = builtin_pair();
    let rows = generated_rows(10_000, 42);
    let lines: Vec<Line<'_>> = rows
        .iter()
        .map(|(hs, t)| Line {
            hs: hs_opt(hs),
            text: t,
        })
        .collect();
    let bytes: usize = rows.iter().map(|(h, t)| h.len() + t.len()).sum();
    let mut g = c.benchmark_group("batch_10k");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    let mut scratch = clf.scratch();
    g.bench_function("compiled/1_thread", |b| {
        b.iter(|| {
            let mut flagged = 0usize;
            for l in &lines {
                flagged += clf.classify_with(&mut scratch, l.hs, l.text).flagged() as usize;
            }
            flagged
        })
    });
    g.bench_function("compiled/classify_batch", |b| {
        b.iter(|| clf.classify_batch(black_box(&lines)))
    });
    g.bench_function("naive/1_thread", |b| {
        b.iter(|| {
            let mut flagged = 0usize;
            for l in &lines {
                flagged += !naive.classify(l.hs, l.text).is_empty() as usize;
            }
            flagged
        })
    });
    g.finish();
}

criterion_group!(benches, compile, one_line, batch);
criterion_main!(benches);
