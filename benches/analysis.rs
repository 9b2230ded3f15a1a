//! Cohorts, segments, the large orders' pass and a 1,000-draw simulation on
//! generated order files.
//!
//! Run with `cargo bench --bench analysis`. The input is made in memory by
//! the project's seeded generator (plain layout, seed 1) at 1M lines and
//! ingested once, outside the timed part; each step is timed on its own,
//! then cohorts and segments on one shared purchase history, and the whole
//! chain after ingest (summary, model fit, one history for cohorts and
//! segments, simulation).

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use ltvlab::cohorts::{cohorts, cohorts_with, CohortOptions, Histories};
use ltvlab::generate::{generate_lines, GeneratorConfig};
use ltvlab::ingest::{ingest, Dataset, IngestOptions};
use ltvlab::report::large_orders;
use ltvlab::segments::{segments, segments_with, SegmentOptions};
use ltvlab::simulate::{simulate, Scenario, ShopModel, SimulationOptions};
use ltvlab::summary::{summarize, SummaryOptions};

fn bench(c: &mut Criterion) {
    let config = GeneratorConfig {
        seed: 1,
        ..GeneratorConfig::default()
    };
    let mut bytes = Vec::new();
    generate_lines(&config, 1_000_000, &mut bytes).expect("generator config is valid");
    let data = ingest(&bytes, &IngestOptions::default())
        .expect("generated data ingests")
        .data;
    let Dataset::Transactions(t) = &data else {
        panic!("generated data is transactions");
    };
    let summary = summarize(&data, &SummaryOptions::default()).expect("summarizes");
    let model = ShopModel::fit(&summary).expect("fits");
    let scenario = Scenario {
        retention_points: 5.0,
        aov_change: 0.1,
        ..Scenario::default()
    };
    let sim_options = SimulationOptions {
        cac: 30.0,
        margin: 0.3,
        ..SimulationOptions::default()
    };
    let seg_options = SegmentOptions {
        per_customer: false,
        ..SegmentOptions::default()
    };
    let mut group = c.benchmark_group("analysis_1m_lines");
    group.sample_size(10);
    group.bench_function("cohorts", |b| {
        b.iter(|| black_box(cohorts(t, &CohortOptions::default()).expect("cohorts")))
    });
    group.bench_function("summary", |b| {
        b.iter(|| black_box(summarize(&data, &SummaryOptions::default()).expect("summary")))
    });
    group.bench_function("fit", |b| {
        b.iter(|| black_box(ShopModel::fit(&summary).expect("fit")))
    });
    group.bench_function("segments", |b| {
        b.iter(|| black_box(segments(t, &summary, Some(&model), &seg_options).expect("segments")))
    });
    group.bench_function("simulate_1000_draws", |b| {
        b.iter(|| black_box(simulate(&model, &summary, &scenario, &sim_options).expect("simulate")))
    });
    // The first phase's pass for the large orders' note (the store's bulk
    // day range is kept from the summary's call, as in `report::describe`).
    group.bench_function("large_orders", |b| b.iter(|| black_box(large_orders(t))));
    group.bench_function("cohorts_and_segments", |b| {
        b.iter(|| {
            let histories = Histories::new(t).expect("histories");
            black_box(cohorts_with(&histories, &CohortOptions::default()).expect("cohorts"));
            black_box(
                segments_with(&histories, &summary, Some(&model), &seg_options).expect("segments"),
            )
        })
    });
    group.bench_function("all_after_ingest", |b| {
        b.iter(|| {
            let summary = summarize(&data, &SummaryOptions::default()).expect("summary");
            let model = ShopModel::fit(&summary).expect("fit");
            let histories = Histories::new(t).expect("histories");
            black_box(cohorts_with(&histories, &CohortOptions::default()).expect("cohorts"));
            black_box(
                segments_with(&histories, &summary, Some(&model), &seg_options).expect("segments"),
            );
            black_box(simulate(&model, &summary, &scenario, &sim_options).expect("simulate"))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
