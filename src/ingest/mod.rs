//! Ingest: bytes in, an [`IngestReport`] and a [`Dataset`] out.
//!
//! The input may be fed whole ([`ingest`]) or in chunks ([`Ingester`]), so a
//! 1 GB file never has to sit in memory at once. The first
//! [`SNIFF_BYTES`] are buffered to detect the encoding, delimiter, header,
//! preset and column mapping; after that every chunk is decoded, tokenized and
//! turned into columns as it arrives.
//!
//! The pipeline inside is: encoding detection ([`encoding_rs`] decoder) →
//! CSV tokenizer ([`csv_core`], sans-I/O) → per-field parsing
//! ([`value`]) → the columnar [`Transactions`] store. Decisions that need
//! the whole column (the day/month order of dates, netting returns against
//! earlier orders) are made in [`Ingester::finish`].
//!
//! Invariant: `rows_read == rows_used + rows_skipped`; every skipped row is
//! counted under one [`SkipReason`] with example line numbers.
//!
//! Nothing is lost silently after detection either: a record that a stray
//! quote stretched over lines that are rows of their own is read again line
//! by line; a repeated header is not a row, and in another column order it
//! re-maps the rows after it; UTF-8 rows past the detection window that are
//! not valid UTF-8 but valid Shift_JIS are decoded as such; the amount
//! column's dots (`12.990`) are decided from the whole column. Each of these
//! leaves a [`Warning`] with its lines.
//!
//! A door that holds a file may also read it in byte ranges, each on its
//! own thread, and merge them into the same result ([`split`]).

mod decode;
mod detect;
mod finish;
pub mod report;
pub mod schema;
mod sniff;
pub mod split;
mod stream;
pub mod value;

use std::collections::BTreeMap;

use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};

pub use report::{
    DataKind, DecisionSource, Example, IngestReport, IngestStats, LeftOutOrders, MappedColumn,
    SkipGroup, SkipReason, Warning, WarningCode,
};
pub use schema::{Preset, Role};
pub use value::{DateFormat, DateOrder, DecimalSep};

pub use crate::days::{format_day, OUTLYING_DATE_YEARS};

use crate::days::parse_iso_day;
use crate::error::{not_a_date, Error, ErrorCode, ErrorKind, Result};
use crate::transactions::Transactions;
use detect::{not_a_table, Plan};
use stream::Stream;

/// Reversal rows whose raw text is kept for the report.
pub(super) const REVERSAL_EXAMPLES: usize = 64;

/// Bytes buffered before detection runs (or the whole input, if shorter).
pub const SNIFF_BYTES: usize = 256 * 1024;

/// A single field larger than this is an error: no real export has one.
pub const MAX_FIELD_BYTES: usize = 64 * 1024 * 1024;

/// Options for ingest. Every field has a documented default; `Default` is
/// "detect everything".
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "snake_case")]
pub struct IngestOptions {
    /// Role name → column name (or 1-based column number as `#3`), overriding
    /// detection. Role names are those of [`Role::name`]: `customer`,
    /// `order`, `date`, `time`, `amount`, `unit_price`, `quantity`, `item`,
    /// `item_name`, `nps`, `status`, `currency`, `refunded`, `group`.
    /// An empty column name removes the role.
    pub mapping: BTreeMap<String, String>,
    /// Force a date format (see [`DateFormat`]'s `FromStr`); default: detect.
    pub date_format: Option<String>,
    /// Force the day/month order of ambiguous dates; default: decided from the
    /// whole column, month-first when it stays ambiguous (reported).
    pub date_order: Option<DateOrder>,
    /// What to do with returns, refunds and cancellations; default: net them.
    pub returns: ReturnPolicy,
    /// Force the encoding by its WHATWG label (`utf-8`, `shift_jis`, `utf-16le`...).
    pub encoding: Option<String>,
    /// Force the delimiter.
    pub delimiter: Option<char>,
    /// Force whether the first row is a header.
    pub has_header: Option<bool>,
    /// Force the decimal separator of amounts.
    pub decimal: Option<DecimalSep>,
    /// Today's date (ISO), supplied by the caller because the core has no
    /// clock; dates after it are reported as future dates.
    pub today: Option<String>,
    /// What to do with orders far above the usual order (a company's bulk
    /// order; [`crate::large_orders`]); default: keep them.
    pub large_orders: LargeOrderPolicy,
}

/// What to do with large orders ([`crate::large_orders::find`]: 20 times the
/// median order or more, together 5% of the revenue or more).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LargeOrderPolicy {
    /// Keep them; the report says how much they weigh (default).
    #[default]
    Keep,
    /// Leave their rows out, each counted as skipped
    /// ([`SkipReason::LargeOrder`]), with the warning
    /// [`WarningCode::LargeOrdersExcluded`].
    Exclude,
}

/// What to do with returns, refunds and cancellations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnPolicy {
    /// Subtract them from the customer's matching earlier order (default).
    #[default]
    Net,
    /// Leave them out (counted as skipped).
    Exclude,
}

/// One row of a per-customer summary file, read as-is.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRecord {
    /// The customer id.
    pub customer_id: String,
    /// Repeat purchase periods.
    pub frequency: f64,
    /// Periods from first to last purchase.
    pub recency: f64,
    /// Periods from first purchase to the end of observation.
    pub t: f64,
    /// Mean repeat purchase value, when the file has it.
    pub monetary_value: Option<f64>,
}

/// What ingest produced.
#[derive(Debug, Clone)]
pub enum Dataset {
    /// Order lines with dates (customers may be missing on guest rows).
    Transactions(Transactions),
    /// A per-customer summary file.
    Summary(Vec<SummaryRecord>),
    /// Baskets without dates or customers: for recommendations only. Each
    /// basket is one order; days are all zero.
    Baskets(Transactions),
}

/// The result of ingest: always a report, and the data.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// The full account of the run.
    pub report: IngestReport,
    /// The data.
    pub data: Dataset,
}

/// Ingests a whole input at once.
///
/// # Errors
/// See [`Ingester::finish`].
pub fn ingest(bytes: &[u8], options: &IngestOptions) -> Result<Ingested> {
    let mut ingester = Ingester::new(options.clone())?;
    ingester.expect_bytes(bytes.len() as u64);
    ingester.push(bytes)?;
    ingester.finish()
}

/// What ingest detects in the head of a file (encoding, delimiter, header,
/// columns, the kind of data and the roles it could map), from the same
/// first bytes [`ingest`] decides on, whether or not the file has every
/// column an analysis needs: where [`ingest`] stops with
/// `no_date_column`, `no_id_column` or `summary_column_missing`, this says
/// what was found, so that a page can offer the mapping of the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadReport {
    /// The encoding's WHATWG label, as [`IngestReport::encoding`].
    pub encoding: String,
    /// The field delimiter.
    pub delimiter: char,
    /// The quote character.
    pub quote: char,
    /// Whether the first row is a header.
    pub has_header: bool,
    /// The export layout recognised.
    pub preset: Preset,
    /// Order lines, baskets or a summary.
    pub kind: DataKind,
    /// The column names (or `column N` without a header).
    pub columns: Vec<String>,
    /// The roles mapped so far.
    pub mapping: Vec<MappedColumn>,
}

/// See [`HeadReport`].
///
/// # Errors
/// As [`ingest`] for invalid options, an empty, binary or non-table input.
pub fn detect_head(bytes: &[u8], options: &IngestOptions) -> Result<HeadReport> {
    let ingester = Ingester::new(options.clone())?;
    // As `Ingester::push` then `finish`: a head of SNIFF_BYTES or more is
    // decided on as part of a longer input.
    let (detected, plan) = ingester.plan(bytes, bytes.len() < SNIFF_BYTES, false)?;
    Ok(HeadReport {
        encoding: detected.encoding.name().to_owned(),
        delimiter: char::from(plan.delimiter),
        quote: '"',
        has_header: plan.has_header,
        preset: plan.preset,
        kind: plan.kind,
        columns: plan.columns,
        mapping: plan.mapping,
    })
}

/// Chunk-fed ingest. Call [`push`](Ingester::push) with consecutive chunks of
/// the input, then [`finish`](Ingester::finish).
#[derive(Debug)]
pub struct Ingester {
    options: IngestOptions,
    date_format: DateFormat,
    forced_encoding: Option<&'static Encoding>,
    sniff: Vec<u8>,
    stream: Option<Box<Stream>>,
    /// The input's expected length in bytes, if the caller knows it
    /// ([`Ingester::expect_bytes`]).
    expected_bytes: Option<u64>,
}

impl Ingester {
    /// Creates an ingester.
    ///
    /// # Errors
    /// An options error for an unknown encoding label, date format or role name.
    pub fn new(options: IngestOptions) -> Result<Ingester> {
        let date_format = match &options.date_format {
            Some(f) => f.parse::<DateFormat>()?,
            None => DateFormat::Auto,
        };
        let forced_encoding = match &options.encoding {
            Some(label) => Some(Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                Error::options(format!("unknown encoding \"{label}\""))
                    .with_code(ErrorCode::UnknownEncoding)
                    .param("encoding", label.as_str())
            })?),
            None => None,
        };
        for role in options.mapping.keys() {
            if Role::from_name(role).is_none() {
                return Err(Error::options(format!(
                    "unknown role \"{role}\" in the mapping (expected one of {})",
                    Role::ALL.map(Role::name).join(", ")
                ))
                .with_code(ErrorCode::UnknownRole)
                .param("role", role.as_str()));
            }
        }
        if let Some(d) = options.delimiter {
            if !d.is_ascii() || d == '"' || d == '\n' || d == '\r' {
                return Err(Error::options(format!(
                    "delimiter {d:?} must be one ASCII character other than a quote or newline"
                ))
                .with_code(ErrorCode::BadDelimiter)
                .param("delimiter", format!("{d:?}")));
            }
        }
        if let Some(today) = &options.today {
            parse_iso_day(today).ok_or_else(|| {
                not_a_date("today", today, format!("today \"{today}\" is not a date"))
            })?;
        }
        Ok(Ingester {
            options,
            date_format,
            forced_encoding,
            sniff: Vec::new(),
            stream: None,
            expected_bytes: None,
        })
    }

    /// Tells the ingester how long the whole input will be (a file's size),
    /// before the first [`push`](Ingester::push). Once the head is read, the
    /// line columns are reserved for the rows that many bytes should hold,
    /// instead of growing by doubling: at 10M lines doubling leaves up to
    /// 40% of every column unused, and each regrowth briefly holds the old
    /// and the new copy. A wrong size only costs memory, never results.
    pub fn expect_bytes(&mut self, total: u64) {
        self.expected_bytes = Some(total);
    }

    /// Feeds the next chunk of the input.
    ///
    /// # Errors
    /// Detection errors (binary input, no usable column) once enough bytes
    /// arrived to detect, and structural errors (a field over
    /// [`MAX_FIELD_BYTES`]).
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        match &mut self.stream {
            Some(stream) => stream.feed(chunk, false),
            // A first chunk holding the whole head (a whole file): detect on
            // it in place rather than copying it into the sniff buffer.
            None if self.sniff.is_empty() && chunk.len() >= SNIFF_BYTES => self.start(chunk, false),
            None => {
                self.sniff.extend_from_slice(chunk);
                if self.sniff.len() >= SNIFF_BYTES {
                    let sniff = std::mem::take(&mut self.sniff);
                    self.start(&sniff, false)?;
                }
                Ok(())
            }
        }
    }

    /// Finishes the input and returns the report and data.
    ///
    /// # Errors
    /// - [`ErrorKind::Empty`] for an empty file;
    /// - [`ErrorKind::Binary`] for binary data;
    /// - [`ErrorKind::NoUsableColumn`] when no date/customer/item column can
    ///   be found, or no row at all is usable (the message names the most
    ///   common skip reason and its first line).
    pub fn finish(mut self) -> Result<Ingested> {
        if self.stream.is_none() {
            let sniff = std::mem::take(&mut self.sniff);
            self.start(&sniff, true)?;
        }
        let Some(mut stream) = self.stream.take() else {
            return Err(Error::new(ErrorKind::Empty));
        };
        stream.feed(&[], true)?;
        stream.finish(&self.options)
    }

    /// The encoding and the plan, decided on the first [`SNIFF_BYTES`] of
    /// `sniff` (complete when `is_complete` and no longer than that);
    /// `require`: as [`Plan::detect`].
    fn plan(
        &self,
        sniff: &[u8],
        is_complete: bool,
        require: bool,
    ) -> Result<(sniff::DetectedEncoding, Plan)> {
        // Detection sees exactly the first SNIFF_BYTES however the input was
        // chunked, so whole and chunked ingest decide the same.
        let head = &sniff[..sniff.len().min(SNIFF_BYTES)];
        let head_complete = is_complete && sniff.len() <= SNIFF_BYTES;
        let detected = match self.forced_encoding {
            Some(enc) => sniff::DetectedEncoding {
                encoding: enc,
                bom_len: Encoding::for_bom(head)
                    .filter(|(e, _)| *e == enc)
                    .map_or(0, |(_, n)| n),
            },
            None => sniff::detect_encoding(head, head_complete)?,
        };
        let (sample, _) = detected
            .encoding
            .decode_without_bom_handling(&head[detected.bom_len..]);
        if sample.trim().is_empty() && head_complete {
            return Err(Error::new(ErrorKind::Empty));
        }
        not_a_table(&sample, head_complete)?;
        let plan = Plan::detect(
            &sample,
            head_complete,
            &self.options,
            self.date_format,
            require,
        )?;
        Ok((detected, plan))
    }

    /// Runs detection on the first bytes of the input (`sniff`: the
    /// buffered chunks, or a first chunk at least [`SNIFF_BYTES`] long) and
    /// starts streaming them.
    fn start(&mut self, sniff: &[u8], is_complete: bool) -> Result<()> {
        let (detected, plan) = self.plan(sniff, is_complete, true)?;
        let mut stream = Box::new(Stream::new(detected, plan, &self.options));
        stream.sjis_fallback =
            self.forced_encoding.is_none() && detected.encoding == encoding_rs::UTF_8;
        // The head first, to learn the bytes per row; then room for the
        // rows the expected length holds; then the rest.
        let split = sniff.len().min(SNIFF_BYTES).max(detected.bom_len);
        stream.feed(&sniff[detected.bom_len..split], false)?;
        if let Some(total) = self.expected_bytes {
            stream.reserve_for(total, split as u64);
        }
        stream.feed(&sniff[split..], false)?;
        self.stream = Some(stream);
        Ok(())
    }
}

/// `str::trim`, with a shortcut for the usual field that starts and ends
/// with a visible ASCII character (Unicode whitespace such as U+3000 is
/// still trimmed by the slow path).
pub(super) fn trim_field(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&f), Some(&l)) if f > b' ' && f < 0x80 && l > b' ' && l < 0x80 => s,
        _ => s.trim(),
    }
}

pub(crate) fn is_blank<S: AsRef<str>>(fields: &[S]) -> bool {
    fields.iter().all(|f| trim_field(f.as_ref()).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_field_matches_trim() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{3000}a\u{3000}",
            "注文",
            "\ta\t",
            "a b",
        ] {
            assert_eq!(trim_field(s), s.trim(), "{s:?}");
        }
    }

    /// A file whose date column has a name ingest does not know: ingest
    /// stops with `no_date_column`, and the head report still says what was
    /// found (the customer by its values, the amount by its name) so the
    /// date can be mapped; mapped, the file is read.
    #[test]
    fn the_head_report_shows_what_a_failed_file_has() {
        let csv = "会員,受付,金額\nA001,20240301,1200\nA002,20240305,800\nA001,20240410,1500\nA003,20240412,600\nA002,20240501,900\n";
        let options = IngestOptions::default();
        let err = match ingest(csv.as_bytes(), &options) {
            Ok(_) => panic!("no date column, but ingest succeeded"),
            Err(err) => err,
        };
        assert_eq!(err.code(), ErrorCode::NoDateColumn);
        let head = match detect_head(csv.as_bytes(), &options) {
            Ok(h) => h,
            Err(err) => panic!("{err}"),
        };
        assert_eq!(head.columns, ["会員", "受付", "金額"]);
        assert_eq!(
            (head.encoding.as_str(), head.delimiter, head.has_header),
            ("UTF-8", ',', true)
        );
        assert_eq!(head.kind, DataKind::Transactions);
        let roles: Vec<(Role, usize)> = head.mapping.iter().map(|m| (m.role, m.index)).collect();
        assert_eq!(roles, [(Role::Customer, 0), (Role::Amount, 2)]);
        let mapped = IngestOptions {
            mapping: [("date".to_owned(), "受付".to_owned())]
                .into_iter()
                .collect(),
            ..IngestOptions::default()
        };
        let read = match ingest(csv.as_bytes(), &mapped) {
            Ok(r) => r,
            Err(err) => panic!("{err}"),
        };
        assert_eq!(read.report.rows_used, 5);
    }

    /// On a file ingest reads, the head report says what the ingest report
    /// says about the format and the columns.
    #[test]
    fn the_head_report_agrees_with_ingest() {
        let csv =
            "order_id,customer_id,order_date,amount\n1,c1,2024-01-02,10\n2,c2,2024-01-03,20\n";
        let options = IngestOptions::default();
        let (head, full) = match (
            detect_head(csv.as_bytes(), &options),
            ingest(csv.as_bytes(), &options),
        ) {
            (Ok(h), Ok(f)) => (h, f.report),
            _ => panic!("both read the file"),
        };
        assert_eq!(head.encoding, full.encoding);
        assert_eq!(
            (head.delimiter, head.quote, head.has_header),
            (full.delimiter, full.quote, full.has_header)
        );
        assert_eq!((head.preset, head.kind), (full.preset, full.kind));
        assert_eq!(head.columns, full.columns);
        assert_eq!(head.mapping, full.mapping);
    }
}
