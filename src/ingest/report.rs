//! The ingest report: what was read, what was used, what was skipped and why.
//!
//! Every run produces one. Its central invariant is that nothing is dropped
//! silently: `rows_read == rows_used + rows_skipped`, and every skipped row is
//! counted under exactly one [`SkipReason`].

use serde::{Deserialize, Serialize};

use super::schema::{Preset, Role};
use super::value::{DateOrder, DecimalSep};

/// How many example lines are kept per skip reason and per warning.
pub const MAX_EXAMPLES: usize = 5;
/// Raw text of an example line is cut to this many characters.
pub const MAX_EXAMPLE_CHARS: usize = 200;

/// The full account of one ingest run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IngestReport {
    /// Data rows read (the header row and blank lines are not rows).
    pub rows_read: u64,
    /// Rows that went into the data.
    pub rows_used: u64,
    /// Rows left out; the sum of `skipped[..].count`.
    pub rows_skipped: u64,
    /// Skipped rows grouped by reason, in order of first appearance.
    pub skipped: Vec<SkipGroup>,
    /// The detected (or forced) text encoding, e.g. "UTF-8", "Shift_JIS", "UTF-16LE".
    pub encoding: String,
    /// Whether the input started with a byte-order mark.
    pub bom: bool,
    /// The field delimiter.
    pub delimiter: char,
    /// The quote character.
    pub quote: char,
    /// Whether the first row was taken as a header.
    pub has_header: bool,
    /// The recognised export format.
    pub preset: Preset,
    /// What kind of data this is.
    pub kind: DataKind,
    /// Column names: from the header, or "column 1", "column 2", ... without one.
    pub columns: Vec<String>,
    /// Which column plays which role, and how that was decided.
    pub mapping: Vec<MappedColumn>,
    /// The day/month order used for ambiguous dates, when the date column needed one.
    pub date_order: Option<DateOrder>,
    /// How `date_order` was decided.
    pub date_order_source: Option<DecisionSource>,
    /// The decimal separator used for amounts.
    pub decimal: DecimalSep,
    /// Problems that did not stop the run.
    pub warnings: Vec<Warning>,
    /// Counts describing the data that was kept.
    pub stats: IngestStats,
}

/// Counts describing the kept data.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct IngestStats {
    /// Distinct customers (guests excluded).
    pub customers: u64,
    /// Distinct orders (baskets for basket files).
    pub orders: u64,
    /// Distinct items.
    pub items: u64,
    /// Rows without a customer id: kept for recommendations, left out of LTV.
    pub guest_rows: u64,
    /// Return, refund and cancellation rows netted against an earlier order.
    pub reversal_rows: u64,
    /// Rows that repeat an earlier row byte for byte (kept, but reported).
    pub duplicate_rows: u64,
    /// First order date (ISO), when the data has dates.
    pub first_date: Option<String>,
    /// Last order date (ISO), when the data has dates.
    pub last_date: Option<String>,
    /// Currencies seen, with their row counts, most common first.
    pub currencies: Vec<(String, u64)>,
    /// Sum of all kept amounts.
    pub total_amount: f64,
    /// The large orders left out by option
    /// ([`super::LargeOrderPolicy::Exclude`]); `None` (and absent from the
    /// JSON) when none were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub large_orders_left_out: Option<LeftOutOrders>,
}

/// Large orders left out by option, as they were before they went.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LeftOutOrders {
    /// The orders left out.
    pub orders: u64,
    /// Their lines, each counted as skipped ([`SkipReason::LargeOrder`]).
    pub rows: u64,
    /// The median purchase order's net value, with them.
    pub median_order: f64,
    /// The multiple of the median at which an order was left out.
    pub multiple: f64,
    /// Their net value.
    pub revenue: f64,
    /// Their share of all purchase orders' net value, with them.
    pub revenue_share: f64,
}

/// What kind of data the input holds.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    /// Order lines with customers and dates: everything is available.
    Transactions,
    /// A per-customer summary (frequency, recency, T): models only.
    Summary,
    /// Baskets without customers or dates: recommendations only.
    Baskets,
}

/// One column's role and how it was chosen.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MappedColumn {
    /// The role the column plays.
    pub role: Role,
    /// 0-based column index.
    pub index: usize,
    /// The column's name.
    pub name: String,
    /// How the role was decided.
    pub source: DecisionSource,
}

/// How a detection was decided.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DecisionSource {
    /// The recognised preset says so.
    Preset,
    /// The header name says so.
    Header,
    /// The column's content says so.
    Content,
    /// The caller said so.
    Override,
    /// Nothing decided it; a documented default was used.
    Default,
}

/// Rows skipped for one reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SkipGroup {
    /// Why.
    pub reason: SkipReason,
    /// How many rows.
    pub count: u64,
    /// The first few rows, with their line numbers and raw text.
    pub examples: Vec<Example>,
}

/// One example line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Example {
    /// 1-based line number in the file where the row starts.
    pub line: u64,
    /// The row as read (fields re-joined by the delimiter), cut to [`MAX_EXAMPLE_CHARS`].
    pub text: String,
}

/// Why a row was skipped.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The row has a different number of fields than the header.
    WrongFieldCount,
    /// The date field is empty or cannot be read as a date.
    BadDate,
    /// The date is valid only under the other day/month order than the column's.
    DateOrderConflict,
    /// The amount field cannot be read as an amount.
    BadAmount,
    /// The quantity field cannot be read as a number.
    BadQuantity,
    /// The order id is empty.
    MissingOrder,
    /// The item is empty in a basket-only file.
    MissingItem,
    /// The order's status says it did not happen (failed, voided, cancelled, pending).
    StatusExcluded,
    /// A return/refund/cancellation row, excluded by option.
    ReversalExcluded,
    /// A return/refund row with no earlier order of the same customer to net against.
    UnmatchedReversal,
    /// A quoted field was never closed; everything after it became one field.
    UnterminatedQuote,
    /// A summary-file row whose numbers are missing or inconsistent.
    BadSummaryRow,
    /// A totals row (合計, 小計, Total…): a label where the date belongs and
    /// the column sums, not an order.
    TotalsRow,
    /// A line of a large order, left out by option
    /// ([`super::LargeOrderPolicy::Exclude`]).
    LargeOrder,
}

impl SkipReason {
    /// The reason's snake_case name, as serialized (`"bad_date"`).
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::WrongFieldCount => "wrong_field_count",
            SkipReason::BadDate => "bad_date",
            SkipReason::DateOrderConflict => "date_order_conflict",
            SkipReason::BadAmount => "bad_amount",
            SkipReason::BadQuantity => "bad_quantity",
            SkipReason::MissingOrder => "missing_order",
            SkipReason::MissingItem => "missing_item",
            SkipReason::StatusExcluded => "status_excluded",
            SkipReason::ReversalExcluded => "reversal_excluded",
            SkipReason::UnmatchedReversal => "unmatched_reversal",
            SkipReason::UnterminatedQuote => "unterminated_quote",
            SkipReason::BadSummaryRow => "bad_summary_row",
            SkipReason::TotalsRow => "totals_row",
            SkipReason::LargeOrder => "large_order",
        }
    }
}

/// A problem that did not stop the run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Warning {
    /// A stable code, e.g. "ambiguous_date_order".
    pub code: WarningCode,
    /// A plain-language explanation with the numbers involved.
    pub message: String,
    /// Example lines, when the warning is about rows.
    pub lines: Vec<u64>,
}

/// The stable codes of [`Warning`].
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// Every date fits both day-first and month-first; a default was used.
    AmbiguousDateOrder,
    /// Some dates are only valid day-first and others only month-first.
    MixedDateOrder,
    /// More than one currency appears.
    SeveralCurrencies,
    /// Dates after the given "today".
    FutureDates,
    /// Dates more than [`crate::days::OUTLYING_DATE_YEARS`] years from the
    /// median date: most likely a typo in the year.
    OutlyingDates,
    /// Rows with a zero amount.
    ZeroAmounts,
    /// Rows that repeat an earlier row exactly.
    DuplicateRows,
    /// The encoding was guessed as a legacy single-byte code page.
    LegacyEncoding,
    /// Bytes that are invalid in the detected encoding were replaced.
    InvalidBytes,
    /// The file has no amount column: values are counted as zero.
    NoAmounts,
    /// Orders whose net value after returns is zero or negative.
    NonPositiveOrders,
    /// A row's cell is very large.
    LargeField,
    /// The header line appears again further down (two exports pasted
    /// together); the rows after it are read by its column order.
    RepeatedHeader,
    /// Two header cells have the same name; the first of them is used.
    DuplicateColumns,
    /// A quote opened in one line ran over several lines that hold rows of
    /// their own (a stray `"`); each of those lines was read as a row.
    RunawayQuote,
    /// Rows after the detection window are not valid UTF-8 but are valid
    /// Shift_JIS: the file changes encoding part-way, and those rows were
    /// decoded as Shift_JIS.
    EncodingChanged,
    /// Ids held invisible characters (zero-width spaces, bidirectional
    /// controls) or decomposed accents; they were removed or composed (NFC).
    NormalizedIds,
    /// Rows without a customer id (a member id left empty by a guest
    /// checkout) whose e-mail address identified the customer.
    EmailIds,
    /// Customer e-mail addresses held capital letters: addresses are one
    /// customer whatever their case, so they were lower-cased.
    CaseFoldedEmails,
    /// The customer column holds phone numbers (a file with no customer id
    /// or e-mail column): customers are told apart by the number's digits.
    CustomersByPhone,
    /// The customer column holds names (no id, e-mail or phone column):
    /// customers are told apart by their name (two people of one name are
    /// one customer).
    CustomersByName,
    /// Lines above the header (a title, an export date) that are not part of
    /// the table; they were passed over.
    TitleRows,
    /// Rows held only delimiters (`,,,`), as a spreadsheet saves formatted
    /// empty rows; they hold no order and were passed over.
    EmptyRows,
    /// Every dotted amount has exactly three digits after the dot, so the dot
    /// could group thousands; nothing in the column decided it.
    AmbiguousDecimal,
    /// The whole amount column showed that the dot groups thousands
    /// (several dot groups, or yen amounts); amounts were read that way.
    DotThousands,
    /// The order column holds numbers a spreadsheet rewrote in scientific
    /// notation (`1.23457E+11`), so different orders share one; it was not
    /// used, and each customer's lines of one day count as one order.
    RoundedOrderIds,
    /// The customer column holds numbers a spreadsheet rewrote in scientific
    /// notation, so different customers may share one id and count as one.
    RoundedCustomerIds,
    /// Large orders were left out by option
    /// ([`super::LargeOrderPolicy::Exclude`]); every figure is without them.
    LargeOrdersExcluded,
}
