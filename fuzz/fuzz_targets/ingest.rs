//! Arbitrary bytes through ingest, whole and in chunks, with and without a
//! mapping, and through `detect_head`. Ingest must never panic; when it succeeds the report accounts for
//! every row, and chunking must not change the outcome.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ltvlab::ingest::{detect_head, ingest, IngestOptions, Ingester};

fuzz_target!(|data: &[u8]| {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    let mut options = IngestOptions::default();
    if control & 1 == 1 {
        // A mapping that may or may not name real columns.
        options.mapping.insert("customer".into(), "#1".into());
        options.mapping.insert("date".into(), "#2".into());
    }
    if control & 2 == 2 {
        options.today = Some("2024-06-30".into());
    }
    let whole = ingest(bytes, &options);
    // The head report of a file ingest reads says what its report says.
    let head = detect_head(bytes, &options);
    if let Ok(ingested) = &whole {
        let r = &ingested.report;
        assert_eq!(r.rows_read, r.rows_used + r.rows_skipped);
        if let Ok(h) = &head {
            assert_eq!(h.columns, r.columns);
            assert_eq!(h.mapping, r.mapping);
        }
        let _ = ltvlab::summary::summarize(&ingested.data, &Default::default());
    }
    let chunk = usize::from(control >> 2).max(1);
    let Ok(mut ingester) = Ingester::new(options) else {
        return;
    };
    let mut pushed = Ok(());
    for piece in bytes.chunks(chunk) {
        pushed = ingester.push(piece);
        if pushed.is_err() {
            break;
        }
    }
    let chunked = pushed.and_then(|()| ingester.finish());
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => assert_eq!(a.report, b.report),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!(
            "whole and chunked ingest disagree: {:?} vs {:?}",
            whole.as_ref().map(|i| &i.report).map_err(|e| e.to_string()),
            chunked.as_ref().map(|i| &i.report).map_err(|e| e.to_string())
        ),
    }
});
