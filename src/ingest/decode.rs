//! Row decoding: the fields of one record into a line of the store (order
//! lines, baskets) or a summary record, or a skip with its reason.

use super::detect::Plan;
use super::schema::{self, AmountLevel, StatusMeaning};
use super::stream::{AltDay, Stream};
use super::value::{self, DateOrder, DecimalSep, OrderEvidence};
use super::{report, trim_field, ReturnPolicy, SkipReason, SummaryRecord, REVERSAL_EXAMPLES};
use crate::error::{Error, Result};
use crate::transactions::{Line, LineKind};

/// The shapes of dotted amounts over the whole column, to decide whether a
/// dot is a decimal point or groups thousands (`12.990`).
#[derive(Debug, Default)]
pub(super) struct DecimalEvidence {
    /// Amounts with one dot followed by exactly three digits: `12.990`.
    pub(super) dot3: u64,
    pub(super) dot3_lines: Vec<u64>,
    /// Rows (in the store) whose amount had that shape.
    pub(super) dot3_rows: Vec<u32>,
    /// Amounts with several dot groups of three digits: `1.234.567`.
    pub(super) groups: u64,
    pub(super) groups_lines: Vec<u64>,
    /// Amounts with one dot followed by other than three digits: `12.99`.
    pub(super) decimal_point: u64,
    /// Amounts in yen (a symbol or the currency column), which has no
    /// minor unit.
    pub(super) yen: u64,
}

/// The shape of a dotted number: its dots as decimal point or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DotShape {
    /// One dot, then exactly three digits.
    Three,
    /// Several dots, each followed by exactly three digits.
    Groups,
    /// One dot followed by other than three digits.
    Point,
    /// No dot, a comma as well, or anything else.
    Other,
}

pub(super) fn dot_shape(field: &str) -> DotShape {
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
pub(super) fn read_money(
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
pub(super) struct Carry {
    pub(super) order: String,
    pub(super) customer: String,
    pub(super) date: String,
    pub(super) time: String,
    pub(super) status: String,
    pub(super) currency: String,
}

impl Stream {
    pub(super) fn basket_line(&mut self, fields: &[&str], line: u64, raw: impl Fn() -> String) {
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

    pub(super) fn long_basket_row(&mut self, fields: &[&str], line: u64, raw: impl Fn() -> String) {
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
    pub(super) fn summary_row(
        &mut self,
        fields: &[&str],
        line: u64,
        raw: impl Fn() -> String,
    ) -> Result<()> {
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

    pub(super) fn transaction_row(&mut self, fields: &[&str], line: u64, raw: impl Fn() -> String) {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, Dataset, IngestOptions, Ingested};

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
}
