//! CSV → per-customer summary throughput on generated order files.
//!
//! Run with `cargo bench --bench ingest`. Inputs are made in memory by the
//! project's seeded generator (plain layout, seed 1) at 10k, 100k and 1M
//! lines; the input is fed in 1 MiB chunks with its size given up front,
//! as the browser and the CLI do.
//! With `LTVLAB_BENCH_CDNOW=FILE` (the orders CSV `scripts/check-cdnow`
//! writes), `csv_to_summary/cdnow` times the same on CDNOW's short lines.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

use ltvlab::generate::{generate_lines, GeneratorConfig};
use ltvlab::ingest::{IngestOptions, Ingester};
use ltvlab::summary::{summarize, SummaryOptions};

const CHUNK: usize = 1 << 20;

fn input(lines: usize) -> Vec<u8> {
    let config = GeneratorConfig {
        seed: 1,
        ..GeneratorConfig::default()
    };
    let mut bytes = Vec::new();
    generate_lines(&config, lines, &mut bytes).expect("generator config is valid");
    bytes
}

fn ingest_and_summarize(bytes: &[u8]) -> usize {
    let mut ingester = Ingester::new(IngestOptions::default()).expect("default options");
    // As the CLI and the page do: the size is known before the first chunk.
    ingester.expect_bytes(bytes.len() as u64);
    for chunk in bytes.chunks(CHUNK) {
        ingester.push(chunk).expect("generated data ingests");
    }
    let ingested = ingester.finish().expect("generated data ingests");
    summarize(&ingested.data, &SummaryOptions::default())
        .expect("generated data summarizes")
        .customers
        .len()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("csv_to_summary");
    for lines in [10_000usize, 100_000, 1_000_000] {
        let bytes = input(lines);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.sample_size(if lines >= 1_000_000 { 10 } else { 20 });
        group.bench_with_input(BenchmarkId::from_parameter(lines), &bytes, |b, bytes| {
            b.iter(|| black_box(ingest_and_summarize(black_box(bytes))))
        });
    }
    if let Some(path) = std::env::var_os("LTVLAB_BENCH_CDNOW").filter(|p| !p.is_empty()) {
        let bytes = std::fs::read(&path).expect("LTVLAB_BENCH_CDNOW names a readable file");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.sample_size(50);
        group.bench_with_input(BenchmarkId::from_parameter("cdnow"), &bytes, |b, bytes| {
            b.iter(|| black_box(ingest_and_summarize(black_box(bytes))))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
