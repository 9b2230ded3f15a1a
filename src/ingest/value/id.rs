//! Ids: customer and item ids as a person would compare them.

use std::borrow::Cow;

use super::{fold_full_width, trim};

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

/// `13819.0` → `13819`: drops a `.0…0` fraction from an all-digit id.
/// Read by bytes: most ids do not start with a digit, and those that do
/// rarely have a dot.
fn strip_float_suffix(id: &str) -> &str {
    let b = id.as_bytes();
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    match b.get(int..) {
        Some([b'.', zeros @ ..])
            if int > 0 && !zeros.is_empty() && zeros.iter().all(|&c| c == b'0') =>
        {
            id.get(..int).unwrap_or(id)
        }
        _ => id,
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

    proptest::proptest! {
        /// The byte reading equals splitting at the first dot.
        #[test]
        fn strip_float_suffix_drops_zero_fractions_of_digit_ids(id in "[0-9.a０]{0,8}") {
            let want = match id.split_once('.') {
                Some((int, zeros))
                    if !int.is_empty()
                        && int.bytes().all(|b| b.is_ascii_digit())
                        && !zeros.is_empty()
                        && zeros.bytes().all(|b| b == b'0') =>
                {
                    int
                }
                _ => id.as_str(),
            };
            proptest::prop_assert_eq!(strip_float_suffix(&id), want);
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
}
