//! Arbitrary rows under a lifetimes-style summary header: ingest and the
//! summary must not panic, and every number they pass on must be finite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ltvlab::ingest::{ingest, IngestOptions};

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"customer_id,frequency,recency,T,monetary_value\n".to_vec();
    bytes.extend_from_slice(data);
    let Ok(ingested) = ingest(&bytes, &IngestOptions::default()) else {
        return;
    };
    let r = &ingested.report;
    assert_eq!(r.rows_read, r.rows_used + r.rows_skipped);
    if let Ok(summary) = ltvlab::summary::summarize(&ingested.data, &Default::default()) {
        for c in &summary.customers {
            assert!(c.frequency.is_finite() && c.recency.is_finite() && c.t.is_finite());
            assert!(c.monetary_value.is_finite());
            assert!(c.recency <= c.t * (1.0 + 1e-9) + 1e-9);
        }
    }
});
