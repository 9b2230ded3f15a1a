//! Small text helpers shared by the subcommands' plain-text and CSV output.

/// Formats a number without trailing noise: integers without decimals,
/// others with up to 6 decimals.
///
/// A number between 1e-4 and 2^26 whose shortest round-trip text (`ryu`)
/// has at most 6 decimals is that text: it lies within half a unit in the
/// last place (at most 2^-27) of the number, far nearer than the half
/// millionth that rounding to 6 decimals could move it, so `{:.6}` gives the
/// same digits (and trailing zeros, trimmed). Others go through `{:.6}`,
/// which is slower (a unit test compares both).
pub(crate) fn num(x: f64) -> String {
    let mut out = String::new();
    num_into(x, &mut out);
    out
}

/// [`num`] written into `out` (cleared first), so that a writer of many
/// numbers (the summary's 23,570 rows of six on CDNOW) reuses one buffer per
/// column instead of allocating a string per number.
pub(crate) fn num_into(x: f64, out: &mut String) -> &str {
    out.clear();
    if x.abs() < 1e15 && (x as i64) as f64 == x {
        out.push_str(itoa::Buffer::new().format(x as i64));
        return out;
    }
    if (1e-4..67_108_864.0).contains(&x.abs()) {
        let mut buffer = ryu::Buffer::new();
        let short = buffer.format_finite(x);
        if short
            .find('.')
            .is_some_and(|point| short.len() - point <= 7 && !short.contains('e'))
        {
            out.push_str(short);
            return out;
        }
    }
    out.push_str(&num_fixed(x));
    out
}

/// [`num`] through `{:.6}`.
fn num_fixed(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// `text` padded with spaces to `width` terminal columns, by display width
/// (a kanji or kana takes two), so a column of Japanese names lines up with
/// one of ASCII names. Text wider than `width` is left whole.
pub(crate) fn pad(text: &str, width: usize) -> String {
    let shown = unicode_width::UnicodeWidthStr::width(text);
    let mut out = String::with_capacity(text.len() + width.saturating_sub(shown));
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(shown)));
    out
}

/// `text` as a table cell of exactly `width` terminal columns: padded as
/// [`pad`] does, or cut at a character boundary and ended with `…` when
/// wider, so one long name cannot push the row's other columns out of line.
pub(crate) fn cell(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if unicode_width::UnicodeWidthStr::width(text) <= width {
        return pad(text, width);
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    pad(&out, width)
}

/// `1 customer`, `2 customers`: a count of customers as a sentence says it.
pub(crate) fn customers(n: u64) -> String {
    count(n, "customer", "customers")
}

/// `1 order`, `2 orders`: a count as a sentence says it, with the noun's
/// singular and plural.
pub(crate) fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The message with its first letter in lower case (errors are lower-case
/// lines; the OS and clap start theirs with a capital).
pub(crate) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_is_fixed_six_decimals_trimmed() {
        let mut values = vec![
            0.0,
            -0.0,
            1.5,
            12.25,
            0.1 + 0.2,
            1e-4,
            9.99e-5,
            1e-7,
            0.0000005,
            0.0000015,
            12.285714285714286,
            1234567.125,
            67108863.9,
            67108864.5,
            1e15,
            1e16 + 2.0,
            f64::NAN,
            f64::INFINITY,
            2.5e-12,
            1.0 / 3.0,
            0.1234565,
            0.1234575,
        ];
        // A spread of magnitudes and digits (a fixed pseudo-random walk).
        let mut x = 0.123_456_789_f64;
        for _ in 0..200_000 {
            x = (x * 7.919 + 0.3711).fract();
            let scale = 10f64.powi((x * 14.0) as i32 - 5);
            values.push(x * scale);
            values.push(-(x * scale * 1e3).round() / 1e3);
            values.push((x * scale * 1e6).round() / 1e6);
        }
        let mut buffer = String::from("left over");
        for v in values {
            assert_eq!(num(v), num_fixed(v), "{v:e}");
            assert_eq!(num_into(v, &mut buffer), num_fixed(v), "{v:e}");
        }
    }

    /// Display widths: ASCII 1 column, kanji and kana 2 (Unicode's East
    /// Asian Width, UAX #11), `…` 1.
    #[test]
    fn cells_line_up_by_display_width() {
        let cases: [(&str, usize, &str); 6] = [
            ("Tea", 6, "Tea   "),
            ("京都 抹茶", 12, "京都 抹茶   "),
            ("京都 抹茶 詰め合わせ", 12, "京都 抹茶 … "),
            ("Premium Green Tea Pack", 10, "Premium G…"),
            ("", 3, "   "),
            ("抹茶", 4, "抹茶"),
        ];
        for (text, width, want) in cases {
            let got = cell(text, width);
            assert_eq!(got, want, "cell({text:?}, {width})");
            assert_eq!(unicode_width::UnicodeWidthStr::width(got.as_str()), width);
        }
        // A wide character that would straddle the edge is left out and
        // the cell padded: 5 columns of 抹茶茶 are 抹茶 (4) + … (1).
        assert_eq!(cell("抹茶茶", 5), "抹茶…");
        assert_eq!(cell("抹茶茶", 6), "抹茶茶");
        assert_eq!(pad("京都", 3), "京都");
        assert_eq!(pad("京都", 6), "京都  ");
    }

    #[test]
    fn customers_is_singular_for_one_only() {
        assert_eq!(customers(0), "0 customers");
        assert_eq!(customers(1), "1 customer");
        assert_eq!(customers(2), "2 customers");
    }
}
