//! Helpers for files that users open in spreadsheets.

use std::borrow::Cow;

/// Neutralizes spreadsheet formula injection in a text cell: a value that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with
/// a single quote, so Excel and Sheets show it as text instead of running it
/// (OWASP "CSV injection"). Plain negative numbers such as `-12.5` are left
/// as they are.
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let numeric = value.parse::<f64>().is_ok();
    if risky && !numeric {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
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
            ("13819", "13819"),
            ("c@example.com", "c@example.com"),
        ];
        for (input, want) in cases {
            assert_eq!(safe_cell(input), want, "{input}");
        }
    }
}
