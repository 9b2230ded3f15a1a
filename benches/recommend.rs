//! Pair counting throughput on generated order files.
//!
//! Run with `cargo bench --bench recommend`. Inputs are made in memory by the
//! project's seeded generator (plain layout, seed 1, 50,000 items) at 100k and
//! 1M lines and ingested once; the benchmark times baskets → pair counts →
//! per-item top-20 neighbours and the best 1,000 rules (default options),
//! and the page's two holdout evaluations (`evaluate_both`: "also bought"
//! and the next basket on each customer's last order) at 100k lines.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

use ltvlab::generate::{generate_lines, GeneratorConfig};
use ltvlab::ingest::{ingest, Dataset, IngestOptions};
use ltvlab::recommend::{
    evaluate_both, EvaluateOptions, NextBasketOptions, RecommendOptions, Recommender,
};

fn input(lines: usize) -> Dataset {
    let config = GeneratorConfig {
        seed: 1,
        items: 50_000,
        ..GeneratorConfig::default()
    };
    let mut bytes = Vec::new();
    generate_lines(&config, lines, &mut bytes).expect("generator config is valid");
    ingest(&bytes, &IngestOptions::default())
        .expect("generated data ingests")
        .data
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("pairs");
    for lines in [100_000usize, 1_000_000] {
        let data = input(lines);
        group.throughput(Throughput::Elements(lines as u64));
        group.sample_size(10);
        group.bench_with_input(BenchmarkId::from_parameter(lines), &data, |b, data| {
            b.iter(|| {
                let rec = Recommender::new(black_box(data), &RecommendOptions::default())
                    .expect("generated data has items");
                black_box(rec.stats().rules)
            })
        });
    }
    group.finish();
}

fn holdout(c: &mut Criterion) {
    let mut group = c.benchmark_group("holdout");
    let lines = 100_000usize;
    let data = input(lines);
    group.throughput(Throughput::Elements(lines as u64));
    group.sample_size(10);
    group.bench_with_input(BenchmarkId::from_parameter(lines), &data, |b, data| {
        b.iter(|| {
            let (also, next) = evaluate_both(
                black_box(data),
                &RecommendOptions::default(),
                &EvaluateOptions::default(),
                &NextBasketOptions::default(),
            );
            let also = also.expect("generated data has repeat customers");
            let next = next.expect("generated data has repeat customers");
            black_box((also.customers, next.customers))
        })
    });
    group.finish();
}

criterion_group!(benches, bench, holdout);
criterion_main!(benches);
