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

pub mod report;
pub mod schema;
mod sniff;
pub mod value;

use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};

use encoding_rs::{Decoder, Encoding};
use serde::{Deserialize, Serialize};

pub use report::{
    DataKind, DecisionSource, Example, IngestReport, IngestStats, MappedColumn, SkipGroup,
    SkipReason, Warning, WarningCode,
};
pub use schema::{Preset, Role};
pub use value::{DateFormat, DateOrder, DecimalSep};

pub use crate::days::{format_day, OUTLYING_DATE_YEARS};

use crate::days::{bulk_window, parse_iso_day};
use crate::error::{Error, ErrorKind, Result};
use crate::transactions::{Line, LineKind, Transactions, TransactionsBuilder};
use schema::{AmountLevel, HeaderMatch, StatusMeaning};
use value::OrderEvidence;

/// Reversal rows whose raw text is kept for the report.
const REVERSAL_EXAMPLES: usize = 64;

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
            Some(label) => Some(
                Encoding::for_label(label.trim().as_bytes())
                    .ok_or_else(|| Error::options(format!("unknown encoding \"{label}\"")))?,
            ),
            None => None,
        };
        for role in options.mapping.keys() {
            if Role::from_name(role).is_none() {
                return Err(Error::options(format!(
                    "unknown role \"{role}\" in the mapping (expected one of {})",
                    Role::ALL.map(Role::name).join(", ")
                )));
            }
        }
        if let Some(d) = options.delimiter {
            if !d.is_ascii() || d == '"' || d == '\n' || d == '\r' {
                return Err(Error::options(format!(
                    "delimiter {d:?} must be one ASCII character other than a quote or newline"
                )));
            }
        }
        if let Some(today) = &options.today {
            parse_iso_day(today)
                .ok_or_else(|| Error::options(format!("today \"{today}\" is not a date")))?;
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

    /// Runs detection on the first bytes of the input (`sniff`: the
    /// buffered chunks, or a first chunk at least [`SNIFF_BYTES`] long) and
    /// starts streaming them.
    fn start(&mut self, sniff: &[u8], is_complete: bool) -> Result<()> {
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
        let plan = Plan::detect(&sample, head_complete, &self.options, self.date_format)?;
        let mut stream = Box::new(Stream::new(detected, plan, &self.options));
        stream.sjis_fallback =
            self.forced_encoding.is_none() && detected.encoding == encoding_rs::UTF_8;
        // The head first, to learn the bytes per row; then room for the
        // rows the expected length holds; then the rest.
        let split = head.len().max(detected.bom_len);
        stream.feed(&sniff[detected.bom_len..split], false)?;
        if let Some(total) = self.expected_bytes {
            stream.reserve_for(total, split as u64);
        }
        stream.feed(&sniff[split..], false)?;
        self.stream = Some(stream);
        Ok(())
    }
}

/// Refuses inputs that are text but not a table, before they could be read
/// as one-basket-per-line files: a JSON document, a first line longer than
/// the detection window, or a detection window of blank lines.
fn not_a_table(sample: &str, is_complete: bool) -> Result<()> {
    let kib = SNIFF_BYTES >> 10;
    let text = sample.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if !is_complete && text.is_empty() {
        return Err(Error::input(
            None,
            None,
            format!("the first {kib} KiB are blank lines; remove them so the header comes first"),
        ));
    }
    let mut chars = text.chars();
    let opening = chars.next();
    let next = chars.find(|c| !c.is_whitespace());
    let json = match (opening, next) {
        (Some('['), Some(c)) => matches!(c, '{' | '[' | '"' | ']') || c.is_ascii_digit(),
        (Some('{'), Some(c)) => matches!(c, '"' | '}'),
        _ => false,
    };
    if json {
        return Err(Error::input(
            None,
            None,
            format!(
                "the file is JSON (it starts with \"{}\"), not a table of orders; export the orders as CSV",
                opening.unwrap_or(' ')
            ),
        ));
    }
    if !is_complete && !text.contains(['\n', '\r']) {
        return Err(Error::input(
            Some(1),
            None,
            format!("the first line is longer than {kib} KiB (no line break in it); this is not a table of orders, whose rows end with line breaks"),
        ));
    }
    Ok(())
}

/// Column indices per role.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Cols {
    customer: Option<usize>,
    order: Option<usize>,
    date: Option<usize>,
    time: Option<usize>,
    amount: Option<usize>,
    unit_price: Option<usize>,
    quantity: Option<usize>,
    item: Option<usize>,
    item_name: Option<usize>,
    nps: Option<usize>,
    status: Option<usize>,
    currency: Option<usize>,
    refunded: Option<usize>,
    group: Option<usize>,
    frequency: Option<usize>,
    recency: Option<usize>,
    t: Option<usize>,
    monetary_value: Option<usize>,
}

impl Cols {
    fn from_match(m: &HeaderMatch) -> Cols {
        Cols {
            customer: m.get(Role::Customer),
            order: m.get(Role::Order),
            date: m.get(Role::Date),
            time: m.get(Role::Time),
            amount: m.get(Role::Amount),
            unit_price: m.get(Role::UnitPrice),
            quantity: m.get(Role::Quantity),
            item: m.get(Role::Item),
            item_name: m.get(Role::ItemName),
            nps: m.get(Role::Nps),
            status: m.get(Role::Status),
            currency: m.get(Role::Currency),
            refunded: m.get(Role::Refunded),
            group: m.get(Role::Group),
            frequency: m.get(Role::Frequency),
            recency: m.get(Role::Recency),
            t: m.get(Role::T),
            monetary_value: m.get(Role::MonetaryValue),
        }
    }
}

/// Everything decided from the sample before streaming starts.
#[derive(Debug, Clone)]
struct Plan {
    delimiter: u8,
    has_header: bool,
    columns: Vec<String>,
    kind: DataKind,
    preset: Preset,
    cols: Cols,
    mapping: Vec<MappedColumn>,
    amount_level: AmountLevel,
    decimal: DecimalSep,
    /// Whether the decimal separator may still change once the whole
    /// amount column is seen (detected as a dot, not forced).
    decimal_open: bool,
    date_format: DateFormat,
    /// UCI Online Retail: invoices starting with `C` are cancellations.
    c_invoices: bool,
    returns: ReturnPolicy,
    /// The header's names, normalized (empty without a header).
    header_norm: Vec<String>,
    /// Bit `n` is set when a column name is `n` bytes long (63: longer).
    header_lengths: u64,
    /// Warnings about the header itself (duplicate names), reported in
    /// `finish` with the header's line.
    header_warnings: Vec<Warning>,
}

impl Plan {
    fn detect(
        sample: &str,
        is_complete: bool,
        options: &IngestOptions,
        date_format: DateFormat,
    ) -> Result<Plan> {
        let (delimiter, consistent) = match options.delimiter {
            Some(d) => (d as u8, true),
            None => sniff::detect_delimiter(sample, is_complete),
        };
        let records = sample_records(sample, delimiter, is_complete, 200);
        let first = records.first().cloned().unwrap_or_default();
        let normalized: Vec<String> = first.iter().map(|h| schema::normalize_header(h)).collect();
        let has_header = match options.has_header {
            Some(h) => h,
            None => {
                schema::looks_like_header(&normalized)
                    || (consistent && records.len() > 1 && first_row_differs(&records))
            }
        };
        let data_rows: &[Vec<String>] = if has_header && !records.is_empty() {
            &records[1..]
        } else {
            &records[..]
        };
        let columns: Vec<String> = if has_header {
            first
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let h = h.trim().trim_start_matches('\u{feff}');
                    if h.is_empty() {
                        format!("column {}", i + 1)
                    } else {
                        h.to_owned()
                    }
                })
                .collect()
        } else {
            (1..=first.len()).map(|i| format!("column {i}")).collect()
        };

        // One basket per line: no header, ragged rows, no dates.
        if !has_header && !consistent && options.mapping.is_empty() {
            let dated = data_rows
                .iter()
                .flatten()
                .filter(|f| written_date(f))
                .count();
            if dated * 10 < data_rows.len().max(1) {
                return Ok(Plan {
                    delimiter,
                    has_header,
                    columns: Vec::new(),
                    kind: DataKind::Baskets,
                    preset: Preset::BasketLines,
                    cols: Cols::default(),
                    mapping: Vec::new(),
                    amount_level: AmountLevel::Line,
                    decimal: DecimalSep::Dot,
                    decimal_open: false,
                    date_format,
                    c_invoices: false,
                    returns: options.returns,
                    header_norm: Vec::new(),
                    header_lengths: 0,
                    header_warnings: Vec::new(),
                });
            }
        }

        let mut m = if has_header {
            schema::match_headers(&normalized)
        } else {
            HeaderMatch::default()
        };
        let mut sources: BTreeMap<Role, DecisionSource> = m
            .roles
            .iter()
            .map(|&(r, _)| (r, DecisionSource::Header))
            .collect();
        let before = m.clone();
        let mut preset = if has_header {
            schema::detect_preset(&normalized, &mut m)
        } else {
            Preset::Generic
        };
        for &(role, idx) in &m.roles {
            if before.get(role) != Some(idx) {
                sources.insert(role, DecisionSource::Preset);
            }
        }
        if preset == Preset::Etsy && date_format == DateFormat::Auto {
            // Etsy writes MM/DD/YY; the order is fixed, not guessed.
        }
        // Content-based mapping for roles the headers did not give.
        if preset != Preset::Summary {
            content_mapping(data_rows, columns.len(), &mut m, &mut sources);
        }
        // Caller overrides win.
        for (role_name, column) in &options.mapping {
            let Some(role) = Role::from_name(role_name) else {
                continue;
            };
            if column.trim().is_empty() {
                m.roles.retain(|(r, _)| *r != role);
                sources.remove(&role);
                continue;
            }
            let idx = resolve_column(column, &columns)?;
            m.set(role, idx);
            sources.insert(role, DecisionSource::Override);
        }
        let cols = Cols::from_match(&m);
        if preset == Preset::LongBaskets && (cols.date.is_some() || cols.customer.is_some()) {
            preset = Preset::Generic;
        }
        let kind = if preset == Preset::Summary {
            DataKind::Summary
        } else if cols.date.is_none()
            && cols.order.is_some()
            && (cols.item.is_some() || cols.item_name.is_some())
        {
            if preset == Preset::Generic {
                preset = Preset::LongBaskets;
            }
            DataKind::Baskets
        } else {
            DataKind::Transactions
        };
        match kind {
            DataKind::Summary => {
                for (role, col) in [
                    (Role::Frequency, cols.frequency),
                    (Role::Recency, cols.recency),
                    (Role::T, cols.t),
                ] {
                    if col.is_none() {
                        return Err(Error::no_usable_column(format!(
                            "the summary file has no \"{}\" column",
                            role.name()
                        )));
                    }
                }
            }
            DataKind::Transactions => {
                if cols.date.is_none() {
                    return Err(Error::no_usable_column(format!(
                        "no column holds order dates (columns: {}); name one with the date mapping",
                        list_columns(&columns)
                    )));
                }
                if cols.customer.is_none()
                    && cols.order.is_none()
                    && cols.item.is_none()
                    && cols.item_name.is_none()
                {
                    return Err(Error::no_usable_column(format!(
                        "no column holds customer ids, order ids or items (columns: {})",
                        list_columns(&columns)
                    )));
                }
            }
            DataKind::Baskets => {}
        }
        let mut mapping: Vec<MappedColumn> = m
            .roles
            .iter()
            .map(|&(role, index)| MappedColumn {
                role,
                index,
                name: columns.get(index).cloned().unwrap_or_default(),
                source: sources
                    .get(&role)
                    .copied()
                    .unwrap_or(DecisionSource::Header),
            })
            .collect();
        mapping.sort_by_key(|c| c.role);
        let amount_level = match cols.amount {
            Some(i) => schema::amount_level(preset, normalized.get(i).map_or("", String::as_str)),
            None => AmountLevel::Line,
        };
        let decimal = options.decimal.unwrap_or_else(|| {
            let col = cols.amount.or(cols.unit_price).or(cols.monetary_value);
            match col {
                Some(c) => value::guess_decimal_sep(
                    data_rows
                        .iter()
                        .filter_map(|r| r.get(c))
                        .map(String::as_str),
                ),
                None => DecimalSep::Dot,
            }
        });
        let date_format = if preset == Preset::Etsy && date_format == DateFormat::Auto {
            DateFormat::Mdy
        } else {
            date_format
        };
        let header_warnings = if has_header {
            duplicate_columns(&columns, &normalized, &mapping)
        } else {
            Vec::new()
        };
        let header_lengths = columns
            .iter()
            .fold(0, |mask, c| mask | 1u64 << c.len().min(63));
        Ok(Plan {
            delimiter,
            has_header,
            columns,
            kind,
            preset,
            cols,
            mapping,
            amount_level,
            decimal,
            decimal_open: options.decimal.is_none() && decimal == DecimalSep::Dot,
            date_format,
            c_invoices: preset == Preset::UciOnlineRetail,
            returns: options.returns,
            header_warnings,
            header_lengths,
            header_norm: if has_header { normalized } else { Vec::new() },
        })
    }
}

/// A warning per header name that appears more than once: which columns
/// share it and which one is used (the first, for every role).
fn duplicate_columns(
    columns: &[String],
    normalized: &[String],
    mapping: &[MappedColumn],
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for (i, name) in normalized.iter().enumerate() {
        if name.is_empty() || normalized[..i].contains(name) {
            continue;
        }
        let same: Vec<usize> = (i..normalized.len())
            .filter(|&j| normalized[j] == *name)
            .collect();
        if same.len() < 2 {
            continue;
        }
        let listed = same
            .iter()
            .map(|&j| {
                format!(
                    "{} (\"{}\")",
                    j + 1,
                    columns.get(j).map_or("", String::as_str)
                )
            })
            .collect::<Vec<_>>()
            .join(" and ");
        let used = mapping.iter().find(|m| same.contains(&m.index));
        let message = match used {
            Some(m) => format!(
                "columns {listed} have the same name; column {} is used as the {} and the other is ignored",
                m.index + 1,
                m.role.name()
            ),
            None => format!("columns {listed} have the same name; neither is used"),
        };
        warnings.push(Warning {
            code: WarningCode::DuplicateColumns,
            message,
            lines: Vec::new(),
        });
    }
    warnings
}

fn list_columns(columns: &[String]) -> String {
    let mut s = columns
        .iter()
        .take(12)
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if columns.len() > 12 {
        s.push_str(", ...");
    }
    s
}

/// Finds a column by name (case- and space-insensitive) or by `#N`.
fn resolve_column(column: &str, columns: &[String]) -> Result<usize> {
    if let Some(n) = column.strip_prefix('#') {
        if let Ok(n) = n.parse::<usize>() {
            if n >= 1 && n <= columns.len() {
                return Ok(n - 1);
            }
        }
    }
    if let Some(i) = columns.iter().position(|c| c == column) {
        return Ok(i);
    }
    let want = schema::normalize_header(column);
    columns
        .iter()
        .position(|c| schema::normalize_header(c) == want)
        .ok_or_else(|| {
            Error::options(format!(
                "no column named \"{column}\" (columns: {})",
                list_columns(columns)
            ))
        })
}

/// Whether the first record looks unlike the rest: text where the others
/// have numbers or dates.
fn first_row_differs(records: &[Vec<String>]) -> bool {
    let first = &records[0];
    let typed = |f: &str| {
        value::parse_date(f, DateFormat::Auto).is_some()
            || value::parse_amount(f, DecimalSep::Dot).is_some()
    };
    (0..first.len()).any(|c| {
        let rest: Vec<&str> = records[1..]
            .iter()
            .filter_map(|r| r.get(c).map(String::as_str))
            .filter(|f| !f.trim().is_empty())
            .collect();
        !rest.is_empty()
            && !typed(&first[c])
            && !first[c].trim().is_empty()
            && rest.iter().filter(|f| typed(f)).count() * 10 >= rest.len() * 9
    })
}

/// Fills roles the header did not give from the columns' content: a column
/// of dates becomes the date, a column of amounts with decimals the amount,
/// and (without a header) a repeating id-like column the customer.
fn content_mapping(
    rows: &[Vec<String>],
    n_columns: usize,
    m: &mut HeaderMatch,
    sources: &mut BTreeMap<Role, DecisionSource>,
) {
    if rows.is_empty() {
        return;
    }
    let taken = |m: &HeaderMatch, c: usize| m.roles.iter().any(|&(_, i)| i == c);
    let share = |c: usize, f: &dyn Fn(&str) -> bool| {
        let vals: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.get(c).map(String::as_str))
            .filter(|v| !v.trim().is_empty())
            .collect();
        if vals.is_empty() {
            0.0
        } else {
            vals.iter().filter(|v| f(v)).count() as f64 / vals.len() as f64
        }
    };
    if m.get(Role::Date).is_none() {
        if let Some(c) = (0..n_columns).find(|&c| !taken(m, c) && share(c, &written_date) >= 0.9) {
            m.set(Role::Date, c);
            sources.insert(Role::Date, DecisionSource::Content);
        }
    }
    if m.get(Role::Amount).is_none() && m.get(Role::UnitPrice).is_none() {
        if let Some(c) = (0..n_columns).find(|&c| {
            !taken(m, c)
                && share(c, &|v| {
                    let t = v.trim();
                    value::parse_amount(v, DecimalSep::Dot).is_some()
                        && (t.contains('.')
                            || t.contains(',')
                            || t.chars().any(|ch| "¥￥円$€£".contains(ch)))
                }) >= 0.9
        }) {
            m.set(Role::Amount, c);
            sources.insert(Role::Amount, DecisionSource::Content);
        }
    }
    if m.get(Role::Customer).is_none() && m.get(Role::Order).is_none() {
        // An id-like text column whose values repeat: customers buy again.
        let candidate = (0..n_columns).find(|&c| {
            if taken(m, c) {
                return false;
            }
            let vals: Vec<&str> = rows
                .iter()
                .filter_map(|r| r.get(c).map(String::as_str))
                .collect();
            let distinct: HashSet<&str> = vals.iter().copied().collect();
            vals.len() >= 4
                && distinct.len() < vals.len()
                && distinct.len() * 20 > vals.len()
                && vals.iter().all(|v| !v.trim().is_empty() && v.len() <= 64)
                && share(c, &|v| value::parse_date(v, DateFormat::Auto).is_some()) < 0.5
        });
        if let Some(c) = candidate {
            m.set(Role::Customer, c);
            sources.insert(Role::Customer, DecisionSource::Content);
        }
    }
}

/// Whether a field is a date written as one (`2024-01-05`, `05/01/2024`,
/// `2024年1月5日`). Plain numbers could be Excel serials or Unix seconds, but
/// also SKUs and ids, so they count as dates only under a date header.
fn written_date(field: &str) -> bool {
    let t = field.trim();
    !t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && value::parse_date(t, DateFormat::Auto).is_some()
}

/// Parses up to `max` non-blank records of the sample into owned fields.
fn sample_records(text: &str, delim: u8, is_complete: bool, max: usize) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    sniff::for_each_record(text, delim, is_complete, max, |out, ends| {
        let mut start = 0;
        let fields: Vec<String> = ends
            .iter()
            .map(|&end| {
                let field = String::from_utf8_lossy(&out[start..end]).into_owned();
                start = end;
                field
            })
            .collect();
        let keep = !is_blank(&fields);
        if keep {
            records.push(fields);
        }
        keep
    });
    records
}

/// `str::trim`, with a shortcut for the usual field that starts and ends
/// with a visible ASCII character (Unicode whitespace such as U+3000 is
/// still trimmed by the slow path).
fn trim_field(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&f), Some(&l)) if f > b' ' && f < 0x80 && l > b' ' && l < 0x80 => s,
        _ => s.trim(),
    }
}

fn is_blank<S: AsRef<str>>(fields: &[S]) -> bool {
    fields.iter().all(|f| trim_field(f.as_ref()).is_empty())
}

/// Splits text at its line breaks (`\n`, `\r\n` or a lone `\r`); a
/// final line break ends the last line rather than starting an empty one.
fn physical_lines(text: &[u8]) -> Vec<&[u8]> {
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
fn split_line(text: &str, delim: u8, expected: usize) -> Vec<String> {
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
#[derive(Debug, Default)]
struct SkipTally {
    groups: Vec<SkipGroup>,
}

impl SkipTally {
    fn add(&mut self, reason: SkipReason, line: u64, text: impl FnOnce() -> String) {
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

    fn total(&self) -> u64 {
        self.groups.iter().map(|g| g.count).sum()
    }
}

/// Cuts a text to [`report::MAX_EXAMPLE_CHARS`] characters.
fn cut(text: &str) -> String {
    match text.char_indices().nth(report::MAX_EXAMPLE_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// A row whose dates fit only one day/month order, kept so the final
/// decision can name the conflicting rows.
#[derive(Debug, Clone, Copy)]
struct AltDay {
    row: u32,
    /// The day under day-first order (`i32::MIN` when invalid that way).
    day_first: i32,
}

/// The streaming part: decoder, tokenizer and row handling.
#[derive(Debug)]
struct Stream {
    decoder: Decoder,
    encoding: &'static Encoding,
    bom: bool,
    had_invalid_bytes: bool,
    text: Vec<u8>,
    csv: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    out_len: usize,
    ends_len: usize,
    /// The physical line the tokenizer is on: 1 plus the line breaks
    /// consumed so far (`\n`, `\r\n` or a lone `\r`).
    line: u64,
    /// Whether the last byte consumed was a `\r`, so that a `\n` right
    /// after it (possibly in the next chunk) ends no further line.
    after_cr: bool,
    /// The line of the current record's first byte, once it was consumed.
    record_start: Option<u64>,
    /// Whether the last byte consumed was a line break.
    at_line_break: bool,
    header_seen: bool,
    /// Reused by every row for its field slices (always empty between rows).
    field_buf: Vec<&'static str>,
    /// Whether the tokenizer is between records, so lines may bypass it.
    at_record_start: bool,
    /// The tokenizer's input for the current record (capped at
    /// [`MAX_FIELD_BYTES`]), so that a record swallowed by a stray quote can
    /// be read again line by line.
    raw: Vec<u8>,
    /// Whether `raw` holds the whole current record.
    raw_complete: bool,
    /// Whether a row that is not valid UTF-8 may be decoded as Shift_JIS:
    /// UTF-8 was detected (not forced) from the first bytes.
    sjis_fallback: bool,
    /// The line of the header row.
    header_line: u64,
    /// After a repeated header with another column order: for each column
    /// of the first header, the index of the field that holds it.
    remap: Option<Vec<usize>>,
    plan: Plan,
    rows: Rows,
}

/// Row-level accumulators.
#[derive(Debug, Default)]
struct Rows {
    read: u64,
    builder: TransactionsBuilder,
    /// File line per pushed row.
    lines: Vec<u32>,
    /// Rows whose day-first reading differs from the month-first one.
    alt_days: Vec<AltDay>,
    evidence_day_first: u64,
    evidence_month_first: u64,
    evidence_ambiguous: u64,
    /// Raw text of the first rows that are only valid in one order, by line.
    order_examples: Vec<(u64, String)>,
    /// Raw text of the first reversal rows, by line.
    reversal_examples: Vec<(u64, String)>,
    summary: Vec<SummaryRecord>,
    skips: SkipTally,
    /// A hash of every order row; exact duplicates are counted in finish by
    /// sorting (8 bytes a row, no hash-set cache misses on the hot path).
    row_hashes: Vec<u64>,
    /// The last rows' hashes, to name example lines of nearby duplicates.
    recent_hashes: [u64; 32],
    duplicates: u64,
    duplicate_lines: Vec<u64>,
    zero_amounts: u64,
    zero_amount_lines: Vec<u64>,
    currencies: BTreeMap<String, u64>,
    large_fields: Vec<u64>,
    /// Repeated header lines, and whether each reordered the columns.
    repeated_headers: Vec<(u64, bool)>,
    /// Stray-quote runs: first line, last line, rows recovered, and
    /// whether the quote stayed open to the end of the file.
    runaway_quotes: Vec<(u64, u64, u64, bool)>,
    /// Rows of UTF-8 input with invalid bytes replaced by U+FFFD.
    invalid_rows: u64,
    invalid_lines: Vec<u64>,
    /// Rows decoded as Shift_JIS in a file detected as UTF-8.
    sjis_rows: u64,
    sjis_lines: Vec<u64>,
    /// Rows whose customer id held invisible characters or decomposed
    /// accents.
    normalized_ids: u64,
    normalized_id_lines: Vec<u64>,
    /// What the amount column says about its dots.
    decimal: DecimalEvidence,
    /// Reusable buffers.
    order_buf: String,
    /// The previous row's order id and its carried-forward fields (Shopify
    /// writes order-level fields on an order's first row only).
    carry: Carry,
}

/// The shapes of dotted amounts over the whole column, to decide whether a
/// dot is a decimal point or groups thousands (`12.990`).
#[derive(Debug, Default)]
struct DecimalEvidence {
    /// Amounts with one dot followed by exactly three digits: `12.990`.
    dot3: u64,
    dot3_lines: Vec<u64>,
    /// Rows (in the store) whose amount had that shape.
    dot3_rows: Vec<u32>,
    /// Amounts with several dot groups of three digits: `1.234.567`.
    groups: u64,
    groups_lines: Vec<u64>,
    /// Amounts with one dot followed by other than three digits: `12.99`.
    decimal_point: u64,
    /// Amounts in yen (a symbol or the currency column), which has no
    /// minor unit.
    yen: u64,
}

/// The shape of a dotted number: its dots as decimal point or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DotShape {
    /// One dot, then exactly three digits.
    Three,
    /// Several dots, each followed by exactly three digits.
    Groups,
    /// One dot followed by other than three digits.
    Point,
    /// No dot, a comma as well, or anything else.
    Other,
}

fn dot_shape(field: &str) -> DotShape {
    let b = field.as_bytes();
    if memchr::memchr(b'.', b).is_none() || memchr::memchr(b',', b).is_some() {
        return DotShape::Other;
    }
    let (mut dots, mut all_three) = (0, true);
    for pos in memchr::memchr_iter(b'.', b) {
        dots += 1;
        let digits = b[pos + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let before = pos > 0 && b[pos - 1].is_ascii_digit();
        if digits != 3 || !before {
            all_three = false;
        }
    }
    match (dots, all_three) {
        (1, true) => DotShape::Three,
        (_, true) => DotShape::Groups,
        (1, false) => DotShape::Point,
        _ => DotShape::Other,
    }
}

/// Parses an amount with the plan's decimal separator, noting the field's
/// dot shape while the separator is still open. `1.234.567` cannot be read
/// with a decimal dot; until an amount such as `12.99` shows a decimal dot,
/// its only reading (dots group thousands) is used.
/// `dot3` is set for `12.990`, whose value may be scaled in `finish`.
fn read_money(
    field: &str,
    plan: &Plan,
    evidence: &mut DecimalEvidence,
    line: u64,
    dot3: &mut bool,
) -> Option<value::Amount> {
    let parsed = value::parse_amount(field, plan.decimal);
    // One decimal dot decides the column (`finish` keeps the dot), so the
    // rest of it needs no look.
    if !plan.decimal_open || evidence.decimal_point > 0 {
        return parsed;
    }
    match dot_shape(field) {
        DotShape::Three => {
            evidence.dot3 += 1;
            if evidence.dot3_lines.len() < report::MAX_EXAMPLES {
                evidence.dot3_lines.push(line);
            }
            *dot3 = parsed.is_some();
            parsed
        }
        DotShape::Groups => {
            let thousands = parsed.or_else(|| value::parse_amount(field, DecimalSep::Comma));
            if thousands.is_some() {
                evidence.groups += 1;
                if evidence.groups_lines.len() < report::MAX_EXAMPLES {
                    evidence.groups_lines.push(line);
                }
            }
            thousands
        }
        DotShape::Point => {
            evidence.decimal_point += 1;
            parsed
        }
        DotShape::Other => parsed,
    }
}

#[derive(Debug, Default)]
struct Carry {
    order: String,
    customer: String,
    date: String,
    time: String,
    status: String,
    currency: String,
}

impl Stream {
    fn new(detected: sniff::DetectedEncoding, plan: Plan, options: &IngestOptions) -> Stream {
        let _ = options;
        Stream {
            decoder: detected.encoding.new_decoder_without_bom_handling(),
            encoding: detected.encoding,
            bom: detected.bom_len > 0,
            had_invalid_bytes: false,
            text: Vec::new(),
            csv: csv_core::ReaderBuilder::new()
                .delimiter(plan.delimiter)
                .build(),
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
        }
    }

    /// Reserves the row columns for an input of `total` bytes, estimated
    /// from the rows read in its first `read` bytes (5% over, so a slightly
    /// longer tail does not regrow every column).
    fn reserve_for(&mut self, total: u64, read: u64) {
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
    }

    /// Decodes a chunk and handles every complete record in it.
    fn feed(&mut self, chunk: &[u8], last: bool) -> Result<()> {
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
                        ));
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

    /// The fast path: complete lines without quotes or lone carriage
    /// returns are split at the delimiter in place, without the tokenizer
    /// (for such lines csv-core would give the same fields). Returns the
    /// input left for the tokenizer. The tokenizer is not reset: right after
    /// a record it acts like a record start on any input, and a reset would
    /// re-arm its byte-order-mark skip, silently dropping a U+FEFF that starts
    /// a later line.
    fn simple_lines<'a>(&mut self, mut input: &'a [u8]) -> Result<&'a [u8]> {
        while let Some(nl) = memchr::memchr(b'\n', input) {
            let line = &input[..nl];
            let content = line.strip_suffix(b"\r").unwrap_or(line);
            if memchr::memchr2(b'"', b'\r', content).is_some() {
                break;
            }
            self.count_lines(&input[..=nl]);
            input = &input[nl + 1..];
            let end_line = self.line;
            let line = self.record_start.take().unwrap_or(end_line);
            let delimiter = self.plan.delimiter;
            let Ok(text) = std::str::from_utf8(content) else {
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
            fields.extend(text.split(delimiter as char));
            let result = self.fields_row(&fields, line, end_line, false);
            fields.clear();
            self.field_buf = fields.into_iter().map(|_| "").collect();
            result?;
        }
        Ok(input)
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
        let raw = || cut(&fields.join(&delim.to_string()));
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
            ));
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
        if rows.duplicate_lines.len() < report::MAX_EXAMPLES && rows.recent_hashes.contains(&hash) {
            rows.duplicate_lines.push(line);
        }
        rows.recent_hashes[rows.row_hashes.len() % 32] = hash;
        rows.row_hashes.push(hash);
    }

    fn basket_line(&mut self, fields: &[&str], line: u64, raw: impl Fn() -> String) {
        let order = self.rows.read.to_string();
        let mut any = false;
        for f in fields {
            let item = f.trim();
            if item.is_empty() {
                continue;
            }
            any = true;
            self.rows.builder.push(&Line {
                customer: None,
                order: &order,
                day: 0,
                amount: 0.0,
                item: Some(item),
                item_name: None,
                kind: LineKind::Sale,
                nps: None,
                group: None,
            });
            self.rows.lines.push(line as u32);
        }
        if !any {
            self.rows.skips.add(SkipReason::MissingItem, line, &raw);
        }
    }

    fn long_basket_row(&mut self, fields: &[&str], line: u64, raw: impl Fn() -> String) {
        let cols = self.plan.cols;
        let order = cols
            .order
            .and_then(|c| fields.get(c))
            .map_or("", |s| s.trim());
        let item = cols
            .item
            .and_then(|c| fields.get(c))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        let name = cols
            .item_name
            .and_then(|c| fields.get(c))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        if order.is_empty() {
            self.rows.skips.add(SkipReason::MissingOrder, line, &raw);
            return;
        }
        if item.is_none() && name.is_none() {
            self.rows.skips.add(SkipReason::MissingItem, line, &raw);
            return;
        }
        self.rows.builder.push(&Line {
            customer: None,
            order,
            day: 0,
            amount: 0.0,
            item,
            item_name: name,
            kind: LineKind::Sale,
            nps: None,
            group: None,
        });
        self.rows.lines.push(line as u32);
    }

    /// Reads one row of a summary file. A row whose numbers are missing
    /// (empty, `n/a`) is skipped; a row whose numbers cannot describe a
    /// customer is an error naming the line, as in lifetimes' input checks:
    /// non-finite or negative values, a frequency that is not a whole number,
    /// recency above T, recency without repeat purchases, or repeat purchases
    /// with recency 0 (a repeat falls in a later period than the first).
    fn summary_row(&mut self, fields: &[&str], line: u64, raw: impl Fn() -> String) -> Result<()> {
        let cols = self.plan.cols;
        let columns = &self.plan.columns;
        let decimal = self.plan.decimal;
        let num = |c: Option<usize>| -> Result<Option<f64>> {
            let Some((c, v)) = c.and_then(|c| fields.get(c).map(|v| (c, v.trim()))) else {
                return Ok(None);
            };
            let name = columns.get(c).map(String::as_str);
            if let Some(a) = value::parse_amount(v, decimal) {
                if a.value < 0.0 {
                    return Err(Error::input(
                        Some(line),
                        name,
                        format!("{v} is negative; summary values are counts and lengths of time"),
                    ));
                }
                return Ok(Some(a.value));
            }
            let word = v.trim_start_matches(['+', '-']).to_ascii_lowercase();
            if matches!(word.as_str(), "nan" | "inf" | "infinity") {
                return Err(Error::input(
                    Some(line),
                    name,
                    format!("\"{v}\" is not a finite number"),
                ));
            }
            Ok(None)
        };
        let (frequency, recency, t) = (num(cols.frequency)?, num(cols.recency)?, num(cols.t)?);
        let monetary_value = num(cols.monetary_value)?;
        let (Some(frequency), Some(recency), Some(t)) = (frequency, recency, t) else {
            self.rows.skips.add(SkipReason::BadSummaryRow, line, &raw);
            return Ok(());
        };
        let problem = if frequency.fract() != 0.0 {
            Some(format!(
                "frequency {frequency} is not a whole number of repeat purchases"
            ))
        } else if recency > t * (1.0 + 1e-9) + 1e-9 {
            Some(format!("recency {recency} is larger than T {t}"))
        } else if frequency == 0.0 && recency > 0.0 {
            Some(format!(
                "recency {recency} with frequency 0: without repeat purchases recency is 0"
            ))
        } else if frequency > 0.0 && recency == 0.0 {
            Some(format!(
                "frequency {frequency} with recency 0: repeat purchases fall after the first, so recency is above 0"
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(Error::input(
                Some(line),
                None,
                format!("{problem} (a summary row needs a whole frequency and 0 <= recency <= T)"),
            ));
        }
        let id = match cols.customer.and_then(|c| fields.get(c)) {
            Some(v) => {
                let (id, normalized) = value::normalize_id(v);
                if normalized {
                    self.rows.normalized_ids += 1;
                    if self.rows.normalized_id_lines.len() < report::MAX_EXAMPLES {
                        self.rows.normalized_id_lines.push(line);
                    }
                }
                id.into_owned()
            }
            None => self.rows.read.to_string(),
        };
        self.rows.summary.push(SummaryRecord {
            customer_id: id,
            frequency,
            recency,
            t,
            monetary_value,
        });
        Ok(())
    }

    fn transaction_row(&mut self, fields: &[&str], line: u64, raw: impl Fn() -> String) {
        let plan = &self.plan;
        let cols = plan.cols;
        let rows = &mut self.rows;
        if plan.has_header && fields.len() != plan.columns.len() {
            // A short row may only be missing trailing empty cells.
            let needed = [
                cols.customer,
                cols.order,
                cols.date,
                cols.amount,
                cols.unit_price,
                cols.item,
                cols.item_name,
            ]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0);
            if fields.len() > plan.columns.len() || needed >= fields.len() {
                rows.skips.add(SkipReason::WrongFieldCount, line, || {
                    format!(
                        "{} fields, expected {}: {}",
                        fields.len(),
                        plan.columns.len(),
                        raw()
                    )
                });
                return;
            }
        }
        let get = |c: Option<usize>| c.and_then(|c| fields.get(c)).map_or("", |s| trim_field(s));
        let order_field = get(cols.order);
        // Order-level fields left empty on an order's later rows inherit the
        // first row's values.
        let same_order = !order_field.is_empty() && order_field == rows.carry.order;
        let pick = |field: &'_ str, carried: &str, same: bool| -> (bool, String) {
            if field.is_empty() && same {
                (true, carried.to_owned())
            } else {
                (false, String::new())
            }
        };
        let customer_raw = get(cols.customer);
        let date_raw = get(cols.date);
        let time_raw = get(cols.time);
        let status_raw = get(cols.status);
        let currency_raw = get(cols.currency);
        let (c_inh, c_val) = pick(customer_raw, &rows.carry.customer, same_order);
        let (d_inh, d_val) = pick(date_raw, &rows.carry.date, same_order);
        let (t_inh, t_val) = pick(time_raw, &rows.carry.time, same_order);
        let (s_inh, s_val) = pick(status_raw, &rows.carry.status, same_order);
        let (cur_inh, cur_val) = pick(currency_raw, &rows.carry.currency, same_order);
        let customer_s: &str = if c_inh { &c_val } else { customer_raw };
        let date_s: &str = if d_inh { &d_val } else { date_raw };
        let time_s: &str = if t_inh { &t_val } else { time_raw };
        let status_s: &str = if s_inh { &s_val } else { status_raw };
        let currency_s: &str = if cur_inh { &cur_val } else { currency_raw };
        if !same_order && !order_field.is_empty() {
            rows.carry.order.clear();
            rows.carry.order.push_str(order_field);
            for (dst, src) in [
                (&mut rows.carry.customer, customer_s),
                (&mut rows.carry.date, date_s),
                (&mut rows.carry.time, time_s),
                (&mut rows.carry.status, status_s),
                (&mut rows.carry.currency, currency_s),
            ] {
                dst.clear();
                dst.push_str(src);
            }
        }

        // Date (and a separate time column).
        let Some(raw_date) = value::parse_date(date_s, plan.date_format) else {
            rows.skips.add(SkipReason::BadDate, line, &raw);
            return;
        };
        // A separate time column (Rakuten's 注文時間) is mapped and reported;
        // the analyses work on days, so it is not parsed.

        // Status.
        let meaning = if cols.status.is_some() {
            schema::status_meaning(plan.preset, status_s)
        } else {
            StatusMeaning::Sale
        };
        if meaning == StatusMeaning::Excluded {
            rows.skips.add(SkipReason::StatusExcluded, line, &raw);
            return;
        }

        // Quantity and amount.
        let quantity = match cols
            .quantity
            .map(|c| fields.get(c).map_or("", |s| trim_field(s)))
        {
            None | Some("") => 1.0,
            Some(q) => match value::parse_quantity(q) {
                Some(q) => q,
                None => {
                    rows.skips.add(SkipReason::BadQuantity, line, &raw);
                    return;
                }
            },
        };
        let mut currency = None;
        let mut dot3 = false;
        let amount_field = get(cols.amount);
        let mut amount = if cols.amount.is_some() {
            if amount_field.is_empty() && same_order {
                // An order total written on the first row only.
                0.0
            } else {
                match read_money(amount_field, plan, &mut rows.decimal, line, &mut dot3) {
                    Some(a) => {
                        currency = a.currency;
                        a.value
                    }
                    None => {
                        rows.skips.add(SkipReason::BadAmount, line, &raw);
                        return;
                    }
                }
            }
        } else if cols.unit_price.is_some() {
            match read_money(
                get(cols.unit_price),
                plan,
                &mut rows.decimal,
                line,
                &mut dot3,
            ) {
                Some(a) => {
                    currency = a.currency;
                    a.value * quantity
                }
                None => {
                    rows.skips.add(SkipReason::BadAmount, line, &raw);
                    return;
                }
            }
        } else {
            0.0
        };
        if let Some(rc) = cols.refunded {
            if let Some(r) = fields
                .get(rc)
                .and_then(|v| value::parse_amount(v, plan.decimal))
            {
                amount -= r.value.abs();
            }
        }

        // Order id: the column, or customer + date when there is none.
        let order: &str = if order_field.is_empty() {
            if cols.order.is_some() {
                rows.skips.add(SkipReason::MissingOrder, line, &raw);
                return;
            }
            rows.order_buf.clear();
            rows.order_buf.push_str(customer_s);
            rows.order_buf.push('\u{1f}');
            rows.order_buf.push_str(date_s);
            &rows.order_buf
        } else {
            order_field
        };

        let reversal = meaning == StatusMeaning::Reversal
            || (plan.c_invoices && order.starts_with(['C', 'c']))
            || quantity < 0.0
            || amount < 0.0;
        let kind = if reversal {
            LineKind::Reversal
        } else {
            LineKind::Sale
        };
        if reversal && rows.reversal_examples.len() < REVERSAL_EXAMPLES {
            // Kept so that a reversal left unmatched in finish can be shown.
            rows.reversal_examples.push((line, raw()));
        }
        if reversal && plan.returns == ReturnPolicy::Exclude {
            rows.skips.add(SkipReason::ReversalExcluded, line, &raw);
            return;
        }
        // Make reversals negative whatever sign the file used.
        let amount = if reversal { -amount.abs() } else { amount };

        // Whether this row's order-level amount repeats an earlier row's.
        let amount = if plan.amount_level == AmountLevel::Order
            && cols.amount.is_some()
            && rows.builder.has_order(order)
            && !reversal
        {
            0.0
        } else {
            amount
        };
        if amount == 0.0 && (cols.amount.is_some() || cols.unit_price.is_some()) && !same_order {
            rows.zero_amounts += 1;
            if rows.zero_amount_lines.len() < report::MAX_EXAMPLES {
                rows.zero_amount_lines.push(line);
            }
        }
        let cur_name = match currency {
            Some(c) => Some(format!("{c:?}").to_uppercase()),
            None if !currency_s.is_empty() => Some(currency_s.to_uppercase()),
            None => None,
        };
        if let Some(c) = cur_name {
            if plan.decimal_open && c == "JPY" {
                rows.decimal.yen += 1;
            }
            *rows.currencies.entry(c).or_insert(0) += 1;
        }

        let customer = if customer_s.is_empty() {
            None
        } else {
            let (id, normalized) = value::normalize_id(customer_s);
            if normalized {
                rows.normalized_ids += 1;
                if rows.normalized_id_lines.len() < report::MAX_EXAMPLES {
                    rows.normalized_id_lines.push(line);
                }
            }
            Some(id)
        };
        let item = get(cols.item);
        let item_name = get(cols.item_name);
        let item = (!item.is_empty()).then(|| value::clean_id(item));
        let nps = cols
            .nps
            .and_then(|c| fields.get(c))
            .and_then(|v| value::parse_nps(v));
        let group = get(cols.group);

        // Dates whose order is ambiguous are stored month-first; the day-first
        // reading is kept aside when it differs, and chosen in finish.
        let month_first = raw_date.day(DateOrder::MonthFirst);
        let day_first = raw_date.day(DateOrder::DayFirst);
        match raw_date.evidence() {
            OrderEvidence::None => {}
            OrderEvidence::Ambiguous => rows.evidence_ambiguous += 1,
            OrderEvidence::DayFirstOnly => {
                rows.evidence_day_first += 1;
                if rows.order_examples.len() < 2 * report::MAX_EXAMPLES {
                    rows.order_examples.push((line, raw()));
                }
            }
            OrderEvidence::MonthFirstOnly => {
                rows.evidence_month_first += 1;
                if rows.order_examples.len() < 2 * report::MAX_EXAMPLES {
                    rows.order_examples.push((line, raw()));
                }
            }
        }
        let (day, alt) = match (plan.date_format, month_first, day_first) {
            (_, Some(m), Some(d)) if m == d => (m, None),
            (_, Some(m), d) => (m, Some(d.unwrap_or(i32::MIN))),
            (_, None, Some(d)) => (i32::MIN, Some(d)),
            (_, None, None) => {
                rows.skips.add(SkipReason::BadDate, line, &raw);
                return;
            }
        };
        if let Some(day_first) = alt {
            rows.alt_days.push(AltDay {
                row: rows.builder.len() as u32,
                day_first,
            });
        }
        rows.builder.push(&Line {
            customer: customer.as_deref(),
            order,
            day,
            amount,
            item: item.as_deref(),
            item_name: (!item_name.is_empty()).then_some(item_name),
            kind,
            nps,
            group: (!group.is_empty()).then_some(group),
        });
        if dot3 {
            rows.decimal.dot3_rows.push(rows.builder.len() as u32 - 1);
        }
        rows.lines.push(line.min(u32::MAX as u64) as u32);
    }

    fn finish(mut self, options: &IngestOptions) -> Result<Ingested> {
        let mut warnings = Vec::new();
        if self.rows.invalid_rows > 0 {
            // UTF-8 input is decoded row by row, so the rows are known.
            warnings.push(Warning {
                code: WarningCode::InvalidBytes,
                message: format!(
                    "{} rows hold bytes that are not valid {}; they were replaced by \u{fffd}, so ids that differ only in those bytes became one",
                    self.rows.invalid_rows,
                    self.encoding.name()
                ),
                lines: self.rows.invalid_lines.clone(),
            });
        } else if self.had_invalid_bytes {
            warnings.push(Warning {
                code: WarningCode::InvalidBytes,
                message: format!(
                    "some bytes are not valid {}; they were replaced by \u{fffd}",
                    self.encoding.name()
                ),
                lines: Vec::new(),
            });
        }
        if self.rows.normalized_ids > 0 {
            warnings.push(Warning {
                code: WarningCode::NormalizedIds,
                message: format!(
                    "{} customer ids held invisible characters (zero-width spaces, direction marks) or decomposed accents; they were removed or composed (NFC), so ids that look the same are one customer",
                    self.rows.normalized_ids
                ),
                lines: self.rows.normalized_id_lines.clone(),
            });
        }
        if self.rows.sjis_rows > 0 {
            warnings.push(Warning {
                code: WarningCode::EncodingChanged,
                message: format!(
                    "the file starts in UTF-8 but {} rows are not valid UTF-8 and are valid Shift_JIS (first at line {}); the encoding changes part-way, and those rows were read as Shift_JIS",
                    self.rows.sjis_rows,
                    self.rows.sjis_lines.first().copied().unwrap_or(0)
                ),
                lines: self.rows.sjis_lines.clone(),
            });
        }
        for mut w in std::mem::take(&mut self.plan.header_warnings) {
            w.lines = vec![self.header_line];
            warnings.push(w);
        }
        for &(line, reordered) in self.rows.repeated_headers.iter().take(report::MAX_EXAMPLES) {
            warnings.push(Warning {
                code: WarningCode::RepeatedHeader,
                message: if reordered {
                    format!(
                        "line {line} repeats the header of line {} with its columns in another order; the rows after it were read by that order",
                        self.header_line
                    )
                } else {
                    format!(
                        "line {line} repeats the header of line {}; it was not read as a row",
                        self.header_line
                    )
                },
                lines: vec![line],
            });
        }
        for &(first, last, rows, open) in self.rows.runaway_quotes.iter().take(report::MAX_EXAMPLES)
        {
            let closed = if open {
                "is never closed".to_owned()
            } else {
                format!("is only closed on line {last}")
            };
            warnings.push(Warning {
                code: WarningCode::RunawayQuote,
                message: format!(
                    "a quote opened on line {first} {closed}, but the lines after it hold rows of their own; lines {first}-{last} were read one by one ({rows} rows): check the quote on line {first}"
                ),
                lines: vec![first, last],
            });
        }
        if self.encoding == encoding_rs::WINDOWS_1252 && options.encoding.is_none() {
            warnings.push(Warning {
                code: WarningCode::LegacyEncoding,
                message: "the file is neither UTF-8 nor Shift_JIS; it was read as Windows-1252 (Western European)".into(),
                lines: Vec::new(),
            });
        }
        if !self.rows.large_fields.is_empty() {
            warnings.push(Warning {
                code: WarningCode::LargeField,
                message: "some cells are larger than 1 MiB".into(),
                lines: self.rows.large_fields.clone(),
            });
        }
        if self.plan.has_header && !self.header_seen {
            return Err(Error::new(ErrorKind::Empty));
        }
        if self.rows.read == 0 {
            return Err(if self.plan.has_header {
                Error::no_usable_column("the file has a header but no data rows")
            } else {
                Error::new(ErrorKind::Empty)
            });
        }
        self.rows.duplicates = count_repeats(&mut self.rows.row_hashes);
        if self.rows.duplicates > 0 {
            warnings.push(Warning {
                code: WarningCode::DuplicateRows,
                message: format!(
                    "{} rows repeat an earlier row exactly; they were kept",
                    self.rows.duplicates
                ),
                lines: self.rows.duplicate_lines.clone(),
            });
        }
        let plan = self.plan.clone();
        let mut stats = IngestStats {
            duplicate_rows: self.rows.duplicates,
            ..IngestStats::default()
        };
        let mut date_order = None;
        let mut date_order_source = None;
        let data = match plan.kind {
            DataKind::Summary => {
                stats.customers = self.rows.summary.len() as u64;
                Dataset::Summary(std::mem::take(&mut self.rows.summary))
            }
            DataKind::Baskets => {
                let t = std::mem::take(&mut self.rows.builder).finish();
                stats.orders = t.orders().len() as u64;
                stats.items = t.items().len() as u64;
                stats.guest_rows = 0;
                Dataset::Baskets(t)
            }
            DataKind::Transactions => {
                let scale = self.decide_decimal(&mut warnings);
                let (order, source) = self.decide_date_order(options, &mut warnings);
                date_order = order;
                date_order_source = source;
                let t = self.build_transactions(
                    scale,
                    order.unwrap_or(DateOrder::MonthFirst),
                    options,
                    &mut warnings,
                    &mut stats,
                )?;
                Dataset::Transactions(t)
            }
        };
        let rows_skipped = self.rows.skips.total();
        let rows_used = self.rows.read - rows_skipped;
        if rows_used == 0 {
            let top = self
                .rows
                .skips
                .groups
                .iter()
                .max_by_key(|g| g.count)
                .map(|g| {
                    let ex = g.examples.first();
                    format!(
                        "all {} rows were skipped; most as {}{}",
                        self.rows.read,
                        g.reason.name(),
                        ex.map_or(String::new(), |e| format!(
                            ", first at line {}: {}",
                            e.line, e.text
                        ))
                    )
                })
                .unwrap_or_else(|| "no rows could be used".into());
            return Err(Error::no_usable_column(top.to_lowercase_first()));
        }
        if self.rows.zero_amounts > 0 {
            warnings.push(Warning {
                code: WarningCode::ZeroAmounts,
                message: format!("{} rows have a zero amount", self.rows.zero_amounts),
                lines: self.rows.zero_amount_lines.clone(),
            });
        }
        let mut currencies: Vec<(String, u64)> = self.rows.currencies.clone().into_iter().collect();
        currencies.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if currencies.len() > 1 {
            warnings.push(Warning {
                code: WarningCode::SeveralCurrencies,
                message: format!(
                    "amounts are in several currencies ({}); they are added as they are, without conversion",
                    currencies.iter().map(|(c, n)| format!("{c}: {n} rows")).collect::<Vec<_>>().join(", ")
                ),
                lines: Vec::new(),
            });
        }
        stats.currencies = currencies;
        if plan.kind == DataKind::Transactions
            && plan.cols.amount.is_none()
            && plan.cols.unit_price.is_none()
        {
            warnings.push(Warning {
                code: WarningCode::NoAmounts,
                message:
                    "no amount or price column: purchase counts are available but values are zero"
                        .into(),
                lines: Vec::new(),
            });
        }
        let report = IngestReport {
            rows_read: self.rows.read,
            rows_used,
            rows_skipped,
            skipped: std::mem::take(&mut self.rows.skips.groups),
            encoding: self.encoding.name().to_owned(),
            bom: self.bom,
            delimiter: plan.delimiter as char,
            quote: '"',
            has_header: plan.has_header,
            preset: plan.preset,
            kind: plan.kind,
            columns: plan.columns.clone(),
            mapping: plan.mapping.clone(),
            date_order,
            date_order_source,
            decimal: self.plan.decimal,
            warnings,
            stats,
        };
        Ok(Ingested { report, data })
    }

    /// Decides from the whole amount column whether a dot followed by three
    /// digits (`12.990`) groups thousands: yes when some amounts have
    /// several dot groups (`1.234.567`) or are in yen, and no amount has a
    /// dot followed by other than three digits. Then `12.990` is 12,990
    /// (the rows are scaled in `build_transactions`, and the report's
    /// decimal becomes a comma); when nothing decides it, it stays 12.99 with
    /// a warning. Returns whether to scale.
    fn decide_decimal(&mut self, warnings: &mut Vec<Warning>) -> bool {
        let e = &self.rows.decimal;
        if !self.plan.decimal_open || e.dot3 == 0 || e.decimal_point > 0 {
            return false;
        }
        let example_lines = |first: &[u64], second: &[u64]| {
            let mut lines: Vec<u64> = first.iter().chain(second).copied().collect();
            lines.sort_unstable();
            lines.truncate(report::MAX_EXAMPLES);
            lines
        };
        if e.groups > 0 || e.yen > 0 {
            let why = if e.groups > 0 {
                format!(
                    "{} amounts have several dot groups such as 1.234.567",
                    e.groups
                )
            } else {
                format!("{} amounts are in yen, which has no decimals", e.yen)
            };
            warnings.push(Warning {
                code: WarningCode::DotThousands,
                message: format!(
                    "{} amounts like 12.990 were read with the dot grouping thousands (12,990): {why}, and no amount has a decimal dot (set the decimal separator to change it)",
                    e.dot3
                ),
                lines: example_lines(&e.dot3_lines, &e.groups_lines),
            });
            self.plan.decimal = DecimalSep::Comma;
            return true;
        }
        warnings.push(Warning {
            code: WarningCode::AmbiguousDecimal,
            message: format!(
                "{} amounts like 12.990 have exactly three digits after the dot, and nothing in the column says whether the dot is a decimal point or groups thousands; they were read with a decimal point (12.99): set the decimal separator to comma if 12.990 means 12,990",
                e.dot3
            ),
            lines: example_lines(&e.dot3_lines, &[]),
        });
        false
    }

    /// Decides the day/month order of the date column from the whole column.
    fn decide_date_order(
        &self,
        options: &IngestOptions,
        warnings: &mut Vec<Warning>,
    ) -> (Option<DateOrder>, Option<DecisionSource>) {
        let r = &self.rows;
        let needs = r.evidence_ambiguous + r.evidence_day_first + r.evidence_month_first > 0
            || !r.alt_days.is_empty();
        if let Some(o) = options.date_order {
            return (Some(o), Some(DecisionSource::Override));
        }
        match self.plan.date_format {
            DateFormat::Dmy => return (Some(DateOrder::DayFirst), Some(DecisionSource::Override)),
            DateFormat::Mdy if self.plan.preset == Preset::Etsy => {
                return (Some(DateOrder::MonthFirst), Some(DecisionSource::Preset))
            }
            DateFormat::Mdy => {
                return (Some(DateOrder::MonthFirst), Some(DecisionSource::Override))
            }
            _ => {}
        }
        if !needs {
            return (None, None);
        }
        let (df, mf) = (r.evidence_day_first, r.evidence_month_first);
        if df > 0 && mf > 0 {
            let order = if df >= mf {
                DateOrder::DayFirst
            } else {
                DateOrder::MonthFirst
            };
            warnings.push(Warning {
                code: WarningCode::MixedDateOrder,
                message: format!(
                    "{df} dates are only valid day-first and {mf} only month-first; {} was used and the other rows were skipped",
                    if order == DateOrder::DayFirst { "day-first" } else { "month-first" }
                ),
                lines: r.order_examples.iter().map(|(l, _)| *l).collect(),
            });
            return (Some(order), Some(DecisionSource::Content));
        }
        if df > 0 {
            return (Some(DateOrder::DayFirst), Some(DecisionSource::Content));
        }
        if mf > 0 {
            return (Some(DateOrder::MonthFirst), Some(DecisionSource::Content));
        }
        warnings.push(Warning {
            code: WarningCode::AmbiguousDateOrder,
            message: format!(
                "all {} dates fit both day/month and month/day; month-first was used (set the date order to change it)",
                r.evidence_ambiguous
            ),
            lines: Vec::new(),
        });
        (Some(DateOrder::MonthFirst), Some(DecisionSource::Default))
    }

    /// Applies the date order, nets reversals and builds the store.
    fn build_transactions(
        &mut self,
        scale_dot3: bool,
        order: DateOrder,
        options: &IngestOptions,
        warnings: &mut Vec<Warning>,
        stats: &mut IngestStats,
    ) -> Result<Transactions> {
        let mut t = std::mem::take(&mut self.rows.builder).finish();
        let lines = std::mem::take(&mut self.rows.lines);
        if scale_dot3 {
            let rows = std::mem::take(&mut self.rows.decimal.dot3_rows);
            t.scale_amounts(rows.iter().map(|&r| r as usize), 1000.0);
        }
        if order == DateOrder::DayFirst {
            let alt = std::mem::take(&mut self.rows.alt_days);
            t.set_days(alt.iter().map(|a| (a.row as usize, a.day_first)));
        }
        // Rows whose date is invalid under the chosen order.
        let mut keep: Vec<bool> = t.day_col().iter().map(|&d| d != i32::MIN).collect();
        let examples: BTreeMap<u64, &String> = self
            .rows
            .order_examples
            .iter()
            .map(|(l, s)| (*l, s))
            .collect();
        for (i, k) in keep.iter().enumerate() {
            if !k {
                let line = lines[i] as u64;
                self.rows
                    .skips
                    .add(SkipReason::DateOrderConflict, line, || {
                        examples
                            .get(&line)
                            .map_or_else(String::new, |s| (*s).clone())
                    });
            }
        }
        // Net reversals against earlier orders.
        let unmatched = if options.returns == ReturnPolicy::Net {
            t.net_reversals(&keep)
        } else {
            Vec::new()
        };
        for i in unmatched {
            keep[i] = false;
            let line = lines[i] as u64;
            let text = self
                .rows
                .reversal_examples
                .iter()
                .find(|(l, _)| *l == line)
                .map_or_else(String::new, |(_, t)| t.clone());
            self.rows
                .skips
                .add(SkipReason::UnmatchedReversal, line, || text);
        }
        if let Some(today) = options.today.as_deref().and_then(parse_iso_day) {
            let future: Vec<usize> = (0..t.len())
                .filter(|&i| keep[i] && t.day_col()[i] > today)
                .collect();
            if !future.is_empty() {
                warnings.push(Warning {
                    code: WarningCode::FutureDates,
                    message: format!(
                        "{} rows are dated after today ({})",
                        future.len(),
                        format_day(today)
                    ),
                    lines: future
                        .iter()
                        .take(report::MAX_EXAMPLES)
                        .map(|&i| lines[i] as u64)
                        .collect(),
                });
            }
        }
        if let Some(warning) = outlying_dates(t.day_col(), &keep, &lines) {
            warnings.push(warning);
        }
        if keep.iter().any(|k| !k) {
            t.retain_rows(&keep);
        }
        let counts = t.counts();
        stats.customers = counts.customers;
        stats.orders = counts.orders;
        stats.items = counts.items;
        stats.guest_rows = counts.guest_rows;
        stats.reversal_rows = counts.reversal_rows;
        stats.total_amount = counts.total_amount;
        let non_positive = counts.non_positive_orders;
        if let Some((first, last)) = t.day_range() {
            stats.first_date = Some(format_day(first));
            stats.last_date = Some(format_day(last));
        }
        if non_positive > 0 {
            warnings.push(Warning {
                code: WarningCode::NonPositiveOrders,
                message: format!(
                    "{non_positive} orders are worth zero or less after returns; they do not count as purchases"
                ),
                lines: Vec::new(),
            });
        }
        Ok(t)
    }
}

/// A warning for the kept rows dated more than [`OUTLYING_DATE_YEARS`] from
/// the median kept date (`0001-01-01` or `9999-12-31` for 2024: a typo in the
/// year stretches every customer's age T, and with it the models), by
/// [`bulk_window`].
fn outlying_dates(days: &[i32], keep: &[bool], lines: &[u32]) -> Option<Warning> {
    let kept = days.iter().zip(keep).filter(|(_, &k)| k).map(|(&d, _)| d);
    let (low, high) = bulk_window(kept)?;
    let median = low + (high - low) / 2;
    let mut count = 0u64;
    let mut examples = Vec::new();
    for (i, (&day, &k)) in days.iter().zip(keep).enumerate() {
        if k && (day < low || day > high) {
            count += 1;
            if examples.len() < report::MAX_EXAMPLES {
                examples.push(lines.get(i).map_or(0, |&l| u64::from(l)));
            }
        }
    }
    (count > 0).then(|| Warning {
        code: WarningCode::OutlyingDates,
        message: format!(
            "{count} rows are dated more than {OUTLYING_DATE_YEARS} years away from most of the data (around {}): check the year; they were kept",
            &format_day(median)[..4]
        ),
        lines: examples,
    })
}

/// Counts values that repeat an earlier one (sorts `hashes`, then frees it).
fn count_repeats(hashes: &mut Vec<u64>) -> u64 {
    hashes.sort_unstable();
    let repeats = hashes.windows(2).filter(|w| w[0] == w[1]).count() as u64;
    *hashes = Vec::new();
    repeats
}

trait LowerFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowerFirst for String {
    fn to_lowercase_first(&self) -> String {
        let mut c = self.chars();
        match c.next() {
            Some(f) => f.to_lowercase().chain(c).collect(),
            None => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlying_dates_are_far_from_the_median_and_only_among_kept_rows() {
        let day = |y: i32, m: u32, d: u32| crate::days::days_from_civil(y, m, d);
        // (day, kept, flagged): a shop from 2015 to 2024, with typo years.
        let rows = [
            (day(2015, 1, 1), true, false),
            (day(2020, 6, 1), true, false),
            (day(2024, 12, 31), true, false),
            (day(2021, 1, 1), true, false),
            (day(2022, 1, 1), true, false),
            (day(1, 1, 1), true, true),
            (day(9999, 12, 31), true, true),
            (day(2200, 1, 1), false, false),
            (day(1995, 1, 1), true, true),
            (day(2004, 1, 1), true, false),
        ];
        let days: Vec<i32> = rows.iter().map(|r| r.0).collect();
        let keep: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let lines: Vec<u32> = (0..rows.len() as u32).map(|i| i + 2).collect();
        let w = outlying_dates(&days, &keep, &lines).expect("a warning");
        assert_eq!(w.code, WarningCode::OutlyingDates);
        let want: Vec<u64> = rows
            .iter()
            .zip(&lines)
            .filter(|(r, _)| r.2)
            .map(|(_, &l)| u64::from(l))
            .collect();
        assert_eq!(w.lines, want);
        assert!(
            w.message.starts_with("3 rows are dated more than 20 years"),
            "{}",
            w.message
        );
        // Nothing far away, or nothing kept: no warning.
        assert!(outlying_dates(&days[..5], &keep[..5], &lines[..5]).is_none());
        assert!(outlying_dates(&days, &[false; 10], &lines).is_none());
    }

    fn read(csv: &str) -> Result<Ingested> {
        ingest(csv.as_bytes(), &IngestOptions::default())
    }

    #[test]
    fn summary_rows_follow_lifetimes_rules() {
        // (row, Ok(frequency) or the error's start). The rules are those of
        // lifetimes' `_check_inputs` (recency <= T, whole frequencies) and of
        // its summary: a repeat falls in a later period than the first.
        let cases: [(&str, std::result::Result<f64, &str>); 9] = [
            ("a,2,30.43,38.86", Ok(2.0)),
            ("a,0,0,38.86", Ok(0.0)),
            ("a,3,1.5,2", Ok(3.0)),
            (
                "a,1,45,38.86",
                Err("line 2: recency 45 is larger than T 38.86"),
            ),
            ("a,0,5,10", Err("line 2: recency 5 with frequency 0")),
            ("a,2,0,10", Err("line 2: frequency 2 with recency 0")),
            (
                "a,1.5,3,10",
                Err("line 2: frequency 1.5 is not a whole number"),
            ),
            (
                "a,1,-3,10",
                Err("line 2, column \"recency\": -3 is negative"),
            ),
            (
                "a,1,3,NaN",
                Err("line 2, column \"T\": \"NaN\" is not a finite number"),
            ),
        ];
        for (row, want) in cases {
            let got = read(&format!("customer_id,frequency,recency,T\n{row}\n"));
            match (got, want) {
                (Ok(i), Ok(f)) => {
                    let Dataset::Summary(rows) = i.data else {
                        panic!("{row}: not a summary")
                    };
                    assert_eq!(rows[0].frequency, f, "{row}");
                }
                (Err(e), Err(start)) => {
                    assert!(e.to_string().starts_with(start), "{row}: {e}");
                }
                (got, want) => panic!("{row}: got {:?}, want {want:?}", got.map(|i| i.report)),
            }
        }
        // A missing value is a counted skip, not an error.
        let i = read("customer_id,frequency,recency,T\na,n/a,,3\nb,1,2,3\n").unwrap();
        assert_eq!((i.report.rows_read, i.report.rows_skipped), (2, 1));
    }

    #[test]
    fn dot_shapes() {
        for (field, want) in [
            ("12.990", DotShape::Three),
            ("¥12.990", DotShape::Three),
            ("1.249.000", DotShape::Groups),
            ("12.99", DotShape::Point),
            ("0.5", DotShape::Point),
            ("12.9900", DotShape::Point),
            ("1.234,56", DotShape::Other),
            ("990", DotShape::Other),
            (".990", DotShape::Point),
            ("1.23.456", DotShape::Other),
        ] {
            assert_eq!(dot_shape(field), want, "{field}");
        }
    }

    #[test]
    fn the_whole_amount_column_decides_the_dot() {
        // (amounts, decimal, total, warning)
        let cases: [(&[&str], DecimalSep, f64, Option<WarningCode>); 4] = [
            (
                &["12.990", "1.490", "990"],
                DecimalSep::Dot,
                12.99 + 1.49 + 990.0,
                Some(WarningCode::AmbiguousDecimal),
            ),
            (&["12.990", "12.50"], DecimalSep::Dot, 12.99 + 12.5, None),
            (
                &["¥12.990", "¥1.490"],
                DecimalSep::Comma,
                12_990.0 + 1_490.0,
                Some(WarningCode::DotThousands),
            ),
            (&["12.99", "3.50"], DecimalSep::Dot, 16.49, None),
        ];
        for (amounts, decimal, total, warning) in cases {
            let mut csv = String::from("customer_id,order_date,amount\n");
            for (i, a) in amounts.iter().enumerate() {
                csv.push_str(&format!("c{i},2024-01-0{},{a}\n", i + 1));
            }
            let r = read(&csv).unwrap().report;
            assert_eq!(r.decimal, decimal, "{amounts:?}");
            assert!(
                (r.stats.total_amount - total).abs() < 1e-9,
                "{amounts:?}: {}",
                r.stats.total_amount
            );
            let codes: Vec<WarningCode> = r.warnings.iter().map(|w| w.code).collect();
            let decimal_codes: Vec<WarningCode> = codes
                .into_iter()
                .filter(|c| matches!(c, WarningCode::AmbiguousDecimal | WarningCode::DotThousands))
                .collect();
            assert_eq!(
                decimal_codes,
                warning.into_iter().collect::<Vec<_>>(),
                "{amounts:?}"
            );
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
    fn inputs_that_are_not_tables() {
        for (sample, complete, want) in [
            ("[{\"a\": 1}]", true, Some("the file is JSON")),
            ("  {\"orders\": []}", true, Some("the file is JSON")),
            ("[Sale] tea,milk\n", true, None),
            ("customer,date\n", false, None),
            ("\n\n\n", false, Some("the first 256 KiB are blank lines")),
            (
                "a,b,c,d",
                false,
                Some("line 1: the first line is longer than 256 KiB"),
            ),
            ("a,b,c,d", true, None),
        ] {
            let got = not_a_table(sample, complete).err().map(|e| e.to_string());
            match want {
                None => assert_eq!(got, None, "{sample:?}"),
                Some(w) => assert!(
                    got.as_deref().is_some_and(|g| g.starts_with(w)),
                    "{sample:?}: {got:?}"
                ),
            }
        }
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
}
