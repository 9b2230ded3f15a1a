//! Streaming: the encoding decoder and the CSV tokenizer turn chunks of
//! bytes into records of fields, one physical line count at a time; each
//! record is checked for what is not a row (blank lines, a repeated header,
//! a stray quote that swallowed rows) and handed to the row decoders
//! ([`super::decode`]).

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use encoding_rs::{Decoder, Encoding};
use serde::{Deserialize, Serialize};

use super::decode::{Carry, DecimalEvidence};
use super::detect::{list_columns, Plan};
use super::schema;
use super::value::{self, DateFormat, RawDate};
use super::{
    is_blank, report, sniff, trim_field, DataKind, Example, IngestOptions, Preset, SkipGroup,
    SkipReason, SummaryRecord, MAX_FIELD_BYTES,
};
use crate::error::{Error, ErrorCode, Result};
use crate::transactions::{same, TransactionsBuilder};

/// Splits text at its line breaks (`\n`, `\r\n` or a lone `\r`); a
/// final line break ends the last line rather than starting an empty one.
pub(super) fn physical_lines(text: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if text.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// Splits one line into fields on its own: by the CSV rules when its
/// quotes pair up, else at every delimiter (a stray quote is text). With a
/// stray quote and more fields than `expected`, the field it opens takes
/// the extra delimiters (`..,"fragile, handle with care` is one note), as
/// its writer meant.
pub(super) fn split_line(text: &str, delim: u8, expected: usize) -> Vec<String> {
    let quotes = text.bytes().filter(|&b| b == b'"').count();
    if quotes == 0 || quotes % 2 == 1 {
        let mut fields: Vec<String> = text.split(delim as char).map(str::to_owned).collect();
        let extra = fields.len().saturating_sub(expected);
        if quotes % 2 == 1 && extra > 0 {
            if let Some(q) = fields.iter().position(|f| f.trim_start().starts_with('"')) {
                if q < expected {
                    let joined = fields[q..=q + extra].join(&(delim as char).to_string());
                    fields.splice(q..=q + extra, [joined]);
                }
            }
        }
        return fields;
    }
    let mut fields = Vec::new();
    sniff::for_each_record(text, delim, true, 1, |out, ends| {
        let mut start = 0;
        fields = ends
            .iter()
            .map(|&end| {
                let field = String::from_utf8_lossy(&out[start..end]).into_owned();
                start = end;
                field
            })
            .collect();
        true
    });
    fields
}

/// Skipped rows, per reason, with examples.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct SkipTally {
    pub(super) groups: Vec<SkipGroup>,
}

impl SkipTally {
    pub(super) fn add(&mut self, reason: SkipReason, line: u64, text: impl FnOnce() -> String) {
        let group = match self.groups.iter_mut().position(|g| g.reason == reason) {
            Some(i) => &mut self.groups[i],
            None => {
                self.groups.push(SkipGroup {
                    reason,
                    count: 0,
                    examples: Vec::new(),
                });
                let n = self.groups.len();
                &mut self.groups[n - 1]
            }
        };
        group.count += 1;
        if group.examples.len() < report::MAX_EXAMPLES {
            group.examples.push(Example { line, text: text() });
        }
    }

    pub(super) fn total(&self) -> u64 {
        self.groups.iter().map(|g| g.count).sum()
    }
}

/// Cuts a text to [`report::MAX_EXAMPLE_CHARS`] characters.
pub(super) fn cut(text: &str) -> String {
    match text.char_indices().nth(report::MAX_EXAMPLE_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// A row's fields joined again as the file wrote them, a field that holds
/// the delimiter, a quote or a line break quoted (`"¥4,800"`), so that the
/// example shows which commas separate fields.
pub(super) fn join_row(fields: &[&str], delim: char) -> String {
    let mut out = String::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(delim);
        }
        if field.contains([delim, '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out
}

/// A row whose dates fit only one day/month order, kept so the final
/// decision can name the conflicting rows.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(super) struct AltDay {
    pub(super) row: u32,
    /// The day under day-first order (`i32::MIN` when invalid that way).
    pub(super) day_first: i32,
}

/// The streaming part: decoder, tokenizer and row handling.
#[derive(Debug)]
pub(super) struct Stream {
    pub(super) decoder: Decoder,
    pub(super) encoding: &'static Encoding,
    pub(super) bom: bool,
    pub(super) had_invalid_bytes: bool,
    pub(super) text: Vec<u8>,
    pub(super) csv: csv_core::Reader,
    pub(super) out: Vec<u8>,
    pub(super) ends: Vec<usize>,
    pub(super) out_len: usize,
    pub(super) ends_len: usize,
    /// The physical line the tokenizer is on: 1 plus the line breaks
    /// consumed so far (`\n`, `\r\n` or a lone `\r`).
    pub(super) line: u64,
    /// Whether the last byte consumed was a `\r`, so that a `\n` right
    /// after it (possibly in the next chunk) ends no further line.
    pub(super) after_cr: bool,
    /// The line of the current record's first byte, once it was consumed.
    pub(super) record_start: Option<u64>,
    /// Whether the last byte consumed was a line break.
    pub(super) at_line_break: bool,
    pub(super) header_seen: bool,
    /// Reused by every row for its field slices (always empty between rows).
    pub(super) field_buf: Vec<&'static str>,
    /// Whether the tokenizer is between records, so lines may bypass it.
    pub(super) at_record_start: bool,
    /// The tokenizer's input for the current record (capped at
    /// [`MAX_FIELD_BYTES`]), so that a record swallowed by a stray quote can
    /// be read again line by line.
    pub(super) raw: Vec<u8>,
    /// Whether `raw` holds the whole current record.
    pub(super) raw_complete: bool,
    /// Whether a row that is not valid UTF-8 may be decoded as Shift_JIS:
    /// UTF-8 was detected (not forced) from the first bytes.
    pub(super) sjis_fallback: bool,
    /// The line of the header row.
    pub(super) header_line: u64,
    /// After a repeated header with another column order: for each column
    /// of the first header, the index of the field that holds it.
    pub(super) remap: Option<Vec<usize>>,
    pub(super) plan: Plan,
    pub(super) rows: Rows,
    /// The order id made of the customer and date, for files without an
    /// order column (reused row to row).
    pub(super) order_buf: String,
    /// The last date field read and what it parsed to: an order's lines
    /// repeat its date, which is then read once.
    pub(super) last_date: DateMemo,
}

/// A date field and its [`value::parse_date`] reading (the plan's format
/// is fixed for the stream, so the text alone decides).
#[derive(Debug, Default)]
pub(super) struct DateMemo {
    text: String,
    parsed: Option<RawDate>,
}

impl DateMemo {
    /// `value::parse_date(field, format)`, read again only when the field
    /// differs from the last one.
    pub(super) fn parse(&mut self, field: &str, format: DateFormat) -> Option<RawDate> {
        if !same(self.text.as_bytes(), field.as_bytes()) || self.text.is_empty() {
            self.parsed = value::parse_date(field, format);
            self.text.clear();
            self.text.push_str(field);
        }
        self.parsed
    }
}

/// Appends the fields of a quote-free line split at `delimiter`: by byte
/// for an ASCII delimiter (always a character boundary in UTF-8 text; the
/// `char` pattern of `str::split` costs a comparison call per match), else
/// at the character `delimiter` stands for, as before.
fn split_fields<'a>(text: &'a str, delimiter: u8, fields: &mut Vec<&'a str>) {
    if !delimiter.is_ascii() {
        fields.extend(text.split(delimiter as char));
        return;
    }
    let mut start = 0;
    for end in memchr::memchr_iter(delimiter, text.as_bytes()) {
        fields.push(text.get(start..end).unwrap_or_default());
        start = end + 1;
    }
    fields.push(text.get(start..).unwrap_or_default());
}

/// An input validated as UTF-8 ahead of the lines that read it, a window
/// at a time: one `from_utf8` call per window rather than one per line (on
/// a 25-byte line the call costs more than the checking). Windows start
/// small and double up to 64 KiB, so an input handed back to the tokenizer
/// after a few lines has had little checked for nothing, and each byte is
/// checked about once.
struct Validated<'a> {
    input: &'a [u8],
    /// The validated text, `input[from..from + text.len()]`.
    text: &'a str,
    from: usize,
    window: usize,
}

impl<'a> Validated<'a> {
    fn new(input: &'a [u8]) -> Validated<'a> {
        Validated {
            input,
            text: "",
            from: 0,
            window: 256,
        }
    }

    /// `input[start..end]` as text; `None` when it is not valid UTF-8.
    fn get(&mut self, start: usize, end: usize) -> Option<&'a str> {
        if start < self.from || end > self.from + self.text.len() {
            self.window = (self.window * 2).min(64 << 10);
            let stop = (start + self.window).max(end).min(self.input.len());
            let region = self.input.get(start..stop)?;
            // Up to the first invalid byte, or to a character the window
            // cut: the lines before it are text.
            self.text = match std::str::from_utf8(region) {
                Ok(text) => text,
                Err(e) => std::str::from_utf8(&region[..e.valid_up_to()]).unwrap_or_default(),
            };
            self.from = start;
        }
        self.text.get(start - self.from..end - self.from)
    }
}

/// Where the first line of a text ends, from [`scan_line`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LineScan {
    /// The position of the line's `\n`.
    newline: usize,
    /// Whether the line holds a quote, or a carriage return other than the
    /// one of a final `\r\n`.
    special: bool,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that equals `byte` (exactly: no
/// borrow runs from one byte into the next).
fn bytes_equal(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    !(((x & !HIGH) + !HIGH) | x | !HIGH)
}

/// Scans the first line of `text` eight bytes at a time: where it ends,
/// whether it is special (see [`LineScan`]), and, into `delimiters`
/// (cleared first), the positions of `delimiter` before its `\n`. `None`
/// when the text holds no `\n`. Each byte is read once: a memchr call for
/// the line's end, another for its quotes and a third for its delimiters
/// cost more than the line itself on short lines (CDNOW's are 25 bytes).
fn scan_line(text: &[u8], delimiter: u8, delimiters: &mut Vec<usize>) -> Option<LineScan> {
    delimiters.clear();
    let mut specials = 0;
    let mut words = text.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let Ok(bytes) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let word = u64::from_le_bytes(bytes);
        let newlines = bytes_equal(word, b'\n');
        // The bits of the bytes before the first `\n`, if there is one.
        let before = if newlines == 0 {
            !0
        } else {
            (newlines & newlines.wrapping_neg()) - 1
        };
        let special = (bytes_equal(word, b'"') | bytes_equal(word, b'\r')) & before;
        // Counted up to 2, all `line_scan` needs: a popcount is a dozen
        // instructions on the x86-64 baseline (no POPCNT), on every word.
        specials += u32::from(special != 0) + u32::from(special & special.wrapping_sub(1) != 0);
        let mut found = bytes_equal(word, delimiter) & before;
        while found != 0 {
            delimiters.push(at + found.trailing_zeros() as usize / 8);
            found &= found - 1;
        }
        if newlines != 0 {
            let newline = at + newlines.trailing_zeros() as usize / 8;
            return Some(line_scan(text, newline, specials));
        }
        at += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        match b {
            b'\n' => return Some(line_scan(text, at + i, specials)),
            b'"' | b'\r' => specials += 1,
            _ => {}
        }
        if b == delimiter {
            delimiters.push(at + i);
        }
    }
    None
}

/// The [`LineScan`] of a line ending at `newline` with `specials` quotes
/// and carriage returns (a count that is exact up to 2; beyond, it may be
/// less, but still at least 2: only whether it exceeds 1 matters).
fn line_scan(text: &[u8], newline: usize, specials: u32) -> LineScan {
    let crlf = newline > 0 && text.get(newline - 1) == Some(&b'\r');
    LineScan {
        newline,
        special: specials > u32::from(crlf),
    }
}

/// Splits one line that holds quotes (and no line break) into fields by
/// csv-core's rules, their bytes back to back in `out` and each field's end
/// in `ends`, as the tokenizer writes a record: a field that starts with a
/// quote runs to the quote that closes it (`""` inside it is one quote),
/// then on to the delimiter like an unquoted field, in which a quote is
/// text. `false` when a quote is still open at the line's end: the record
/// goes on over the next line, which is the tokenizer's job.
fn split_quoted(line: &[u8], delimiter: u8, out: &mut Vec<u8>, ends: &mut Vec<usize>) -> bool {
    out.clear();
    ends.clear();
    let mut rest = line;
    loop {
        if let Some(quoted) = rest.strip_prefix(b"\"") {
            rest = quoted;
            loop {
                let Some(q) = memchr::memchr(b'"', rest) else {
                    return false;
                };
                out.extend_from_slice(&rest[..q]);
                rest = &rest[q + 1..];
                match rest.strip_prefix(b"\"") {
                    Some(after) => {
                        out.push(b'"');
                        rest = after;
                    }
                    None => break,
                }
            }
        }
        match memchr::memchr(delimiter, rest) {
            Some(d) => {
                out.extend_from_slice(&rest[..d]);
                ends.push(out.len());
                rest = &rest[d + 1..];
            }
            None => {
                out.extend_from_slice(rest);
                ends.push(out.len());
                return true;
            }
        }
    }
}

/// The last 32 rows' hashes (0 before a row filled a place), with how many
/// of them fall in each of 256 buckets of their top byte: most rows are no
/// duplicate of a recent one, and their bucket, empty, says so without
/// comparing all 32 (a comparison that cost about 4% of reading CDNOW).
#[derive(Debug, Clone)]
pub(super) struct RecentHashes {
    hashes: [u64; 32],
    counts: [u8; 256],
}

impl Default for RecentHashes {
    fn default() -> RecentHashes {
        let mut counts = [0; 256];
        counts[RecentHashes::bucket(0)] = 32;
        RecentHashes {
            hashes: [0; 32],
            counts,
        }
    }
}

impl RecentHashes {
    fn bucket(hash: u64) -> usize {
        (hash >> 56) as usize
    }

    /// Whether `hash` is one of the 32.
    fn contains(&self, hash: u64) -> bool {
        self.counts[Self::bucket(hash)] > 0 && self.hashes.contains(&hash)
    }

    /// Puts `hash` in place `i` (below 32), instead of the one there.
    fn set(&mut self, i: usize, hash: u64) {
        let Some(old) = self.hashes.get_mut(i) else {
            return;
        };
        self.counts[Self::bucket(*old)] -= 1;
        self.counts[Self::bucket(hash)] += 1;
        *old = hash;
    }
}

/// Row-level accumulators. Serialized whole for [`super::split`]'s parts.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Rows {
    pub(super) read: u64,
    pub(super) builder: TransactionsBuilder,
    /// File line per pushed row.
    pub(super) lines: Vec<u32>,
    /// Rows whose day-first reading differs from the month-first one.
    pub(super) alt_days: Vec<AltDay>,
    pub(super) evidence_day_first: u64,
    pub(super) evidence_month_first: u64,
    pub(super) evidence_ambiguous: u64,
    /// Raw text of the first rows that are only valid in one order, by line.
    pub(super) order_examples: Vec<(u64, String)>,
    /// Raw text of the first reversal rows, by line.
    pub(super) reversal_examples: Vec<(u64, String)>,
    /// Not serialized: a split never reads a summary file
    /// ([`super::split::Split::new`]).
    #[serde(skip)]
    pub(super) summary: Vec<SummaryRecord>,
    pub(super) skips: SkipTally,
    /// A hash of every order row; exact duplicates are counted in finish by
    /// sorting (8 bytes a row, no hash-set cache misses on the hot path).
    /// In row order while reading; sorted in a merged range reading
    /// ([`super::split`]).
    pub(super) row_hashes: Vec<u64>,
    /// The last rows' hashes, to name example lines of nearby duplicates.
    /// Not serialized: a range's part is not read further.
    #[serde(skip)]
    pub(super) recent_hashes: RecentHashes,
    /// The lines of the first 32 hashed rows, so that a range read on its
    /// own can find its nearby duplicates of the rows before it
    /// ([`super::split`]).
    pub(super) first_hash_lines: Vec<u64>,
    pub(super) duplicates: u64,
    pub(super) duplicate_lines: Vec<u64>,
    pub(super) zero_amounts: u64,
    pub(super) zero_amount_lines: Vec<u64>,
    pub(super) currencies: BTreeMap<String, u64>,
    pub(super) large_fields: Vec<u64>,
    /// Repeated header lines, and whether each reordered the columns.
    pub(super) repeated_headers: Vec<(u64, bool)>,
    /// Stray-quote runs: first line, last line, rows recovered, and
    /// whether the quote stayed open to the end of the file.
    pub(super) runaway_quotes: Vec<(u64, u64, u64, bool)>,
    /// Rows of UTF-8 input with invalid bytes replaced by U+FFFD.
    pub(super) invalid_rows: u64,
    pub(super) invalid_lines: Vec<u64>,
    /// Rows decoded as Shift_JIS in a file detected as UTF-8.
    pub(super) sjis_rows: u64,
    pub(super) sjis_lines: Vec<u64>,
    /// Rows whose customer id held invisible characters or decomposed
    /// accents.
    pub(super) normalized_ids: u64,
    pub(super) normalized_id_lines: Vec<u64>,
    /// Rows without a customer id whose e-mail column identified the
    /// customer (MakeShop's and Stripe's guests: no 会員ID, an address).
    pub(super) email_ids: u64,
    pub(super) email_id_lines: Vec<u64>,
    /// Rows whose customer e-mail address held capital letters, lower-cased.
    pub(super) case_folded_ids: u64,
    pub(super) case_folded_id_lines: Vec<u64>,
    /// Rows of delimiters and nothing else (`,,,`: a spreadsheet saves its
    /// formatted empty rows so), after the header: not rows, but named.
    pub(super) empty_rows: u64,
    pub(super) empty_row_lines: Vec<u64>,
    /// The lines of the title block above the header ([`Plan::preamble`]
    /// records, at most 10), and its first line's filled fields.
    pub(super) preamble_lines: Vec<u64>,
    pub(super) preamble_text: String,
    /// What the amount column says about its dots.
    pub(super) decimal: DecimalEvidence,
    /// The previous row's order id and its carried-forward fields (Shopify
    /// writes order-level fields on an order's first row only).
    pub(super) carry: Carry,
}

impl Stream {
    pub(super) fn new(
        detected: sniff::DetectedEncoding,
        plan: Plan,
        options: &IngestOptions,
    ) -> Stream {
        let _ = options;
        let mut csv = csv_core::ReaderBuilder::new()
            .delimiter(plan.delimiter)
            .build();
        // csv-core drops a byte-order mark from the start of its first
        // input. The input's own mark is dropped before the tokenizer
        // (`bom_len`); a U+FEFF that starts a later record is text, kept
        // wherever the chunks (or a range of the input) begin. A blank line
        // uses up that first input.
        let _ = csv.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
        Stream {
            decoder: detected.encoding.new_decoder_without_bom_handling(),
            encoding: detected.encoding,
            bom: detected.bom_len > 0,
            had_invalid_bytes: false,
            text: Vec::new(),
            csv,
            out: vec![0; 64 * 1024],
            ends: vec![0; 256],
            out_len: 0,
            ends_len: 0,
            line: 1,
            after_cr: false,
            record_start: None,
            at_line_break: false,
            header_seen: !plan.has_header,
            field_buf: Vec::new(),
            at_record_start: true,
            raw: Vec::new(),
            raw_complete: true,
            sjis_fallback: false,
            header_line: 0,
            remap: None,
            plan,
            rows: Rows::default(),
            order_buf: String::new(),
            last_date: DateMemo::default(),
        }
    }

    /// Reserves the row columns for an input of `total` bytes, estimated
    /// from the rows read in its first `read` bytes (5% over, so a slightly
    /// longer tail does not regrow every column).
    pub(super) fn reserve_for(&mut self, total: u64, read: u64) {
        let rows = self.rows.lines.len() as u64;
        if rows == 0 || read == 0 || total <= read {
            return;
        }
        let estimate = (total as f64 / read as f64 * rows as f64 * 1.05) as u64;
        // A row takes at least two bytes (one field and a line break): the
        // estimate never reserves more than the input could hold.
        let Ok(more) = usize::try_from(estimate.min(total / 2).saturating_sub(rows)) else {
            return;
        };
        // An estimate, perhaps from a wrong size: when the memory is not
        // there, the columns grow as they fill instead.
        let r = &mut self.rows;
        let _ = r
            .builder
            .try_reserve(more)
            .and_then(|()| r.lines.try_reserve(more))
            .and_then(|()| r.row_hashes.try_reserve(more));
        // The order ids likewise, at the head's orders per row and bytes per
        // order (orders are local to a stretch of rows, unlike customers,
        // who come back). Without an order column the ids are made of the
        // customer and the date.
        let (orders, bytes) = r.builder.order_ids();
        if orders > 0 {
            let per_row = orders as f64 / rows as f64;
            let more_orders = (more as f64 * per_row) as usize;
            let more_bytes = (more_orders as f64 * bytes as f64 / orders as f64) as usize;
            let _ = r.builder.try_reserve_orders(more_orders, more_bytes);
        }
    }

    /// Decodes a chunk and handles every complete record in it.
    pub(super) fn feed(&mut self, chunk: &[u8], last: bool) -> Result<()> {
        if self.encoding == encoding_rs::UTF_8 {
            // UTF-8 needs no decoding: the tokenizer splits bytes at ASCII
            // delimiters, and each record is validated when it is read.
            return self.tokenize(chunk, last);
        }
        let mut src = chunk;
        loop {
            let need = self
                .decoder
                .max_utf8_buffer_length(src.len())
                .unwrap_or(src.len() * 3 + 16);
            self.text.clear();
            self.text.resize(need.max(16), 0);
            let (result, read, written, had_errors) =
                self.decoder.decode_to_utf8(src, &mut self.text, last);
            self.had_invalid_bytes |= had_errors;
            self.text.truncate(written);
            src = &src[read..];
            let text = std::mem::take(&mut self.text);
            let fed = self.tokenize(&text, last && src.is_empty());
            self.text = text;
            fed?;
            if result == encoding_rs::CoderResult::InputEmpty {
                break;
            }
        }
        Ok(())
    }

    /// Runs the tokenizer over decoded text.
    ///
    /// csv-core takes an empty input as the end of the file, so it is only
    /// called with empty input when `last` says the file really ended: not
    /// for a chunk that decoded to nothing (a multi-byte character cut at the
    /// chunk's end), nor after a record that used up a chunk's text.
    fn tokenize(&mut self, text: &[u8], last: bool) -> Result<()> {
        let mut input = text;
        loop {
            if self.at_record_start {
                input = self.simple_lines(input)?;
            }
            let at_eof = input.is_empty();
            if at_eof && !last {
                return Ok(());
            }
            let (res, nin, nout, nend) = self.csv.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            if self.raw_complete {
                if self.raw.len() + nin <= MAX_FIELD_BYTES {
                    self.raw.extend_from_slice(&input[..nin]);
                } else {
                    self.raw = Vec::new();
                    self.raw_complete = false;
                }
            }
            self.count_lines(&input[..nin]);
            input = &input[nin..];
            self.out_len += nout;
            self.ends_len += nend;
            self.at_record_start = res == csv_core::ReadRecordResult::Record;
            match res {
                csv_core::ReadRecordResult::InputEmpty if at_eof => return Ok(()),
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    if self.out.len() >= MAX_FIELD_BYTES {
                        return Err(Error::input(
                            Some(self.record_start.unwrap_or(self.line)),
                            None,
                            format!(
                                "a row is larger than {} MiB; is a quote left open?",
                                MAX_FIELD_BYTES >> 20
                            ),
                        )
                        .with_code(ErrorCode::RowTooLarge)
                        .param("mib", MAX_FIELD_BYTES >> 20));
                    }
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                // A record completed by the end of the file rather than by a
                // line break: the only way a quote left open ends.
                csv_core::ReadRecordResult::Record => {
                    let result = self.record(at_eof);
                    self.raw.clear();
                    self.raw_complete = true;
                    result?;
                }
                csv_core::ReadRecordResult::End => return Ok(()),
            }
        }
    }

    /// The fast path: complete lines without lone carriage returns or a
    /// quote left open at the line's end are split here, without the
    /// tokenizer (for such lines csv-core would give the same fields):
    /// quote-free lines at the delimiter in place, lines with quotes by
    /// [`split_quoted`]. Returns the input left for the tokenizer. The
    /// tokenizer is not reset: right after a record it acts like a record
    /// start on any input, and a reset would re-arm its byte-order-mark
    /// skip, silently dropping a U+FEFF that starts a later line.
    fn simple_lines<'a>(&mut self, mut input: &'a [u8]) -> Result<&'a [u8]> {
        let delimiter = self.plan.delimiter;
        // A delimiter outside ASCII is split at its character below, and
        // csv-core splits at its byte: lines with quotes stay its job then.
        let split_quotes = delimiter.is_ascii() && delimiter != b'"';
        let (mut unquoted, mut ends, mut delimiters) = (Vec::new(), Vec::new(), Vec::new());
        let mut valid = Validated::new(input);
        while let Some(scan) = scan_line(input, delimiter, &mut delimiters) {
            let offset = valid.input.len() - input.len();
            let nl = scan.newline;
            let line = &input[..nl];
            let (content, crlf) = match line.strip_suffix(b"\r") {
                Some(content) => (content, true),
                None => (line, false),
            };
            let quoted = match scan.special.then(|| memchr::memchr2(b'"', b'\r', content)) {
                None | Some(None) => false,
                Some(Some(at))
                    if split_quotes
                        && content[at] == b'"'
                        && memchr::memchr(b'\r', &content[at..]).is_none()
                        && split_quoted(content, delimiter, &mut unquoted, &mut ends) =>
                {
                    true
                }
                Some(Some(_)) => break,
            };
            self.count_line(content.is_empty(), crlf);
            input = &input[nl + 1..];
            let end_line = self.line;
            let line = self.record_start.take().unwrap_or(end_line);
            if quoted {
                // As the tokenizer's record: the fields back to back.
                self.row(&unquoted, &ends, line, end_line, false)?;
                continue;
            }
            let Some(text) = valid.get(offset, offset + content.len()) else {
                let parts: Vec<&[u8]> = content.split(|&b| b == delimiter).collect();
                let owned = self.decode_invalid_row(&parts, line);
                let fields: Vec<&str> = owned.iter().map(String::as_str).collect();
                self.fields_row(&fields, line, end_line, false)?;
                continue;
            };
            let mut fields: Vec<&str> = std::mem::take(&mut self.field_buf)
                .into_iter()
                .map(|_| "")
                .collect();
            if delimiter.is_ascii() {
                // An ASCII byte in UTF-8 text is a character boundary.
                let mut start = 0;
                for &end in &delimiters {
                    fields.push(text.get(start..end).unwrap_or_default());
                    start = end + 1;
                }
                fields.push(text.get(start..).unwrap_or_default());
            } else {
                split_fields(text, delimiter, &mut fields);
            }
            let result = self.fields_row(&fields, line, end_line, false);
            fields.clear();
            self.field_buf = fields.into_iter().map(|_| "").collect();
            result?;
        }
        Ok(input)
    }

    /// [`Self::count_lines`] over one line that [`Self::simple_lines`]
    /// consumed: text without line breaks (`empty` when there is none),
    /// then `\r\n` (`crlf`) or `\n`.
    fn count_line(&mut self, empty: bool, crlf: bool) {
        self.at_line_break = true;
        if !empty {
            self.other_bytes();
        }
        // A `\n` right after a `\r` (the previous input's last byte) ends
        // no further line.
        if crlf || !self.after_cr {
            self.line += 1;
        }
        self.after_cr = false;
    }

    /// Advances the line count over consumed text and notes where the
    /// current record starts: at its first byte that is not a line break
    /// (line breaks before it end the previous record or are blank lines).
    fn count_lines(&mut self, consumed: &[u8]) {
        if let Some(&b) = consumed.last() {
            self.at_line_break = b == b'\n' || b == b'\r';
        }
        // Only line breaks need a look; the bytes between them are skipped
        // with memchr.
        let mut next = 0;
        for pos in memchr::memchr2_iter(b'\n', b'\r', consumed) {
            if pos > next {
                self.other_bytes();
            }
            if consumed[pos] == b'\n' && self.after_cr {
                self.after_cr = false;
            } else {
                self.line += 1;
                self.after_cr = consumed[pos] == b'\r';
            }
            next = pos + 1;
        }
        if consumed.len() > next {
            self.other_bytes();
        }
    }

    /// Bytes other than line breaks were consumed: a `\n` after them is a
    /// new line, and the current record has started.
    fn other_bytes(&mut self) {
        self.after_cr = false;
        if self.record_start.is_none() {
            self.record_start = Some(self.line);
        }
    }

    /// Handles one complete record sitting in `out`/`ends`.
    fn record(&mut self, at_eof: bool) -> Result<()> {
        let end_line = self.line;
        let line = self.record_start.take().unwrap_or(end_line);
        let (out_len, ends_len) = (self.out_len, self.ends_len);
        self.out_len = 0;
        self.ends_len = 0;
        // A record over two or more lines may be a stray quote that
        // swallowed rows: read those lines on their own instead.
        let several_lines = end_line >= line + 2 || (at_eof && end_line > line);
        if several_lines && self.raw_complete && self.plan.preset != Preset::BasketLines {
            let raw = std::mem::take(&mut self.raw);
            let recovered = self.runaway_quote(&raw, line, at_eof);
            self.raw = raw;
            if recovered? {
                return Ok(());
            }
        }
        let out = std::mem::take(&mut self.out);
        let ends = std::mem::take(&mut self.ends);
        let result = self.row(&out[..out_len], &ends[..ends_len], line, end_line, at_eof);
        self.out = out;
        self.ends = ends;
        result
    }

    fn row(
        &mut self,
        out: &[u8],
        ends: &[usize],
        line: u64,
        end_line: u64,
        at_eof: bool,
    ) -> Result<()> {
        // Every delimiter and quote is ASCII, so in a valid UTF-8 record each
        // field is valid UTF-8 too: the record is validated once. Invalid
        // bytes (only possible in UTF-8 input, which is not decoded) are
        // replaced field by field.
        let Ok(text) = std::str::from_utf8(out) else {
            let mut start = 0;
            let parts: Vec<&[u8]> = ends
                .iter()
                .map(|&end| {
                    let field = &out[start..end];
                    start = end;
                    field
                })
                .collect();
            let owned = self.decode_invalid_row(&parts, line);
            let fields: Vec<&str> = owned.iter().map(String::as_str).collect();
            return self.fields_row(&fields, line, end_line, at_eof);
        };
        // A field buffer reused across rows: an empty Vec<&'static str>
        // becomes a Vec<&str> of this row in place, without allocating.
        let mut fields: Vec<&str> = std::mem::take(&mut self.field_buf)
            .into_iter()
            .map(|_| "")
            .collect();
        let mut start = 0;
        for &end in ends {
            fields.push(text.get(start..end).unwrap_or("\u{fffd}"));
            start = end;
        }
        let result = self.fields_row(&fields, line, end_line, at_eof);
        fields.clear();
        self.field_buf = fields.into_iter().map(|_| "").collect();
        result
    }

    fn fields_row(
        &mut self,
        fields: &[&str],
        line: u64,
        end_line: u64,
        at_eof: bool,
    ) -> Result<()> {
        if is_blank(fields) {
            // A blank line is nothing; delimiters with nothing between them
            // look like a row, so the report says they were passed over.
            if fields.len() > 1 && self.header_seen {
                self.rows.empty_rows += 1;
                if self.rows.empty_row_lines.len() < report::MAX_EXAMPLES {
                    self.rows.empty_row_lines.push(line);
                }
            }
            return Ok(());
        }
        if !self.header_seen && self.rows.preamble_lines.len() < self.plan.preamble {
            if self.rows.preamble_lines.is_empty() {
                let filled: Vec<&str> = fields
                    .iter()
                    .map(|f| trim_field(f))
                    .filter(|f| !f.is_empty())
                    .collect();
                self.rows.preamble_text = cut(&filled.join(" "));
            }
            self.rows.preamble_lines.push(line);
            return Ok(());
        }
        if !self.header_seen {
            self.header_seen = true;
            self.header_line = line;
            return Ok(());
        }
        if self.plan.has_header
            && self.may_be_header(fields)
            && self.repeated_header(fields, line)?
        {
            return Ok(());
        }
        // After a repeated header in another column order, its rows are put
        // back into the first header's order.
        let remapped: Option<Vec<&str>> = self
            .remap
            .as_ref()
            .filter(|src| src.len() == fields.len())
            .map(|src| src.iter().map(|&j| fields[j]).collect());
        let fields = remapped.as_deref().unwrap_or(fields);
        self.rows.read += 1;
        if fields.iter().any(|f| f.len() > 1 << 20)
            && self.rows.large_fields.len() < report::MAX_EXAMPLES
        {
            self.rows.large_fields.push(line);
        }
        let delim = self.plan.delimiter as char;
        let raw = || cut(&join_row(fields, delim));
        if at_eof
            && (self.at_line_break || end_line > line + 1)
            && fields.iter().any(|f| f.contains(['\n', '\r']))
        {
            // Everything from an opened quote to the end of the file became
            // one field: the quote was never closed. (A record that only the
            // end of the file completes, with a line break inside a field,
            // and a line break last or several lines in it.)
            self.rows
                .skips
                .add(SkipReason::UnterminatedQuote, line, raw);
            return Ok(());
        }
        // Exact duplicate rows are reported, not dropped. Identical baskets
        // are normal, so only order rows are checked.
        if self.plan.kind == DataKind::Transactions {
            self.duplicate_check(fields, line);
        }
        match self.plan.kind {
            DataKind::Baskets if self.plan.preset == Preset::BasketLines => {
                self.basket_line(fields, line, raw)
            }
            DataKind::Baskets => self.long_basket_row(fields, line, raw),
            DataKind::Summary => return self.summary_row(fields, line, raw),
            DataKind::Transactions => self.transaction_row(fields, line, raw),
        }
        Ok(())
    }

    /// A cheap first look on every row: its first field is a header name
    /// (a repeated header in any column order starts with one). The lengths
    /// of the names rule out most rows without a comparison.
    fn may_be_header(&self, fields: &[&str]) -> bool {
        let Some(first) = fields.first() else {
            return false;
        };
        let first = trim_field(first);
        self.plan.header_lengths & (1u64 << first.len().min(63)) != 0
            && !first.is_empty()
            && self.plan.columns.iter().any(|c| c == first)
    }

    /// Handles a row that may repeat the header. The same names in the same
    /// order: the line is not a row. The same names in another order: the
    /// rows after it are re-mapped. Most names again, but not the same set:
    /// an error, since the rows after it cannot be mapped. Returns whether
    /// the line was a header.
    fn repeated_header(&mut self, fields: &[&str], line: u64) -> Result<bool> {
        let names: Vec<String> = fields.iter().map(|f| schema::normalize_header(f)).collect();
        let first = &self.plan.header_norm;
        let mut used = vec![false; first.len()];
        let mut src = vec![usize::MAX; first.len()];
        let mut matched = 0;
        for (j, name) in names.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            if let Some(i) = (0..first.len()).find(|&i| !used[i] && first[i] == *name) {
                used[i] = true;
                src[i] = j;
                matched += 1;
            }
        }
        let non_empty = names.iter().filter(|n| !n.is_empty()).count();
        if matched < 2 || matched * 2 < first.len() {
            return Ok(false);
        }
        if matched != non_empty || fields.len() != first.len() {
            return Err(Error::input(
                Some(line),
                None,
                format!(
                    "the header appears again with other columns ({}) than the header on line {} ({}); were two exports pasted together? Save each in its own file",
                    list_columns(&fields.iter().map(|f| trim_field(f).to_owned()).collect::<Vec<_>>()),
                    self.header_line,
                    list_columns(&self.plan.columns)
                ),
            )
            .with_code(ErrorCode::HeaderRepeatedOtherColumns)
            .param(
                "columns",
                list_columns(&fields.iter().map(|f| trim_field(f).to_owned()).collect::<Vec<_>>()),
            )
            .param("first_line", self.header_line)
            .param("first_columns", list_columns(&self.plan.columns)));
        }
        // Empty header cells match each other by position.
        for i in 0..first.len() {
            if src[i] == usize::MAX {
                let j = (0..fields.len()).find(|j| !src.contains(j)).unwrap_or(i);
                src[i] = j;
            }
        }
        let reordered = src.iter().enumerate().any(|(i, &j)| i != j);
        self.remap = reordered.then_some(src);
        self.rows.repeated_headers.push((line, reordered));
        Ok(true)
    }

    /// Reads a record that ran over several lines line by line, when the
    /// lines after its first hold rows of their own: a quote opened by
    /// mistake (a stray `"` in a note) swallowed them. Returns whether it
    /// did.
    fn runaway_quote(&mut self, raw: &[u8], line: u64, at_eof: bool) -> Result<bool> {
        let start = raw
            .iter()
            .position(|&b| b != b'\n' && b != b'\r')
            .unwrap_or(raw.len());
        let lines = physical_lines(&raw[start..]);
        if lines.len() < 2 {
            return Ok(false);
        }
        let delimiter = self.plan.delimiter;
        let expected = self.plan.columns.len();
        let parsed: Vec<Vec<String>> = lines[1..]
            .iter()
            .map(|l| split_line(&String::from_utf8_lossy(l), delimiter, expected))
            .collect();
        let own = parsed.iter().filter(|f| self.parses_as_record(f)).count();
        let non_blank = parsed.iter().filter(|f| !is_blank(f)).count();
        if own == 0 || own * 2 < non_blank {
            return Ok(false);
        }
        let read_before = self.rows.read;
        for (i, bytes) in lines.iter().enumerate() {
            let n = line + i as u64;
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t.to_owned(),
                Err(_) => self.decode_invalid_row(&[bytes], n).concat(),
            };
            let fields = split_line(&text, delimiter, expected);
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            self.fields_row(&refs, n, n + 1, false)?;
        }
        let last = line + lines.len() as u64 - 1;
        self.rows
            .runaway_quotes
            .push((line, last, self.rows.read - read_before, at_eof));
        Ok(true)
    }

    /// Whether the fields of one line, read on their own, make a row of this
    /// file: the header's field count and a readable date (transactions),
    /// frequency (summaries) or order id (baskets).
    fn parses_as_record(&self, fields: &[String]) -> bool {
        let p = &self.plan;
        if fields.len() != p.columns.len() {
            return false;
        }
        let get = |c: Option<usize>| c.and_then(|c| fields.get(c)).map(String::as_str);
        match p.kind {
            DataKind::Transactions => {
                get(p.cols.date).is_some_and(|d| value::parse_date(d, p.date_format).is_some())
            }
            DataKind::Summary => {
                get(p.cols.frequency).is_some_and(|v| value::parse_amount(v, p.decimal).is_some())
            }
            DataKind::Baskets => get(p.cols.order).is_some_and(|v| !v.trim().is_empty()),
        }
    }

    /// Decodes the fields of a row that is not valid UTF-8 in UTF-8 input:
    /// as Shift_JIS when UTF-8 was only detected (the file may change
    /// encoding after the first bytes) and every field decodes cleanly, else
    /// with U+FFFD for the invalid bytes.
    fn decode_invalid_row(&mut self, parts: &[&[u8]], line: u64) -> Vec<String> {
        if self.sjis_fallback {
            let decoded: Option<Vec<String>> = parts
                .iter()
                .map(|p| {
                    encoding_rs::SHIFT_JIS
                        .decode_without_bom_handling_and_without_replacement(p)
                        .map(std::borrow::Cow::into_owned)
                })
                .collect();
            if let Some(fields) = decoded {
                self.rows.sjis_rows += 1;
                if self.rows.sjis_lines.len() < report::MAX_EXAMPLES {
                    self.rows.sjis_lines.push(line);
                }
                return fields;
            }
        }
        self.had_invalid_bytes = true;
        self.rows.invalid_rows += 1;
        if self.rows.invalid_lines.len() < report::MAX_EXAMPLES {
            self.rows.invalid_lines.push(line);
        }
        parts
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect()
    }

    fn duplicate_check(&mut self, fields: &[&str], line: u64) {
        let mut h = rustc_hash::FxHasher::default();
        fields.hash(&mut h);
        let hash = h.finish();
        let rows = &mut self.rows;
        if rows.duplicate_lines.len() < report::MAX_EXAMPLES && rows.recent_hashes.contains(hash) {
            rows.duplicate_lines.push(line);
        }
        if rows.row_hashes.len() < 32 {
            rows.first_hash_lines.push(line);
        }
        rows.recent_hashes.set(rows.row_hashes.len() % 32, hash);
        rows.row_hashes.push(hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, IngestOptions, Ingested, WarningCode};

    fn read(csv: &str) -> Result<Ingested> {
        ingest(csv.as_bytes(), &IngestOptions::default())
    }

    #[test]
    fn split_fields_splits_as_str_split() {
        for (text, delimiter) in [
            ("a,b,,c", b','),
            ("", b','),
            (",", b','),
            ("注文,é,x", b','),
            ("a\tb\t", b'\t'),
            ("a;b", b';'),
            ("a\u{a7}b\u{a7}", 0xa7),
        ] {
            let mut got = Vec::new();
            split_fields(text, delimiter, &mut got);
            let want: Vec<&str> = text.split(delimiter as char).collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    proptest::proptest! {
        /// A line with quotes splits as csv-core reads it, or, when a quote
        /// stays open at its end, is left to csv-core, which reads on.
        #[test]
        fn split_quoted_reads_a_line_as_the_tokenizer(
            line in "[a\",é; ]{0,16}", semicolon: bool,
        ) {
            proptest::prop_assume!(line.contains('"'));
            let delimiter = if semicolon { b';' } else { b',' };
            let mut csv = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
            let _ = csv.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
            let input = format!("{line}\n");
            let (mut out, mut ends) = (vec![0; 256], vec![0; 64]);
            let (res, nin, nout, nend) = csv.read_record(input.as_bytes(), &mut out, &mut ends);
            let (mut got, mut got_ends) = (Vec::new(), Vec::new());
            if split_quoted(line.as_bytes(), delimiter, &mut got, &mut got_ends) {
                proptest::prop_assert_eq!(res, csv_core::ReadRecordResult::Record);
                proptest::prop_assert_eq!(nin, input.len());
                proptest::prop_assert_eq!(&out[..nout], &got[..]);
                proptest::prop_assert_eq!(&ends[..nend], &got_ends[..]);
            } else {
                proptest::prop_assert_eq!(res, csv_core::ReadRecordResult::InputEmpty);
            }
        }
    }

    #[test]
    fn split_quoted_unquotes_fields() {
        // The same rows whether a line with quotes is split by
        // `split_quoted` or, inside a record over several lines, by csv-core.
        for (line, fields) in [
            ("\"a,b\",c", vec!["a,b", "c"]),
            ("\"a\"\"b\",\"\"", vec!["a\"b", ""]),
            ("\"a\"b,c\"d", vec!["ab", "c\"d"]),
            ("x,\"\"\"\",", vec!["x", "\"", ""]),
        ] {
            let (mut out, mut ends) = (Vec::new(), Vec::new());
            assert!(
                split_quoted(line.as_bytes(), b',', &mut out, &mut ends),
                "{line}"
            );
            let mut start = 0;
            let got: Vec<&str> = ends
                .iter()
                .map(|&end| {
                    let field = std::str::from_utf8(&out[start..end]).unwrap();
                    start = end;
                    field
                })
                .collect();
            assert_eq!(got, fields, "{line}");
        }
        let (mut out, mut ends) = (Vec::new(), Vec::new());
        assert!(!split_quoted(b"a,\"b,c", b',', &mut out, &mut ends));
        assert!(!split_quoted(b"a,\"b\"\"", b',', &mut out, &mut ends));
    }

    proptest::proptest! {
        /// The bucketed window answers as a plain scan of the last 32
        /// hashes (zeros before they fill), on hashes that share top bytes
        /// and repeat.
        #[test]
        fn recent_hashes_answer_as_the_last_32(
            hashes in proptest::collection::vec((0u64..4, 0u64..6), 0..200),
        ) {
            let mut recent = RecentHashes::default();
            let mut plain = [0u64; 32];
            for (i, (top, low)) in hashes.into_iter().enumerate() {
                let hash = top << 56 | low;
                proptest::prop_assert_eq!(recent.contains(hash), plain.contains(&hash));
                recent.set(i % 32, hash);
                plain[i % 32] = hash;
            }
        }

        /// The eight-byte scan finds what memchr finds: the line's end, its
        /// quotes and carriage returns (but the one of a final `\r\n`), and
        /// its delimiters.
        #[test]
        fn scan_line_finds_what_memchr_finds(text in "[a,;\"\r\né\t]{0,40}", semicolon: bool) {
            let delimiter = if semicolon { b';' } else { b',' };
            let bytes = text.as_bytes();
            let mut delimiters = vec![7];
            let got = scan_line(bytes, delimiter, &mut delimiters);
            let want = memchr::memchr(b'\n', bytes).map(|newline| {
                let line = &bytes[..newline];
                let content = line.strip_suffix(b"\r").unwrap_or(line);
                LineScan { newline, special: memchr::memchr2(b'"', b'\r', content).is_some() }
            });
            proptest::prop_assert_eq!(got, want);
            if let Some(scan) = got {
                let want: Vec<usize> = memchr::memchr_iter(delimiter, &bytes[..scan.newline]).collect();
                proptest::prop_assert_eq!(delimiters, want);
            }
        }
    }

    proptest::proptest! {
        /// Each line's text from the windows is what `from_utf8` of the
        /// line gives, with invalid bytes, cut characters and lines longer
        /// than a window.
        #[test]
        fn validated_windows_read_lines_as_from_utf8(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(vec![b'\n']),
                    proptest::strategy::Just("é注".as_bytes().to_vec()),
                    proptest::strategy::Just(vec![0xff]),
                    proptest::strategy::Just(vec![0xe6, 0xb3]),
                    proptest::collection::vec(b'a'..=b'z', 0..300),
                ],
                0..60,
            ),
        ) {
            let input = parts.concat();
            let mut valid = Validated::new(&input);
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', &input) {
                let want = std::str::from_utf8(&input[start..end]).ok();
                proptest::prop_assert_eq!(valid.get(start, end), want);
                start = end + 1;
            }
        }
    }

    #[test]
    fn physical_lines_and_single_line_fields() {
        assert_eq!(
            physical_lines(b"a\r\nb\rc\nd"),
            [&b"a"[..], b"b", b"c", b"d"]
        );
        assert_eq!(physical_lines(b"a\n\nb\n"), [&b"a"[..], b"", b"b"]);
        assert_eq!(split_line("a,\"b,c\",d", b',', 3), ["a", "b,c", "d"]);
        // An odd quote is text: the line splits at every delimiter, and the
        // field it opens takes the delimiters beyond the expected count.
        assert_eq!(split_line("a,\"b,c", b',', 3), ["a", "\"b", "c"]);
        assert_eq!(split_line("a,\"b,c", b',', 2), ["a", "\"b,c"]);
        assert_eq!(split_line("a,\"b,c,d", b',', 3), ["a", "\"b,c", "d"]);
    }

    #[test]
    fn a_repeated_header_is_not_a_row_and_reorders_what_follows() {
        let i = read(
            "customer_id,order_date,amount\nA,2024-01-02,1.00\namount,customer_id,order_date\n2.00,B,2024-01-03\n",
        )
        .unwrap();
        assert_eq!(i.report.rows_read, 2);
        assert_eq!(i.report.stats.customers, 2);
        assert_eq!(i.report.stats.total_amount, 3.0);
        let w: Vec<_> = i
            .report
            .warnings
            .iter()
            .filter(|w| w.code == WarningCode::RepeatedHeader)
            .collect();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].lines, [3]);
        // A data value that equals a header name is still a row.
        let i = read("customer_id,order_date,amount\namount,2024-01-02,1.00\n").unwrap();
        assert_eq!((i.report.rows_read, i.report.rows_used), (1, 1));
    }

    #[test]
    fn a_stray_quote_needs_rows_of_their_own_to_be_split() {
        // A real multi-line note: the lines inside are not rows, so the
        // record stays one row.
        let note = "customer_id,order_date,amount,note\nA,2024-01-02,1.00,\"line one\nline two\nline three\"\nB,2024-01-03,2.00,ok\n";
        let r = read(note).unwrap().report;
        assert_eq!((r.rows_read, r.rows_used), (2, 2));
        assert!(r
            .warnings
            .iter()
            .all(|w| w.code != WarningCode::RunawayQuote));
    }
}
