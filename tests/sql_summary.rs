//! The fixture of `scripts/test_sql_summary.sh`, which checks that
//! `docs/summary.sql` computes ltvlab's daily summary.
//!
//! `LTVLAB_SQL_FIXTURE_DIR=DIR cargo test --test sql_summary -- --ignored`
//! writes `DIR/orders.csv` (order-level rows of a generated shop, guests
//! included) and `DIR/expected.csv` (ltvlab's summary of that file, values at
//! full precision).

use std::fmt::Write as _;

use ltvlab::generate::{generate, GeneratorConfig};
use ltvlab::ingest::{format_day, ingest, Dataset, IngestOptions};
use ltvlab::summary::{summarize, SummaryOptions};

#[test]
#[ignore = "writes the fixture of scripts/test_sql_summary.sh"]
fn write_sql_fixture() {
    let dir = std::env::var("LTVLAB_SQL_FIXTURE_DIR").expect("LTVLAB_SQL_FIXTURE_DIR");
    let config = GeneratorConfig {
        customers: 3000,
        guest_share: 0.05,
        japanese_names: false,
        seed: 42,
        ..GeneratorConfig::default()
    };
    let mut lines = Vec::new();
    generate(&config, &mut lines).unwrap();
    let Dataset::Transactions(t) = ingest(&lines, &IngestOptions::default()).unwrap().data else {
        panic!("the generator writes transactions");
    };
    // Order level: the order's customer, day and total, in cents.
    let n = t.orders().len();
    let mut orders: Vec<(Option<u32>, i32, f64)> = vec![(None, i32::MAX, 0.0); n];
    for i in 0..t.len() {
        let o = &mut orders[t.order_col()[i] as usize];
        let c = t.customer_col()[i];
        if c != ltvlab::transactions::NONE {
            o.0 = Some(c);
        }
        o.1 = o.1.min(t.day_col()[i]);
        o.2 += t.amount_col()[i];
    }
    let mut csv = String::from("customer_id,order_id,order_date,amount\n");
    for (id, (customer, day, amount)) in orders.iter().enumerate() {
        let customer = customer.map_or("", |c| t.customers().name(c));
        writeln!(csv, "{customer},{id},{},{amount:.2}", format_day(*day)).unwrap();
    }
    std::fs::write(format!("{dir}/orders.csv"), &csv).unwrap();

    let data = ingest(csv.as_bytes(), &IngestOptions::default())
        .unwrap()
        .data;
    let summary = summarize(&data, &SummaryOptions::default()).unwrap();
    let mut expected = String::from("customer_id,frequency,recency,T,monetary_value\n");
    for c in &summary.customers {
        // `{}` prints the shortest text that reads back as the same f64.
        writeln!(
            expected,
            "{},{},{},{},{}",
            c.customer_id, c.frequency, c.recency, c.t, c.monetary_value
        )
        .unwrap();
    }
    std::fs::write(format!("{dir}/expected.csv"), expected).unwrap();
}
