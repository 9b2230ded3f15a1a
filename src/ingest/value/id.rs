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

/// A phone number as a customer id: its digits, so that `090-1234-5678`,
/// `090 1234 5678`, `(090)1234-5678` and `09012345678` are one customer;
/// Japan's country code written `+81` becomes the leading 0 (`+81
/// 90-1234-5678` is `09012345678`). Takes a [`clean_id`]-ed field
/// (full-width digits are ASCII by then). `None`, a guest, when fewer than
/// six digits are left or they are one digit repeated: a placeholder such
/// as `000-0000-0000` or `-` is no one's number.
pub fn phone_key(id: &str) -> Option<String> {
    let mut digits: String = id.chars().filter(char::is_ascii_digit).collect();
    if id.trim_start().starts_with('+') && digits.starts_with("81") {
        digits.replace_range(..2, "0");
        if digits.starts_with("00") {
            digits.remove(0); // `+81 (0)90…` kept its own 0
        }
    }
    let first = digits.bytes().next()?;
    (digits.len() >= 6 && digits.bytes().any(|d| d != first)).then_some(digits)
}

/// A name as a customer id: without the spaces between Japanese words
/// (ASCII and full-width, so `山田 太郎`, `山田　太郎` and `山田太郎` are one
/// customer; between two Latin words one space stays, `Taro Yamada`) and
/// without a trailing 様 or さま. Takes a [`clean_id`]-ed field. `None`, a
/// guest, when nothing is left or the name is no one's (ゲスト, 店頭,
/// and the like).
pub fn name_key(id: &str) -> Option<String> {
    let mut joined = String::with_capacity(id.len());
    for word in id.split_whitespace() {
        let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if latin(joined.chars().next_back()) && latin(word.chars().next()) {
            joined.push(' ');
        }
        joined.push_str(word);
    }
    let name = joined
        .strip_suffix('様')
        .or_else(|| joined.strip_suffix("さま"))
        .unwrap_or(&joined);
    (!name.is_empty() && !NO_ONES_NAMES.contains(&name.to_lowercase().as_str()))
        .then(|| name.to_owned())
}

/// What an order list writes where a walk-in's or an unknown buyer's name
/// would be (compared lower-cased, after [`name_key`]'s spaces and 様):
/// each is many people, so such a row is a guest's, not one customer's.
const NO_ONES_NAMES: &[&str] = &[
    "ゲスト",
    "guest",
    "非会員",
    "店頭",
    "店頭販売",
    "店頭客",
    "来店客",
    "不明",
    "未登録",
    "未入力",
    "なし",
    "-",
    "ー",
    "―",
    "—",
    "unknown",
    "n/a",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// `phone_key` on the ways a Japanese order list writes one number,
    /// placeholders and foreign numbers. Source: the formats above.
    #[test]
    fn phone_numbers_are_their_digits() {
        let cases: [(&str, Option<&str>); 11] = [
            ("090-1234-5678", Some("09012345678")),
            ("090 1234 5678", Some("09012345678")),
            ("(090)1234-5678", Some("09012345678")),
            ("09012345678", Some("09012345678")),
            ("+81 90-1234-5678", Some("09012345678")),
            ("+81 (0)90-1234-5678", Some("09012345678")),
            ("03-1234-5678", Some("0312345678")),
            ("+1 415 555 0100", Some("14155550100")),
            ("000-0000-0000", None),
            ("-", None),
            ("1234", None),
        ];
        for (field, want) in cases {
            assert_eq!(phone_key(&clean_id(field)).as_deref(), want, "{field:?}");
        }
        // Full-width digits and hyphens are folded by clean_id first.
        assert_eq!(
            phone_key(&clean_id("０９０－１２３４－５６７８")).as_deref(),
            Some("09012345678")
        );
    }

    /// `name_key`: one name however it is spaced, with or without 様.
    #[test]
    fn names_lose_their_spaces_and_honorific() {
        let cases: [(&str, Option<&str>); 11] = [
            ("山田 太郎", Some("山田太郎")),
            ("山田\u{3000}太郎", Some("山田太郎")),
            ("山田太郎 様", Some("山田太郎")),
            ("山田太郎さま", Some("山田太郎")),
            (" Taro  Yamada ", Some("Taro Yamada")),
            ("Yamada 太郎", Some("Yamada太郎")),
            ("様", None),
            ("\u{3000}", None),
            ("ゲスト 様", None),
            ("店頭", None),
            ("Guest", None),
        ];
        for (field, want) in cases {
            assert_eq!(name_key(&clean_id(field)).as_deref(), want, "{field:?}");
        }
    }

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
            // Excel's text formula, which keeps leading zeros.
            ("=\"000123\"", "000123", true),
            (" =\" 000123 \" ", "000123", true),
            ("=\"a\"b\"", "=\"a\"b\"", true),
            ("=SUM(A1)", "=SUM(A1)", true),
        ];
        for (input, expected, borrowed) in cases {
            let got = clean_id(input);
            assert_eq!(got, expected, "{input:?}");
            assert_eq!(matches!(got, Cow::Borrowed(_)), borrowed, "{input:?}");
        }
    }
}
