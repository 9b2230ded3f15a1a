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
//! # Parsers by kind
//!
//! - `date`: dates and times ([`parse_date`]) in the formats listed there, and the
//!   day numbers they become;
//! - `number`: amounts with currencies and separators ([`parse_amount`]), quantities
//!   and NPS scores;
//! - `id`: ids ([`clean_id`], [`normalize_id`]).
//!
//! This module holds what they share: trimming, folding and the byte `Cursor`.

mod date;
mod id;
mod number;

pub use date::{parse_date, DateFormat, DateOrder, OrderEvidence, RawDate};
pub use id::{clean_id, name_key, normalize_id, phone_key};
pub use number::{
    guess_decimal_sep, parse_amount, parse_nps, parse_quantity, Amount, Currency, DecimalSep,
    MAX_AMOUNT,
};

/// The longest non-ASCII field, in bytes after folding, that the date, amount, quantity
/// and NPS parsers accept. ASCII fields have no limit.
pub const FOLD_CAPACITY: usize = 128;

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

/// `str::trim`, with a fast path for the usual field that has ASCII at both
/// ends, and the text inside Excel's `="…"` ([`excel_text`]).
fn trim(field: &str) -> &str {
    let trimmed = field.trim_ascii();
    let ascii_ends =
        |b: &[u8]| b.first().is_none_or(u8::is_ascii) && b.last().is_none_or(u8::is_ascii);
    let trimmed = if ascii_ends(trimmed.as_bytes()) {
        trimmed
    } else {
        trimmed.trim()
    };
    excel_text(trimmed)
}

/// The text of a field written as Excel's text formula `="000123"`, which
/// exports use (and spreadsheets save) so that an id's or a phone number's
/// leading zeros survive being opened in Excel: `000123`, trimmed. Other
/// fields as they are.
fn excel_text(s: &str) -> &str {
    match s.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.contains('"') => inner.trim(),
        _ => s,
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
    use date::{date_with_format, fast_iso_date};
    use number::{amount, fast_decimal};
    use proptest::prelude::*;

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
        if let Some(phone) = phone_key(&id) {
            assert!(
                phone.len() >= 6 && phone.bytes().all(|b| b.is_ascii_digit()),
                "{text:?}"
            );
        }
        if let Some(name) = name_key(&id) {
            assert!(!name.is_empty() && name.trim() == name, "{text:?}");
        }
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
