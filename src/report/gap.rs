//! A long stretch without a single order inside a shop's history: the shop
//! was closed (休業), sold only in season, or months are missing from the
//! export. The purchase models count every day from a customer's first
//! purchase to the end as a day they could have bought on, so such a stretch
//! makes them read the customers' pace too low, and a holdout that falls
//! inside one makes the forecasts look too high. The report says so
//! ([`super::NoteCode::OrderGap`]), and the page gives it as the reason when
//! the holdout misses in that direction.
//!
//! A stretch is reported when it is all three:
//! - at least [`MIN_GAP_DAYS`] days without an order;
//! - at least [`MIN_GAP_SHARE`] of the days from the first order to the last;
//! - improbable for a shop that sells on a share `q` of its days at random:
//!   about `S q (1-q)^k` runs of `k` empty days or more are expected in `S`
//!   days, and the run is reported when that is below [`MAX_EXPECTED_RUNS`].
//!   A shop with 30 orders a year (on 8% of its days) then needs about 4
//!   months without an order; a shop that sells most days, a month.

use serde::Serialize;

use crate::days::format_day;
use crate::transactions::Transactions;
use crate::validate::HoldoutTotal;

/// Fewer days without an order are not reported, however improbable.
pub const MIN_GAP_DAYS: u32 = 30;

/// A stretch shorter than this share of the span from the first order to
/// the last is not reported: it barely moves the models.
pub const MIN_GAP_SHARE: f64 = 0.1;

/// A stretch is reported when fewer runs as long as it are expected by
/// chance in the shop's span, given the share of days it sells on.
pub const MAX_EXPECTED_RUNS: f64 = 0.001;

/// The longest stretch of days without an order, when it is long enough to
/// report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderGap {
    /// The first day without an order (ISO): the day after an order day.
    pub from: String,
    /// The last day without an order (ISO): the day before an order day.
    pub to: String,
    /// Days without an order, `from` and `to` included.
    pub days: u32,
    /// Days with an order from the first order to the last, both included.
    pub order_days: u32,
    /// Days from the first order to the last, both included.
    pub span_days: u32,
    /// Whether the stretch explains the holdout's miss ([`explains_miss`]);
    /// false until the models phase, and without a holdout.
    pub explains_holdout: bool,
}

/// Whether a stretch without orders explains a holdout that ended at
/// `calibration_end` (ISO) and missed as `total` says: a stretch before the
/// holdout made the model fitted up to it read the pace too low (`Under`);
/// one inside it holds days the model expected purchases on (`Over`). The
/// second says nothing about the forecasts, fitted on every day: their
/// model sees the stretch as the first did not.
pub fn explains_miss(gap: &OrderGap, total: HoldoutTotal, calibration_end: &str) -> bool {
    // ISO dates compare as text.
    match total {
        HoldoutTotal::Close => false,
        HoldoutTotal::Under => gap.to.as_str() < calibration_end,
        HoldoutTotal::Over => gap.from.as_str() > calibration_end,
    }
}

/// The longest stretch without an order in `t`, when it is long enough to
/// report. Reversal lines (returns, refunds) are not orders; guest orders
/// are. Days outside the bulk of the data ([`Transactions::bulk_day_range`],
/// a typo in the year) are left out, as the summary leaves them out.
pub fn order_gap(t: &Transactions) -> Option<OrderGap> {
    let (first, last) = t.bulk_day_range()?;
    let span = usize::try_from(i64::from(last) - i64::from(first) + 1).ok()?;
    let mut sold = vec![false; span];
    for (&day, &reversal) in t.day_col().iter().zip(t.reversal_col()) {
        if !reversal && (first..=last).contains(&day) {
            if let Some(s) = sold.get_mut((day - first) as usize) {
                *s = true;
            }
        }
    }
    longest_gap(&sold).map(|(start, days)| OrderGap {
        from: format_day(first + start as i32),
        to: format_day(first + (start + days) as i32 - 1),
        days: days as u32,
        order_days: sold.iter().filter(|&&s| s).count() as u32,
        span_days: span as u32,
        explains_holdout: false,
    })
}

/// The longest run of `false` in `sold` (whether each day of the span had an
/// order) between two days with orders, as (its first index, its length),
/// when [`order_gap`]'s three rules report it.
fn longest_gap(sold: &[bool]) -> Option<(usize, usize)> {
    let mut best = (0, 0);
    let mut run_start = None;
    let mut seen_order = false;
    for (i, &s) in sold.iter().enumerate() {
        match (s, run_start) {
            (true, Some(start)) => {
                if seen_order && i - start > best.1 {
                    best = (start, i - start);
                }
                run_start = None;
                seen_order = true;
            }
            (true, None) => seen_order = true,
            (false, None) => run_start = Some(i),
            (false, Some(_)) => {}
        }
    }
    let (start, days) = best;
    let span = sold.len() as f64;
    let q = sold.iter().filter(|&&s| s).count() as f64 / span;
    let expected = span * q * (1.0 - q).powi(i32::try_from(days).unwrap_or(i32::MAX));
    (days as u32 >= MIN_GAP_DAYS
        && days as f64 >= MIN_GAP_SHARE * span
        && expected < MAX_EXPECTED_RUNS)
        .then_some((start, days))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A span of `span` days with orders on every `every`-th day, and none
    /// from `gap.0` for `gap.1` days.
    fn days(span: usize, every: usize, gap: (usize, usize)) -> Vec<bool> {
        (0..span)
            .map(|i| i % every == 0 && !(gap.0..gap.0 + gap.1).contains(&i))
            .collect()
    }

    #[test]
    fn reports_only_long_improbable_gaps() {
        // (what, span, an order every n days, the gap, expected); the
        // expected values follow from the three rules in the module's doc.
        type Run = (usize, usize);
        let cases: &[(&str, usize, usize, Run, Option<Run>)] = &[
            // The handmade shop of tests/browser/fixtures/pause-shop-sjis.csv
            // in shape: orders most days, closed four months.
            ("closed 4 months", 700, 2, (210, 121), Some((209, 123))),
            // 31 empty days in 700 is 4% of the span: too short to matter.
            ("a month off", 700, 1, (300, 31), None),
            ("20 days, 10% of 200", 200, 1, (100, 20), None),
            ("31 days, 15% of 200", 200, 1, (100, 31), Some((100, 31))),
            // An order every 12 days for two years (25 orders a year): 167
            // empty days expect 730 × 0.066 × 0.934^167 ≈ 6e-4 such runs;
            // 119 days, 8e-3.
            ("tiny shop, 167 days", 730, 12, (240, 156), Some((229, 167))),
            ("tiny shop, 119 days", 730, 12, (240, 108), None),
            ("no gap", 365, 3, (0, 0), None),
        ];
        for &(what, span, every, gap, want) in cases {
            assert_eq!(longest_gap(&days(span, every, gap)), want, "{what}");
        }
    }

    #[test]
    fn explains_a_miss_only_from_the_side_that_causes_it() {
        let gap = OrderGap {
            from: "2024-07-28".into(),
            to: "2024-11-30".into(),
            days: 126,
            order_days: 266,
            span_days: 695,
            explains_holdout: false,
        };
        // (holdout after, total, explains): before the holdout it explains
        // forecasts too low, inside it too high; a close total needs nothing.
        let cases = [
            ("2025-06-07", HoldoutTotal::Under, true),
            ("2025-06-07", HoldoutTotal::Over, false),
            ("2024-06-30", HoldoutTotal::Over, true),
            ("2024-06-30", HoldoutTotal::Under, false),
            // The holdout starts inside the stretch: neither side alone.
            ("2024-09-01", HoldoutTotal::Under, false),
            ("2024-09-01", HoldoutTotal::Over, false),
            ("2025-06-07", HoldoutTotal::Close, false),
        ];
        for (end, total, want) in cases {
            assert_eq!(explains_miss(&gap, total, end), want, "{end} {total:?}");
        }
    }

    #[test]
    fn edges_are_not_gaps() {
        // Empty days before the first order or after the last are not
        // between two orders (cannot happen in `order_gap`, whose span runs
        // from the first order to the last, but the rule holds alone).
        // 120 days before the first order and after the last, 100 between.
        let sold: Vec<bool> = (0..400)
            .map(|i| (120..170).contains(&i) || (270..280).contains(&i))
            .collect();
        assert_eq!(longest_gap(&sold), Some((170, 100)));
        assert_eq!(longest_gap(&[]), None);
        assert_eq!(longest_gap(&[true]), None);
    }
}
