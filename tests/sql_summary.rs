//! The fixture of `scripts/test_sql_summary.sh`, which checks that
//! `docs/summary.sql` computes ltvlab's daily summary (and the other SQL
//! files in docs/ ltvlab's sections of the same orders).
//!
//! `LTVLAB_SQL_FIXTURE_DIR=DIR cargo test --test sql_summary -- --ignored`
//! writes `DIR/orders.csv` (order-level rows of a generated shop, guests
//! included, with the position of each order's first line in `line_number`) and
//! `DIR/expected.csv` (ltvlab's summary of that file, values at full
//! precision). The shop is `DIR/shop.csv` when that file exists (the script
//! writes it with `ltvlab generate --lines N`), else a 3,000-customer one.

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
    let shop = format!("{dir}/shop.csv");
    let lines = if std::path::Path::new(&shop).exists() {
        std::fs::read(&shop).unwrap()
    } else {
        let mut lines = Vec::new();
        generate(&config, &mut lines).unwrap();
        lines
    };
    let Dataset::Transactions(t) = ingest(&lines, &IngestOptions::default()).unwrap().data else {
        panic!("the generator writes transactions");
    };
    // Order level: the order's customer, day and total, in cents, and the
    // position of its first line (which orders customers by their first
    // appearance, as ltvlab ranks ties).
    let n = t.order_count();
    let mut orders: Vec<(Option<u32>, i32, f64)> = vec![(None, i32::MAX, 0.0); n];
    let mut first_line = vec![usize::MAX; n];
    for i in 0..t.len() {
        let order = t.order_col()[i] as usize;
        first_line[order] = first_line[order].min(i + 2);
        let o = &mut orders[order];
        let c = t.customer_col()[i];
        if c != ltvlab::transactions::NONE {
            o.0 = Some(c);
        }
        o.1 = o.1.min(t.day_col()[i]);
        o.2 += t.amount_col()[i];
    }
    let mut csv = String::from("customer_id,order_id,order_date,amount,line_number\n");
    for (id, (customer, day, amount)) in orders.iter().enumerate() {
        let customer = customer.map_or("", |c| t.customers().name(c));
        writeln!(
            csv,
            "{customer},{id},{},{amount:.2},{}",
            format_day(*day),
            first_line[id]
        )
        .unwrap();
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
