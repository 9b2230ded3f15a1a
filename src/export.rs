//! Helpers for files that users open in spreadsheets: the one rule for
//! formula injection, used by the CLI's CSV exports and, through the wasm
//! export `safeCell`, by the web app's.

use std::borrow::Cow;
use std::fmt::Write;

use crate::segments::{Segment, SegmentReport};
use crate::summary::Summary;
use crate::{Error, Result};

/// The leading characters that make a spreadsheet read a cell as a formula
/// (OWASP "CSV injection": `=`, `+`, `-`, `@`, tab, carriage return).
pub const FORMULA_LEADS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Neutralizes spreadsheet formula injection in a text cell: a value that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed
/// with a single quote, so Excel, Sheets and LibreOffice show it as text
/// instead of running it. Only a plain finite number is left as it is
/// (`-12.5`, `+3`, `-1e5`): digits, one sign, a decimal point and an
/// exponent, nothing else, so `-inf`, `+nan`, `-Infinity`, `-1e400` (which
/// Rust would parse) and `-2+3` are neutralized.
///
/// ```
/// use ltvlab::export::safe_cell;
/// assert_eq!(safe_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(safe_cell("-inf"), "'-inf");
/// assert_eq!(safe_cell("-12.5"), "-12.5");
/// assert_eq!(safe_cell("c@example.com"), "c@example.com");
/// ```
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_LEADS) && !is_plain_number(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The model's columns of [`customers_csv`], one value per customer of the
/// summary, in its order.
#[derive(Debug, Clone, Copy)]
pub struct ModelColumns<'a> {
    /// Probability that the customer is still active.
    pub p_alive: &'a [f64],
    /// Expected repeat purchases over the horizon.
    pub expected_purchases: &'a [f64],
    /// Expected value of each future purchase.
    pub expected_order_value: &'a [f64],
    /// Discounted lifetime value over the horizon.
    pub clv: &'a [f64],
    /// Each customer's next-order timing, when asked for.
    pub timing: Option<TimingColumns<'a>>,
}

/// Each customer's next-order timing ([`crate::customers::CustomerTiming`])
/// for [`customers_csv`]: `p_purchase_30d, p_purchase_90d` and, when the
/// summary has an observation end, `next_order_median, next_order_p10,
/// next_order_p90` as ISO dates (empty where the customer is more likely
/// gone than not), then `p_alive_30d, p_alive_90d, p_one_purchase_90d,
/// p_two_or_more_purchases_90d`.
#[derive(Debug, Clone, Copy)]
pub struct TimingColumns<'a> {
    /// Probability of at least one purchase in the next 30 days.
    pub p_purchase_30d: &'a [f64],
    /// Probability of at least one purchase in the next 90 days.
    pub p_purchase_90d: &'a [f64],
    /// Days from the observation end to the median next purchase (NaN: none).
    pub next_order_median_days: &'a [f64],
    /// The same for the 10th percentile.
    pub next_order_p10_days: &'a [f64],
    /// The same for the 90th percentile.
    pub next_order_p90_days: &'a [f64],
    /// Probability of still being a customer 30 days after the observation
    /// end.
    pub p_alive_30d: &'a [f64],
    /// The same 90 days after.
    pub p_alive_90d: &'a [f64],
    /// Probability of exactly one purchase in the next 90 days.
    pub p_one_purchase_90d: &'a [f64],
    /// Probability of two or more purchases in the next 90 days.
    pub p_two_or_more_purchases_90d: &'a [f64],
}

impl TimingColumns<'_> {
    /// The columns' names and values, in the CSV's order.
    fn named(&self) -> [(&'static str, &[f64]); 9] {
        [
            ("p_purchase_30d", self.p_purchase_30d),
            ("p_purchase_90d", self.p_purchase_90d),
            ("next_order_median", self.next_order_median_days),
            ("next_order_p10", self.next_order_p10_days),
            ("next_order_p90", self.next_order_p90_days),
            ("p_alive_30d", self.p_alive_30d),
            ("p_alive_90d", self.p_alive_90d),
            ("p_one_purchase_90d", self.p_one_purchase_90d),
            (
                "p_two_or_more_purchases_90d",
                self.p_two_or_more_purchases_90d,
            ),
        ]
    }

    /// The columns after the dates: the probabilities 30 and 90 days on.
    fn after_dates(&self) -> [&[f64]; 4] {
        [
            self.p_alive_30d,
            self.p_alive_90d,
            self.p_one_purchase_90d,
            self.p_two_or_more_purchases_90d,
        ]
    }
}

/// Owned [`TimingColumns`] from each customer's timing, in order: the
/// undefined percentiles as NaN.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimingRows {
    p_purchase_30d: Vec<f64>,
    p_purchase_90d: Vec<f64>,
    days: [Vec<f64>; 3],
    /// `p_alive_30d, p_alive_90d, p_one_purchase_90d,
    /// p_two_or_more_purchases_90d`.
    later: [Vec<f64>; 4],
}

impl TimingRows {
    /// The rows of `timing`.
    pub fn new(timing: &[crate::customers::CustomerTiming]) -> TimingRows {
        let day = |k: usize| -> Vec<f64> {
            timing
                .iter()
                .map(|t| t.next_order_days[k].unwrap_or(f64::NAN))
                .collect()
        };
        TimingRows {
            p_purchase_30d: timing.iter().map(|t| t.p_purchase_30d).collect(),
            p_purchase_90d: timing.iter().map(|t| t.p_purchase_90d).collect(),
            days: [day(0), day(1), day(2)],
            later: [
                timing.iter().map(|t| t.p_alive_30d).collect(),
                timing.iter().map(|t| t.p_alive_90d).collect(),
                timing.iter().map(|t| t.p_one_purchase_90d).collect(),
                timing
                    .iter()
                    .map(|t| t.p_two_or_more_purchases_90d)
                    .collect(),
            ],
        }
    }

    /// The columns, borrowed.
    pub fn columns(&self) -> TimingColumns<'_> {
        TimingColumns {
            p_purchase_30d: &self.p_purchase_30d,
            p_purchase_90d: &self.p_purchase_90d,
            next_order_median_days: &self.days[1],
            next_order_p10_days: &self.days[0],
            next_order_p90_days: &self.days[2],
            p_alive_30d: &self.later[0],
            p_alive_90d: &self.later[1],
            p_one_purchase_90d: &self.later[2],
            p_two_or_more_purchases_90d: &self.later[3],
        }
    }
}

/// Each customer's intervals from [`crate::bootstrap`], for
/// [`customers_csv`].
#[derive(Debug, Clone, Copy)]
pub struct IntervalColumns<'a> {
    /// Lower ends of the expected CLV's interval (parameter uncertainty).
    pub expected_clv_low: &'a [f64],
    /// Upper ends of the expected CLV's interval.
    pub expected_clv_high: &'a [f64],
    /// Lower ends of the value range (parameters and the purchase process).
    pub value_low: &'a [f64],
    /// Upper ends of the value range.
    pub value_high: &'a [f64],
}

/// The customers CSV, one layout for `ltvlab predict` and the app's
/// customer export: `customer_id` (then `email` when any customer has an
/// address), `orders, total_spend, first_purchase,
/// last_purchase, frequency, recency, T, monetary_value`, then with a model
/// `p_alive, expected_purchases, expected_order_value, clv,
/// expected_clv_low, expected_clv_high, value_low, value_high` (the interval
/// ends empty without `intervals`), then with the model's timing
/// ([`TimingColumns`]) `p_purchase_30d, p_purchase_90d, next_order_median,
/// next_order_p10, next_order_p90` (the dates only when the summary has an
/// observation end), `p_alive_30d, p_alive_90d, p_one_purchase_90d,
/// p_two_or_more_purchases_90d`. The order and
/// date columns are left out when no customer has them (a summary file).
///
/// Text cells go through [`safe_cell`] and are quoted when they hold a
/// comma, a quote or a line break (RFC 4180); numbers are written in the
/// shortest form that reads back exactly (`150`, `0.25`, `2.5e-12`),
/// non-finite ones as empty cells; lines end in CRLF. No BOM: a caller writing a file for Excel adds one.
///
/// # Errors
///
/// An [`crate::ErrorKind::Options`] error when a column's length is not the
/// number of customers.
pub fn customers_csv(
    summary: &Summary,
    model: Option<ModelColumns<'_>>,
    intervals: Option<IntervalColumns<'_>>,
) -> Result<String> {
    customers_csv_with_segments(summary, model, intervals, None)
}

/// Each customer's RFM segment and scores, for [`customers_csv_with_segments`]:
/// one entry per summary customer, `None` and 0 for a customer without one.
#[derive(Debug, Clone, Copy)]
pub struct SegmentColumns<'a> {
    /// The segment.
    pub segment: &'a [Option<Segment>],
    /// The recency score, 1 (longest ago) to 5.
    pub r: &'a [u8],
    /// The frequency score, 1 to 5.
    pub f: &'a [u8],
    /// The monetary score, 1 to 5.
    pub m: &'a [u8],
}

/// Each summary customer's segment and scores from a segment report's
/// per-customer rows (joined by id; a customer without a row has `None` and
/// 0), owned, for [`customers_csv_with_segments`] through
/// [`SegmentRows::columns`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentRows {
    /// The segment per summary row.
    pub segment: Vec<Option<Segment>>,
    /// The recency score per summary row.
    pub r: Vec<u8>,
    /// The frequency score per summary row.
    pub f: Vec<u8>,
    /// The monetary score per summary row.
    pub m: Vec<u8>,
}

impl SegmentRows {
    /// The rows of `report.customers` in `summary`'s order.
    pub fn new(summary: &Summary, report: &SegmentReport) -> SegmentRows {
        let n = summary.customers.len();
        let row: std::collections::HashMap<&str, usize> = summary
            .customers
            .iter()
            .enumerate()
            .map(|(i, c)| (c.customer_id.as_str(), i))
            .collect();
        let mut rows = SegmentRows {
            segment: vec![None; n],
            r: vec![0; n],
            f: vec![0; n],
            m: vec![0; n],
        };
        for c in &report.customers {
            if let Some(&i) = row.get(c.customer_id.as_str()) {
                rows.segment[i] = Some(c.segment);
                rows.r[i] = c.r;
                rows.f[i] = c.f;
                rows.m[i] = c.m;
            }
        }
        rows
    }

    /// The columns, borrowed.
    pub fn columns(&self) -> SegmentColumns<'_> {
        SegmentColumns {
            segment: &self.segment,
            r: &self.r,
            f: &self.f,
            m: &self.m,
        }
    }
}

/// The [`customers_csv`] layout with, when `segments` is given, four more
/// columns after the others: `segment` (its [`Segment::label`]), `r`, `f`
/// and `m` (the 1–5 scores; empty for a customer without a segment), then,
/// when the summary has dates, orders and spend, the A–E ranks `r_rank`,
/// `f_rank`, `m_rank` ([`crate::rfm_ranks::summary_ranks`]). The web app's
/// customer export and `ltvlab segments --csv`, so a merchant can filter the
/// file by segment and rank.
///
/// # Errors
///
/// As [`customers_csv`], and when a segment column's length is not the
/// number of customers.
pub fn customers_csv_with_segments(
    summary: &Summary,
    model: Option<ModelColumns<'_>>,
    intervals: Option<IntervalColumns<'_>>,
    segments: Option<SegmentColumns<'_>>,
) -> Result<String> {
    customers_csv_text(summary, model, intervals, segments, None)
}

/// Bytes of text [`write_customers_csv`] gathers before handing them on.
const PIECE_BYTES: usize = 64 * 1024;

/// The [`customers_csv_with_segments`] text handed to `sink` in order, in
/// pieces of about 64 KiB (whole rows; their concatenation is that text),
/// so that a caller writing it out never holds the whole text: on CDNOW's
/// 23,570 customers `ltvlab predict` touched 3.5 MB less memory.
///
/// # Errors
///
/// As [`customers_csv_with_segments`], before any piece is handed on.
pub fn write_customers_csv(
    summary: &Summary,
    model: Option<ModelColumns<'_>>,
    intervals: Option<IntervalColumns<'_>>,
    segments: Option<SegmentColumns<'_>>,
    sink: &mut dyn FnMut(&str),
) -> Result<()> {
    customers_csv_text(summary, model, intervals, segments, Some(sink)).map(drop)
}

/// The customers CSV: the whole text, or, with a `sink`, an empty string
/// after handing the text to it piece by piece.
fn customers_csv_text(
    summary: &Summary,
    model: Option<ModelColumns<'_>>,
    intervals: Option<IntervalColumns<'_>>,
    segments: Option<SegmentColumns<'_>>,
    mut sink: Option<&mut dyn FnMut(&str)>,
) -> Result<String> {
    let customers = &summary.customers;
    let n = customers.len();
    let mut lengths: Vec<(&str, usize)> = Vec::new();
    if let Some(m) = &model {
        lengths.extend([
            ("p_alive", m.p_alive.len()),
            ("expected_purchases", m.expected_purchases.len()),
            ("expected_order_value", m.expected_order_value.len()),
            ("clv", m.clv.len()),
        ]);
        if let Some(t) = &m.timing {
            lengths.extend(t.named().map(|(name, v)| (name, v.len())));
        }
    }
    if let Some(i) = &intervals {
        lengths.extend([
            ("expected_clv_low", i.expected_clv_low.len()),
            ("expected_clv_high", i.expected_clv_high.len()),
            ("value_low", i.value_low.len()),
            ("value_high", i.value_high.len()),
        ]);
    }
    if let Some(s) = &segments {
        lengths.extend([
            ("segment", s.segment.len()),
            ("r", s.r.len()),
            ("f", s.f.len()),
            ("m", s.m.len()),
        ]);
    }
    if let Some((name, len)) = lengths.into_iter().find(|&(_, len)| len != n) {
        return Err(Error::options(format!(
            "customers csv: column {name} has {len} values for {n} customers"
        )));
    }
    let dated = customers.iter().any(|c| c.orders.is_some());
    // The e-mail column only when the file has addresses: left out, not
    // written empty, otherwise.
    let emails = customers.iter().any(|c| c.email.is_some());
    let mut header = vec!["customer_id"];
    if emails {
        header.push("email");
    }
    if dated {
        header.extend(["orders", "total_spend", "first_purchase", "last_purchase"]);
    }
    header.extend(["frequency", "recency", "T", "monetary_value"]);
    if model.is_some() {
        header.extend([
            "p_alive",
            "expected_purchases",
            "expected_order_value",
            "clv",
            "expected_clv_low",
            "expected_clv_high",
            "value_low",
            "value_high",
        ]);
    }
    let timing = model.and_then(|m| m.timing);
    // The dates count from the observation end: without one (a summary
    // file), only the probabilities.
    let end_day = summary
        .observation_end
        .as_deref()
        .and_then(crate::days::parse_iso_day);
    let timing_names = timing.map(|t| t.named().map(|(name, _)| name));
    if let Some(names) = &timing_names {
        header.extend(&names[..if end_day.is_some() { 5 } else { 2 }]);
        header.extend(&names[5..]);
    }
    // The A–E ranks beside the segment, when the summary has the columns
    // they come from (not for a summary file).
    let ranks = segments.and_then(|_| crate::rfm_ranks::summary_ranks(summary));
    if segments.is_some() {
        header.extend(["segment", "r", "f", "m"]);
    }
    if ranks.is_some() {
        header.extend(["r_rank", "f_rank", "m_rank"]);
    }
    let mut out = header.join(",");
    out.push_str("\r\n");
    let header_len = out.len();
    for (i, c) in customers.iter().enumerate() {
        text_cell(&mut out, &c.customer_id);
        if emails {
            out.push(',');
            text_cell(&mut out, c.email.as_deref().unwrap_or(""));
        }
        if dated {
            out.push(',');
            if let Some(orders) = c.orders {
                out.push_str(itoa::Buffer::new().format(orders));
            }
            number_cell(&mut out, c.total_spend);
            out.push(',');
            text_cell(&mut out, c.first_purchase.as_deref().unwrap_or(""));
            out.push(',');
            text_cell(&mut out, c.last_purchase.as_deref().unwrap_or(""));
        }
        for v in [c.frequency, c.recency, c.t, c.monetary_value] {
            number_cell(&mut out, Some(v));
        }
        if let Some(m) = &model {
            for column in [
                m.p_alive,
                m.expected_purchases,
                m.expected_order_value,
                m.clv,
            ] {
                number_cell(&mut out, Some(column[i]));
            }
            number_cell(&mut out, intervals.map(|v| v.expected_clv_low[i]));
            number_cell(&mut out, intervals.map(|v| v.expected_clv_high[i]));
            number_cell(&mut out, intervals.map(|v| v.value_low[i]));
            number_cell(&mut out, intervals.map(|v| v.value_high[i]));
        }
        if let Some(t) = &timing {
            number_cell(&mut out, Some(t.p_purchase_30d[i]));
            number_cell(&mut out, Some(t.p_purchase_90d[i]));
            if let Some(end) = end_day {
                for days in [
                    t.next_order_median_days,
                    t.next_order_p10_days,
                    t.next_order_p90_days,
                ] {
                    out.push(',');
                    if let Some(day) = crate::customers::day_after(end, days[i]) {
                        out.push_str(&crate::days::format_day(day));
                    }
                }
            }
            for column in t.after_dates() {
                number_cell(&mut out, Some(column[i]));
            }
        }
        if let Some(s) = &segments {
            out.push(',');
            match s.segment[i] {
                Some(segment) => {
                    text_cell(&mut out, segment.label());
                    for score in [s.r[i], s.f[i], s.m[i]] {
                        let _ = write!(out, ",{score}");
                    }
                }
                None => out.push_str(",,,"),
            }
        }
        if let Some(ranks) = &ranks {
            for rank in ranks[i] {
                out.push(',');
                out.push_str(rank.letter());
            }
        }
        out.push_str("\r\n");
        if let Some(sink) = sink.as_mut() {
            // One piece's room, reused: the text never grows past it by
            // more than a row.
            if out.len() >= PIECE_BYTES {
                sink(&out);
                out.clear();
            } else if i == 0 {
                let _ = out.try_reserve(PIECE_BYTES + out.len());
            }
        } else if i == 0 {
            // Room for the other rows at the first one's length (capped: a
            // long id is not every row's) and a quarter more, so the text
            // is not copied at every doubling; without the memory it grows
            // as it fills.
            let row = (out.len() - header_len).min(1024);
            let _ = out.try_reserve((n - 1).saturating_mul(row + row / 4));
        }
    }
    match sink {
        Some(sink) => {
            if !out.is_empty() {
                sink(&out);
            }
            Ok(String::new())
        }
        None => Ok(out),
    }
}

/// One cell of a [`table_csv`]: text (through [`safe_cell`]) or a number.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum Cell {
    /// A number, written as [`customers_csv`] writes them (empty when not
    /// finite).
    Number(f64),
    /// Text, neutralised against formulas and quoted when needed.
    Text(String),
    /// An empty cell.
    Empty,
}

/// A CSV table in the crate's one layout (the web app's recommendation
/// export): the header, then one line per row; text cells through
/// [`safe_cell`] and quoted when they hold `,`, `"`, CR or LF; numbers as
/// [`customers_csv`] writes them; CRLF line ends, no BOM.
pub fn table_csv(header: &[String], rows: &[Vec<Cell>]) -> String {
    let mut out = String::new();
    let header: Vec<Cell> = header.iter().cloned().map(Cell::Text).collect();
    for row in std::iter::once(&header).chain(rows) {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match cell {
                Cell::Number(v) => number_text(&mut out, Some(*v)),
                Cell::Text(t) => text_cell(&mut out, t),
                Cell::Empty => {}
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// Appends a text cell: [`safe_cell`], quoted if it holds `,`, `"`, CR or LF.
fn text_cell(out: &mut String, value: &str) {
    let safe = safe_cell(value);
    if safe.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&safe.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&safe);
    }
}

/// Appends `,` and a number (empty when missing or not finite): whole
/// numbers without a decimal point, others in the shortest form that reads
/// back exactly, with an exponent when very small or large (`2.5e-12`), as
/// JavaScript writes them.
fn number_cell(out: &mut String, value: Option<f64>) {
    out.push(',');
    number_text(out, value);
}

/// Appends a number as [`number_cell`] writes it, without the separator.
///
/// The text is Rust's `{:?}` for `f64` (shortest round trip; an exponent
/// below 1e-4 and from 1e16), written by `itoa` and `ryu` where those give
/// the same bytes, and by `{:?}` elsewhere (a property test compares them):
/// `ryu` switches to an exponent below 1e-5 rather than 1e-4, and where two
/// shortest texts are equally near (`1268488276255469.25`: `.2` or `.3`) it
/// picks the even digit and `{:?}` the upper one. Such a tie needs a value
/// whose exact decimal has at most 18 digits, so few binary digits after
/// the point: those with at most 26 (`12.25`) go to `{:?}`.
/// (From 2^26 on every double has at most 26 binary digits after the
/// point. Whole numbers are found with casts: `f64::trunc` is a libm call.)
fn number_text(out: &mut String, value: Option<f64>) {
    let Some(v) = value.filter(|v| v.is_finite()) else {
        return;
    };
    let size = v.abs();
    if size < 1e15 && (v as i64) as f64 == v {
        out.push_str(itoa::Buffer::new().format(v as i64));
    } else if (1e-4..TWO_POW_26).contains(&size) && {
        let scaled = v * TWO_POW_26;
        (scaled as i64) as f64 != scaled
    } {
        out.push_str(ryu::Buffer::new().format_finite(v));
    } else {
        let _ = write!(out, "{v:?}");
    }
}

/// `2^26`: see [`number_text`].
const TWO_POW_26: f64 = 67_108_864.0;

/// Whether `value` is a finite number written with digits, an optional
/// leading sign, at most one decimal point and an optional exponent.
fn is_plain_number(value: &str) -> bool {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
    plain && value.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{CustomerSummary, Period};

    fn customer(id: &str, orders: Option<u32>) -> CustomerSummary {
        CustomerSummary {
            customer_id: id.to_owned(),
            frequency: 1.0,
            recency: 31.0,
            t: 40.5,
            monetary_value: 150.0,
            first_purchase: orders.map(|_| "2024-01-05".to_owned()),
            last_purchase: orders.map(|_| "2024-02-05".to_owned()),
            orders,
            total_spend: orders.map(|_| 0.1 + 0.2),
            email: None,
        }
    }

    fn summary(customers: Vec<CustomerSummary>) -> Summary {
        Summary {
            period: Period::Day,
            observation_end: None,
            customers,
            orders_after_end: 0,
            outlying_purchases: 0,
            guest_orders: 0,
            guest_revenue: 0.0,
            reversed_orders: 0,
            reversed_revenue: 0.0,
        }
    }

    #[test]
    fn customers_csv_has_one_layout() {
        let s = summary(vec![
            customer("=HYPERLINK(\"x\",\"y\")", Some(2)),
            customer("-inf", Some(1)),
        ]);
        let model = ModelColumns {
            p_alive: &[0.5, 1.0],
            expected_purchases: &[2.5e-12, f64::NAN],
            expected_order_value: &[10.0, 12.5],
            clv: &[3.0, 0.0],
            timing: None,
        };
        let got = customers_csv(&s, Some(model), None).unwrap();
        assert_eq!(
            got,
            "customer_id,orders,total_spend,first_purchase,last_purchase,frequency,recency,T,monetary_value,p_alive,expected_purchases,expected_order_value,clv,expected_clv_low,expected_clv_high,value_low,value_high\r\n\
             \"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",2,0.30000000000000004,2024-01-05,2024-02-05,1,31,40.5,150,0.5,2.5e-12,10,3,,,,\r\n\
             '-inf,1,0.30000000000000004,2024-01-05,2024-02-05,1,31,40.5,150,1,,12.5,0,,,,\r\n"
        );
        let intervals = IntervalColumns {
            expected_clv_low: &[1.0, 0.0],
            expected_clv_high: &[5.0, 0.5],
            value_low: &[0.0, 0.0],
            value_high: &[20.0, 2.0],
        };
        let with = customers_csv(&s, Some(model), Some(intervals)).unwrap();
        assert!(with.contains(",10,3,1,5,0,20\r\n"), "{with}");
        // A summary file: no order or date columns, and without a model no model columns.
        let plain = customers_csv(&summary(vec![customer("c1", None)]), None, None).unwrap();
        assert_eq!(
            plain,
            "customer_id,frequency,recency,T,monetary_value\r\nc1,1,31,40.5,150\r\n"
        );
        let short = ModelColumns {
            clv: &[1.0],
            ..model
        };
        assert_eq!(
            customers_csv(&s, Some(short), None)
                .unwrap_err()
                .to_string(),
            "invalid option: customers csv: column clv has 1 values for 2 customers"
        );
    }

    /// [`write_customers_csv`] hands on whole rows in pieces of about
    /// [`PIECE_BYTES`] that make up [`customers_csv`]'s text exactly (the
    /// last a short one), and nothing when a column has the wrong length.
    #[test]
    fn written_pieces_make_up_the_customers_csv() {
        let n = 4_000;
        let s = summary(
            (0..n)
                .map(|i| customer(&format!("customer-{i}"), Some(i % 7 + 1)))
                .collect(),
        );
        let values: Vec<f64> = (0..n).map(|i| f64::from(i) / 3.0).collect();
        let model = ModelColumns {
            p_alive: &values,
            expected_purchases: &values,
            expected_order_value: &values,
            clv: &values,
            timing: None,
        };
        let whole = customers_csv(&s, Some(model), None).unwrap();
        let mut pieces: Vec<String> = Vec::new();
        write_customers_csv(&s, Some(model), None, None, &mut |p| {
            pieces.push(p.to_owned())
        })
        .unwrap();
        assert_eq!(pieces.concat(), whole);
        assert!(pieces.len() > 2, "{} pieces", pieces.len());
        let (last, full) = pieces.split_last().unwrap();
        for piece in full {
            assert!(piece.ends_with("\r\n"));
            assert!((PIECE_BYTES..PIECE_BYTES + 1024).contains(&piece.len()));
        }
        assert!(last.ends_with("\r\n") && last.len() < PIECE_BYTES);
        let short = ModelColumns {
            clv: &values[1..],
            ..model
        };
        let mut handed = 0;
        assert!(write_customers_csv(&s, Some(short), None, None, &mut |_| handed += 1).is_err());
        assert_eq!(handed, 0);
    }

    /// The timing columns: probabilities as numbers, the percentiles as the
    /// observation end plus their days rounded to the nearest day, empty
    /// where undefined; without an observation end only the probabilities.
    #[test]
    fn customers_csv_has_the_timing_columns() {
        let timing = TimingColumns {
            p_purchase_30d: &[0.25, 0.0],
            p_purchase_90d: &[0.5, 0.125],
            next_order_median_days: &[40.4, f64::NAN],
            next_order_p10_days: &[2.6, f64::NAN],
            next_order_p90_days: &[f64::NAN, f64::NAN],
            p_alive_30d: &[0.75, 0.5],
            p_alive_90d: &[0.625, 0.25],
            p_one_purchase_90d: &[0.375, 0.125],
            p_two_or_more_purchases_90d: &[0.125, 0.0],
        };
        let model = ModelColumns {
            p_alive: &[0.5, 1.0],
            expected_purchases: &[1.0, 2.0],
            expected_order_value: &[10.0, 12.5],
            clv: &[3.0, 0.0],
            timing: Some(timing),
        };
        let mut s = summary(vec![customer("a", Some(2)), customer("b", Some(1))]);
        s.observation_end = Some("2024-03-01".to_owned());
        let got = customers_csv(&s, Some(model), None).unwrap();
        let lines: Vec<&str> = got.lines().collect();
        assert!(
            lines[0].ends_with(
                ",value_high,p_purchase_30d,p_purchase_90d,next_order_median,next_order_p10,next_order_p90,\
                 p_alive_30d,p_alive_90d,p_one_purchase_90d,p_two_or_more_purchases_90d"
            ),
            "{}",
            lines[0]
        );
        // 2024-03-01 + 40 days = 2024-04-10; + 3 days = 2024-03-04.
        assert!(
            lines[1].ends_with(",,,,,0.25,0.5,2024-04-10,2024-03-04,,0.75,0.625,0.375,0.125"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].ends_with(",,,,,0,0.125,,,,0.5,0.25,0.125,0"),
            "{}",
            lines[2]
        );
        s.observation_end = None;
        let got = customers_csv(&s, Some(model), None).unwrap();
        assert!(got.lines().next().unwrap().ends_with(
            ",value_high,p_purchase_30d,p_purchase_90d,\
             p_alive_30d,p_alive_90d,p_one_purchase_90d,p_two_or_more_purchases_90d"
        ));
        assert!(got
            .lines()
            .nth(1)
            .unwrap()
            .ends_with(",,,,,0.25,0.5,0.75,0.625,0.375,0.125"));
    }

    /// The segment columns follow the others; a customer without a segment
    /// has empty cells; a short column is an error, as for the model's.
    #[test]
    fn customers_csv_with_segments_adds_segment_and_scores() {
        let s = summary(vec![customer("a", Some(2)), customer("b", Some(1))]);
        let segments = SegmentColumns {
            segment: &[Some(Segment::CantLoseThem), None],
            r: &[2, 0],
            f: &[5, 0],
            m: &[4, 0],
        };
        let got = customers_csv_with_segments(&s, None, None, Some(segments)).unwrap();
        assert_eq!(
            got,
            "customer_id,orders,total_spend,first_purchase,last_purchase,frequency,recency,T,monetary_value,segment,r,f,m\r\n\
             a,2,0.30000000000000004,2024-01-05,2024-02-05,1,31,40.5,150,Can't lose them,2,5,4\r\n\
             b,1,0.30000000000000004,2024-01-05,2024-02-05,1,31,40.5,150,,,,\r\n"
        );
        // With the observation end, the A–E ranks follow (rfm_ranks'
        // rules: 29 days → R A; 2 orders → F D, 1 → F E; equal spend, the
        // first of two → M A, the second → M C).
        let mut dated = s.clone();
        dated.observation_end = Some("2024-03-05".to_owned());
        let got = customers_csv_with_segments(&dated, None, None, Some(segments)).unwrap();
        let lines: Vec<&str> = got.split("\r\n").collect();
        assert!(
            lines[0].ends_with(",segment,r,f,m,r_rank,f_rank,m_rank"),
            "{got}"
        );
        assert!(lines[1].ends_with(",Can't lose them,2,5,4,A,D,A"), "{got}");
        assert!(lines[2].ends_with(",,,,,A,E,C"), "{got}");
        let short = SegmentColumns {
            r: &[2],
            ..segments
        };
        assert_eq!(
            customers_csv_with_segments(&s, None, None, Some(short))
                .unwrap_err()
                .to_string(),
            "invalid option: customers csv: column r has 1 values for 2 customers"
        );
    }

    /// The e-mail column follows the id when any customer has an address
    /// (empty for one without), through the formula rule; without addresses
    /// it is left out, not written empty.
    #[test]
    fn customers_csv_has_email_only_when_the_file_has_one() {
        let mut with = summary(vec![customer("a", Some(2)), customer("b", Some(1))]);
        with.customers[0].email = Some("=HYPERLINK(\"x\")@example.jp".to_owned());
        let got = customers_csv(&with, None, None).unwrap();
        assert_eq!(
            got,
            "customer_id,email,orders,total_spend,first_purchase,last_purchase,frequency,recency,T,monetary_value\r\n\
             a,\"'=HYPERLINK(\"\"x\"\")@example.jp\",2,0.30000000000000004,2024-01-05,2024-02-05,1,31,40.5,150\r\n\
             b,,1,0.30000000000000004,2024-01-05,2024-02-05,1,31,40.5,150\r\n"
        );
        let without = summary(vec![customer("a", Some(2))]);
        let got = customers_csv(&without, None, None).unwrap();
        assert!(got.starts_with("customer_id,orders,"), "{got}");
        assert!(!got.contains("email"), "{got}");
    }

    /// Text is neutralised and quoted, numbers are written as in the
    /// customers CSV, empty cells stay empty.
    #[test]
    fn table_csv_has_the_one_cell_rules() {
        let rows = vec![
            vec![
                Cell::Text("=HYPERLINK(\"x\")".to_owned()),
                Cell::Number(3.0),
                Cell::Empty,
            ],
            vec![
                Cell::Text("a,b".to_owned()),
                Cell::Number(0.25),
                Cell::Number(f64::NAN),
            ],
        ];
        let header = ["id", "rank", "score"].map(str::to_owned);
        assert_eq!(
            table_csv(&header, &rows),
            "id,rank,score\r\n\"'=HYPERLINK(\"\"x\"\")\",3,\r\n\"a,b\",0.25,\r\n"
        );
    }

    #[test]
    fn neutralizes_formulas_only() {
        let cases = [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd", "'+cmd"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-2+3", "'-2+3"),
            ("-12.5", "-12.5"),
            ("+3", "+3"),
            ("-1e5", "-1e5"),
            ("13819", "13819"),
            ("c@example.com", "c@example.com"),
            // Rust parses these as numbers; a spreadsheet does not
            // (issue #13: the web export neutralized them, the CLI did not).
            ("-inf", "'-inf"),
            ("+nan", "'+nan"),
            ("-Infinity", "'-Infinity"),
            ("+NaN", "'+NaN"),
            ("-1e400", "'-1e400"),
            ("\t1", "'\t1"),
        ];
        for (input, want) in cases {
            assert_eq!(safe_cell(input), want, "{input:?}");
        }
    }

    /// The text of `number_text` before it used `itoa` and `ryu`.
    fn number_text_fmt(value: f64) -> String {
        match Some(value).filter(|v| v.is_finite()) {
            Some(v) if v == v.trunc() && v.abs() < 1e15 => format!("{}", v as i64),
            Some(v) => format!("{v:?}"),
            None => String::new(),
        }
    }

    #[test]
    fn numbers_are_written_as_core_fmt_writes_them() {
        // The edges of each branch: whole numbers up to 1e15, ryu from
        // 1e-4 (decimal up to 1e16, exponent from there), `{:?}` below.
        let edges = [
            0.0,
            -0.0,
            1e-4,
            1e-4 - 1e-20,
            0.000123456789,
            1e-5,
            9.99e-5,
            1e-300,
            5e-324,
            0.1 + 0.2,
            1e15 - 0.5,
            1e15,
            1e15 + 2.0,
            9.999999999999998e15,
            1e16,
            1.2345e20,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            -12.5,
            2.5e-12,
            // Ties between two shortest texts (`{:?}` rounds them up).
            1_268_488_276_255_469.0 + 0.25,
            1234.0 + 1.0 / 8192.0,
            0.1 + 1.0 / 67_108_864.0,
        ];
        for v in edges {
            for v in [v, -v] {
                let mut got = String::new();
                number_text(&mut got, Some(v));
                assert_eq!(got, number_text_fmt(v), "{v:e}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_double_is_written_as_core_fmt_writes_it(
            bits in proptest::num::u64::ANY,
            exponent in -15i32..51,
            fraction_bits in 27i32..40,
            scale in 0.0f64..1e7,
        ) {
            // Random bit patterns cover every exponent; a random mantissa
            // with an exponent of 2^-15..2^50 the range `ryu` writes (and
            // with 27..40 binary digits after the point the values nearest
            // those `{:?}` keeps); scaled ones the ordinary range of money
            // and probabilities.
            let mantissa = bits & ((1u64 << 52) - 1);
            let in_range = f64::from_bits((((1023 + exponent) as u64) << 52) | mantissa);
            let short = (bits >> 11) as f64 / 2f64.powi(fraction_bits);
            for v in [f64::from_bits(bits), in_range, short, scale, scale / 1e6, 1.0 / (scale + 1.0)] {
                let mut got = String::new();
                number_text(&mut got, Some(v));
                proptest::prop_assert_eq!(got, number_text_fmt(v), "{:e}", v);
            }
        }
    }
}
