//! ltvlab's per-customer summary against lifetimes' `summary_data_from_transaction_data`
//! on the real UCI Online Retail II sample. The expected values come from
//! `scripts/golden_summary.py` (lifetimes 0.11.3), committed as JSON.

use std::collections::BTreeMap;
use std::path::Path;

use ltvlab::ingest::{ingest, IngestOptions};
use ltvlab::summary::{summarize, Period, SummaryOptions};

/// Counts are exact; the mean repeat value is a sum of products of
/// two-decimal prices, so it may differ in the last bits.
const MONETARY_REL_TOL: f64 = 1e-9;

fn golden() -> BTreeMap<String, BTreeMap<String, [f64; 4]>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(root.join("tests/fixtures/summary/golden_online_retail.json"))
            .expect("golden file is committed");
    let json: serde_json::Value = serde_json::from_str(&text).expect("golden file is JSON");
    let periods = json["periods"].as_object().expect("periods object");
    periods
        .iter()
        .map(|(period, customers)| {
            let rows = customers
                .as_object()
                .expect("customers object")
                .iter()
                .map(|(id, v)| {
                    let v: Vec<f64> = v
                        .as_array()
                        .expect("array")
                        .iter()
                        .map(|x| x.as_f64().expect("number"))
                        .collect();
                    (id.clone(), [v[0], v[1], v[2], v[3]])
                })
                .collect();
            (period.clone(), rows)
        })
        .collect()
}

#[test]
fn online_retail_summary_matches_lifetimes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("tests/data/online_retail_II_sample.csv"))
        .expect("tests/data/online_retail_II_sample.csv is in the repository");
    let data = ingest(&bytes, &IngestOptions::default())
        .expect("ingests")
        .data;
    let golden = golden();
    for (name, period) in [("day", Period::Day), ("week", Period::Week)] {
        let want = &golden[name];
        let got = summarize(
            &data,
            &SummaryOptions {
                period,
                ..SummaryOptions::default()
            },
        )
        .expect("summarizes");
        assert_eq!(got.customers.len(), want.len(), "{name}: customer count");
        for c in &got.customers {
            let w = want.get(&c.customer_id).unwrap_or_else(|| {
                panic!(
                    "{name}: customer {} not in lifetimes' output",
                    c.customer_id
                )
            });
            assert_eq!(
                (c.frequency, c.recency, c.t),
                (w[0], w[1], w[2]),
                "{name}: customer {} frequency/recency/T",
                c.customer_id
            );
            let scale = w[3].abs().max(1.0);
            assert!(
                (c.monetary_value - w[3]).abs() <= MONETARY_REL_TOL * scale,
                "{name}: customer {} monetary value {} vs lifetimes {}",
                c.customer_id,
                c.monetary_value,
                w[3]
            );
        }
    }
}
