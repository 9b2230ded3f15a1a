//! Ingest of the real shop data in `tests/data`, checked against the
//! figures in `tests/data/README.md`.

use std::path::PathBuf;

use ltvlab::ingest::{ingest, DataKind, Dataset, IngestOptions, Ingested, Ingester, Preset};
use ltvlab::summary::{summarize, SummaryOptions};

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ingest_in_chunks(bytes: &[u8], size: usize) -> Ingested {
    let mut ingester = Ingester::new(IngestOptions::default()).unwrap();
    for chunk in bytes.chunks(size) {
        ingester.push(chunk).unwrap();
    }
    ingester.finish().unwrap()
}

fn report_json(ingested: &Ingested) -> String {
    serde_json::to_string(&ingested.report).unwrap()
}

#[test]
fn online_retail_ii_sample() {
    let bytes = data("online_retail_II_sample.csv");
    let ingested = ingest(&bytes, &IngestOptions::default()).unwrap();
    let r = &ingested.report;
    assert_eq!(r.preset, Preset::UciOnlineRetail);
    assert_eq!(r.kind, DataKind::Transactions);
    assert_eq!(
        (r.rows_read, r.rows_used, r.rows_skipped),
        (21_574, 21_574, 0)
    );
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    assert_eq!(r.stats.orders, 1_000);
    assert_eq!(r.stats.customers, 775);
    // Already cleaned: no cancellations and no guests.
    assert_eq!((r.stats.reversal_rows, r.stats.guest_rows), (0, 0));
    assert_eq!(r.stats.first_date.as_deref(), Some("2009-12-01"));
    assert_eq!(r.stats.last_date.as_deref(), Some("2010-12-08"));

    let Dataset::Transactions(t) = &ingested.data else {
        panic!("not transactions")
    };
    let ids: Vec<&str> = t.customers().names().collect();
    assert!(ids.iter().all(|id| !id.ends_with(".0")), "{:?}", &ids[..5]);
    assert!(ids.iter().all(|id| id.bytes().all(|b| b.is_ascii_digit())));
    assert!(ids.contains(&"13085"), "{:?}", &ids[..5]);

    let summary = summarize(&ingested.data, &SummaryOptions::default()).unwrap();
    assert_eq!(summary.customers.len(), 775);
    let orders: u32 = summary.customers.iter().map(|c| c.orders.unwrap()).sum();
    assert_eq!(orders, 1_000);
    assert_eq!(summary.observation_end.as_deref(), Some("2010-12-08"));
}

#[test]
fn online_retail_ii_sample_in_chunks_matches_the_whole_file() {
    let bytes = data("online_retail_II_sample.csv");
    let whole = report_json(&ingest(&bytes, &IngestOptions::default()).unwrap());
    for size in [1, 7, 4096, 1 << 20] {
        assert_eq!(
            report_json(&ingest_in_chunks(&bytes, size)),
            whole,
            "chunks of {size} bytes"
        );
    }
}

#[test]
fn groceries_baskets() {
    let bytes = data("groceries_baskets.csv");
    let ingested = ingest(&bytes, &IngestOptions::default()).unwrap();
    let r = &ingested.report;
    assert_eq!(r.preset, Preset::BasketLines);
    assert_eq!(r.kind, DataKind::Baskets);
    assert!(!r.has_header);
    assert_eq!(
        (r.rows_read, r.rows_used, r.rows_skipped),
        (9_835, 9_835, 0)
    );
    assert_eq!(r.stats.orders, 9_835);
    assert_eq!(r.stats.items, 169);
    assert_eq!(
        report_json(&ingest_in_chunks(&bytes, 4096)),
        report_json(&ingested)
    );
}

#[test]
fn online_retail_baskets() {
    let bytes = data("online_retail_baskets.txt");
    let ingested = ingest(&bytes, &IngestOptions::default()).unwrap();
    let r = &ingested.report;
    assert_eq!(r.preset, Preset::BasketLines);
    assert_eq!(r.kind, DataKind::Baskets);
    assert_eq!(
        (r.rows_read, r.rows_used, r.rows_skipped),
        (28_816, 28_816, 0)
    );
    assert_eq!(r.stats.orders, 28_816);
    assert_eq!(r.stats.items, 4_631);
    let Dataset::Baskets(t) = &ingested.data else {
        panic!("not baskets")
    };
    // Mean 17.8 items per basket, as the data README says.
    let mean = t.len() as f64 / 28_816.0;
    assert!((mean - 17.8).abs() < 0.05, "mean basket size {mean}");
    assert_eq!(
        report_json(&ingest_in_chunks(&bytes, 4096)),
        report_json(&ingested)
    );
}
