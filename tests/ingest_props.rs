//! Property tests: ingest never panics, whatever the bytes, and a
//! successful run always accounts for every row.

use ltvlab::ingest::{ingest, IngestOptions, Ingested, Ingester};
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
