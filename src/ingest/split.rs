//! One input read in byte ranges, each range on its own (natively, on
//! threads), and the ranges' partial reads merged into exactly the
//! [`Ingested`] that reading the input in one go gives.
//!
//! The steps, for a door that holds a file of known length:
//!
//! 1. [`Split::new`] decides from the head of the input (its first
//!    [`SNIFF_BYTES`]) what [`ingest`](super::ingest) decides there: the
//!    encoding, delimiter, header, preset and column mapping. Every range is
//!    read with that one plan. It says `None` for an input that cannot be
//!    split safely: an encoding in which a byte `\n` may be part of a
//!    character (UTF-16, ISO-2022-JP), a per-customer summary or one basket
//!    per line (whose ids are row numbers), or an order-level amount
//!    column (whose amounts depend on every order seen before).
//! 2. [`Split::boundary`] finds where a range may start near an offset:
//!    just after a line break that a quick look says is outside quotes
//!    (the parity of the quotes before it) and, in files with an order
//!    column, between two lines of different orders.
//! 3. [`Split::range`] gives each range its [`RangeIngester`]: the first
//!    range reads the header; the others start right after a line break,
//!    count their lines from 1 and their rows from 0.
//! 4. [`Split::merge`] checks that the state the sequential reader carries
//!    from row to row was, at each range's start, what the range assumed,
//!    puts the ranges' rows, ids, counts and line numbers one after the
//!    other, and finishes once as [`Ingester::finish`] does.
//!
//! What a range assumes at its start, and how the merge checks it: the
//! tokenizer is between records (the previous range ended right after a
//! record, not inside a quoted field); the header was read before it; no
//! repeated header in another column order is in force; the first order id
//! it reads is not the previous range's last one (the fields Shopify leaves
//! empty on an order's later rows come from its first row); no earlier
//! amount showed a decimal dot while this range read `1.234.567`-shaped
//! amounts with the dots grouping thousands (its `12.990`-shaped ones are
//! read the same, and their notes dropped as one reader drops them after
//! the first decimal dot). What follows from the rows before it is merged exactly:
//! line and row numbers are shifted, ids re-interned in order of first
//! appearance ([`TransactionsBuilder::append`]), example lists cut where one
//! reader would have stopped, and the nearby-duplicate examples of a range's
//! first rows recomputed against the rows before them. When a check fails,
//! or a range met an error, [`Split::merge`] says `None` and the door reads
//! the input in one go: the result is then today's by construction, and an
//! error names its line as it always did.
//!
//! [`TransactionsBuilder::append`]: crate::transactions::TransactionsBuilder::append

use encoding_rs::Encoding;

mod wire;

use super::decode::{Carry, DecimalEvidence};
use super::detect::Plan;
use super::schema::AmountLevel;
use super::stream::{AltDay, Rows, SkipTally, Stream};
use super::{
    report, sniff, DataKind, Example, IngestOptions, Ingested, Ingester, Preset, Result,
    REVERSAL_EXAMPLES, SNIFF_BYTES,
};

/// The smallest range worth a thread of its own: a door splits an input of
/// `n` bytes into at most `n / MIN_RANGE_BYTES` ranges. Below this, starting
/// a thread and merging cost more than they save.
pub const MIN_RANGE_BYTES: u64 = 4 << 20;

/// How many bytes after a target offset a door reads for
/// [`Split::boundary`] to find a range start in.
pub const BOUNDARY_WINDOW: usize = 64 * 1024;

/// The detection made once on the head of an input, shared by its ranges.
/// See the [module documentation](self).
#[derive(Debug)]
pub struct Split {
    total: u64,
    options: IngestOptions,
    detected: sniff::DetectedEncoding,
    plan: Plan,
    sjis_fallback: bool,
}

/// Reads one range of an input (see [`Split::range`]); consecutive chunks
/// go to [`push`](RangeIngester::push), then [`finish`](RangeIngester::finish)
/// gives the range's [`Part`].
#[derive(Debug)]
pub struct RangeIngester {
    stream: Box<Stream>,
    start: u64,
    /// The input bytes the row columns are reserved for.
    reserve: u64,
    /// Whether the range ends the input.
    last: bool,
    /// Byte-order-mark bytes still to drop (first range only).
    bom_left: usize,
    fed: u64,
    last_byte: Option<u8>,
    reserved: bool,
}

/// What one range read, for [`Split::merge`].
#[derive(Debug)]
pub struct Part {
    /// The range's reading, its row hashes sorted (see `first_hashes`).
    stream: Box<Stream>,
    start: u64,
    fed: u64,
    last_byte: Option<u8>,
    /// Whether the range ended the input (and was read to its end).
    last: bool,
    /// The hashes of the range's first and last (up to) 32 rows, in row
    /// order: the row hashes are sorted in the range's thread, so that
    /// the merge counts exact duplicates in one pass.
    first_hashes: Vec<u64>,
    last_hashes: Vec<u64>,
}

impl Split {
    /// The detection for an input of `total` bytes whose first bytes are
    /// `head` (at least its first [`SNIFF_BYTES`], or the whole input if
    /// shorter), or `None` when the input cannot be read in ranges: invalid
    /// options or a head that [`ingest`](super::ingest) rejects (reading in
    /// one go reports it), an encoding in which a `\n` byte may belong to a
    /// character, a per-customer summary, one basket per line, or an
    /// order-level amount column.
    pub fn new(head: &[u8], total: u64, options: &IngestOptions) -> Option<Split> {
        let ingester = Ingester::new(options.clone()).ok()?;
        let want = usize::try_from(total.min(SNIFF_BYTES as u64)).ok()?;
        let head = head.get(..want)?;
        let (detected, plan) = ingester.plan(head, total < SNIFF_BYTES as u64, true).ok()?;
        let kind_splits = match plan.kind {
            DataKind::Transactions => true,
            DataKind::Baskets => plan.preset != Preset::BasketLines,
            DataKind::Summary => false,
        };
        let order_amounts = plan.amount_level == AmountLevel::Order && plan.cols.amount.is_some();
        if !splits_at_line_breaks(detected.encoding) || !kind_splits || order_amounts {
            return None;
        }
        Some(Split {
            total,
            sjis_fallback: ingester.forced_encoding.is_none()
                && detected.encoding == encoding_rs::UTF_8,
            options: options.clone(),
            detected,
            plan,
        })
    }

    /// Where in `window` (the input's bytes from some offset on, e.g.
    /// [`BOUNDARY_WINDOW`] of them) a range may start: just after a line
    /// break, among those on the side of the quotes most line breaks are on
    /// (counting quotes from the window's start: most line breaks end rows,
    /// not lines inside a quoted field), preferring one between two lines
    /// without quotes whose order ids differ. `None` without a line break
    /// followed by more bytes. A start this chooses badly costs time, never
    /// results: [`Split::merge`] checks it.
    pub fn boundary(&self, window: &[u8]) -> Option<usize> {
        let mut starts = Vec::new();
        let (mut quotes, mut from) = (0usize, 0usize);
        for nl in memchr::memchr_iter(b'\n', window) {
            let start = nl + 1;
            if start >= window.len() {
                break;
            }
            quotes += memchr::memchr_iter(b'"', &window[from..start]).count();
            from = start;
            starts.push((start, quotes % 2 == 1));
        }
        let odd = starts.iter().filter(|(_, odd)| *odd).count();
        let outside_is_odd = odd * 2 > starts.len();
        let mut candidates = starts
            .iter()
            .filter(|(_, odd)| *odd == outside_is_odd)
            .map(|&(start, _)| start);
        let first = candidates.clone().next();
        candidates
            .find(|&start| self.between_orders(window, start))
            .or(first)
    }

    /// The reader of the range of `len` bytes starting at byte `start` of
    /// the input: 0 for the first range, else a start from
    /// [`Split::boundary`]. The range that reaches the input's length is the
    /// last: its reader also ends the input.
    pub fn range(&self, start: u64, len: u64) -> RangeIngester {
        let mut stream = Box::new(Stream::new(self.detected, self.plan.clone(), &self.options));
        stream.sjis_fallback = self.sjis_fallback;
        if start > 0 {
            // The header is the first range's; this range starts after a
            // line break, its line numbers relative to its start.
            stream.header_seen = true;
            stream.at_line_break = true;
        }
        RangeIngester {
            stream,
            start,
            // The first range's columns are reserved for the whole input,
            // so that the merge appends the others' rows without regrowing
            // them.
            reserve: if start == 0 { self.total } else { len },
            last: start.saturating_add(len) >= self.total,
            bom_left: if start == 0 { self.detected.bom_len } else { 0 },
            fed: 0,
            last_byte: None,
            reserved: false,
        }
    }

    /// Merges the ranges' parts, in input order, into what reading the
    /// whole input in one go gives (its [`Ingested`], or the error
    /// [`Ingester::finish`] would give). `None` when it cannot be made
    /// identical: a range met an error, the ranges do not tile the input
    /// from its start, or a range started where its assumptions (see the
    /// [module documentation](self)) do not hold. Then the input is to be
    /// read in one go.
    pub fn merge(&self, parts: Vec<Result<Part>>) -> Option<Result<Ingested>> {
        let parts: Vec<Part> = parts.into_iter().collect::<Result<_>>().ok()?;
        let tiled = parts.first().is_some_and(|p| p.start == 0)
            && parts.last().is_some_and(|p| p.last)
            && parts.windows(2).all(|w| {
                w[1].start == w[0].start + w[0].fed && w[0].last_byte == Some(b'\n') && !w[0].last
            });
        if !tiled
            || !parts[0].stream.header_seen
            || parts[..parts.len() - 1]
                .iter()
                .any(|p| !between_records(&p.stream))
        {
            return None;
        }
        let mut parts = parts.into_iter();
        let first = parts.next()?;
        let mut merged = first.stream;
        let mut tail = first.last_hashes;
        let mut remap_in_force = merged.remap.is_some();
        for part in parts {
            let mut s = part.stream;
            let carry_continues = s
                .rows
                .carry
                .first_order
                .as_ref()
                .is_some_and(|o| !o.is_empty() && *o == merged.rows.carry.order);
            // One reader stops looking at the shapes of amounts at the
            // first decimal dot: a `12.990` after it is read the same, but
            // not noted; a `1.234.567` is not read at all.
            let after_decimal_point =
                self.plan.decimal_open && merged.rows.decimal.decimal_point > 0;
            let decimal_changes = after_decimal_point && s.rows.decimal.groups > 0;
            if remap_in_force || carry_continues || decimal_changes {
                return None;
            }
            if after_decimal_point {
                let d = &mut s.rows.decimal;
                *d = DecimalEvidence {
                    decimal_point: d.decimal_point,
                    yen: d.yen,
                    ..DecimalEvidence::default()
                };
            }
            if !s.rows.repeated_headers.is_empty() {
                remap_in_force = s.remap.is_some();
            }
            let hashes = Hashes {
                tail: &tail,
                first: &part.first_hashes,
            };
            append(&mut merged, *s, hashes);
            tail = [&tail[..], &part.last_hashes[..]].concat();
            tail.drain(..tail.len().saturating_sub(32));
        }
        Some(merged.finish(&self.options))
    }

    /// Whether `start` in `window` lies between two whole lines without
    /// quotes or carriage returns inside them whose order ids differ (any
    /// two such lines, without an order column).
    fn between_orders(&self, window: &[u8], start: usize) -> bool {
        let Some(prev_start) = memchr::memrchr(b'\n', &window[..start - 1]).map(|i| i + 1) else {
            return false;
        };
        let Some(next_end) = memchr::memchr(b'\n', &window[start..]).map(|i| start + i) else {
            return false;
        };
        let line = |l: &[u8]| -> Option<Vec<u8>> {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            if memchr::memchr2(b'"', b'\r', l).is_some() {
                return None;
            }
            let Some(c) = self.plan.cols.order else {
                return Some(Vec::new());
            };
            let field = l.split(|&b| b == self.plan.delimiter).nth(c)?;
            Some(field.trim_ascii().to_vec())
        };
        match (
            line(&window[prev_start..start - 1]),
            line(&window[start..next_end]),
        ) {
            (Some(a), Some(b)) => self.plan.cols.order.is_none() || a != b,
            _ => false,
        }
    }
}

impl RangeIngester {
    /// Feeds the range's next chunk.
    ///
    /// # Errors
    /// As [`Ingester::push`]; [`Split::merge`] then asks for the input to
    /// be read in one go, which reports the error with its line.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        let Some(&last) = chunk.last() else {
            return Ok(());
        };
        self.last_byte = Some(last);
        self.fed += chunk.len() as u64;
        let skip = self.bom_left.min(chunk.len());
        self.bom_left -= skip;
        self.stream.feed(&chunk[skip..], false)?;
        if !self.reserved && self.fed >= SNIFF_BYTES as u64 {
            self.reserved = true;
            self.stream.reserve_for(self.reserve, self.fed);
        }
        Ok(())
    }

    /// The range as read, for [`Split::merge`]; the last range also ends
    /// the input.
    ///
    /// # Errors
    /// As [`Ingester::finish`] while reading the input's last record.
    pub fn finish(mut self) -> Result<Part> {
        if self.last {
            self.stream.feed(&[], true)?;
        }
        let hashes = &mut self.stream.rows.row_hashes;
        let first_hashes = hashes[..hashes.len().min(32)].to_vec();
        let last_hashes = hashes[hashes.len().saturating_sub(32)..].to_vec();
        hashes.sort_unstable();
        Ok(Part {
            stream: self.stream,
            start: self.start,
            fed: self.fed,
            last_byte: self.last_byte,
            last: self.last,
            first_hashes,
            last_hashes,
        })
    }
}

/// Whether a `\n` byte in this encoding is always a line break, whatever
/// came before it, and the decoder is back in its first state after it:
/// UTF-8, the single-byte encodings, and Shift_JIS and EUC-JP (whose
/// second bytes are 0x40 and above, and whose decoders read an ASCII byte
/// after a cut character as ASCII).
fn splits_at_line_breaks(encoding: &'static Encoding) -> bool {
    encoding == encoding_rs::UTF_8
        || encoding == encoding_rs::SHIFT_JIS
        || encoding == encoding_rs::EUC_JP
        || encoding.is_single_byte()
}

/// Whether the reader ended right after a record: nothing of a next record
/// read, no quoted field open.
fn between_records(s: &Stream) -> bool {
    s.at_record_start
        && s.out_len == 0
        && s.ends_len == 0
        && s.record_start.is_none()
        && !s.after_cr
}

/// Row hashes in row order at a boundary: the last (up to) 32 before it
/// and the first (up to) 32 after it.
struct Hashes<'a> {
    tail: &'a [u64],
    first: &'a [u64],
}

/// Appends the next range's reading to `merged`, the reading of the ranges
/// before it: lines and rows shifted to the whole input's numbering, counts
/// added, example lists cut where one reader would have stopped, ids
/// re-interned, the sorted row hashes merged. Every field is named, so that
/// a new one cannot be forgotten here.
fn append(merged: &mut Stream, part: Stream, hashes: Hashes<'_>) {
    let Stream {
        decoder: _,
        encoding: _,
        bom: _,
        had_invalid_bytes,
        text: _,
        csv: _,
        out: _,
        ends: _,
        out_len: _,
        ends_len: _,
        line,
        after_cr,
        record_start,
        at_line_break,
        header_seen: _,
        field_buf: _,
        at_record_start,
        raw: _,
        raw_complete,
        sjis_fallback: _,
        header_line: _,
        remap,
        plan: _,
        rows,
        order_buf: _,
        last_date: _,
    } = part;
    let shift = merged.line - 1;
    merged.had_invalid_bytes |= had_invalid_bytes;
    merged.line = line + shift;
    merged.after_cr = after_cr;
    merged.record_start = record_start.map(|l| l + shift);
    merged.at_line_break = at_line_break;
    merged.at_record_start = at_record_start;
    merged.raw_complete = raw_complete;
    if !rows.repeated_headers.is_empty() {
        merged.remap = remap;
    }
    append_rows(&mut merged.rows, rows, shift, hashes);
}

fn append_rows(m: &mut Rows, r: Rows, shift: u64, hashes: Hashes<'_>) {
    let Rows {
        read,
        builder,
        lines,
        alt_days,
        evidence_day_first,
        evidence_month_first,
        evidence_ambiguous,
        order_examples,
        reversal_examples,
        summary,
        skips,
        row_hashes,
        // Not read once the input ended.
        recent_hashes: _,
        first_hash_lines,
        duplicates,
        duplicate_lines,
        zero_amounts,
        zero_amount_lines,
        currencies,
        large_fields,
        repeated_headers,
        runaway_quotes,
        invalid_rows,
        invalid_lines,
        sjis_rows,
        sjis_lines,
        normalized_ids,
        normalized_id_lines,
        email_ids,
        email_id_lines,
        case_folded_ids,
        case_folded_id_lines,
        empty_rows,
        empty_row_lines,
        preamble_lines,
        preamble_text,
        decimal,
        carry,
    } = r;
    let max = report::MAX_EXAMPLES;
    let at = |l: u64| l + shift;
    let row_shift = m.builder.len() as u32;
    m.read += read;
    m.builder.append(builder);
    m.lines.extend(
        lines
            .iter()
            .map(|&l| (u64::from(l) + shift).min(u64::from(u32::MAX)) as u32),
    );
    m.alt_days.extend(alt_days.iter().map(|a| AltDay {
        row: a.row + row_shift,
        day_first: a.day_first,
    }));
    m.evidence_day_first += evidence_day_first;
    m.evidence_month_first += evidence_month_first;
    m.evidence_ambiguous += evidence_ambiguous;
    extend_capped(
        &mut m.order_examples,
        order_examples.into_iter().map(|(l, t)| (at(l), t)),
        2 * max,
    );
    extend_capped(
        &mut m.reversal_examples,
        reversal_examples.into_iter().map(|(l, t)| (at(l), t)),
        REVERSAL_EXAMPLES,
    );
    m.summary.extend(summary);
    append_skips(&mut m.skips, skips, shift);
    // The nearby duplicates among the range's first rows, against the rows
    // before it; the later rows' window lies inside the range.
    let head_lines: Vec<u64> = nearby_repeats(hashes.tail, m.row_hashes.len(), hashes.first)
        .zip(&first_hash_lines)
        .filter(|(repeat, _)| *repeat)
        .map(|(_, &l)| at(l))
        .collect();
    let head_end = first_hash_lines.last().copied().unwrap_or(0);
    let later = duplicate_lines
        .into_iter()
        .filter(|&l| l > head_end)
        .map(at);
    extend_capped(
        &mut m.duplicate_lines,
        head_lines.into_iter().chain(later),
        max,
    );
    let room = 32usize.saturating_sub(m.first_hash_lines.len());
    m.first_hash_lines
        .extend(first_hash_lines.into_iter().take(room).map(at));
    m.row_hashes = merge_sorted(&m.row_hashes, &row_hashes);
    m.duplicates += duplicates;
    m.zero_amounts += zero_amounts;
    extend_capped(
        &mut m.zero_amount_lines,
        zero_amount_lines.into_iter().map(at),
        max,
    );
    for (currency, count) in currencies {
        *m.currencies.entry(currency).or_insert(0) += count;
    }
    extend_capped(&mut m.large_fields, large_fields.into_iter().map(at), max);
    m.repeated_headers
        .extend(repeated_headers.into_iter().map(|(l, r)| (at(l), r)));
    m.runaway_quotes.extend(
        runaway_quotes
            .into_iter()
            .map(|(first, last, rows, open)| (at(first), at(last), rows, open)),
    );
    m.invalid_rows += invalid_rows;
    extend_capped(&mut m.invalid_lines, invalid_lines.into_iter().map(at), max);
    m.sjis_rows += sjis_rows;
    extend_capped(&mut m.sjis_lines, sjis_lines.into_iter().map(at), max);
    m.normalized_ids += normalized_ids;
    extend_capped(
        &mut m.normalized_id_lines,
        normalized_id_lines.into_iter().map(at),
        max,
    );
    m.case_folded_ids += case_folded_ids;
    extend_capped(
        &mut m.case_folded_id_lines,
        case_folded_id_lines.into_iter().map(at),
        max,
    );
    // Only the first range reads a title block, and the merge holds it.
    m.preamble_lines.extend(preamble_lines.into_iter().map(at));
    if m.preamble_text.is_empty() {
        m.preamble_text = preamble_text;
    }
    m.empty_rows += empty_rows;
    extend_capped(
        &mut m.empty_row_lines,
        empty_row_lines.into_iter().map(at),
        max,
    );
    m.email_ids += email_ids;
    extend_capped(
        &mut m.email_id_lines,
        email_id_lines.into_iter().map(at),
        max,
    );
    append_decimal(&mut m.decimal, decimal, shift, row_shift);
    if !carry.order.is_empty() {
        let first_order = m.carry.first_order.take().or(carry.first_order.clone());
        m.carry = Carry {
            first_order,
            ..carry
        };
    }
}

/// For each of the first (up to 32) hashes of a range, `later`, whether
/// it repeats one of the 32 hashes before it, as `Stream::duplicate_check`'s
/// ring sees it: the last hashes of the `earlier_rows` rows before the
/// range (`tail`, up to 32), then `later`'s, and zeros where fewer than 32
/// rows came before.
fn nearby_repeats<'a>(
    tail: &'a [u64],
    earlier_rows: usize,
    later: &'a [u64],
) -> impl Iterator<Item = bool> + 'a {
    (0..later.len().min(32)).map(move |i| {
        let h = later[i];
        let from_earlier = (32 - i).min(tail.len());
        tail[tail.len() - from_earlier..].contains(&h)
            || later[..i].contains(&h)
            || (earlier_rows + i < 32 && h == 0)
    })
}

/// The sorted union (with repeats) of two sorted lists.
fn merge_sorted(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn append_skips(m: &mut SkipTally, r: SkipTally, shift: u64) {
    for group in r.groups {
        let i = match m.groups.iter().position(|g| g.reason == group.reason) {
            Some(i) => i,
            None => {
                m.groups.push(super::SkipGroup {
                    reason: group.reason,
                    count: 0,
                    examples: Vec::new(),
                });
                m.groups.len() - 1
            }
        };
        let target = &mut m.groups[i];
        target.count += group.count;
        extend_capped(
            &mut target.examples,
            group.examples.into_iter().map(|e| Example {
                line: e.line + shift,
                text: e.text,
            }),
            report::MAX_EXAMPLES,
        );
    }
}

fn append_decimal(m: &mut DecimalEvidence, r: DecimalEvidence, shift: u64, row_shift: u32) {
    let DecimalEvidence {
        dot3,
        dot3_lines,
        dot3_rows,
        groups,
        groups_lines,
        decimal_point,
        yen,
    } = r;
    let max = report::MAX_EXAMPLES;
    m.dot3 += dot3;
    extend_capped(
        &mut m.dot3_lines,
        dot3_lines.into_iter().map(|l| l + shift),
        max,
    );
    m.dot3_rows
        .extend(dot3_rows.into_iter().map(|r| r + row_shift));
    m.groups += groups;
    extend_capped(
        &mut m.groups_lines,
        groups_lines.into_iter().map(|l| l + shift),
        max,
    );
    // One reader stops counting at the first decimal dot.
    m.decimal_point = m.decimal_point.max(decimal_point);
    m.yen += yen;
}

/// Appends to `list` until it holds `cap` items, as a reader that pushes
/// only below the cap does.
fn extend_capped<T>(list: &mut Vec<T>, items: impl IntoIterator<Item = T>, cap: usize) {
    let room = cap.saturating_sub(list.len());
    list.extend(items.into_iter().take(room));
}
