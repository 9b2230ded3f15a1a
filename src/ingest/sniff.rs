//! Detection from the first bytes of a file: text encoding, delimiter and
//! whether the first row is a header.

use encoding_rs::{Encoding, SHIFT_JIS, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

use crate::error::{Error, ErrorKind, Result};

/// The detected encoding of the input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DetectedEncoding {
    pub(crate) encoding: &'static Encoding,
    /// Bytes of byte-order mark at the start.
    pub(crate) bom_len: usize,
}

/// Detects the encoding from the first bytes of the input (`sample` is at
/// most a few KiB, `is_complete` says whether it is the whole input).
///
/// Order: a byte-order mark decides (but a UTF-8 mark followed by text that
/// is Shift_JIS and not UTF-8 gives Shift_JIS); then NUL patterns of BOM-less UTF-16;
/// then NUL bytes or control characters mean binary; then valid UTF-8; then
/// Shift_JIS (CP932) if it decodes without errors; else Windows-1252.
pub(crate) fn detect_encoding(sample: &[u8], is_complete: bool) -> Result<DetectedEncoding> {
    if let Some((enc, bom_len)) = Encoding::for_bom(sample) {
        // A UTF-8 byte-order mark in front of Shift_JIS text (a file
        // re-saved by a tool that only added the mark): the text decides.
        let rest = &sample[bom_len..];
        if enc == UTF_8 && !utf8_prefix_valid(rest, is_complete) {
            let (_, _, had_errors) = SHIFT_JIS.decode(trim_partial_sjis(rest, is_complete));
            if !had_errors {
                return Ok(DetectedEncoding {
                    encoding: SHIFT_JIS,
                    bom_len,
                });
            }
        }
        return Ok(DetectedEncoding {
            encoding: enc,
            bom_len,
        });
    }
    let head = &sample[..sample.len().min(8192)];
    let nul_even = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let nul_odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let half = head.len() / 2;
    if half >= 2 && nul_odd * 10 >= half * 4 && nul_even * 10 < half {
        return Ok(DetectedEncoding {
            encoding: UTF_16LE,
            bom_len: 0,
        });
    }
    if half >= 2 && nul_even * 10 >= half * 4 && nul_odd * 10 < half {
        return Ok(DetectedEncoding {
            encoding: UTF_16BE,
            bom_len: 0,
        });
    }
    if nul_even + nul_odd > 0 {
        return Err(Error::new(ErrorKind::Binary {
            reason: format!(
                "{} NUL bytes in the first {} bytes",
                nul_even + nul_odd,
                head.len()
            ),
        })
        .param("count", nul_even + nul_odd)
        .param("bytes", head.len()));
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1a))
        .count();
    if controls * 20 > head.len().max(1) {
        return Err(Error::new(ErrorKind::Binary {
            reason: format!("{controls} control bytes in the first {} bytes", head.len()),
        })
        .param("count", controls)
        .param("bytes", head.len()));
    }
    if utf8_prefix_valid(sample, is_complete) {
        return Ok(DetectedEncoding {
            encoding: UTF_8,
            bom_len: 0,
        });
    }
    let (_, _, had_errors) = SHIFT_JIS.decode(trim_partial_sjis(sample, is_complete));
    if !had_errors {
        return Ok(DetectedEncoding {
            encoding: SHIFT_JIS,
            bom_len: 0,
        });
    }
    Ok(DetectedEncoding {
        encoding: WINDOWS_1252,
        bom_len: 0,
    })
}

/// Whether `sample` is valid UTF-8, allowing a sequence cut at the end when
/// the sample is only a prefix of the input.
fn utf8_prefix_valid(sample: &[u8], is_complete: bool) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => !is_complete && e.error_len().is_none() && sample.len() - e.valid_up_to() < 4,
    }
}

/// Drops a trailing lead byte of Shift_JIS so a cut double-byte character does
/// not count as an error.
fn trim_partial_sjis(sample: &[u8], is_complete: bool) -> &[u8] {
    if is_complete {
        return sample;
    }
    // Walk character by character to know whether the last byte is a lead byte.
    let mut i = 0;
    while i < sample.len() {
        let b = sample[i];
        let lead = (0x81..=0x9f).contains(&b) || (0xe0..=0xfc).contains(&b);
        if lead {
            if i + 1 == sample.len() {
                return &sample[..i];
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    sample
}

/// The delimiters ltvlab recognises, in order of preference on ties.
pub(crate) const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Picks the delimiter whose split gives the most consistent field count
/// over the sample's records (at least two fields). Quotes are respected.
/// Returns the delimiter and whether the field counts were consistent (they
/// are not for one-basket-per-line files).
pub(crate) fn detect_delimiter(text: &str, is_complete: bool) -> (u8, bool) {
    let mut best = (b',', false, f64::MIN);
    for &d in &DELIMITERS {
        let counts = field_counts(text, d, is_complete, 200);
        if counts.is_empty() {
            continue;
        }
        let mode = mode(&counts);
        let consistent = counts.iter().filter(|&&c| c == mode).count() as f64 / counts.len() as f64;
        let mean = counts.iter().sum::<usize>() as f64 / counts.len() as f64;
        // A consistent split into several fields beats everything; without
        // one, more fields per row is the better guess.
        let score = if mode >= 2 {
            consistent * 10.0 + (mode as f64).min(50.0) / 100.0
        } else {
            mean / 1000.0
        };
        if score > best.2 {
            best = (d, mode >= 2 && consistent >= 0.8, score);
        }
    }
    (best.0, best.1)
}

/// Field counts of the first `max` records of `text` split by `delim`,
/// dropping a final record that may be cut when the text is only a prefix.
fn field_counts(text: &str, delim: u8, is_complete: bool, max: usize) -> Vec<usize> {
    let mut counts = Vec::new();
    for_each_record(text, delim, is_complete, max, |out, ends| {
        let empty_line = ends.len() == 1 && out.is_empty();
        if !empty_line {
            counts.push(ends.len());
        }
        !empty_line
    });
    counts
}

/// Tokenizes the sample `text` and calls `record` with each record's
/// unescaped bytes and field end offsets, until `record` has accepted (returned
/// `true` for) `max` records. When the text is only a prefix of the input, a
/// final record it may have cut is not passed on. Records past 16 MiB end the
/// walk: detection never needs them.
pub(crate) fn for_each_record(
    text: &str,
    delim: u8,
    is_complete: bool,
    max: usize,
    mut record: impl FnMut(&[u8], &[usize]) -> bool,
) {
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(delim).build();
    let mut input = text.as_bytes();
    let mut out = vec![0u8; 4096];
    let mut ends = vec![0usize; 256];
    let (mut out_len, mut ends_len, mut accepted) = (0, 0, 0);
    loop {
        let (res, nin, nout, nend) =
            rdr.read_record(input, &mut out[out_len..], &mut ends[ends_len..]);
        input = &input[nin..];
        out_len += nout;
        ends_len += nend;
        match res {
            csv_core::ReadRecordResult::InputEmpty => {
                if !is_complete {
                    break;
                }
            }
            csv_core::ReadRecordResult::OutputFull => {
                if out.len() >= 1 << 24 {
                    break;
                }
                out.resize(out.len() * 2, 0);
            }
            csv_core::ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            csv_core::ReadRecordResult::Record => {
                accepted += usize::from(record(&out[..out_len], &ends[..ends_len]));
                out_len = 0;
                ends_len = 0;
                if accepted >= max {
                    break;
                }
            }
            csv_core::ReadRecordResult::End => break,
        }
    }
}

/// Whether field counts are consistent: at least 80% of the records have
/// the most common count, and it is two or more ([`detect_delimiter`]'s
/// rule).
pub(crate) fn consistent_counts(counts: &[usize]) -> bool {
    let mode = mode(counts);
    mode >= 2 && counts.iter().filter(|&&c| c == mode).count() * 5 >= counts.len() * 4
}

fn mode(counts: &[usize]) -> usize {
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let (mut best, mut best_n, mut i) = (0, 0, 0);
    while i < sorted.len() {
        let j = sorted[i..].iter().take_while(|&&c| c == sorted[i]).count();
        if j > best_n {
            best = sorted[i];
            best_n = j;
        }
        i += j;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_encodings() {
        let sjis = SHIFT_JIS.encode("注文番号,商品名\n1,緑茶\n").0.into_owned();
        let utf16: Vec<u8> = "a,b\n1,2\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let mut utf16_bom = vec![0xff, 0xfe];
        utf16_bom.extend(&utf16);
        let cases: Vec<(&str, Vec<u8>, &str, usize)> = vec![
            ("plain utf-8", b"a,b\n1,2\n".to_vec(), "UTF-8", 0),
            ("utf-8 bom", b"\xef\xbb\xbfa,b\n".to_vec(), "UTF-8", 3),
            (
                "japanese utf-8",
                "注文番号\n".as_bytes().to_vec(),
                "UTF-8",
                0,
            ),
            ("shift_jis", sjis, "Shift_JIS", 0),
            ("utf-16le bom", utf16_bom, "UTF-16LE", 2),
            ("utf-16le no bom", utf16, "UTF-16LE", 0),
            ("latin-1", b"caf\xe9,1\n".to_vec(), "windows-1252", 0),
        ];
        for (name, bytes, want, bom) in cases {
            let d = detect_encoding(&bytes, true).unwrap();
            assert_eq!(d.encoding.name(), want, "{name}");
            assert_eq!(d.bom_len, bom, "{name}");
        }
    }

    #[test]
    fn rejects_binary() {
        let bytes = [0x89, b'P', b'N', b'G', 0, 0, 0, 13, 1, 2, 3, 0, 0, 9];
        let err = detect_encoding(&bytes, true).unwrap_err();
        assert!(err.to_string().contains("NUL bytes"), "{err}");
    }

    #[test]
    fn a_cut_utf8_sequence_at_the_end_of_a_prefix_is_fine() {
        let bytes = "緑茶".as_bytes();
        assert!(utf8_prefix_valid(&bytes[..4], false));
        assert!(!utf8_prefix_valid(&bytes[..4], true));
    }

    #[test]
    fn detects_delimiters() {
        let cases = [
            ("a,b,c\n1,2,3\n4,5,6\n", b',', true),
            ("a;b;c\n1,5;2;3\n4;5,5;6\n", b';', true),
            ("a\tb\n1\t2\n", b'\t', true),
            ("a|b|c\n1|2|3\n", b'|', true),
            ("\"x,y\";b\n\"1,2\";3\n", b';', true),
            ("milk,bread\nbeer\nmilk,eggs,jam,tea\n", b',', false),
        ];
        for (text, want, consistent) in cases {
            assert_eq!(detect_delimiter(text, true), (want, consistent), "{text:?}");
        }
    }
}
