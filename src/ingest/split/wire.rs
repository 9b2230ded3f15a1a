//! A range's [`Part`] as bytes, so that one Web Worker can post what it
//! read to the worker that merges ([`Part::into_bytes`],
//! [`Split::part_from_bytes`]). Natively the parts stay in memory.
//!
//! The bytes are [postcard]'s encoding of the fields [`Split::merge`] reads:
//! the range's place and tallies, its store (columns and interners), its
//! examples and carries. postcard earns its place: serde derives keep the
//! encoding in step with the fields it carries (a field added to `Rows` or
//! to the store is posted without a line here), its varints make the row
//! columns about half their size in memory, and it is a small, maintained,
//! `no_std` crate of its own (no runtime, no code generation).
//!
//! The bytes come from our own worker, yet decoding never trusts them: a
//! malformed encoding, a store whose indices leave their interners, a
//! line number past the range's bytes or rows that are not the range's
//! are errors, and the door then reads the file in one go.

use serde::{Deserialize, Serialize};

use super::{Part, Split};
use crate::error::{Error, Result};
use crate::ingest::stream::{Rows, Stream};

/// Changes with the encoding, so that a part from another build is refused.
const FORMAT: u32 = 1;

/// The most hashes a part keeps at each of its ends.
const EDGE_HASHES: usize = 32;

/// A [`Part`] as encoded.
#[derive(Serialize, Deserialize)]
struct PartWire {
    format: u32,
    start: u64,
    fed: u64,
    last_byte: Option<u8>,
    last: bool,
    first_hashes: Vec<u64>,
    last_hashes: Vec<u64>,
    stream: StreamWire,
}

/// What the merge reads of a [`Stream`]: its position after the range
/// and its rows. The decoder, tokenizer and buffers are the same fresh
/// ones for every range ([`Split::range`]), rebuilt on decoding.
#[derive(Serialize, Deserialize)]
struct StreamWire {
    had_invalid_bytes: bool,
    line: u64,
    after_cr: bool,
    record_start: Option<u64>,
    at_line_break: bool,
    header_seen: bool,
    at_record_start: bool,
    raw_complete: bool,
    header_line: u64,
    remap: Option<Vec<usize>>,
    out_len: usize,
    ends_len: usize,
    rows: Rows,
}

impl Part {
    /// The part as bytes for [`Split::part_from_bytes`] in another
    /// instance of this crate (a Web Worker's).
    pub fn into_bytes(self) -> Vec<u8> {
        let Part {
            stream,
            start,
            fed,
            last_byte,
            last,
            first_hashes,
            last_hashes,
        } = self;
        let s = *stream;
        let wire = PartWire {
            format: FORMAT,
            start,
            fed,
            last_byte,
            last,
            first_hashes,
            last_hashes,
            stream: StreamWire {
                had_invalid_bytes: s.had_invalid_bytes,
                line: s.line,
                after_cr: s.after_cr,
                record_start: s.record_start,
                at_line_break: s.at_line_break,
                header_seen: s.header_seen,
                at_record_start: s.at_record_start,
                raw_complete: s.raw_complete,
                header_line: s.header_line,
                remap: s.remap,
                out_len: s.out_len,
                ends_len: s.ends_len,
                rows: s.rows,
            },
        };
        // Serializing plain data into a vector cannot fail.
        postcard::to_allocvec(&wire).unwrap_or_default()
    }
}

impl Split {
    /// The [`Part`] that [`Part::into_bytes`] encoded, read by a
    /// [`RangeIngester`](super::RangeIngester) of a split made like this one
    /// (the same head, size and options).
    ///
    /// # Errors
    /// Bytes that are not such a part: malformed, of another format, or
    /// inconsistent (an index outside its interner, a line number past the
    /// range's bytes, a row reference past its rows).
    /// The door then reads the input in one go.
    pub fn part_from_bytes(&self, bytes: &[u8]) -> Result<Part> {
        let bad =
            |why: String| Error::input(None, None, format!("cannot read a range's part: {why}"));
        let wire: PartWire = postcard::from_bytes(bytes).map_err(|err| bad(err.to_string()))?;
        check(&wire, self.total).map_err(|why| bad(why.to_owned()))?;
        let PartWire {
            start,
            fed,
            last_byte,
            last,
            first_hashes,
            last_hashes,
            stream: s,
            ..
        } = wire;
        let mut stream = Box::new(Stream::new(self.detected, self.plan.clone(), &self.options));
        stream.sjis_fallback = self.sjis_fallback;
        stream.had_invalid_bytes = s.had_invalid_bytes;
        stream.line = s.line;
        stream.after_cr = s.after_cr;
        stream.record_start = s.record_start;
        stream.at_line_break = s.at_line_break;
        stream.header_seen = s.header_seen;
        stream.at_record_start = s.at_record_start;
        stream.raw_complete = s.raw_complete;
        stream.header_line = s.header_line;
        stream.remap = s.remap;
        stream.out_len = s.out_len;
        stream.ends_len = s.ends_len;
        stream.rows = s.rows;
        Ok(Part {
            stream,
            start,
            fed,
            last_byte,
            last,
            first_hashes,
            last_hashes,
        })
    }
}

/// Whether a decoded part can be merged without a panic or an overflow:
/// its range inside the input, every line number and count within the
/// range's bytes (a range of `fed` bytes has at most `fed + 1` lines and
/// rows, and the input at most 2^53 bytes, so shifted sums stay exact), its
/// row references inside its rows, its row hashes sorted (as
/// [`RangeIngester::finish`](super::RangeIngester::finish) leaves them). The
/// store checks itself as it is decoded.
fn check(wire: &PartWire, total: u64) -> std::result::Result<(), &'static str> {
    let s = &wire.stream;
    let r = &s.rows;
    let max = wire.fed.saturating_add(1);
    let rows = r.builder.len();
    let line_ok = |l: u64| l <= max;
    let lines_ok = |ls: &[u64]| ls.iter().all(|&l| l <= max);
    let checks = [
        (wire.format == FORMAT, "another format"),
        (total < 1 << 53, "input too large"),
        (
            wire.start
                .checked_add(wire.fed)
                .is_some_and(|end| end <= total),
            "range outside the input",
        ),
        (wire.first_hashes.len() <= EDGE_HASHES, "first hashes"),
        (wire.last_hashes.len() <= EDGE_HASHES, "last hashes"),
        (
            s.line >= 1 && line_ok(s.line) && line_ok(s.header_line),
            "line",
        ),
        (s.record_start.is_none_or(line_ok), "record start"),
        (r.lines.len() == rows, "row lines"),
        (r.lines.iter().all(|&l| line_ok(u64::from(l))), "row lines"),
        (
            r.alt_days.iter().all(|a| (a.row as usize) < rows),
            "alternative days",
        ),
        (
            r.decimal.dot3_rows.iter().all(|&row| (row as usize) < rows),
            "dotted amounts",
        ),
        (r.row_hashes.is_sorted(), "row hashes"),
        (r.first_hash_lines.len() <= EDGE_HASHES, "first hash lines"),
        (
            r.skips
                .groups
                .iter()
                .fold(0u64, |n, g| n.saturating_add(g.count))
                <= r.read,
            "skipped rows",
        ),
        (
            [
                r.read,
                r.evidence_day_first,
                r.evidence_month_first,
                r.evidence_ambiguous,
                r.duplicates,
                r.zero_amounts,
                r.invalid_rows,
                r.sjis_rows,
                r.normalized_ids,
                r.email_ids,
                r.decimal.dot3,
                r.decimal.groups,
                r.decimal.decimal_point,
                r.decimal.yen,
            ]
            .into_iter()
            .chain(r.skips.groups.iter().map(|g| g.count))
            .chain(r.currencies.values().copied())
            .all(line_ok),
            "counts",
        ),
        (
            r.order_examples.iter().all(|(l, _)| line_ok(*l))
                && r.reversal_examples.iter().all(|(l, _)| line_ok(*l))
                && r.skips
                    .groups
                    .iter()
                    .all(|g| g.examples.iter().all(|e| line_ok(e.line)))
                && r.repeated_headers.iter().all(|(l, _)| line_ok(*l))
                && r.runaway_quotes
                    .iter()
                    .all(|&(a, b, n, _)| line_ok(a) && line_ok(b) && line_ok(n))
                && [
                    &r.first_hash_lines,
                    &r.duplicate_lines,
                    &r.zero_amount_lines,
                    &r.large_fields,
                    &r.invalid_lines,
                    &r.sjis_lines,
                    &r.normalized_id_lines,
                    &r.email_id_lines,
                    &r.decimal.dot3_lines,
                    &r.decimal.groups_lines,
                ]
                .into_iter()
                .all(|ls| lines_ok(ls)),
            "example lines",
        ),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        Some((_, what)) => Err(what),
        None => Ok(()),
    }
}
