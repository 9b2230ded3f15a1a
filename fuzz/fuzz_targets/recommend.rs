//! Arbitrary baskets or order lines through the recommendation counter: it
//! must not panic, and every rule's measures must be finite and in range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ltvlab::ingest::{ingest, IngestOptions};
use ltvlab::recommend::{RecommendOptions, Recommender};

fuzz_target!(|data: &[u8]| {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    let Ok(ingested) = ingest(bytes, &IngestOptions::default()) else {
        return;
    };
    let options = RecommendOptions {
        max_basket: Some(usize::from(control % 8) + 2),
        min_count: u64::from(control >> 6) + 1,
        ..RecommendOptions::default()
    };
    let Ok(recommender) = Recommender::new(&ingested.data, &options) else {
        return;
    };
    for rule in recommender.rules() {
        let m = &rule.metrics;
        assert!(m.count >= 1);
        assert!((0.0..=1.0).contains(&m.support), "support {}", m.support);
        assert!(
            (0.0..=1.0).contains(&m.confidence),
            "confidence {}",
            m.confidence
        );
        assert!(m.lift.is_finite() && m.lift > 0.0, "lift {}", m.lift);
        assert!(m.leverage.is_finite());
        assert!((0.0..=1.0).contains(&m.jaccard) && (0.0..=1.0).contains(&m.cosine));
        assert!(m.jaccard <= m.confidence + 1e-12);
        if let Some(c) = m.conviction {
            assert!(c.is_finite() && c > 0.0, "conviction {c}");
        }
    }
});
