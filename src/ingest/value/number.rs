//! Amounts, quantities and scores: [`parse_amount`] reads an amount with its currency
//! under a column's [`DecimalSep`], which [`guess_decimal_sep`] can guess from a sample.
//!
//! # Amount formats
//!
//! [`parse_amount`] reads an optional sign (`-`, `+`, `−`, and the Japanese accounts' `▲`
//! and `△` for minus) or accounting parentheses `(12.50)`, an optional currency before
//! and/or after the number (`$`, `US$`, `¥`, `￥`, `円`, `€`, `£`, `₩`, `元`, `C$`, `A$`, or
//! a three-letter code such as `JPY`), and a number whose separators follow the column's
//! [`DecimalSep`]. A tax note (`(税込)`, `税込`, `(税抜)`, …) before or after it is passed
//! over, and so is the closing hyphen of `¥1,200-`:
//!
//! | [`DecimalSep`] | decimal point | thousands separators | examples |
//! |---|---|---|---|
//! | `Dot` | `.` | `,` `'` | `1,234.56`, `1234`, `.5` |
//! | `Comma` | `,` | `.` space `'` | `1.234,56`, `1 234,56`, `12,50` |
//!
//! Thousands groups must be well formed (1..=3 leading digits, then groups of exactly 3),
//! so `1.2.3` and `12 34` are rejected rather than guessed at.

use super::{folded, trim, with_folded, Cursor};

/// The largest accepted amount magnitude; larger values are treated as unreadable.
pub const MAX_AMOUNT: f64 = 1e15;
/// The common case on the hot path: `-?[0-9]{1,15}(\.[0-9]{1,6})?`. The
/// mantissa and the power of ten are exact in `f64`, so one division gives
/// the correctly rounded value, the same as the general parser's.
pub(super) fn fast_decimal(b: &[u8]) -> Option<f64> {
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
/// [`DecimalSep::Dot`]), a trailing minus (but for `¥1,200-`'s closing hyphen), and
/// magnitudes above [`MAX_AMOUNT`].
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
/// separators and `.` decimal point (full-width digits allowed), and a counter
/// after it as a shop's own list writes one (`2個`, `1点`, `3 本`, `2セット`,
/// `2 pcs`). Returns `None` unless the value is finite with magnitude at
/// most [`MAX_AMOUNT`].
pub fn parse_quantity(field: &str) -> Option<f64> {
    if let Some(value) = fast_decimal(field.as_bytes()) {
        return Some(value);
    }
    with_folded(field, |mut s| {
        s = without_counter(s);
        let negative = take_sign(&mut s) == Some(Sign::Minus);
        let magnitude = parse_unsigned(s.trim_ascii_start(), DecimalSep::Dot)?;
        (magnitude <= MAX_AMOUNT).then(|| signed(magnitude, negative))
    })
}

/// Counters written after a quantity: Japanese 助数詞 for goods and the
/// English abbreviations. Not `個入` or `入り`, which give a pack's size.
const COUNTERS: [&str; 21] = [
    "個",
    "点",
    "本",
    "枚",
    "袋",
    "箱",
    "冊",
    "足",
    "着",
    "缶",
    "瓶",
    "台",
    "組",
    "束",
    "セット",
    "パック",
    "ケース",
    "pcs",
    "pc",
    "units",
    "items",
];

/// `s` without one trailing counter ([`COUNTERS`]) and the spaces before it.
fn without_counter(s: &[u8]) -> &[u8] {
    let s = s.trim_ascii_end();
    COUNTERS
        .iter()
        .find_map(|c| s.strip_suffix(c.as_bytes()))
        .map_or(s, <[u8]>::trim_ascii_end)
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

pub(super) fn amount(mut s: &[u8], decimal: DecimalSep) -> Option<Amount> {
    s = strip_tax_note(s);
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
    // ¥1,200- : the yen sign and a closing hyphen, as receipts and
    // invoices write an amount so that nothing can be added after it. Only
    // after ¥: elsewhere a trailing minus (SAP's 1.200-) may mean negative.
    if sign.is_none() && prefix.is_some_and(|p| p.currency == Currency::Jpy && p.weak) {
        if let [rest @ .., b'-'] = s {
            s = rest.trim_ascii_end();
        }
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

/// The marks of a negative amount in Japanese accounts and spreadsheets,
/// ▲ and △ (三角: `▲1,200` is −1,200).
const TRIANGLES: [&str; 2] = ["▲", "△"];

fn take_sign(s: &mut &[u8]) -> Option<Sign> {
    let sign = match s.first() {
        Some(b'-') => Sign::Minus,
        Some(b'+') => Sign::Plus,
        _ => {
            let rest = TRIANGLES
                .iter()
                .find_map(|t| s.strip_prefix(t.as_bytes()))?;
            *s = rest.trim_ascii_start();
            return Some(Sign::Minus);
        }
    };
    *s = &s[1..];
    Some(sign)
}

/// Tax notes after an amount, after folding (full-width parentheses are
/// ASCII by then): hand-made order sheets write `1,200円(税込)`; the note
/// does not change the number.
const TAX_NOTES_AFTER: [&str; 5] = ["(税込)", "(税抜)", "(税別)", "(内税)", "(外税)"];

/// Tax notes written bare, before or after an amount (`税込1,200円`).
const TAX_NOTES_BARE: [&str; 3] = ["税込み", "税込", "税抜"];

/// `s` without one tax note after it ([`TAX_NOTES_AFTER`] or
/// [`TAX_NOTES_BARE`]) and one before it ([`TAX_NOTES_BARE`]).
fn strip_tax_note(mut s: &[u8]) -> &[u8] {
    if s.is_ascii() {
        return s;
    }
    let after = TAX_NOTES_AFTER.iter().chain(&TAX_NOTES_BARE);
    if let Some(rest) = after.into_iter().find_map(|n| s.strip_suffix(n.as_bytes())) {
        s = rest.trim_ascii_end();
    }
    if let Some(rest) = TAX_NOTES_BARE
        .iter()
        .find_map(|n| s.strip_prefix(n.as_bytes()))
    {
        s = rest.trim_ascii_start();
    }
    s
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

pub(super) const POWERS_OF_TEN: [f64; 23] = [
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

#[cfg(test)]
mod tests {
    use super::*;

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
            // Japanese accounts and hand-made order sheets.
            ("▲1,200", Dot, -1200.0, None),
            ("▲ 1,200円", Dot, -1200.0, Some(Jpy)),
            ("△500", Dot, -500.0, None),
            ("¥▲300", Dot, -300.0, Some(Jpy)),
            ("1,200円(税込)", Dot, 1200.0, Some(Jpy)),
            ("1,200円（税込）", Dot, 1200.0, Some(Jpy)),
            ("1,100 (税抜)", Dot, 1100.0, None),
            ("税込1,200円", Dot, 1200.0, Some(Jpy)),
            ("税込み ¥1,200", Dot, 1200.0, Some(Jpy)),
            ("¥1,200-", Dot, 1200.0, Some(Jpy)),
            ("￥1,200－", Dot, 1200.0, Some(Jpy)),
            // Excel's text formula.
            ("=\"1200\"", Dot, 1200.0, None),
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
            ("1,200-", Dot),
            ("$12-", Dot),
            ("-¥1,200-", Dot),
            ("▲-12", Dot),
            ("▲▲12", Dot),
            ("税込", Dot),
            ("(税込)", Dot),
            ("1,200(消費税)", Dot),
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
            ("2 pcs", Some(2.0)),
            ("2個", Some(2.0)),
            ("1 点", Some(1.0)),
            ("３本", Some(3.0)),
            ("2セット", Some(2.0)),
            ("個", None),
            ("2個入", None),
            ("2 kg", None),
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
}
