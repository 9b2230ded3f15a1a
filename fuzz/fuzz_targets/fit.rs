//! Model fitting on arbitrary summaries: a fit either fails with an error or
//! gives finite parameters, and its predictions stay finite and in range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ltvlab::models::{BgNbd, FitOptions, PurchaseModel, Rfm, RfmData};

fuzz_target!(|data: &[u8]| {
    // Each customer is 6 bytes: frequency, recency share, T.
    let rows: Vec<Rfm> = data
        .chunks_exact(6)
        .filter_map(|c| {
            let x = f64::from(u16::from_le_bytes([c[0], c[1]]) % 10_001);
            let t = f64::from(u16::from_le_bytes([c[4], c[5]])) / 8.0;
            let share = f64::from(u16::from_le_bytes([c[2], c[3]])) / 65_535.0;
            let recency = if x > 0.0 { t * share } else { 0.0 };
            Rfm::new(x, recency, t).ok()
        })
        .collect();
    let Ok(rfm) = RfmData::new(&rows) else {
        return;
    };
    let Ok(fit) = BgNbd::fit(&rfm, &FitOptions::default()) else {
        return;
    };
    for (_, value) in fit.params().iter() {
        assert!(value.is_finite() && value > 0.0);
    }
    assert!(fit.log_likelihood().is_finite());
    let model = fit.model();
    for c in rows.iter().take(50) {
        let p = model.p_alive(c);
        assert!((0.0..=1.0).contains(&p), "p_alive {p}");
        let e = model.expected_purchases(c, 30.0);
        assert!(e.is_finite() && e >= 0.0, "expected purchases {e}");
    }
});
