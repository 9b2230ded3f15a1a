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
    const BUCKET_SHIFT: u32 = 10;
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
    let margin = (f64::from(OUTLYING_DATE_YEARS) * 365.25) as i32;
    Some((median.saturating_sub(margin), median.saturating_add(margin)))
}

#[cfg(test)]
mod tests {
    use super::*;

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
