//! Day arithmetic: the day numbers every module counts in.
//!
//! A day is an `i32` counting days since 1970-01-01 in the proleptic
//! Gregorian calendar. Ingest turns the dates of a file into day numbers;
//! the analyses subtract them and write them back as `YYYY-MM-DD` with
//! [`format_day`].
//!
//! # Formula
//!
//! `days_from_civil` is Howard Hinnant's: with `y' = y - [m <= 2]`,
//! `era = floor(y' / 400)`, `yoe = y' - 400 era`,
//! `doy = floor((153 ((m + 9) mod 12) + 2) / 5) + d - 1` and
//! `doe = 365 yoe + floor(yoe / 4) - floor(yoe / 100) + doy`:
//!
//! ```text
//! day = 146097 era + doe - 719468
//! ```
//!
//! [`format_day`] is its inverse, Hinnant's `civil_from_days`. Both are
//! cross-checked against `chrono` in the tests.

use std::collections::BTreeMap;

use crate::ingest::value::{self, DateFormat, DateOrder};

/// Years from the median date beyond which a date is flagged as outlying.
pub const OUTLYING_DATE_YEARS: i32 = 20;

/// Parses `YYYY-MM-DD` into a day number.
pub(crate) fn parse_iso_day(s: &str) -> Option<i32> {
    value::parse_date(s, DateFormat::Iso).and_then(|d| d.day(DateOrder::MonthFirst))
}

/// Formats a day number as `YYYY-MM-DD` (proleptic Gregorian calendar).
pub fn format_day(day: i32) -> String {
    // Howard Hinnant's civil_from_days, exact for every i32 day.
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 of a valid Gregorian date, or `None` if the date does not exist.
pub(crate) fn civil_day(year: i32, month: u32, day: u32) -> Option<i32> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's `days_from_civil`; see the module's `# Formula`.
pub(crate) fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = (y - era * 400) as u32;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era as i32 - 719_468
}

/// The days within [`OUTLYING_DATE_YEARS`] of the median of `days`, as
/// `(low, high)`; `None` without days. The median comes from a count of
/// days per 1,024-day bucket, so no copy of the days is made; it is exact to
/// a bucket, which is far finer than the 20-year margin. The one rule behind
/// ingest's `outlying_dates` warning and
/// [`crate::transactions::Transactions::bulk_day_range`].
pub(crate) fn bulk_window(days: impl Iterator<Item = i32>) -> Option<(i32, i32)> {
    let mut buckets: BTreeMap<i32, u64> = BTreeMap::new();
    let mut count = 0u64;
    for day in days {
        *buckets.entry(day >> BUCKET_SHIFT).or_insert(0) += 1;
        count += 1;
    }
    let half = count.div_ceil(2);
    let mut seen = 0;
    let median_bucket = buckets.iter().find_map(|(&b, &n)| {
        seen += n;
        (seen >= half).then_some(b)
    })?;
    let median = (median_bucket << BUCKET_SHIFT) + (1 << (BUCKET_SHIFT - 1));
    Some((
        median.saturating_sub(BULK_MARGIN),
        median.saturating_add(BULK_MARGIN),
    ))
}

/// The first and last of some days, with [`bulk_window`]'s window when a
/// day lies outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BulkRange {
    /// The first day.
    pub first: i32,
    /// The last day.
    pub last: i32,
    /// [`bulk_window`]'s `(low, high)` when some day lies outside it;
    /// `None` when every day lies inside (then the window is often not
    /// counted at all: [`span_within_bulk`]).
    pub outside: Option<(i32, i32)>,
}

/// The first and last of `days` and, when some of them lie outside
/// [`bulk_window`]'s window, that window; `None` without days. A span short
/// enough to lie in any window ([`span_within_bulk`], nearly every shop)
/// skips the bucket count. The one path of ingest's `outlying_dates`
/// warning and [`crate::transactions::Transactions::bulk_day_range`].
pub(crate) fn bulk_range(days: impl Iterator<Item = i32> + Clone) -> Option<BulkRange> {
    let (first, last) = days
        .clone()
        .fold((i32::MAX, i32::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
    if first > last {
        return None;
    }
    if span_within_bulk(first, last) {
        return Some(BulkRange {
            first,
            last,
            outside: None,
        });
    }
    let (low, high) = bulk_window(days)?;
    Some(BulkRange {
        first,
        last,
        outside: (first < low || last > high).then_some((low, high)),
    })
}

/// The bucket width of [`bulk_window`]'s median, as a shift: 1,024 days.
const BUCKET_SHIFT: u32 = 10;

/// [`OUTLYING_DATE_YEARS`] in days: half the width of [`bulk_window`].
const BULK_MARGIN: i32 = (OUTLYING_DATE_YEARS as f64 * 365.25) as i32;

/// Whether every day from `first` to `last` lies in [`bulk_window`]'s window
/// whatever the days between them, so that the window need not be counted.
///
/// The median bucket holds some day `d` of the data, and the window's centre
/// is that bucket's middle, within `[d - 511, d + 512]`; so the window
/// `centre ± margin` holds `[first, last]` when `last - first <= margin - 512`
/// (6,793 days, about 18.6 years). Shops with a shorter history, nearly all,
/// then skip the per-day bucket count.
pub(crate) fn span_within_bulk(first: i32, last: i32) -> bool {
    i64::from(last) - i64::from(first) <= i64::from(BULK_MARGIN - (1 << (BUCKET_SHIFT - 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`span_within_bulk`]'s promise against [`bulk_window`] itself, at
    /// spans either side of the bound and with the days bunched at either end
    /// (which moves the median bucket furthest from the middle), with the
    /// first day at every offset within a bucket.
    #[test]
    fn a_short_span_lies_in_the_bulk_window() {
        let bound = BULK_MARGIN - 512;
        for offset in (0..1024).step_by(7).chain([1023]) {
            let first = 19_000 + offset;
            for span in [0, 1, 365, bound - 1, bound, bound + 1, bound + 600] {
                let last = first + span;
                for bunch in [first, last] {
                    let days = std::iter::repeat_n(bunch, 9).chain([first, last]);
                    let (low, high) = bulk_window(days).unwrap();
                    let inside = low <= first && last <= high;
                    if span_within_bulk(first, last) {
                        assert!(inside, "first {first}, span {span}, bunched at {bunch}");
                    }
                }
            }
        }
        assert!(span_within_bulk(0, bound));
        assert!(!span_within_bulk(0, bound + 1));
    }

    /// [`bulk_range`] against its definition: the first and last day, and
    /// the window only when a day lies outside it.
    #[test]
    fn the_bulk_range_names_a_window_only_when_a_day_is_outside() {
        let day = |y: i32| days_from_civil(y, 6, 1);
        // (days, first, last, a window expected)
        let cases: [(&[i32], i32, i32, bool); 5] = [
            // One day.
            (&[day(2024)], day(2024), day(2024), false),
            // Ten years: within any window, not counted.
            (
                &[day(2014), day(2019), day(2024)],
                day(2014),
                day(2024),
                false,
            ),
            // Thirty years, longer than span_within_bulk's bound, but every
            // day within 20 years of the median (2010).
            (
                &[day(1995), day(2010), day(2010), day(2025)],
                day(1995),
                day(2025),
                false,
            ),
            // A 0001 typo among 2024's days.
            (&[day(2024), day(1), day(2024)], day(1), day(2024), true),
            // A 9999 typo.
            (
                &[day(2023), day(2024), day(9999)],
                day(2023),
                day(9999),
                true,
            ),
        ];
        for (days, first, last, windowed) in cases {
            let range = bulk_range(days.iter().copied()).expect("some days");
            assert_eq!((range.first, range.last), (first, last), "{days:?}");
            assert_eq!(range.outside.is_some(), windowed, "{days:?}");
            if let Some((low, high)) = range.outside {
                assert_eq!(Some((low, high)), bulk_window(days.iter().copied()));
                assert!(days.iter().any(|d| !(low..=high).contains(d)));
            }
        }
        assert_eq!(bulk_range(std::iter::empty()), None);
    }

    #[test]
    fn format_day_matches_chrono() {
        // Years 1 to 9999; earlier years never come out of a date parser.
        for day in (-719_162..2_932_896)
            .step_by(997)
            .chain([-1, 0, 1, 19_723, 11_016])
        {
            let want = chrono::NaiveDate::from_num_days_from_ce_opt(day + 719_163)
                .map(|d| d.format("%Y-%m-%d").to_string());
            assert_eq!(Some(format_day(day)), want, "day {day}");
        }
    }
}
