//! Parsers for single CSV field values: dates, amounts, quantities, NPS scores and ids.
//!
//! Each parser is a pure function of one field. They run once per field on files of
//! millions of lines, so they read bytes directly, never use regular expressions, never
//! allocate (except [`clean_id`] when it must change the id) and never panic: any input
//! either parses or yields `None`.
//!
//! # Normalisation
//!
//! Every parser first trims Unicode whitespace, then folds full-width ASCII variants
//! (U+FF01..U+FF5E, e.g. `２０２４／０１／０５`) and the ideographic space to ASCII. The
//! amount, quantity and date parsers also fold the no-break spaces (U+00A0, U+2007,
//! U+2009, U+202F) to a space and the minus sign U+2212 to `-`. Fields are read in place;
//! only a non-ASCII field that fails to parse as written is folded, into a stack buffer of
//! [`FOLD_CAPACITY`] bytes (longer fields are rejected), and parsed again.
//!
//! # Date formats
//!
//! [`parse_date`] with [`DateFormat::Auto`] recognises these shapes (`D`, `M` are one or
//! two digits, `YY` a two-digit year):
//!
//! | shape | example | [`OrderEvidence`] |
//! |---|---|---|
//! | ISO 8601 `YYYY-MM-DD[(T\| )time]` | `2024-01-05T13:45:00+09:00` | `None` |
//! | `YYYY/M/D[ time]`, `YYYY.M.D[ time]` | `2024/1/5 13:45` | `None` |
//! | `YYYYMMDD`, year 1900..=2100 | `20240105` | `None` |
//! | Japanese `YYYY年M月D日[(曜)][ time]` | `2024年1月5日 13時45分` | `None` |
//! | `D/M/YYYY` or `M/D/YYYY` (`/`, `-`, `.`), `YY` years | `05/04/2024 1:45 PM` | from the parts |
//! | Excel serial, 20000..=80000, fraction = time | `45296.5` | `None` |
//! | Unix seconds 100000000..=4102444800, or 13-digit milliseconds | `1704412800` | `None` |
//!
//! A time is `H:MM[:SS[.fff]]` or `H時M分[S秒]`, optionally followed by ` AM`/` PM` and a
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
//! # Amount formats
//!
//! [`parse_amount`] reads an optional sign (`-`, `+`, `−`) or accounting parentheses
//! `(12.50)`, an optional currency before and/or after the number (`$`, `US$`, `¥`, `￥`,
//! `円`, `€`, `£`, `₩`, `元`, `C$`, `A$`, or a three-letter code such as `JPY`), and a number
//! whose separators follow the column's [`DecimalSep`]:
//!
//! | [`DecimalSep`] | decimal point | thousands separators | examples |
//! |---|---|---|---|
//! | `Dot` | `.` | `,` `'` | `1,234.56`, `1234`, `.5` |
//! | `Comma` | `,` | `.` space `'` | `1.234,56`, `1 234,56`, `12,50` |
//!
//! Thousands groups must be well formed (1..=3 leading digits, then groups of exactly 3),
//! so `1.2.3` and `12 34` are rejected rather than guessed at.

use std::borrow::Cow;
use std::str::FromStr;

use crate::days::civil_day;
use crate::Error;

/// The longest non-ASCII field, in bytes after folding, that the date, amount, quantity
/// and NPS parsers accept. ASCII fields have no limit.
pub const FOLD_CAPACITY: usize = 128;

/// The largest accepted amount magnitude; larger values are treated as unreadable.
pub const MAX_AMOUNT: f64 = 1e15;

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
        )))
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
fn fast_iso_date(b: &[u8]) -> Option<RawDate> {
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

/// The common case on the hot path: `-?[0-9]{1,15}(\.[0-9]{1,6})?`. The
/// mantissa and the power of ten are exact in `f64`, so one division gives
/// the correctly rounded value, the same as the general parser's.
fn fast_decimal(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];
    let (negative, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    if b.is_empty() || b.len() > 22 || !b[0].is_ascii_digit() {
        return None;
    }
    let (mut mantissa, mut digits, mut frac, mut seen_dot) = (0u64, 0usize, 0usize, false);
    for &c in b {
        if c.is_ascii_digit() {
            // More than 15 digits is the general parser's job; stopping here
            // also keeps the mantissa from overflowing (20+ digits).
            if digits == 15 {
                return None;
            }
            mantissa = mantissa * 10 + u64::from(c - b'0');
            digits += 1;
            frac += usize::from(seen_dot);
        } else if c == b'.' && !seen_dot {
            seen_dot = true;
        } else {
            return None;
        }
    }
    if digits > 15 || frac > 6 || (seen_dot && frac == 0) {
        return None;
    }
    let value = mantissa as f64 / POW10[frac];
    Some(if negative && value != 0.0 {
        -value
    } else {
        value
    })
}

/// A parsed amount with the currency it named, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Amount {
    /// The signed value: finite, magnitude at most [`MAX_AMOUNT`], never `-0.0`.
    pub value: f64,
    /// The currency named by a symbol or code in the field, if any.
    pub currency: Option<Currency>,
}

/// A currency named in an amount field.
///
/// Serialised as the upper-case ISO 4217 code (`"JPY"`), or `"OTHER"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    /// Japanese yen: `JPY`, `¥`, `￥`, `円`.
    Jpy,
    /// US dollar: `USD`, `US$`, and a bare `$`.
    Usd,
    /// Euro: `EUR`, `€`.
    Eur,
    /// Pound sterling: `GBP`, `£`.
    Gbp,
    /// Chinese yuan: `CNY`, `CN¥`, `元`.
    Cny,
    /// South Korean won: `KRW`, `₩`.
    Krw,
    /// Australian dollar: `AUD`, `A$`, `AU$`.
    Aud,
    /// Canadian dollar: `CAD`, `C$`, `CA$`.
    Cad,
    /// Any other upper-case three-letter code, or a prefixed dollar such as `HK$`.
    Other,
}

/// Decimal separator convention for the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecimalSep {
    /// `1,234.56` (the default).
    #[default]
    Dot,
    /// `1.234,56` or `1 234,56`.
    Comma,
}

/// Parses one amount field under the column's decimal convention.
///
/// A bare `$` means US dollars and a bare `¥` yen unless a code elsewhere in the field
/// says otherwise (`$12 CAD`); two conflicting explicit currencies are rejected.
/// Returns `None` for empty fields, text, malformed numbers (`1.2.3` under
/// [`DecimalSep::Dot`]), a trailing minus, and magnitudes above [`MAX_AMOUNT`].
///
/// ```
/// use ltvlab::ingest::value::{parse_amount, Currency, DecimalSep};
///
/// let yen = parse_amount("１，２００円", DecimalSep::Dot).unwrap();
/// assert_eq!((yen.value, yen.currency), (1200.0, Some(Currency::Jpy)));
/// let refund = parse_amount("(€1.234,50)", DecimalSep::Comma).unwrap();
/// assert_eq!((refund.value, refund.currency), (-1234.5, Some(Currency::Eur)));
/// ```
pub fn parse_amount(field: &str, decimal: DecimalSep) -> Option<Amount> {
    if decimal == DecimalSep::Dot || !field.contains('.') {
        if let Some(value) = fast_decimal(field.as_bytes()) {
            return Some(Amount {
                value,
                currency: None,
            });
        }
    }
    with_folded(field, |s| amount(s, decimal))
}

/// Looks at sample fields of one column and says whether it uses a decimal comma (e.g.
/// `12,50`, `1.234,56`) or a dot.
///
/// Each sample votes when its separators are unambiguous: both `.` and `,` (the last one
/// is the decimal point), a separator repeated (it groups thousands), or a single
/// separator followed by other than three digits (it is the decimal point). `1,234` and
/// `1.234` do not vote. Comma wins only with more votes than dot, so a column without
/// clear evidence is [`DecimalSep::Dot`].
pub fn guess_decimal_sep<'a>(samples: impl IntoIterator<Item = &'a str>) -> DecimalSep {
    let (mut comma, mut dot) = (0usize, 0usize);
    for sample in samples {
        match separator_vote(sample) {
            Some(DecimalSep::Comma) => comma += 1,
            Some(DecimalSep::Dot) => dot += 1,
            None => {}
        }
    }
    if comma > dot {
        DecimalSep::Comma
    } else {
        DecimalSep::Dot
    }
}

/// Parses a quantity: an integer or decimal with an optional sign, `,` thousands
/// separators and `.` decimal point (full-width digits allowed). Returns `None` unless the
/// value is finite with magnitude at most [`MAX_AMOUNT`].
pub fn parse_quantity(field: &str) -> Option<f64> {
    if let Some(value) = fast_decimal(field.as_bytes()) {
        return Some(value);
    }
    with_folded(field, |mut s| {
        let negative = take_sign(&mut s) == Some(Sign::Minus);
        let magnitude = parse_unsigned(s.trim_ascii_start(), DecimalSep::Dot)?;
        (magnitude <= MAX_AMOUNT).then(|| signed(magnitude, negative))
    })
}

/// Parses a Net Promoter Score answer: an integer 0..=10, also written with a zero
/// fraction such as `9.0`. Anything else is `None`.
pub fn parse_nps(field: &str) -> Option<u8> {
    with_folded(field, |s| {
        let mut cursor = Cursor::new(s);
        let (score, _) = cursor.number(1, 2)?;
        if cursor.eat(b'.') && cursor.eat_while(|b| b == b'0') == 0 {
            return None;
        }
        (cursor.is_empty() && score <= 10).then_some(score as u8)
    })
}

/// Cleans an id field: trims whitespace, folds full-width ASCII to ASCII, and strips a
/// float suffix such as `.0` from an all-digit id (spreadsheets and pandas turn
/// `13819` into `13819.0`). Returns [`Cow::Borrowed`] unless folding changed a character.
///
/// Invisible characters (zero-width spaces and joiners, bidirectional controls
/// such as U+202E, the soft hyphen) are removed and the rest is put in
/// Unicode normal form C, so `Jose\u{301}` and `José` are one id. See
/// [`normalize_id`] to also learn whether that changed anything.
pub fn clean_id(field: &str) -> Cow<'_, str> {
    normalize_id(field).0
}

/// [`clean_id`], and whether the id held invisible characters or was not in
/// normal form C (so that ingest can report how many ids it changed that way).
pub fn normalize_id(field: &str) -> (Cow<'_, str>, bool) {
    let trimmed = trim(field);
    if trimmed.is_ascii() {
        return (Cow::Borrowed(strip_float_suffix(trimmed)), false);
    }
    let invisible = trimmed.chars().any(is_invisible);
    let composed = unicode_normalization::is_nfc_quick(trimmed.chars())
        == unicode_normalization::IsNormalized::Yes;
    let full_width = trimmed.chars().any(|c| fold_full_width(c).is_some());
    if !invisible && composed && !full_width {
        return (Cow::Borrowed(strip_float_suffix(trimmed)), false);
    }
    let folded: String = trimmed
        .chars()
        .filter(|&c| !is_invisible(c))
        .map(|c| fold_full_width(c).map_or(c, char::from))
        .collect();
    let (normalized, recomposed) = if composed {
        (folded, false)
    } else {
        let nfc: String =
            unicode_normalization::UnicodeNormalization::nfc(folded.as_str()).collect();
        let recomposed = nfc != folded;
        (nfc, recomposed)
    };
    (
        Cow::Owned(strip_float_suffix(normalized.trim()).to_owned()),
        invisible || recomposed,
    )
}

/// Characters that show nothing but make two ids differ: zero-width space,
/// non-joiner, joiner, the direction marks and embeddings/overrides/isolates
/// (U+202A-U+202E, U+2066-U+2069, U+061C), word joiner and invisible
/// operators, the byte-order mark and the soft hyphen.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{061c}'
            | '\u{feff}'
            | '\u{00ad}'
    )
}

// ---------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------

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

fn date_with_format(s: &[u8], format: DateFormat) -> Option<RawDate> {
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
        (_, None | Some(b'.')) => auto_number(s),
        _ => None,
    }
}

/// `YYYY<sep>M<sep>D[ time]`, with `T` also allowed before the time after `-`.
fn year_first(s: &[u8], separators: &[u8]) -> Option<RawDate> {
    let (year, sep, month, day, mut c) = match padded_year_first(s) {
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
    let day = civil_day(year as i32, month, day)?;
    let seconds = if c.is_empty() {
        None
    } else if (sep == b'-' && c.eat(b'T')) || c.skip_spaces() {
        Some(parse_time(c)?)
    } else {
        return None;
    };
    Some(RawDate {
        date: DatePart::Day(day),
        seconds,
    })
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

/// `YYYY年M月D日[(曜)][ time]`.
fn japanese_date(s: &[u8]) -> Option<RawDate> {
    let mut c = Cursor::new(s);
    let (year, _) = c.number(4, 4)?;
    if !c.eat_str("年") {
        return None;
    }
    let (month, _) = c.number(1, 2)?;
    if !c.eat_str("月") {
        return None;
    }
    let (day, _) = c.number(1, 2)?;
    if !c.eat_str("日") {
        return None;
    }
    let day = civil_day(year as i32, month, day)?;
    if c.eat(b'(') {
        // A weekday such as (金) or (Fri).
        let inside = c.eat_while(|b| b != b')');
        if inside > 12 || !c.eat(b')') {
            return None;
        }
    }
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
    let meridiem = if c.eat_ignore_case(b"AM") {
        Some(false)
    } else if c.eat_ignore_case(b"PM") {
        Some(true)
    } else {
        None
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
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    Plus,
    Minus,
}

/// A currency as named in a field; a bare `$` or `¥` is weak and yields to a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Named {
    currency: Currency,
    weak: bool,
}

/// Currency symbols, longest first so that `US$` is tried before `$`.
const SYMBOLS: [(&str, Currency, bool); 14] = [
    ("US$", Currency::Usd, false),
    ("CA$", Currency::Cad, false),
    ("AU$", Currency::Aud, false),
    ("CN¥", Currency::Cny, false),
    ("C$", Currency::Cad, false),
    ("A$", Currency::Aud, false),
    ("$", Currency::Usd, true),
    ("¥", Currency::Jpy, true),
    ("￥", Currency::Jpy, true),
    ("円", Currency::Jpy, false),
    ("元", Currency::Cny, false),
    ("€", Currency::Eur, false),
    ("£", Currency::Gbp, false),
    ("₩", Currency::Krw, false),
];

fn amount(mut s: &[u8], decimal: DecimalSep) -> Option<Amount> {
    let mut negative = false;
    if let [b'(', inner @ .., b')'] = s {
        negative = true;
        s = inner.trim_ascii();
    }
    let mut sign = take_sign(&mut s);
    s = s.trim_ascii_start();
    let prefix = take_currency_prefix(&mut s);
    s = s.trim_ascii_start();
    if prefix.is_some() && sign.is_none() {
        sign = take_sign(&mut s);
        s = s.trim_ascii_start();
    }
    let suffix = take_currency_suffix(&mut s);
    s = s.trim_ascii_end();
    let currency = merge_currencies(prefix, suffix)?;
    if sign == Some(Sign::Minus) {
        if negative {
            return None;
        }
        negative = true;
    }
    let magnitude = parse_unsigned(s, decimal)?;
    if magnitude > MAX_AMOUNT {
        return None;
    }
    Some(Amount {
        value: signed(magnitude, negative),
        currency,
    })
}

fn take_sign(s: &mut &[u8]) -> Option<Sign> {
    let sign = match s.first() {
        Some(b'-') => Sign::Minus,
        Some(b'+') => Sign::Plus,
        _ => return None,
    };
    *s = &s[1..];
    Some(sign)
}

fn take_currency_prefix(s: &mut &[u8]) -> Option<Named> {
    if s.first()?.is_ascii_digit() {
        return None;
    }
    for &(symbol, currency, weak) in &SYMBOLS {
        if let Some(rest) = s.strip_prefix(symbol.as_bytes()) {
            *s = rest;
            return Some(Named { currency, weak });
        }
    }
    // A prefixed dollar such as HK$, NZ$, R$.
    let letters = s.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if (1..=2).contains(&letters) && s.get(letters) == Some(&b'$') {
        *s = &s[letters + 1..];
        return Some(Named {
            currency: Currency::Other,
            weak: false,
        });
    }
    if letters_at(s, 0..3) && !s.get(3).is_some_and(u8::is_ascii_alphabetic) {
        let currency = currency_code(&s[..3])?;
        *s = &s[3..];
        return Some(Named {
            currency,
            weak: false,
        });
    }
    None
}

fn take_currency_suffix(s: &mut &[u8]) -> Option<Named> {
    if s.last()?.is_ascii_digit() {
        return None;
    }
    for &(symbol, currency, weak) in &SYMBOLS {
        if let Some(rest) = s.strip_suffix(symbol.as_bytes()) {
            *s = rest;
            return Some(Named { currency, weak });
        }
    }
    let n = s.len();
    if n >= 3 && letters_at(s, n - 3..n) && !(n > 3 && s[n - 4].is_ascii_alphabetic()) {
        let currency = currency_code(&s[n - 3..])?;
        *s = &s[..n - 3];
        return Some(Named {
            currency,
            weak: false,
        });
    }
    None
}

fn letters_at(s: &[u8], range: std::ops::Range<usize>) -> bool {
    s.get(range)
        .is_some_and(|r| r.iter().all(u8::is_ascii_alphabetic))
}

/// A three-letter code: the listed ones in any case, others only in upper case.
fn currency_code(code: &[u8]) -> Option<Currency> {
    let upper = [
        code.first()?.to_ascii_uppercase(),
        code.get(1)?.to_ascii_uppercase(),
        code.get(2)?.to_ascii_uppercase(),
    ];
    Some(match &upper {
        b"JPY" => Currency::Jpy,
        b"USD" => Currency::Usd,
        b"EUR" => Currency::Eur,
        b"GBP" => Currency::Gbp,
        b"CNY" | b"RMB" => Currency::Cny,
        b"KRW" => Currency::Krw,
        b"AUD" => Currency::Aud,
        b"CAD" => Currency::Cad,
        _ if code.iter().all(u8::is_ascii_uppercase) => Currency::Other,
        _ => return None,
    })
}

/// The field's currency; `None` when two explicit currencies conflict.
fn merge_currencies(prefix: Option<Named>, suffix: Option<Named>) -> Option<Option<Currency>> {
    match (prefix, suffix) {
        (None, None) => Some(None),
        (Some(one), None) | (None, Some(one)) => Some(Some(one.currency)),
        (Some(a), Some(b)) if a.currency == b.currency || b.weak => Some(Some(a.currency)),
        (Some(a), Some(b)) if a.weak => Some(Some(b.currency)),
        _ => None,
    }
}

/// `value` with the sign applied, never `-0.0`.
fn signed(magnitude: f64, negative: bool) -> f64 {
    if negative && magnitude != 0.0 {
        -magnitude
    } else {
        magnitude
    }
}

/// Reads an unsigned number with thousands separators and a decimal point per `decimal`.
fn parse_unsigned(s: &[u8], decimal: DecimalSep) -> Option<f64> {
    let point = match decimal {
        DecimalSep::Dot => b'.',
        DecimalSep::Comma => b',',
    };
    let is_grouper = |b: u8| match decimal {
        DecimalSep::Dot => matches!(b, b',' | b'\''),
        DecimalSep::Comma => matches!(b, b'.' | b' ' | b'\''),
    };
    let mut digits = DigitAccumulator::new();
    let mut group_sep = None;
    let mut group_len = 0usize;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b.is_ascii_digit() {
            digits.push(b, false)?;
            group_len += 1;
        } else if is_grouper(b) {
            let well_formed = match group_sep {
                None => (1..=3).contains(&group_len),
                Some(previous) => previous == b && group_len == 3,
            };
            if !well_formed {
                return None;
            }
            group_sep = Some(b);
            group_len = 0;
        } else {
            break;
        }
        i += 1;
    }
    if group_sep.is_some() && group_len != 3 {
        return None;
    }
    if i < s.len() {
        if s[i] != point {
            return None;
        }
        let fraction = &s[i + 1..];
        if fraction.is_empty() || !fraction.iter().all(u8::is_ascii_digit) {
            return None;
        }
        for &b in fraction {
            digits.push(b, true)?;
        }
    }
    if !digits.any_digit {
        return None;
    }
    digits.fast_value().or_else(|| exact_value(s, point))
}

/// The correctly rounded value of a validated number with more than 15 significant
/// digits (rare): its digits and point are copied, without group separators and leading
/// zeros, for `f64::from_str`; digits that do not fit the 64-byte buffer are dropped.
fn exact_value(s: &[u8], point: u8) -> Option<f64> {
    let mut text = [0u8; 64];
    let mut len = 0;
    let mut keep_zeros = false;
    for &b in s {
        let byte = if b == point {
            keep_zeros = true;
            b'.'
        } else if b.is_ascii_digit() && (keep_zeros || b != b'0') {
            keep_zeros = true;
            b
        } else {
            continue;
        };
        let Some(slot) = text.get_mut(len) else { break };
        *slot = byte;
        len += 1;
    }
    let value: f64 = std::str::from_utf8(&text[..len]).ok()?.parse().ok()?;
    value.is_finite().then_some(value)
}

/// Collects the digits of a decimal number for the fast conversion path.
struct DigitAccumulator {
    mantissa: u64,
    /// Digits in `mantissa`, counted from the first non-zero one.
    significant: usize,
    /// Fraction digits in `mantissa`.
    scale: usize,
    any_digit: bool,
}

impl DigitAccumulator {
    fn new() -> DigitAccumulator {
        DigitAccumulator {
            mantissa: 0,
            significant: 0,
            scale: 0,
            any_digit: false,
        }
    }

    /// Adds one ASCII digit; `None` when the integer part alone exceeds [`MAX_AMOUNT`].
    fn push(&mut self, digit: u8, fraction: bool) -> Option<()> {
        self.any_digit = true;
        if self.significant == 0 && digit == b'0' && !fraction {
            return Some(());
        }
        if self.significant > 0 || digit != b'0' {
            self.significant += 1;
        }
        if !fraction && self.significant > 16 {
            return None;
        }
        if self.significant <= 19 {
            self.mantissa = self.mantissa * 10 + u64::from(digit - b'0');
            self.scale += usize::from(fraction);
        }
        Some(())
    }

    /// The value when Clinger's fast path applies: mantissa and power of ten are both
    /// exact in `f64`, so the quotient is correctly rounded.
    fn fast_value(&self) -> Option<f64> {
        (self.significant <= 15 && self.scale < POWERS_OF_TEN.len())
            .then(|| self.mantissa as f64 / POWERS_OF_TEN[self.scale])
    }
}

const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// What one sample says about its column's decimal separator, if anything.
fn separator_vote(field: &str) -> Option<DecimalSep> {
    folded(trim(field), separator_vote_folded)
}

fn separator_vote_folded(s: &[u8]) -> Option<DecimalSep> {
    let (mut dots, mut commas) = (0usize, 0usize);
    let mut last = None;
    let mut digits_after = 0usize;
    let mut counting = false;
    let mut seen_digit = false;
    for &b in s {
        match b {
            b'0'..=b'9' => {
                seen_digit = true;
                if counting {
                    digits_after += 1;
                }
            }
            b'.' | b',' if seen_digit => {
                if b == b'.' {
                    dots += 1;
                } else {
                    commas += 1;
                }
                last = Some(b);
                digits_after = 0;
                counting = true;
            }
            _ => counting = false,
        }
    }
    // A single separator followed by three digits may group thousands or not.
    let single = |sep| (digits_after != 0 && digits_after != 3).then_some(sep);
    match (dots, commas) {
        (0, 0) => None,
        (1.., 1..) if last == Some(b',') => Some(DecimalSep::Comma),
        (1.., 1..) => Some(DecimalSep::Dot),
        (2.., 0) => Some(DecimalSep::Comma),
        (0, 2..) => Some(DecimalSep::Dot),
        (1, 0) => single(DecimalSep::Dot),
        (0, 1) => single(DecimalSep::Comma),
    }
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// Folds full-width ASCII variants and the ideographic space (as [`clean_id`] does).
fn fold_full_width(c: char) -> Option<u8> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => u8::try_from(u32::from(c) - 0xFEE0).ok(),
        '\u{3000}' => Some(b' '),
        _ => None,
    }
}

/// Folds what [`fold_full_width`] does plus no-break spaces and the minus sign.
fn fold_char(c: char) -> Option<u8> {
    match c {
        '\u{00A0}' | '\u{2007}' | '\u{2009}' | '\u{202F}' => Some(b' '),
        '\u{2212}' => Some(b'-'),
        _ => fold_full_width(c),
    }
}

/// Calls `parse` on the trimmed field's bytes, then, if that fails on a non-ASCII field,
/// on the field folded with [`fold_char`].
///
/// This equals parsing the folded field, because a successful parse only ever accepts
/// non-ASCII bytes that folding leaves unchanged (年, 円, €, ...); it saves the fold and
/// even the ASCII check on the common field. `separator_vote`, which skips unknown
/// bytes, must use [`folded`] instead.
fn with_folded<T>(field: &str, parse: impl Fn(&[u8]) -> Option<T>) -> Option<T> {
    let field = trim(field);
    parse(field.as_bytes()).or_else(|| {
        if field.is_ascii() {
            None
        } else {
            folded(field, parse)
        }
    })
}

/// Calls `parse` on `field` with [`fold_char`] applied: in place when the field is ASCII,
/// else from a stack buffer; `None` if the folded field overflows it.
fn folded<T>(field: &str, parse: impl FnOnce(&[u8]) -> Option<T>) -> Option<T> {
    if field.is_ascii() {
        return parse(field.as_bytes());
    }
    let mut buf = [0u8; FOLD_CAPACITY];
    let mut len = 0;
    for c in field.chars() {
        let mut utf8 = [0u8; 4];
        let bytes: &[u8] = match fold_char(c) {
            Some(b) => {
                utf8[0] = b;
                &utf8[..1]
            }
            None => c.encode_utf8(&mut utf8).as_bytes(),
        };
        buf.get_mut(len..len + bytes.len())?.copy_from_slice(bytes);
        len += bytes.len();
    }
    parse(buf[..len].trim_ascii())
}

/// `str::trim`, with a fast path for the usual field that has ASCII at both ends.
fn trim(field: &str) -> &str {
    let trimmed = field.trim_ascii();
    let ascii_ends =
        |b: &[u8]| b.first().is_none_or(u8::is_ascii) && b.last().is_none_or(u8::is_ascii);
    if ascii_ends(trimmed.as_bytes()) {
        trimmed
    } else {
        trimmed.trim()
    }
}

/// `13819.0` → `13819`: drops a `.0…0` fraction from an all-digit id.
fn strip_float_suffix(id: &str) -> &str {
    match id.split_once('.') {
        Some((int, zeros))
            if !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && !zeros.is_empty()
                && zeros.bytes().all(|b| b == b'0') =>
        {
            int
        }
        _ => id,
    }
}

/// A forward-only reader over a byte slice.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn new(s: &'a [u8]) -> Cursor<'a> {
        Cursor { rest: s }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn advance(&mut self, n: usize) {
        self.rest = self.rest.get(n..).unwrap_or_default();
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.advance(1);
        }
        hit
    }

    fn eat_any(&mut self, set: &[u8]) -> Option<u8> {
        let b = self.peek().filter(|b| set.contains(b))?;
        self.advance(1);
        Some(b)
    }

    fn eat_str(&mut self, text: &str) -> bool {
        let hit = self.rest.starts_with(text.as_bytes());
        if hit {
            self.advance(text.len());
        }
        hit
    }

    fn eat_ignore_case(&mut self, text: &[u8]) -> bool {
        let hit = self
            .rest
            .get(..text.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(text));
        if hit {
            self.advance(text.len());
        }
        hit
    }

    fn eat_while(&mut self, keep: impl Fn(u8) -> bool) -> usize {
        let n = self.rest.iter().take_while(|&&b| keep(b)).count();
        self.advance(n);
        n
    }

    /// Skips spaces and tabs; whether there were any.
    fn skip_spaces(&mut self) -> bool {
        self.eat_while(|b| b == b' ' || b == b'\t') > 0
    }

    /// Reads `min..=max` ASCII digits (max <= 9) as a number and how many were read;
    /// consumes nothing when fewer than `min` are there.
    fn number(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let mut value = 0u32;
        let mut n = 0;
        while n < max {
            match self.rest.get(n) {
                Some(&b) if b.is_ascii_digit() => value = value * 10 + u32::from(b - b'0'),
                _ => break,
            }
            n += 1;
        }
        if n < min {
            return None;
        }
        self.advance(n);
        Some((value, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_lose_invisible_characters_and_compose_accents() {
        // (field, id, whether normalization changed it)
        for (field, want, changed) in [
            ("U-1", "U-1", false),
            ("U-1\u{200b}", "U-1", true),
            ("\u{202e}U-2", "U-2", true),
            ("Jose\u{301}", "Jos\u{e9}", true),
            ("Jos\u{e9}", "Jos\u{e9}", false),
            ("\u{ff2d}0001", "M0001", false),
            ("会員\u{2066}01\u{2069}", "会員01", true),
            ("13819.0", "13819", false),
        ] {
            let (id, normalized) = normalize_id(field);
            assert_eq!((id.as_ref(), normalized), (want, changed), "{field:?}");
            assert_eq!(clean_id(field), want, "{field:?}");
        }
    }
    use chrono::{Datelike, NaiveDate};
    use proptest::prelude::*;

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
            ("２０２４年１月５日", (2024, 1, 5), None),
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
            "2024-01-05 13:45:00.",
            "2024-01-05T13:45:00+09:60",
            "2024年13月1日",
            "2024年1月5",
            "2024年1月5日 13時45",
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

    #[test]
    fn defaults_and_serde_names() {
        fn json(value: &impl serde::Serialize) -> String {
            serde_json::to_string(value).unwrap()
        }
        let cases = [
            (json(&DateFormat::ExcelSerial), "\"excel-serial\""),
            (json(&DateFormat::UnixSeconds), "\"unix-seconds\""),
            (json(&DateOrder::DayFirst), "\"day_first\""),
            (json(&DecimalSep::Comma), "\"comma\""),
            (json(&Currency::Jpy), "\"JPY\""),
            (json(&Currency::Other), "\"OTHER\""),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
        // Every serde name of DateFormat is also accepted by FromStr.
        for format in [
            DateFormat::ExcelSerial,
            DateFormat::UnixSeconds,
            DateFormat::Compact,
        ] {
            let name = json(&format);
            assert_eq!(name.trim_matches('"').parse::<DateFormat>(), Ok(format));
        }
        assert_eq!(DateFormat::default(), DateFormat::Auto);
        assert_eq!(DecimalSep::default(), DecimalSep::Dot);
    }

    #[test]
    fn amounts() {
        use Currency::*;
        use DecimalSep::{Comma, Dot};
        let cases: &[(&str, DecimalSep, f64, Option<Currency>)] = &[
            ("1234", Dot, 1234.0, None),
            ("1,234", Dot, 1234.0, None),
            ("1,234.56", Dot, 1234.56, None),
            ("1,234,567.89", Dot, 1_234_567.89, None),
            ("1'234.50", Dot, 1234.5, None),
            ("-12.5", Dot, -12.5, None),
            ("+12.5", Dot, 12.5, None),
            ("−12", Dot, -12.0, None),
            ("(12.50)", Dot, -12.5, None),
            ("($12.50)", Dot, -12.5, Some(Usd)),
            ("0.1", Dot, 0.1, None),
            (".5", Dot, 0.5, None),
            ("-0", Dot, 0.0, None),
            ("007", Dot, 7.0, None),
            ("$8.00", Dot, 8.0, Some(Usd)),
            ("-$0.95", Dot, -0.95, Some(Usd)),
            ("$-0.95", Dot, -0.95, Some(Usd)),
            ("$ 1,200.00", Dot, 1200.0, Some(Usd)),
            ("US$8.00", Dot, 8.0, Some(Usd)),
            ("12.50 USD", Dot, 12.5, Some(Usd)),
            ("12.50usd", Dot, 12.5, Some(Usd)),
            ("USD 12.50", Dot, 12.5, Some(Usd)),
            ("¥1,200", Dot, 1200.0, Some(Jpy)),
            ("￥1,200", Dot, 1200.0, Some(Jpy)),
            ("1,200円", Dot, 1200.0, Some(Jpy)),
            ("1200 JPY", Dot, 1200.0, Some(Jpy)),
            ("JPY 1200", Dot, 1200.0, Some(Jpy)),
            ("１，２００円", Dot, 1200.0, Some(Jpy)),
            ("－１２３", Dot, -123.0, None),
            ("£5", Dot, 5.0, Some(Gbp)),
            ("€5", Dot, 5.0, Some(Eur)),
            ("₩5000", Dot, 5000.0, Some(Krw)),
            ("5元", Dot, 5.0, Some(Cny)),
            ("CN¥5", Dot, 5.0, Some(Cny)),
            ("C$5", Dot, 5.0, Some(Cad)),
            ("A$5", Dot, 5.0, Some(Aud)),
            ("HK$5", Dot, 5.0, Some(Other)),
            ("12 CHF", Dot, 12.0, Some(Other)),
            // A bare $ or ¥ yields to a code.
            ("$12 CAD", Dot, 12.0, Some(Cad)),
            ("¥12 CNY", Dot, 12.0, Some(Cny)),
            ("$12 USD", Dot, 12.0, Some(Usd)),
            ("1000000000000000", Dot, 1e15, None),
            ("€12,50", Comma, 12.5, Some(Eur)),
            ("12,50 €", Comma, 12.5, Some(Eur)),
            ("1.234,56", Comma, 1234.56, None),
            ("1 234,56", Comma, 1234.56, None),
            ("1\u{202F}234,56", Comma, 1234.56, None),
            ("1\u{00A0}234,56 EUR", Comma, 1234.56, Some(Eur)),
            ("1234,5", Comma, 1234.5, None),
            ("-1.234", Comma, -1234.0, None),
            ("1,234", Comma, 1.234, None),
        ];
        for &(input, decimal, value, currency) in cases {
            let got = parse_amount(input, decimal);
            assert_eq!(
                got,
                Some(Amount { value, currency }),
                "{input:?} {decimal:?}"
            );
        }
        assert!(parse_amount("-0", Dot).unwrap().value.is_sign_positive());
    }

    #[test]
    fn amounts_with_many_digits_round_like_the_standard_library() {
        for text in [
            "1234567890.123456789",
            "0.1234567890123456789",
            "999999999999999.9",
            "0.000000000000000000000001",
            "123456789012345.6789",
        ] {
            let expected: f64 = text.parse().unwrap();
            assert_eq!(
                parse_amount(text, DecimalSep::Dot).unwrap().value,
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn amounts_rejected() {
        use DecimalSep::{Comma, Dot};
        let cases = [
            ("", Dot),
            ("  ", Dot),
            ("abc", Dot),
            ("$", Dot),
            ("円", Dot),
            ("NaN", Dot),
            ("inf", Dot),
            ("-inf", Dot),
            ("infinity", Dot),
            ("1e5", Dot),
            ("0x10", Dot),
            ("1.2.3", Dot),
            ("12 34", Dot),
            ("12.", Dot),
            ("12-", Dot),
            ("--12", Dot),
            ("+-12", Dot),
            ("(-12)", Dot),
            ("-(12)", Dot),
            ("(12", Dot),
            ("1,23", Dot),
            ("1,2345", Dot),
            ("1,,234", Dot),
            (",123", Dot),
            ("1234,567.8", Dot),
            ("1.234,56", Dot),
            ("12,50", Dot),
            ("1,234.56", Comma),
            ("1.2.3", Comma),
            ("1. 234,5", Comma),
            ("€12 USD", Dot),
            ("12 abc", Dot),
            ("12 EURO", Dot),
            ("$$12", Dot),
            ("12 $ $", Dot),
            ("1000000000000001", Dot),
            ("10000000000000000000000", Dot),
            ("-99999999999999999", Dot),
        ];
        for (input, decimal) in cases {
            assert_eq!(parse_amount(input, decimal), None, "{input:?} {decimal:?}");
        }
    }

    #[test]
    fn decimal_separator_guessing() {
        use DecimalSep::{Comma, Dot};
        let cases: &[(&[&str], DecimalSep)] = &[
            (&[], Dot),
            (&["12", "30"], Dot),
            (&["12.50", "3.99"], Dot),
            (&["12,50", "3,99"], Comma),
            (&["€12,50", "€1.000"], Comma),
            (&["1.234,56"], Comma),
            (&["1 234,56"], Comma),
            (&["1.234.567"], Comma),
            (&["1,234.56"], Dot),
            (&["1,234,567"], Dot),
            // Three digits after a single separator are no evidence either way.
            (&["1,234", "5,678"], Dot),
            (&["1.234"], Dot),
            (&["1,234", "12,5"], Comma),
            // The majority decides; a tie is Dot.
            (&["12,50", "12.50", "1.99"], Dot),
            (&["12,50", "12.50"], Dot),
            (&["12,50", "1,99", "0.5"], Comma),
        ];
        for &(samples, expected) in cases {
            assert_eq!(
                guess_decimal_sep(samples.iter().copied()),
                expected,
                "{samples:?}"
            );
        }
    }

    #[test]
    fn quantities() {
        let cases = [
            ("3", Some(3.0)),
            (" 3 ", Some(3.0)),
            ("-1", Some(-1.0)),
            ("+2", Some(2.0)),
            ("−2", Some(-2.0)),
            ("1.5", Some(1.5)),
            ("1,000", Some(1000.0)),
            ("２", Some(2.0)),
            ("", None),
            ("x", None),
            ("1e3", None),
            ("inf", None),
            ("2 pcs", None),
            ("1,5", None),
            ("1-", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_quantity(input), expected, "{input:?}");
        }
    }

    #[test]
    fn nps_scores() {
        let cases = [
            ("0", Some(0)),
            ("10", Some(10)),
            (" 7 ", Some(7)),
            ("9.0", Some(9)),
            ("10.00", Some(10)),
            ("１０", Some(10)),
            ("11", None),
            ("-1", None),
            ("9.5", None),
            ("10.", None),
            ("100", None),
            ("", None),
            ("abc", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_nps(input), expected, "{input:?}");
        }
    }

    #[test]
    fn ids() {
        let cases = [
            ("C001", "C001", true),
            ("  C001 ", "C001", true),
            ("13819.0", "13819", true),
            ("13819.00", "13819", true),
            ("13819.5", "13819.5", true),
            ("A13819.0", "A13819.0", true),
            (".0", ".0", true),
            ("1.0.0", "1.0.0", true),
            ("顧客1", "顧客1", true),
            ("１２３", "123", false),
            ("１２３．０", "123", false),
            ("\u{3000}ＡＢ－１\u{3000}", "AB-1", false),
        ];
        for (input, expected, borrowed) in cases {
            let got = clean_id(input);
            assert_eq!(got, expected, "{input:?}");
            assert_eq!(matches!(got, Cow::Borrowed(_)), borrowed, "{input:?}");
        }
    }

    fn check_never_panics(text: &str) {
        for format in [
            DateFormat::Auto,
            DateFormat::Iso,
            DateFormat::Ymd,
            DateFormat::Compact,
            DateFormat::Japanese,
            DateFormat::Dmy,
            DateFormat::Mdy,
            DateFormat::ExcelSerial,
            DateFormat::UnixSeconds,
        ] {
            if let Some(date) = parse_date(text, format) {
                let days = [DateOrder::DayFirst, DateOrder::MonthFirst].map(|o| date.day(o));
                assert!(days.iter().any(Option::is_some), "{text:?}");
                assert!(date.seconds().is_none_or(|s| s < 86_400), "{text:?}");
                let _ = date.evidence();
            }
        }
        for decimal in [DecimalSep::Dot, DecimalSep::Comma] {
            if let Some(amount) = parse_amount(text, decimal) {
                assert!(amount.value.is_finite() && amount.value.abs() <= MAX_AMOUNT);
            }
        }
        if let Some(quantity) = parse_quantity(text) {
            assert!(quantity.is_finite());
        }
        assert!(parse_nps(text).is_none_or(|score| score <= 10));
        let id = clean_id(text);
        assert_eq!(clean_id(&id), id, "clean_id is idempotent on {text:?}");
        let _ = guess_decimal_sep([text]);
    }

    proptest! {
        #[test]
        fn parsers_never_panic_on_any_text(text in "\\PC*") {
            check_never_panics(&text);
        }

        #[test]
        fn parsers_never_panic_on_field_like_text(
            text in "[0-9０-９.,/:+ ()$¥￥€£円年月日時分秒TZAPMUSDJY\u{2212}\u{202F}\u{3000}-]{0,24}"
        ) {
            check_never_panics(&text);
        }
    }

    proptest::proptest! {
        /// The hot-path parsers agree with the general ones wherever they answer.
        #[test]
        fn fast_paths_agree_with_the_general_parsers(
            year in 1890i32..2110, month in 0u32..14, day in 0u32..33,
            h in 0u32..25, m in 0u32..61, sec in 0u32..61, with_time: bool, t_sep: bool,
            mantissa in 0u64..10_000_000_000_000_000, frac in 0usize..8, negative: bool,
        ) {
            let date = if with_time {
                format!("{year:04}-{month:02}-{day:02}{}{h:02}:{m:02}:{sec:02}", if t_sep { 'T' } else { ' ' })
            } else {
                format!("{year:04}-{month:02}-{day:02}")
            };
            if let Some(fast) = fast_iso_date(date.as_bytes()) {
                proptest::prop_assert_eq!(Some(fast), with_folded(&date, |s| date_with_format(s, DateFormat::Auto)));
            }
            let digits = mantissa.to_string();
            let number = if frac > 0 && frac < digits.len() {
                format!("{}{}.{}", if negative { "-" } else { "" }, &digits[..digits.len() - frac], &digits[digits.len() - frac..])
            } else {
                format!("{}{digits}", if negative { "-" } else { "" })
            };
            if let Some(fast) = fast_decimal(number.as_bytes()) {
                let general = with_folded(&number, |s| amount(s, DecimalSep::Dot)).map(|a| a.value);
                proptest::prop_assert_eq!(Some(fast), general, "{}", number);
            }
        }
    }
}
