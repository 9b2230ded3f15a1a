//! Dates: [`parse_date`] reads one field into a [`RawDate`] whose day/month order may
//! still be open; [`DateFormat`] names the formats it can be told to expect.
//!
//! # Date formats
//!
//! [`parse_date`] with [`DateFormat::Auto`] recognises these shapes (`D`, `M` are one or
//! two digits, `YY` a two-digit year):
//!
//! | shape | example | [`OrderEvidence`] |
//! |---|---|---|
//! | ISO 8601 `YYYY-MM-DD[(T\| )time]` | `2024-01-05T13:45:00+09:00` | `None` |
//! | `YYYY/M/D[ (曜)][ time]`, `YYYY.M.D[ time]` (a weekday after any year-first date) | `2024/1/5 (金) 13:45` | `None` |
//! | `YYYYMMDD`, year 1900..=2100 | `20240105` | `None` |
//! | Japanese `YYYY年M月D日[(曜)][ time]` | `2024年1月5日 13時45分` | `None` |
//! | Japanese era 令和/平成 `N年M月D日` (元年 = 1), `RN.M.D`, `HN/M/D` (not `-`) | `令和6年3月4日`, `R6.3.4` | `None` |
//! | `D/M/YYYY` or `M/D/YYYY` (`/`, `-`, `.`), `YY` years | `05/04/2024 1:45 PM` | from the parts |
//! | Excel serial, 20000..=80000, fraction = time | `45296.5` | `None` |
//! | Unix seconds 100000000..=4102444800, or 13-digit milliseconds | `1704412800` | `None` |
//!
//! A time is `H:MM[:SS[.fff]]` or `H時M分[S秒]`, optionally after `午前`/`午後` or followed by ` AM`/` PM` and a
//! zone designator (`Z`, `UTC`, `GMT`, an abbreviation such as `JST`, `+09:00`, `+0900`).
//! **Zone designators and offsets are read and ignored: the local date and time as written
//! are kept, not converted to UTC**, because a customer's order day is the day in the shop's
//! calendar, which is what the file shows. Unix timestamps have no local time; their date
//! and time are UTC.
//!
//! Two-digit years follow POSIX `%y`: 00..=68 are 2000..=2068, 69..=99 are 1969..=1999.
//!
//! A bare 8-digit number is only ever read as `YYYYMMDD`: unix seconds from the plausible
//! range have 9 or 10 digits and Excel serials 5, so the three never overlap.
//!
//! # Formula
//!
//! Day numbers count days since 1970-01-01 in the proleptic Gregorian calendar, computed
//! with Howard Hinnant's `days_from_civil` (see [`crate::days`]).
//!
//! Excel serials count days from 1899-12-30, so `day = serial - 25569`. Excel wrongly
//! treats 1900 as a leap year (serial 60 is the non-existent 1900-02-29); with the
//! 1899-12-30 base every serial above 60 maps to the right date, and serials up to 60
//! (before 1900-03-01) are out of every accepted range.
//!

use std::str::FromStr;

use super::number::POWERS_OF_TEN;
use super::{with_folded, Cursor};
use crate::days::civil_day;
use crate::Error;

/// A date (and optional time) as read from one field, before day/month order is resolved.
///
/// Formats that fix the order (ISO, `YYYY/MM/DD`, Japanese, serials, an explicit
/// [`DateFormat::Dmy`] or [`DateFormat::Mdy`]) hold a resolved day; `D/M/Y`-shaped fields
/// read in [`DateFormat::Auto`] hold both parts until the column's order is known.
/// A `RawDate` is always valid under at least one [`DateOrder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDate {
    date: DatePart,
    seconds: Option<u32>,
}

/// Which of the two small numbers comes first in a slash/dot/dash date like 05/04/2024.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// `DD/MM/YYYY`, as written in most of the world.
    DayFirst,
    /// `MM/DD/YYYY`, as written in the United States.
    MonthFirst,
}

/// What a [`RawDate`] says about the column's day/month order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvidence {
    /// The format is unambiguous (ISO, `YYYY/MM/DD`, 年月日, serial, unix) or the order was given.
    None,
    /// Both parts are 12 or less, so the date is valid under either order.
    Ambiguous,
    /// Only day-first reading is valid (the first part is greater than 12).
    DayFirstOnly,
    /// Only month-first reading is valid (the second part is greater than 12).
    MonthFirstOnly,
}

impl RawDate {
    /// What this date says about the column's day/month order.
    pub fn evidence(&self) -> OrderEvidence {
        match self.date {
            DatePart::Day(_) => OrderEvidence::None,
            DatePart::Pair {
                year,
                first,
                second,
            } => {
                let day_first = pair_day(year, first, second, DateOrder::DayFirst).is_some();
                let month_first = pair_day(year, first, second, DateOrder::MonthFirst).is_some();
                match (day_first, month_first) {
                    (true, true) => OrderEvidence::Ambiguous,
                    (true, false) => OrderEvidence::DayFirstOnly,
                    (false, true) => OrderEvidence::MonthFirstOnly,
                    (false, false) => OrderEvidence::None,
                }
            }
        }
    }

    /// Days since 1970-01-01 under the given order; `None` if the date is invalid under
    /// that order (e.g. 31/04 or month 13). Dates whose order is already fixed ignore `order`.
    pub fn day(&self, order: DateOrder) -> Option<i32> {
        match self.date {
            DatePart::Day(day) => Some(day),
            DatePart::Pair {
                year,
                first,
                second,
            } => pair_day(year, first, second, order),
        }
    }

    /// Seconds since midnight if the field had a time of day (local as written; UTC for
    /// unix timestamps). A leap second `:60` reads as `:59`.
    pub fn seconds(&self) -> Option<u32> {
        self.seconds
    }
}

/// Explicit formats a user can force (CLI `--date-format`).
///
/// With any format but `Auto`, only that format is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateFormat {
    /// Try every format in the module table (the default).
    #[default]
    Auto,
    /// ISO 8601 `YYYY-MM-DD`, optionally with a time.
    Iso,
    /// `YYYY/MM/DD` or `YYYY.MM.DD`, optionally with a time.
    Ymd,
    /// `YYYYMMDD`, year 1900..=2100.
    Compact,
    /// `YYYY年M月D日`, optionally with a time.
    Japanese,
    /// `D/M/YYYY` or `D/M/YY` (also `-` and `.`), optionally with a time.
    Dmy,
    /// `M/D/YYYY` or `M/D/YY` (also `-` and `.`), optionally with a time.
    Mdy,
    /// Excel serial day numbers 61..=2958465 (1900-03-01..=9999-12-31), fraction = time.
    ExcelSerial,
    /// Unix seconds 0..=253402300799, or milliseconds when written with 13 digits.
    UnixSeconds,
}

impl FromStr for DateFormat {
    type Err = Error;

    /// Reads a format name (`auto`, `iso`, `ymd`, `yyyymmdd`, `japanese`, `dmy`, `mdy`,
    /// `excel`, `unix`, or the kebab-case variant names) or a `strftime` pattern such as
    /// `%d/%m/%Y` or `%Y-%m-%d %H:%M:%S`. A pattern selects the format whose shape it
    /// has; its separators and year width are not enforced beyond that.
    ///
    /// # Errors
    /// An [`crate::ErrorKind::Options`] error naming the value when it is neither.
    fn from_str(s: &str) -> Result<DateFormat, Error> {
        let name = s.trim();
        const NAMES: [(&str, DateFormat); 12] = [
            ("auto", DateFormat::Auto),
            ("iso", DateFormat::Iso),
            ("ymd", DateFormat::Ymd),
            ("yyyymmdd", DateFormat::Compact),
            ("compact", DateFormat::Compact),
            ("japanese", DateFormat::Japanese),
            ("dmy", DateFormat::Dmy),
            ("mdy", DateFormat::Mdy),
            ("excel", DateFormat::ExcelSerial),
            ("excel-serial", DateFormat::ExcelSerial),
            ("unix", DateFormat::UnixSeconds),
            ("unix-seconds", DateFormat::UnixSeconds),
        ];
        const PATTERNS: [(&str, DateFormat); 17] = [
            ("%Y-%m-%d", DateFormat::Iso),
            ("%F", DateFormat::Iso),
            ("%Y/%m/%d", DateFormat::Ymd),
            ("%Y.%m.%d", DateFormat::Ymd),
            ("%Y%m%d", DateFormat::Compact),
            ("%Y年%m月%d日", DateFormat::Japanese),
            ("%d/%m/%Y", DateFormat::Dmy),
            ("%d/%m/%y", DateFormat::Dmy),
            ("%d.%m.%Y", DateFormat::Dmy),
            ("%d.%m.%y", DateFormat::Dmy),
            ("%d-%m-%Y", DateFormat::Dmy),
            ("%m/%d/%Y", DateFormat::Mdy),
            ("%m/%d/%y", DateFormat::Mdy),
            ("%m-%d-%Y", DateFormat::Mdy),
            ("%m.%d.%Y", DateFormat::Mdy),
            ("%m-%d-%y", DateFormat::Mdy),
            ("%s", DateFormat::UnixSeconds),
        ];
        if let Some(&(_, format)) = NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Ok(format);
        }
        for &(pattern, format) in &PATTERNS {
            if let Some(rest) = name.strip_prefix(pattern) {
                let time = rest
                    .strip_prefix(' ')
                    .or_else(|| rest.strip_prefix('T'))
                    .is_some_and(|t| t.starts_with("%H") || t.starts_with("%I"));
                if rest.is_empty() || time {
                    return Ok(format);
                }
            }
        }
        Err(Error::options(format!(
            "unknown date format \"{s}\" (expected auto, iso, ymd, yyyymmdd, japanese, dmy, \
             mdy, excel, unix or a pattern such as %d/%m/%Y)"
        ))
        .with_code(crate::ErrorCode::UnknownDateFormat)
        .param("value", s))
    }
}

/// Parses one date field. `format` [`DateFormat::Auto`] tries every format in the module
/// table. Leading and trailing whitespace is ignored.
///
/// Returns `None` for anything that is not a valid date: empty fields, text,
/// `13/13/2024`, `2024-02-30`.
///
/// ```
/// use ltvlab::ingest::value::{parse_date, DateFormat, DateOrder, OrderEvidence};
///
/// let iso = parse_date("2024-01-05 13:45:00 +0900", DateFormat::Auto).unwrap();
/// assert_eq!(iso.day(DateOrder::DayFirst), Some(19727));
/// assert_eq!(iso.seconds(), Some(13 * 3600 + 45 * 60));
///
/// let slash = parse_date("05/04/2024", DateFormat::Auto).unwrap();
/// assert_eq!(slash.evidence(), OrderEvidence::Ambiguous);
/// assert_eq!(slash.day(DateOrder::DayFirst), Some(19818)); // 2024-04-05
/// assert_eq!(slash.day(DateOrder::MonthFirst), Some(19847)); // 2024-05-04
/// ```
pub fn parse_date(field: &str, format: DateFormat) -> Option<RawDate> {
    if matches!(format, DateFormat::Auto | DateFormat::Iso) {
        if let Some(date) = fast_iso_date(field.as_bytes()) {
            return Some(date);
        }
    }
    with_folded(field, |s| date_with_format(s, format))
}

/// The common case on the hot path: `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`
/// (or with `T`), read at fixed positions. Anything else, including invalid
/// dates, goes to the general parser, which decides.
pub(super) fn fast_iso_date(b: &[u8]) -> Option<RawDate> {
    if !(b.len() == 10 || b.len() == 19) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[range] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    };
    let year = digits(0..4)? as i32;
    let day = civil_day(year, digits(5..7)?, digits(8..10)?)?;
    let seconds = if b.len() == 19 {
        if !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, m, s) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        if h > 23 || m > 59 || s > 59 {
            return None;
        }
        Some(h * 3600 + m * 60 + s)
    } else {
        None
    };
    Some(RawDate {
        date: DatePart::Day(day),
        seconds,
    })
}

/// The calendar part of a [`RawDate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatePart {
    /// A resolved day number.
    Day(i32),
    /// `first/second/year`, valid under at least one order.
    Pair { year: i32, first: u8, second: u8 },
}

/// Excel serial 1970-01-01.
const EXCEL_EPOCH: i64 = 25_569;
const EXCEL_MIN_AUTO: u64 = 20_000;
const EXCEL_MAX_AUTO: u64 = 80_000;
/// 1900-03-01, the first serial unaffected by the 1900 leap-year bug.
const EXCEL_MIN_EXPLICIT: u64 = 61;
/// 9999-12-31.
const EXCEL_MAX_EXPLICIT: u64 = 2_958_465;
/// 1973-03-03 09:46:40 UTC.
const UNIX_MIN_AUTO: u64 = 100_000_000;
/// 2100-01-01 00:00:00 UTC.
const UNIX_MAX_AUTO: u64 = 4_102_444_800;
/// 9999-12-31 23:59:59 UTC.
const UNIX_MAX_EXPLICIT: u64 = 253_402_300_799;
const SECONDS_PER_DAY: u64 = 86_400;

pub(super) fn date_with_format(s: &[u8], format: DateFormat) -> Option<RawDate> {
    if s.is_empty() {
        return None;
    }
    match format {
        DateFormat::Auto => auto_date(s),
        DateFormat::Iso => year_first(s, b"-"),
        DateFormat::Ymd => year_first(s, b"/."),
        DateFormat::Compact => compact_date(s),
        DateFormat::Japanese => japanese_date(s),
        DateFormat::Dmy => day_month(s, Some(DateOrder::DayFirst)),
        DateFormat::Mdy => day_month(s, Some(DateOrder::MonthFirst)),
        DateFormat::ExcelSerial => {
            let number = PlainNumber::read(s)?;
            let serial = number.int;
            if !(EXCEL_MIN_EXPLICIT..=EXCEL_MAX_EXPLICIT).contains(&serial) {
                return None;
            }
            Some(excel_date(serial, number.fraction))
        }
        DateFormat::UnixSeconds => {
            let number = PlainNumber::read(s)?;
            if number.fraction.is_some() {
                return None;
            }
            match number.digits {
                13 => unix_date(number.int / 1000, UNIX_MAX_EXPLICIT),
                _ => unix_date(number.int, UNIX_MAX_EXPLICIT),
            }
        }
    }
}

fn auto_date(s: &[u8]) -> Option<RawDate> {
    let mut leading_digits = 0;
    while s.get(leading_digits).is_some_and(u8::is_ascii_digit) {
        leading_digits += 1;
    }
    match (leading_digits, s.get(leading_digits)) {
        (4, Some(b'-' | b'/' | b'.')) => year_first(s, b"-/."),
        (4, Some(_)) if s.get(4..).is_some_and(|r| r.starts_with("年".as_bytes())) => {
            japanese_date(s)
        }
        (1 | 2, Some(b'-' | b'/' | b'.')) => day_month(s, None),
        (0, Some(b'R' | b'H' | b'r' | b'h' | 0xE4 | 0xE5)) => era_date(s),
        (_, None | Some(b'.')) => auto_number(s),
        _ => None,
    }
}

/// A Japanese era's year: 令和 N is 2018 + N (令和元年 = 2019), 平成 N is
/// 1988 + N (平成元年 = 1989); Excel's 和暦 formats write them
/// `令和6年3月4日` or `R6.3.4` (`ggge年m月d日`, `ge.m.d`). The era's first
/// and last days are not checked: a file written in the old era after its
/// end (平成31年5月1日) means the same day.
fn era_date(s: &[u8]) -> Option<RawDate> {
    let (base, rest, kanji) = if let Some(rest) = s.strip_prefix("令和".as_bytes()) {
        (2018, rest, true)
    } else if let Some(rest) = s.strip_prefix("平成".as_bytes()) {
        (1988, rest, true)
    } else {
        match s.first()? {
            b'R' | b'r' => (2018, &s[1..], false),
            b'H' | b'h' => (1988, &s[1..], false),
            _ => return None,
        }
    };
    let mut c = Cursor::new(rest);
    let n = if kanji && c.eat_str("元") {
        1
    } else {
        c.number(1, 2)?.0
    };
    if n == 0 {
        return None;
    }
    let year = base + n as i32;
    if kanji {
        if !c.eat_str("年") {
            return None;
        }
        return japanese_month_day(year, c);
    }
    // Not `-`: `R1-2-3` reads more like a product code than a date.
    let sep = c.eat_any(b"./")?;
    let (month, _) = c.number(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let (day, _) = c.number(1, 2)?;
    with_time(civil_day(year, month, day)?, c, false)
}

/// A day followed by nothing, or by spaces (or `T`, when `t_allowed`) and a
/// time.
fn with_time(day: i32, mut c: Cursor<'_>, t_allowed: bool) -> Option<RawDate> {
    let weekday = skip_weekday(&mut c)?;
    let seconds = if c.is_empty() {
        None
    } else if (t_allowed && c.eat(b'T')) || c.skip_spaces() || weekday {
        Some(parse_time(c)?)
    } else {
        return None;
    };
    Some(RawDate {
        date: DatePart::Day(day),
        seconds,
    })
}

/// Skips a weekday written after a date: `(金)`, ` (Fri)`, `（月）` (folded
/// to ASCII parentheses), a parenthesis of at most 12 bytes after optional
/// spaces. Whether one was skipped (nothing is without one); `None` when
/// one opens and does not close.
fn skip_weekday(c: &mut Cursor<'_>) -> Option<bool> {
    let mut ahead = Cursor { rest: c.rest };
    ahead.skip_spaces();
    if !ahead.eat(b'(') {
        return Some(false);
    }
    let inside = ahead.eat_while(|b| b != b')');
    if inside > 12 || !ahead.eat(b')') {
        return None;
    }
    *c = ahead;
    Some(true)
}

/// `YYYY<sep>M<sep>D[ time]`, with `T` also allowed before the time after `-`.
fn year_first(s: &[u8], separators: &[u8]) -> Option<RawDate> {
    let (year, sep, month, day, c) = match padded_year_first(s) {
        Some((year, sep, month, day)) => (
            year,
            sep,
            month,
            day,
            Cursor::new(s.get(10..).unwrap_or_default()),
        ),
        None => {
            let mut c = Cursor::new(s);
            let (year, _) = c.number(4, 4)?;
            let sep = c.eat_any(separators)?;
            let (month, _) = c.number(1, 2)?;
            if !c.eat(sep) {
                return None;
            }
            let (day, _) = c.number(1, 2)?;
            (year, sep, month, day, c)
        }
    };
    if !separators.contains(&sep) {
        return None;
    }
    with_time(civil_day(year as i32, month, day)?, c, sep == b'-')
}

/// `YYYY?MM?DD` read at fixed offsets: the zero-padded common case, without a cursor.
fn padded_year_first(s: &[u8]) -> Option<(u32, u8, u32, u32)> {
    let &[y0, y1, y2, y3, sep, m0, m1, sep_again, d0, d1, ..] = s else {
        return None;
    };
    if sep != sep_again {
        return None;
    }
    let digit = |b: u8| {
        let d = b.wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    let year = digit(y0)? * 1000 + digit(y1)? * 100 + digit(y2)? * 10 + digit(y3)?;
    let month = digit(m0)? * 10 + digit(m1)?;
    let day = digit(d0)? * 10 + digit(d1)?;
    Some((year, sep, month, day))
}

/// `YYYY年M月D日[(曜)][ time]`, or the era's `令和6年3月4日`.
fn japanese_date(s: &[u8]) -> Option<RawDate> {
    let mut c = Cursor::new(s);
    let Some((year, _)) = c.number(4, 4) else {
        return era_date(s);
    };
    if !c.eat_str("年") {
        return None;
    }
    japanese_month_day(year as i32, c)
}

/// The `M月D日[(曜)][ time]` after a Japanese date's year.
fn japanese_month_day(year: i32, mut c: Cursor<'_>) -> Option<RawDate> {
    let (month, _) = c.number(1, 2)?;
    if !c.eat_str("月") {
        return None;
    }
    let (day, _) = c.number(1, 2)?;
    if !c.eat_str("日") {
        return None;
    }
    let day = civil_day(year, month, day)?;
    skip_weekday(&mut c)?;
    c.skip_spaces();
    let seconds = if c.is_empty() {
        None
    } else {
        Some(parse_time(c)?)
    };
    Some(RawDate {
        date: DatePart::Day(day),
        seconds,
    })
}

/// `A<sep>B<sep>Y[,] [time]`; `order` fixes which of A and B is the day.
fn day_month(s: &[u8], order: Option<DateOrder>) -> Option<RawDate> {
    let mut c = Cursor::new(s);
    let (first, _) = c.number(1, 2)?;
    let sep = c.eat_any(b"-/.")?;
    let (second, _) = c.number(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let year = match c.number(2, 4)? {
        (yy, 2) if yy <= 68 => 2000 + yy as i32,
        (yy, 2) => 1900 + yy as i32,
        (yyyy, 4) => yyyy as i32,
        _ => return None,
    };
    let comma = c.eat(b',');
    let seconds = if c.is_empty() && !comma {
        None
    } else if c.skip_spaces() {
        Some(parse_time(c)?)
    } else {
        return None;
    };
    let (first, second) = (first as u8, second as u8);
    let date = match order {
        Some(order) => DatePart::Day(pair_day(year, first, second, order)?),
        None => {
            let valid = pair_day(year, first, second, DateOrder::DayFirst).is_some()
                || pair_day(year, first, second, DateOrder::MonthFirst).is_some();
            if !valid {
                return None;
            }
            DatePart::Pair {
                year,
                first,
                second,
            }
        }
    };
    Some(RawDate { date, seconds })
}

/// `YYYYMMDD` with a plausible year.
fn compact_date(s: &[u8]) -> Option<RawDate> {
    if s.len() != 8 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut c = Cursor::new(s);
    let (year, _) = c.number(4, 4)?;
    let (month, _) = c.number(2, 2)?;
    let (day, _) = c.number(2, 2)?;
    if !(1900..=2100).contains(&year) {
        return None;
    }
    Some(RawDate {
        date: DatePart::Day(civil_day(year as i32, month, day)?),
        seconds: None,
    })
}

/// A bare number in Auto: `YYYYMMDD` (8 digits), unix seconds (9-10 digits), unix
/// milliseconds (13 digits) or an Excel serial (20000..=80000, fraction allowed).
fn auto_number(s: &[u8]) -> Option<RawDate> {
    let number = PlainNumber::read(s)?;
    match (number.digits, number.fraction) {
        (8, None) => compact_date(s),
        (9 | 10, None) if number.int >= UNIX_MIN_AUTO => unix_date(number.int, UNIX_MAX_AUTO),
        (13, None) if number.int / 1000 >= UNIX_MIN_AUTO => {
            unix_date(number.int / 1000, UNIX_MAX_AUTO)
        }
        (_, fraction) if (EXCEL_MIN_AUTO..=EXCEL_MAX_AUTO).contains(&number.int) => {
            Some(excel_date(number.int, fraction))
        }
        _ => None,
    }
}

fn excel_date(serial: u64, fraction: Option<&[u8]>) -> RawDate {
    let mut day = serial as i64 - EXCEL_EPOCH;
    let seconds = fraction.map(|digits| {
        let seconds = (decimal_fraction(digits) * SECONDS_PER_DAY as f64).round() as u32;
        if seconds >= SECONDS_PER_DAY as u32 {
            day += 1;
            0
        } else {
            seconds
        }
    });
    RawDate {
        date: DatePart::Day(day as i32),
        seconds,
    }
}

fn unix_date(seconds: u64, max: u64) -> Option<RawDate> {
    if seconds > max {
        return None;
    }
    Some(RawDate {
        date: DatePart::Day((seconds / SECONDS_PER_DAY) as i32),
        seconds: Some((seconds % SECONDS_PER_DAY) as u32),
    })
}

/// `H:MM[:SS[.fff]]` or `H時[M分[S秒]]`, then optional `AM`/`PM` and a zone designator,
/// which is ignored. Must consume the whole cursor.
fn parse_time(mut c: Cursor<'_>) -> Option<u32> {
    // 午前/午後 before the time, as Japanese spreadsheets write AM/PM.
    let before = if c.eat_str("午前") {
        Some(false)
    } else if c.eat_str("午後") {
        Some(true)
    } else {
        None
    };
    if before.is_some() {
        c.skip_spaces();
    }
    let (mut hour, _) = c.number(1, 2)?;
    let (mut minute, mut second) = (0, 0);
    if c.eat(b':') {
        minute = c.number(2, 2)?.0;
        if c.eat(b':') {
            second = c.number(2, 2)?.0;
            if (c.eat(b'.') || c.eat(b',')) && c.eat_while(|b| b.is_ascii_digit()) == 0 {
                return None;
            }
        }
    } else if c.eat_str("時") {
        if let Some((m, _)) = c.number(1, 2) {
            minute = m;
            if !c.eat_str("分") {
                return None;
            }
            if let Some((s, _)) = c.number(1, 2) {
                second = s;
                if !c.eat_str("秒") {
                    return None;
                }
            }
        }
    } else {
        return None;
    }
    c.skip_spaces();
    let after = if c.eat_ignore_case(b"AM") {
        Some(false)
    } else if c.eat_ignore_case(b"PM") {
        Some(true)
    } else {
        None
    };
    let meridiem = match (before, after) {
        (Some(_), Some(_)) => return None,
        (m, None) | (None, m) => m,
    };
    if let Some(pm) = meridiem {
        hour = match hour {
            1..=11 if pm => hour + 12,
            12 if !pm => 0,
            1..=12 => hour,
            _ => return None,
        };
        c.skip_spaces();
    }
    if !c.is_empty() && !zone(&mut c) {
        return None;
    }
    if !c.is_empty() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(hour * 3600 + minute * 60 + second.min(59))
}

/// Reads a zone designator: `Z`, `UTC`/`GMT` with an optional offset, an offset
/// `±HH[:MM]`/`±HHMM`, or an upper-case abbreviation of 2..=5 letters.
fn zone(c: &mut Cursor<'_>) -> bool {
    if c.eat(b'Z') {
        return true;
    }
    if c.eat_str("UTC") || c.eat_str("GMT") {
        return c.is_empty() || offset(c);
    }
    if matches!(c.peek(), Some(b'+' | b'-')) {
        return offset(c);
    }
    let letters = c.eat_while(|b| b.is_ascii_uppercase());
    (2..=5).contains(&letters)
}

fn offset(c: &mut Cursor<'_>) -> bool {
    if c.eat_any(b"+-").is_none() {
        return false;
    }
    let Some((hours, digits)) = c.number(1, 2) else {
        return false;
    };
    let minutes = if c.eat(b':') {
        c.number(2, 2)
    } else if digits == 2 {
        c.number(2, 2).or(Some((0, 0)))
    } else {
        Some((0, 0))
    };
    matches!(minutes, Some((m, _)) if m <= 59) && hours <= 23
}

/// Days since 1970-01-01 of `first/second/year` read in `order`.
fn pair_day(year: i32, first: u8, second: u8, order: DateOrder) -> Option<i32> {
    let (day, month) = match order {
        DateOrder::DayFirst => (first, second),
        DateOrder::MonthFirst => (second, first),
    };
    civil_day(year, u32::from(month), u32::from(day))
}

/// An unsigned number `digits[.digits]` as read for serials and timestamps.
struct PlainNumber<'a> {
    int: u64,
    digits: usize,
    fraction: Option<&'a [u8]>,
}

impl<'a> PlainNumber<'a> {
    fn read(s: &'a [u8]) -> Option<PlainNumber<'a>> {
        let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 19 {
            return None;
        }
        let int = s[..digits]
            .iter()
            .fold(0u64, |n, &b| n * 10 + u64::from(b - b'0'));
        let fraction = match &s[digits..] {
            [] => None,
            [b'.', rest @ ..] if !rest.is_empty() && rest.iter().all(u8::is_ascii_digit) => {
                Some(rest)
            }
            _ => return None,
        };
        Some(PlainNumber {
            int,
            digits,
            fraction,
        })
    }
}

/// The value of `0.<digits>`, reading at most 15 digits.
fn decimal_fraction(digits: &[u8]) -> f64 {
    let digits = &digits[..digits.len().min(15)];
    let numerator = digits
        .iter()
        .fold(0u64, |n, &b| n * 10 + u64::from(b - b'0'));
    numerator as f64 / POWERS_OF_TEN[digits.len()]
}

// ---------------------------------------------------------------------------------------
// Amounts

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate};

    /// Days since 1970-01-01 according to chrono, the reference for every expected day.
    fn chrono_day(year: i32, month: u32, day: u32) -> Option<i32> {
        NaiveDate::from_ymd_opt(year, month, day).map(|d| d.num_days_from_ce() - 719_163)
    }

    fn day(year: i32, month: u32, day: u32) -> i32 {
        chrono_day(year, month, day).unwrap()
    }

    /// A calendar date as (year, month, day).
    type Ymd = (i32, u32, u32);

    const fn hms(hours: u32, minutes: u32, seconds: u32) -> u32 {
        hours * 3600 + minutes * 60 + seconds
    }

    #[test]
    fn auto_dates_with_a_fixed_order() {
        let cases: &[(&str, Ymd, Option<u32>)] = &[
            ("2024-01-05", (2024, 1, 5), None),
            ("  2024-01-05\t", (2024, 1, 5), None),
            ("2024-1-5", (2024, 1, 5), None),
            ("2024-01-05T13:45:00", (2024, 1, 5), Some(hms(13, 45, 0))),
            ("2024-01-05 13:45", (2024, 1, 5), Some(hms(13, 45, 0))),
            ("2024-01-05T13:45:00Z", (2024, 1, 5), Some(hms(13, 45, 0))),
            // Offsets are ignored: the local date and time as written.
            (
                "2024-01-05T23:45:00+09:00",
                (2024, 1, 5),
                Some(hms(23, 45, 0)),
            ),
            (
                "2024-01-05T00:15:00-05:00",
                (2024, 1, 5),
                Some(hms(0, 15, 0)),
            ),
            (
                "2024-01-05 13:45:00 +0900",
                (2024, 1, 5),
                Some(hms(13, 45, 0)),
            ),
            (
                "2024-01-05 13:45:07 UTC",
                (2024, 1, 5),
                Some(hms(13, 45, 7)),
            ),
            (
                "2024-01-05 13:45:07 JST",
                (2024, 1, 5),
                Some(hms(13, 45, 7)),
            ),
            (
                "2024-01-05T13:45:07.123456Z",
                (2024, 1, 5),
                Some(hms(13, 45, 7)),
            ),
            ("2024-01-05T13:45:07,5", (2024, 1, 5), Some(hms(13, 45, 7))),
            ("2024-01-05 23:59:60", (2024, 1, 5), Some(hms(23, 59, 59))),
            ("2024-01-05 1:45 PM", (2024, 1, 5), Some(hms(13, 45, 0))),
            ("2024-01-05 12:10 am", (2024, 1, 5), Some(hms(0, 10, 0))),
            ("2024-01-05 12:10 PM", (2024, 1, 5), Some(hms(12, 10, 0))),
            ("2024/01/05", (2024, 1, 5), None),
            ("2024.01.05", (2024, 1, 5), None),
            ("2024/1/5", (2024, 1, 5), None),
            ("2024/01/05 13:45", (2024, 1, 5), Some(hms(13, 45, 0))),
            ("2024.01.05 13:45:30", (2024, 1, 5), Some(hms(13, 45, 30))),
            ("20240105", (2024, 1, 5), None),
            ("19000101", (1900, 1, 1), None),
            ("21001231", (2100, 12, 31), None),
            ("2024年1月5日", (2024, 1, 5), None),
            ("2024年01月05日 13:45", (2024, 1, 5), Some(hms(13, 45, 0))),
            ("2024年1月5日 13時45分", (2024, 1, 5), Some(hms(13, 45, 0))),
            (
                "2024年1月5日13時45分30秒",
                (2024, 1, 5),
                Some(hms(13, 45, 30)),
            ),
            ("2024年1月5日(金) 9時", (2024, 1, 5), Some(hms(9, 0, 0))),
            // A weekday after a slashed date, as 受注一覧 sheets write it,
            // and 午前/午後 before the time.
            ("2024/01/05 (金) 10:23", (2024, 1, 5), Some(hms(10, 23, 0))),
            ("2024/1/5(金)", (2024, 1, 5), None),
            ("2024-01-05（金）13:45", (2024, 1, 5), Some(hms(13, 45, 0))),
            ("2024年1月5日 (金)", (2024, 1, 5), None),
            ("2024/01/05 午前10:23", (2024, 1, 5), Some(hms(10, 23, 0))),
            ("2024/01/05 午後1:23", (2024, 1, 5), Some(hms(13, 23, 0))),
            ("2024/01/05 午前12:05", (2024, 1, 5), Some(hms(0, 5, 0))),
            ("2024年1月5日 午後 3時", (2024, 1, 5), Some(hms(15, 0, 0))),
            ("=\"2024/01/05\"", (2024, 1, 5), None),
            ("２０２４年１月５日", (2024, 1, 5), None),
            // Japanese era dates (令和元年 is 2019, 平成元年 1989), as
            // Excel's 和暦 formats write them.
            ("令和6年3月4日", (2024, 3, 4), None),
            ("令和元年5月1日", (2019, 5, 1), None),
            ("平成31年4月30日", (2019, 4, 30), None),
            ("平成元年1月8日", (1989, 1, 8), None),
            ("令和6年3月4日(月) 9:05", (2024, 3, 4), Some(hms(9, 5, 0))),
            ("令和０６年０３月０４日", (2024, 3, 4), None),
            ("R6.3.4", (2024, 3, 4), None),
            ("R06/03/04", (2024, 3, 4), None),
            ("H31.4.30", (2019, 4, 30), None),
            ("r6.3.4 13:45", (2024, 3, 4), Some(hms(13, 45, 0))),
            ("２０２４／０１／０５", (2024, 1, 5), None),
            (
                "２０２４－０１－０５　１３：４５",
                (2024, 1, 5),
                Some(hms(13, 45, 0)),
            ),
            // Excel serials: 45296 is 2024-01-05 (Excel's own DATEVALUE).
            ("45296", (2024, 1, 5), None),
            ("45296.5", (2024, 1, 5), Some(hms(12, 0, 0))),
            ("45296.0", (2024, 1, 5), Some(0)),
            ("45296.999999999", (2024, 1, 6), Some(0)),
            ("20000", (1954, 10, 3), None),
            ("80000", (2119, 1, 11), None),
            // Unix seconds and milliseconds, UTC.
            ("1704412800", (2024, 1, 5), Some(0)),
            ("1704462300", (2024, 1, 5), Some(hms(13, 45, 0))),
            ("1704462300123", (2024, 1, 5), Some(hms(13, 45, 0))),
            ("100000000", (1973, 3, 3), Some(hms(9, 46, 40))),
            ("4102444800", (2100, 1, 1), Some(0)),
        ];
        for &(input, (y, m, d), seconds) in cases {
            let date = parse_date(input, DateFormat::Auto);
            let date = date.unwrap_or_else(|| panic!("{input:?} should parse"));
            assert_eq!(date.evidence(), OrderEvidence::None, "{input:?}");
            for order in [DateOrder::DayFirst, DateOrder::MonthFirst] {
                assert_eq!(date.day(order), Some(day(y, m, d)), "{input:?}");
            }
            assert_eq!(date.seconds(), seconds, "{input:?}");
        }
    }

    #[test]
    fn auto_dates_with_day_month_order_pending() {
        /// Input, evidence, day-first reading, month-first reading, seconds.
        type PairCase = (
            &'static str,
            OrderEvidence,
            Option<Ymd>,
            Option<Ymd>,
            Option<u32>,
        );
        let cases: &[PairCase] = &[
            (
                "05/04/2024",
                OrderEvidence::Ambiguous,
                Some((2024, 4, 5)),
                Some((2024, 5, 4)),
                None,
            ),
            (
                "5/4/24",
                OrderEvidence::Ambiguous,
                Some((2024, 4, 5)),
                Some((2024, 5, 4)),
                None,
            ),
            (
                "05.04.2024",
                OrderEvidence::Ambiguous,
                Some((2024, 4, 5)),
                Some((2024, 5, 4)),
                None,
            ),
            (
                "05-04-2024",
                OrderEvidence::Ambiguous,
                Some((2024, 4, 5)),
                Some((2024, 5, 4)),
                None,
            ),
            (
                "07/07/2024",
                OrderEvidence::Ambiguous,
                Some((2024, 7, 7)),
                Some((2024, 7, 7)),
                None,
            ),
            (
                "13/04/2024",
                OrderEvidence::DayFirstOnly,
                Some((2024, 4, 13)),
                None,
                None,
            ),
            (
                "13/04/2024 13:45",
                OrderEvidence::DayFirstOnly,
                Some((2024, 4, 13)),
                None,
                Some(hms(13, 45, 0)),
            ),
            (
                "04/13/2024",
                OrderEvidence::MonthFirstOnly,
                None,
                Some((2024, 4, 13)),
                None,
            ),
            (
                "4/13/2024 1:45 PM",
                OrderEvidence::MonthFirstOnly,
                None,
                Some((2024, 4, 13)),
                Some(hms(13, 45, 0)),
            ),
            (
                "4/13/2024, 1:45:09 PM",
                OrderEvidence::MonthFirstOnly,
                None,
                Some((2024, 4, 13)),
                Some(hms(13, 45, 9)),
            ),
            // Two-digit years: 00..=68 are 20xx, 69..=99 are 19xx.
            (
                "12/31/69",
                OrderEvidence::MonthFirstOnly,
                None,
                Some((1969, 12, 31)),
                None,
            ),
            (
                "12/31/68",
                OrderEvidence::MonthFirstOnly,
                None,
                Some((2068, 12, 31)),
                None,
            ),
            (
                "31/12/00",
                OrderEvidence::DayFirstOnly,
                Some((2000, 12, 31)),
                None,
                None,
            ),
            // 30/01 exists only day-first, although both parts are read.
            (
                "02/29/2024",
                OrderEvidence::MonthFirstOnly,
                None,
                Some((2024, 2, 29)),
                None,
            ),
        ];
        for &(input, evidence, day_first, month_first, seconds) in cases {
            let date = parse_date(input, DateFormat::Auto);
            let date = date.unwrap_or_else(|| panic!("{input:?} should parse"));
            assert_eq!(date.evidence(), evidence, "{input:?}");
            let expect = |ymd: Option<Ymd>| ymd.map(|(y, m, d)| day(y, m, d));
            assert_eq!(
                date.day(DateOrder::DayFirst),
                expect(day_first),
                "{input:?}"
            );
            assert_eq!(
                date.day(DateOrder::MonthFirst),
                expect(month_first),
                "{input:?}"
            );
            assert_eq!(date.seconds(), seconds, "{input:?}");
        }
    }

    #[test]
    fn auto_rejects_what_is_not_a_date() {
        let cases = [
            "",
            "   ",
            "abc",
            "NaN",
            "13/13/2024",
            "31/04/2024",
            "29/02/2023",
            "00/01/2024",
            "1/5",
            "1/5/2024/3",
            "05/04-2024",
            "05/04/202",
            "2024",
            "2024-02-30",
            "2024-13-01",
            "2024-00-10",
            "0000-00-00",
            "2024/01-05",
            "2024-01-05T",
            "2024-01-05x",
            "2024-01-05 25:00",
            "2024-01-05 13:60",
            "2024-01-05 13:5",
            "2024-01-05 13:45 PM",
            "2024-01-05 0:45 AM",
            "2024-01-05 13:45 +25:00",
            "2024-01-05 13:45 xyz",
            "2024/01/05 (金",
            "2024/01/05 (a very long note) 10:00",
            "2024/01/05 午後1:23 PM",
            "2024/01/05 午後13:23",
            "2024-01-05 13:45:00.",
            "2024-01-05T13:45:00+09:60",
            "2024年13月1日",
            "2024年1月5",
            "2024年1月5日 13時45",
            "令和0年1月5日",
            "令和6年2月30日",
            "令和6年",
            "R6",
            "R6.3",
            "R6.3/4",
            "R1-2-3",
            "Rx.3.4",
            "R123.1.1",
            "S60.1.1",
            "Ref 2024",
            "05/04/2024,",
            // Bare numbers outside every plausible range.
            "12345678",
            "18991231",
            "21010101",
            "19999",
            "80001",
            "99999999",
            "99999999999",
            "4102444801",
            "99999999999999",
            "-45296",
            "45296.",
            "45296.5.5",
            "1704412800.5",
            "12.5",
            "2024.5",
        ];
        for input in cases {
            assert_eq!(parse_date(input, DateFormat::Auto), None, "{input:?}");
        }
    }

    #[test]
    fn an_eight_digit_number_is_never_a_unix_timestamp() {
        let date = parse_date("20240105", DateFormat::Auto).unwrap();
        assert_eq!(date.day(DateOrder::DayFirst), Some(day(2024, 1, 5)));
        assert_eq!(date.seconds(), None);
        // Read as unix seconds only when asked to: 20240105 s is 1970-08-23 06:15:05 UTC.
        let unix = parse_date("20240105", DateFormat::UnixSeconds).unwrap();
        assert_eq!(unix.day(DateOrder::DayFirst), Some(day(1970, 8, 23)));
        assert_eq!(unix.seconds(), Some(hms(6, 15, 5)));
    }

    #[test]
    fn explicit_formats_try_only_themselves() {
        type Expected = Option<(Ymd, Option<u32>)>;
        let cases: &[(&str, DateFormat, Expected)] = &[
            ("2024-01-05", DateFormat::Iso, Some(((2024, 1, 5), None))),
            ("2024/01/05", DateFormat::Iso, None),
            ("05/01/2024", DateFormat::Iso, None),
            ("2024/01/05", DateFormat::Ymd, Some(((2024, 1, 5), None))),
            (
                "2024.1.5 9:05",
                DateFormat::Ymd,
                Some(((2024, 1, 5), Some(hms(9, 5, 0)))),
            ),
            ("2024-01-05", DateFormat::Ymd, None),
            ("20240105", DateFormat::Compact, Some(((2024, 1, 5), None))),
            ("2024-01-05", DateFormat::Compact, None),
            (
                "2024年1月5日",
                DateFormat::Japanese,
                Some(((2024, 1, 5), None)),
            ),
            ("2024-01-05", DateFormat::Japanese, None),
            ("05/04/2024", DateFormat::Dmy, Some(((2024, 4, 5), None))),
            (
                "5.4.24 13:45",
                DateFormat::Dmy,
                Some(((2024, 4, 5), Some(hms(13, 45, 0)))),
            ),
            ("04/13/2024", DateFormat::Dmy, None),
            ("05/04/2024", DateFormat::Mdy, Some(((2024, 5, 4), None))),
            ("04/13/24", DateFormat::Mdy, Some(((2024, 4, 13), None))),
            ("13/04/2024", DateFormat::Mdy, None),
            ("2024-01-05", DateFormat::Mdy, None),
            // Excel serial 100 is 1900-04-09; 61 is the first serial past the 1900 bug.
            ("100", DateFormat::ExcelSerial, Some(((1900, 4, 9), None))),
            ("61", DateFormat::ExcelSerial, Some(((1900, 3, 1), None))),
            ("60", DateFormat::ExcelSerial, None),
            (
                "2958465",
                DateFormat::ExcelSerial,
                Some(((9999, 12, 31), None)),
            ),
            ("2958466", DateFormat::ExcelSerial, None),
            (
                "45296.25",
                DateFormat::ExcelSerial,
                Some(((2024, 1, 5), Some(hms(6, 0, 0)))),
            ),
            ("2024-01-05", DateFormat::ExcelSerial, None),
            ("0", DateFormat::UnixSeconds, Some(((1970, 1, 1), Some(0)))),
            (
                "1704462300",
                DateFormat::UnixSeconds,
                Some(((2024, 1, 5), Some(hms(13, 45, 0)))),
            ),
            (
                "1704462300999",
                DateFormat::UnixSeconds,
                Some(((2024, 1, 5), Some(hms(13, 45, 0)))),
            ),
            (
                "253402300799",
                DateFormat::UnixSeconds,
                Some(((9999, 12, 31), Some(hms(23, 59, 59)))),
            ),
            ("253402300800", DateFormat::UnixSeconds, None),
            ("1704462300.5", DateFormat::UnixSeconds, None),
            (
                "45296",
                DateFormat::UnixSeconds,
                Some(((1970, 1, 1), Some(hms(12, 34, 56)))),
            ),
        ];
        for &(input, format, expected) in cases {
            let got = parse_date(input, format);
            match expected {
                None => assert_eq!(got, None, "{input:?} as {format:?}"),
                Some(((y, m, d), seconds)) => {
                    let got = got.unwrap_or_else(|| panic!("{input:?} as {format:?}"));
                    assert_eq!(got.evidence(), OrderEvidence::None, "{input:?}");
                    assert_eq!(
                        got.day(DateOrder::MonthFirst),
                        Some(day(y, m, d)),
                        "{input:?}"
                    );
                    assert_eq!(
                        got.day(DateOrder::DayFirst),
                        Some(day(y, m, d)),
                        "{input:?}"
                    );
                    assert_eq!(got.seconds(), seconds, "{input:?} as {format:?}");
                }
            }
        }
    }

    #[test]
    fn day_numbers_match_chrono_from_1900_to_2100() {
        for year in 1900..=2100 {
            for month in 1..=12 {
                for d in 1..=31 {
                    let expected = chrono_day(year, month, d);
                    let computed = civil_day(year, month, d);
                    assert_eq!(computed, expected, "{year}-{month}-{d}");
                    let iso = parse_date(&format!("{year}-{month:02}-{d:02}"), DateFormat::Auto);
                    assert_eq!(iso.and_then(|r| r.day(DateOrder::DayFirst)), expected);
                    let slash = parse_date(&format!("{d}/{month}/{year}"), DateFormat::Auto);
                    let day_first = slash.and_then(|r| r.day(DateOrder::DayFirst));
                    let month_first = slash.and_then(|r| r.day(DateOrder::MonthFirst));
                    assert_eq!(day_first, expected, "{d}/{month}/{year}");
                    assert_eq!(
                        month_first,
                        chrono_day(year, d, month),
                        "{d}/{month}/{year}"
                    );
                }
            }
        }
    }

    #[test]
    fn excel_serials_match_chrono_from_the_1899_12_30_base() {
        let base = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
        for serial in (61..=80_000).step_by(7) {
            let expected = base + chrono::Days::new(serial);
            let expected = day(expected.year(), expected.month(), expected.day());
            let got = parse_date(&serial.to_string(), DateFormat::ExcelSerial);
            assert_eq!(got.and_then(|r| r.day(DateOrder::DayFirst)), Some(expected));
        }
    }

    #[test]
    fn date_format_names_and_patterns() {
        let cases = [
            ("auto", DateFormat::Auto),
            ("ISO", DateFormat::Iso),
            ("ymd", DateFormat::Ymd),
            ("yyyymmdd", DateFormat::Compact),
            ("compact", DateFormat::Compact),
            ("japanese", DateFormat::Japanese),
            ("dmy", DateFormat::Dmy),
            ("mdy", DateFormat::Mdy),
            ("excel", DateFormat::ExcelSerial),
            ("excel-serial", DateFormat::ExcelSerial),
            ("unix", DateFormat::UnixSeconds),
            ("%Y-%m-%d", DateFormat::Iso),
            ("%Y-%m-%dT%H:%M:%S", DateFormat::Iso),
            ("%d/%m/%Y", DateFormat::Dmy),
            ("%d/%m/%y", DateFormat::Dmy),
            ("%m/%d/%Y", DateFormat::Mdy),
            ("%m/%d/%y %I:%M %p", DateFormat::Mdy),
            ("%Y/%m/%d", DateFormat::Ymd),
            ("%Y%m%d", DateFormat::Compact),
            ("%Y年%m月%d日", DateFormat::Japanese),
        ];
        for (text, format) in cases {
            assert_eq!(text.parse::<DateFormat>(), Ok(format), "{text:?}");
        }
        for bad in ["", "dd/mm/yyyy", "%Q", "%Y-%m-%d junk", "isoo"] {
            let err = bad.parse::<DateFormat>().unwrap_err().to_string();
            assert!(err.starts_with(&format!("invalid option: unknown date format \"{bad}\"")));
            assert!(!err.ends_with('.'), "{err}");
        }
    }
}
