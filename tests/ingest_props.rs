//! Property tests: ingest never panics, whatever the bytes, and a
//! successful run always accounts for every row.

use ltvlab::ingest::{ingest, IngestOptions, Ingested, Ingester, WarningCode};
use proptest::prelude::*;

fn check_accounting(ingested: &Ingested) -> Result<(), TestCaseError> {
    let r = &ingested.report;
    prop_assert_eq!(r.rows_read, r.rows_used + r.rows_skipped);
    prop_assert_eq!(
        r.skipped.iter().map(|g| g.count).sum::<u64>(),
        r.rows_skipped
    );
    Ok(())
}

/// Small CSV-ish text: header-like words, dates, amounts, ids, quotes,
/// delimiters and line breaks of every kind.
fn csvish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("customer_id".to_owned()),
        Just("order_date".to_owned()),
        Just("amount".to_owned()),
        Just("order_id".to_owned()),
        Just("sku".to_owned()),
        Just("status".to_owned()),
        Just("frequency".to_owned()),
        Just("recency".to_owned()),
        Just("T".to_owned()),
        Just("注文日".to_owned()),
        Just("2024-01-05".to_owned()),
        Just("05/01/2024".to_owned()),
        Just("13/01/2024".to_owned()),
        Just("45296".to_owned()),
        Just("(12.50)".to_owned()),
        Just("¥1,200".to_owned()),
        Just("-3".to_owned()),
        Just("C489449".to_owned()),
        Just("refund".to_owned()),
        Just("\"".to_owned()),
        Just(",".to_owned()),
        Just(";".to_owned()),
        Just("\t".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("\u{feff}".to_owned()),
        "[A-Za-z0-9 .,:/-]{0,8}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(ingested) = ingest(&bytes, &IngestOptions::default()) {
            check_accounting(&ingested)?;
        }
    }

    #[test]
    fn csvish_text_never_panics(text in csvish()) {
        if let Ok(ingested) = ingest(text.as_bytes(), &IngestOptions::default()) {
            check_accounting(&ingested)?;
        }
    }

    #[test]
    fn csvish_text_in_chunks_matches_the_whole(text in csvish(), size in 1usize..16) {
        let options = IngestOptions::default();
        let whole = ingest(text.as_bytes(), &options);
        let mut ingester = Ingester::new(options).unwrap();
        let mut chunked = Ok(());
        for chunk in text.as_bytes().chunks(size) {
            chunked = ingester.push(chunk);
            if chunked.is_err() {
                break;
            }
        }
        let chunked = chunked.and_then(|()| ingester.finish());
        match (whole, chunked) {
            (Ok(a), Ok(b)) => {
                check_accounting(&a)?;
                prop_assert_eq!(a.report, b.report);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "whole {:?} vs chunked {:?}", a.map(|i| i.report), b.map(|i| i.report)),
        }
    }
}

/// A header and rows past the sniff buffer, so that chunks after it are
/// decoded and tokenized one by one.
fn long_prefix() -> String {
    let mut text = String::from("customer_id,order_date,amount,note\n");
    let mut i = 0;
    while text.len() < ltvlab::ingest::SNIFF_BYTES + 1000 {
        text.push_str(&format!(
            "c{},2024-01-{:02},{}.50,\"a, \"\"b\"\"\nc\"\r\n",
            i % 97,
            i % 28 + 1,
            i % 50
        ));
        i += 1;
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn streamed_tails_in_chunks_match_the_whole(tail in csvish(), size in 1usize..64) {
        let mut text = long_prefix();
        text.push_str(&tail);
        let bytes = text.as_bytes();
        let options = IngestOptions::default();
        let whole = ingest(bytes, &options).map(|i| i.report);
        let mut ingester = Ingester::new(options).unwrap();
        for chunk in bytes.chunks(size) {
            ingester.push(chunk).unwrap();
        }
        let chunked = ingester.finish().map(|i| i.report);
        prop_assert_eq!(whole, chunked);
    }
}

/// A shop's rows: customer, a distinct date per row, an amount and a note.
fn shop_rows(n: usize) -> Vec<[String; 4]> {
    (0..n)
        .map(|i| {
            [
                format!("c{}", i % 7),
                format!("2024-{:02}-{:02}", i / 28 % 12 + 1, i % 28 + 1),
                format!("{}.25", 10 + i),
                if i % 3 == 0 {
                    "gift".to_owned()
                } else {
                    String::new()
                },
            ]
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// No row is lost to a stray quote: with a row after the line that
    /// opens it, every data line is read as a row, and the quote is
    /// reported with its line.
    #[test]
    fn a_stray_quote_loses_no_row(n in 4usize..60, at in 0usize..60, closes in any::<bool>()) {
        let rows = shop_rows(n);
        let at = at % (n - 1);
        let mut text = String::from("customer_id,order_date,amount,note\n");
        for (i, r) in rows.iter().enumerate() {
            let note = if i == at {
                format!("\"{}oops", r[3])
            } else if closes && i == n - 1 {
                // A later quoted note closes the runaway quote.
                "\"wrapped\" twice".to_owned()
            } else {
                r[3].clone()
            };
            text.push_str(&format!("{},{},{},{note}\n", r[0], r[1], r[2]));
        }
        let ingested = ingest(text.as_bytes(), &IngestOptions::default()).unwrap();
        check_accounting(&ingested)?;
        let r = &ingested.report;
        prop_assert_eq!(r.rows_read, n as u64);
        prop_assert_eq!(r.rows_used, n as u64);
        let total: f64 = (0..n).map(|i| 10.25 + i as f64).sum();
        prop_assert!((r.stats.total_amount - total).abs() < 1e-6);
        let warning = r.warnings.iter().find(|w| w.code == WarningCode::RunawayQuote);
        prop_assert_eq!(warning.map(|w| w.lines[0]), Some(at as u64 + 2));
    }

    /// Two exports pasted together, the second with its columns in any
    /// order: every row is read by its own header.
    #[test]
    fn a_repeated_header_in_any_order_keeps_every_row(
        n in 2usize..30,
        split in 1usize..30,
        order in Just([0usize, 1, 2, 3]).prop_shuffle(),
    ) {
        let rows = shop_rows(n);
        let split = split % n;
        let names = ["customer_id", "order_date", "amount", "note"];
        let line = |cells: [&str; 4], order: &[usize]| {
            order.iter().map(|&c| cells[c]).collect::<Vec<_>>().join(",") + "\n"
        };
        let mut text = line(names, &[0, 1, 2, 3]);
        for (i, r) in rows.iter().enumerate() {
            let cells = [r[0].as_str(), &r[1], &r[2], &r[3]];
            if i == split {
                text.push_str(&line(names, &order));
            }
            let o: &[usize] = if i >= split { &order } else { &[0, 1, 2, 3] };
            text.push_str(&line(cells, o));
        }
        let ingested = ingest(text.as_bytes(), &IngestOptions::default()).unwrap();
        check_accounting(&ingested)?;
        let r = &ingested.report;
        prop_assert_eq!((r.rows_read, r.rows_used), (n as u64, n as u64));
        prop_assert_eq!(r.stats.customers, n.min(7) as u64);
        let total: f64 = (0..n).map(|i| 10.25 + i as f64).sum();
        prop_assert!((r.stats.total_amount - total).abs() < 1e-6);
        let repeated: Vec<_> = r.warnings.iter().filter(|w| w.code == WarningCode::RepeatedHeader).collect();
        prop_assert_eq!(repeated.len(), 1);
        prop_assert_eq!(&repeated[0].lines, &[split as u64 + 2]);
    }
}

/// One order of a generated shop: its customer (0 a guest), day, lines, and
/// whether it is a bulk order (40 times a usual line).
#[derive(Debug, Clone)]
struct ShopOrder {
    customer: u8,
    day: u8,
    lines: Vec<u16>,
    bulk: bool,
    returned: bool,
}

fn shop_order() -> impl Strategy<Value = ShopOrder> {
    (
        0u8..12,
        0u8..200,
        prop::collection::vec(1u16..60, 1..4),
        prop::bool::weighted(0.08),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(customer, day, lines, bulk, returned)| ShopOrder {
            customer,
            day,
            lines,
            bulk,
            returned,
        })
}

/// The shop as an order file: amounts of 100 per unit, a bulk order's
/// lines 40 times that, a returned order's last line reversed by a negative
/// line of the same order.
fn shop_csv(orders: &[ShopOrder]) -> String {
    let mut csv = String::from("order_id,customer_id,order_date,amount\n");
    for (n, o) in orders.iter().enumerate() {
        let customer = if o.customer == 0 {
            String::new()
        } else {
            format!("c{}", o.customer)
        };
        let (month, day) = (1 + u32::from(o.day) / 28, 1 + u32::from(o.day) % 28);
        let scale = if o.bulk { 4000 } else { 100 };
        for units in &o.lines {
            let amount = u32::from(*units) * scale;
            csv += &format!("o{n},{customer},2024-{month:02}-{day:02},{amount}\n");
        }
        if o.returned {
            let amount = u32::from(*o.lines.last().unwrap()) * scale;
            csv += &format!("o{n},{customer},2024-{month:02}-{day:02},-{amount}\n");
        }
    }
    csv
}

/// The rows of a store as (customer, day, amount), in order.
fn rows(t: &ltvlab::transactions::Transactions) -> Vec<(String, i32, f64)> {
    (0..t.len())
        .map(|i| {
            let c = t.customer_col()[i];
            let name = if c == ltvlab::transactions::NONE {
                String::new()
            } else {
                t.customers().name(c).to_owned()
            };
            (name, t.day_col()[i], t.amount_col()[i])
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Leaving out the large orders drops exactly the rows of the orders
    /// `ltvlab::large_orders::find` names on the whole file, every one of
    /// them counted as skipped, and keeps every other row as it was.
    #[test]
    fn leaving_out_large_orders_drops_exactly_their_rows(
        orders in prop::collection::vec(shop_order(), 1..80),
    ) {
        use ltvlab::ingest::{Dataset, LargeOrderPolicy, SkipReason};
        let csv = shop_csv(&orders);
        let kept = ingest(csv.as_bytes(), &IngestOptions::default()).unwrap();
        let exclude = IngestOptions { large_orders: LargeOrderPolicy::Exclude, ..IngestOptions::default() };
        let left = ingest(csv.as_bytes(), &exclude).unwrap();
        check_accounting(&left)?;
        let (Dataset::Transactions(all), Dataset::Transactions(rest)) = (&kept.data, &left.data) else {
            return Err(TestCaseError::fail("not an order file"));
        };
        let skipped = left.report.skipped.iter().find(|g| g.reason == SkipReason::LargeOrder).map_or(0, |g| g.count);
        match ltvlab::large_orders::find(all) {
            None => {
                prop_assert_eq!(rows(all), rows(rest));
                prop_assert_eq!(skipped, 0);
                prop_assert!(left.report.stats.large_orders_left_out.is_none());
            }
            Some(set) => {
                let want: Vec<_> = rows(all)
                    .into_iter()
                    .zip(all.order_col())
                    .filter(|(_, &o)| !set.large[o as usize])
                    .map(|(r, _)| r)
                    .collect();
                prop_assert_eq!(want, rows(rest));
                let dropped = all.order_col().iter().filter(|&&o| set.large[o as usize]).count() as u64;
                prop_assert_eq!(skipped, dropped);
                prop_assert_eq!(left.report.rows_used + dropped, kept.report.rows_used);
                let out = left.report.stats.large_orders_left_out.as_ref().unwrap();
                prop_assert_eq!((out.orders, out.rows), (set.orders, dropped));
            }
        }
    }
}
