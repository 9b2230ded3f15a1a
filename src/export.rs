//! Helpers for files that users open in spreadsheets: the one rule for
//! formula injection, used by the CLI's CSV exports and, through the wasm
//! export `safeCell`, by the web app's.

use std::borrow::Cow;

/// The leading characters that make a spreadsheet read a cell as a formula
/// (OWASP "CSV injection": `=`, `+`, `-`, `@`, tab, carriage return).
pub const FORMULA_LEADS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Neutralizes spreadsheet formula injection in a text cell: a value that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed
/// with a single quote, so Excel, Sheets and LibreOffice show it as text
/// instead of running it. Only a plain finite number is left as it is
/// (`-12.5`, `+3`, `-1e5`): digits, one sign, a decimal point and an
/// exponent, nothing else, so `-inf`, `+nan`, `-Infinity`, `-1e400` (which
/// Rust would parse) and `-2+3` are neutralized.
///
/// ```
/// use ltvlab::export::safe_cell;
/// assert_eq!(safe_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(safe_cell("-inf"), "'-inf");
/// assert_eq!(safe_cell("-12.5"), "-12.5");
/// assert_eq!(safe_cell("c@example.com"), "c@example.com");
/// ```
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_LEADS) && !is_plain_number(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Whether `value` is a finite number written with digits, an optional
/// leading sign, at most one decimal point and an optional exponent.
fn is_plain_number(value: &str) -> bool {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
    plain && value.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralizes_formulas_only() {
        let cases = [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd", "'+cmd"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-2+3", "'-2+3"),
            ("-12.5", "-12.5"),
            ("+3", "+3"),
            ("-1e5", "-1e5"),
            ("13819", "13819"),
            ("c@example.com", "c@example.com"),
            // Rust parses these as numbers; a spreadsheet does not
            // (issue #13: the web export neutralized them, the CLI did not).
            ("-inf", "'-inf"),
            ("+nan", "'+nan"),
            ("-Infinity", "'-Infinity"),
            ("+NaN", "'+NaN"),
            ("-1e400", "'-1e400"),
            ("\t1", "'\t1"),
        ];
        for (input, want) in cases {
            assert_eq!(safe_cell(input), want, "{input:?}");
        }
    }
}
