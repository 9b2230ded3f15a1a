//! Row decoding: the fields of one record into a line of the store (order
//! lines, baskets) or a summary record, or a skip with its reason.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::detect::{CustomerKey, Plan};
use super::schema::{self, AmountLevel, StatusMeaning};
use super::stream::{AltDay, Rows, Stream};
use super::value::{self, DateOrder, DecimalSep, OrderEvidence};
use super::{report, trim_field, ReturnPolicy, SkipReason, SummaryRecord, REVERSAL_EXAMPLES};
use crate::error::{Error, ErrorCode, Result};
use crate::transactions::{same, Line, LineKind};

/// The shapes of dotted amounts over the whole column, to decide whether a
/// dot is a decimal point or groups thousands (`12.990`).
#[derive(Debug, Default, Serialize, Deserialize)]
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

/// The previous row's order id and its order-level fields, for the rows
/// after an order's first (Shopify writes them on the first row only).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Carry {
    pub(super) order: String,
    pub(super) customer: String,
    pub(super) date: String,
    pub(super) status: String,
    pub(super) currency: String,
    /// The first order id carried, so that a range read on its own can
    /// tell whether it starts inside the previous range's last order
    /// ([`super::split`]).
    pub(super) first_order: Option<String>,
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
                subscription: None,
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
            subscription: None,
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
                    )
                    .with_code(ErrorCode::SummaryNegative)
                    .param("value", v));
                }
                return Ok(Some(a.value));
            }
            let word = v.trim_start_matches(['+', '-']).to_ascii_lowercase();
            if matches!(word.as_str(), "nan" | "inf" | "infinity") {
                return Err(Error::input(
                    Some(line),
                    name,
                    format!("\"{v}\" is not a finite number"),
                )
                .with_code(ErrorCode::SummaryNotFinite)
                .param("value", v));
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
            )
            .with_code(ErrorCode::SummaryRowInconsistent)
            .param("frequency", frequency)
            .param("recency", recency)
            .param("t", t));
        }
        let id = match cols.customer.and_then(|c| fields.get(c)) {
            Some(v) => self.rows.customer_id(v, line).into_owned(),
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

    /// Reads one order line, step by step: the field count, the order-level
    /// fields (carried from an order's first row), the date, the status, the
    /// quantity and amount, the order id, whether it is a reversal, the
    /// customer and item, and the day. A step that cannot read its part
    /// skips the row with that reason; the steps after it do not run, while
    /// what the steps before it noted (decimal evidence, examples, counts)
    /// stays, as it always has.
    pub(super) fn transaction_row(&mut self, fields: &[&str], line: u64, raw: impl Fn() -> String) {
        let plan = &self.plan;
        let cols = plan.cols;
        let rows = &mut self.rows;
        if let Err(skip) = field_count(plan, fields) {
            rows.skips.add(SkipReason::WrongFieldCount, line, || {
                format!("{skip}: {}", raw())
            });
            return;
        }
        let get = |c: Option<usize>| c.and_then(|c| fields.get(c)).map_or("", |s| trim_field(s));
        let head = rows.carry.order_fields(
            get(cols.order),
            [
                get(cols.customer),
                get(cols.date),
                get(cols.status),
                get(cols.currency),
            ],
        );
        let Some(raw_date) = self.last_date.parse(&head.date, plan.date_format) else {
            // A spreadsheet's totals row (`合計,,,"¥4,800"`) has a label
            // and no date: named as such, not as a date that did not read.
            let date = get(cols.date);
            let totals = (date.is_empty() || is_totals_label(date))
                && fields.iter().any(|f| is_totals_label(f));
            let reason = if totals {
                SkipReason::TotalsRow
            } else {
                SkipReason::BadDate
            };
            rows.skips.add(reason, line, &raw);
            return;
        };
        // A separate time column (Rakuten's 注文時間) is mapped and reported;
        // the analyses work on days, so it is not parsed.
        let meaning = status(plan, &head.status);
        if meaning == StatusMeaning::Excluded {
            rows.skips.add(SkipReason::StatusExcluded, line, &raw);
            return;
        }
        let money = quantity(plan, fields).and_then(|quantity| {
            let money = amount(plan, fields, &head, quantity, &mut rows.decimal, line)?;
            Ok((quantity, money))
        });
        let (quantity, money) = match money {
            Ok(read) => read,
            Err(reason) => {
                rows.skips.add(reason, line, &raw);
                return;
            }
        };
        let Some(order) = order_id(plan, &head, &mut self.order_buf) else {
            rows.skips.add(SkipReason::MissingOrder, line, &raw);
            return;
        };
        let reversal = meaning == StatusMeaning::Reversal
            || (plan.c_invoices && order.starts_with(['C', 'c']))
            || quantity < 0.0
            || money.amount < 0.0;
        if reversal && rows.reversal_examples.len() < REVERSAL_EXAMPLES {
            // Kept so that a reversal left unmatched in finish can be shown.
            rows.reversal_examples.push((line, raw()));
        }
        if reversal && plan.returns == ReturnPolicy::Exclude {
            rows.skips.add(SkipReason::ReversalExcluded, line, &raw);
            return;
        }
        let amount = stored_amount(plan, rows, order, reversal, money.amount);
        rows.note_amount(plan, &money, &head, line);
        let customer = if !head.customer.is_empty() {
            let id = rows.customer_id(&head.customer, line);
            match cols.customer_key {
                CustomerKey::Id => Some(id),
                CustomerKey::Email => Some(rows.fold_email_case(id, line)),
                // A number or name that is no one's (`-`, `000-0000-0000`)
                // leaves the row a guest's, as an empty one does.
                CustomerKey::Phone => value::phone_key(&id).map(Cow::Owned),
                CustomerKey::Name => value::name_key(&id).map(Cow::Owned),
            }
        } else {
            // A guest checkout leaves the member id empty but still gives an
            // e-mail address: that identifies the customer, as it does in
            // the exports whose customer column is the address (BASE, Shopify).
            let email = get(cols.email);
            if email.is_empty() {
                None
            } else {
                rows.email_ids += 1;
                if rows.email_id_lines.len() < report::MAX_EXAMPLES {
                    rows.email_id_lines.push(line);
                }
                let id = rows.customer_id(email, line);
                Some(rows.fold_email_case(id, line))
            }
        };
        let item = get(cols.item);
        let item_name = get(cols.item_name);
        let item = (!item.is_empty()).then(|| value::clean_id(item));
        let nps = cols
            .nps
            .and_then(|c| fields.get(c))
            .and_then(|v| value::parse_nps(v));
        let group = get(cols.group);
        // The cell is read even when empty (empty: not 定期), so that a mapped
        // column makes a subscription column in the store.
        let subscription = cols
            .subscription
            .map(|c| schema::subscription_flag(fields.get(c).map_or("", |s| trim_field(s))));
        let Some((day, alt)) = rows.day(raw_date, line, &raw) else {
            rows.skips.add(SkipReason::BadDate, line, &raw);
            return;
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
            kind: if reversal {
                LineKind::Reversal
            } else {
                LineKind::Sale
            },
            nps,
            group: (!group.is_empty()).then_some(group),
            subscription,
        });
        // The customer's e-mail, kept once per customer (the last seen).
        if cols.email.is_some() {
            rows.builder.set_last_email(get(cols.email));
        }
        if money.dot3 {
            rows.decimal.dot3_rows.push(rows.builder.len() as u32 - 1);
        }
        rows.lines.push(line.min(u32::MAX as u64) as u32);
    }
}

/// The order-level fields of an order line, trimmed: those an order's later
/// rows leave empty are its first row's.
struct OrderFields<'a> {
    /// The order id as written (empty without an order column).
    order: &'a str,
    /// Whether the row continues the previous row's order.
    same_order: bool,
    customer: Cow<'a, str>,
    date: Cow<'a, str>,
    status: Cow<'a, str>,
    currency: Cow<'a, str>,
}

impl Carry {
    /// The order-level fields of a row (`[customer, date, status,
    /// currency]`) whose order id is `order`: on an order's later rows, an
    /// empty field is the order's first row's (Shopify writes them on the
    /// first row only). A row with a new order id becomes the one carried.
    fn order_fields<'a>(&mut self, order: &'a str, fields: [&'a str; 4]) -> OrderFields<'a> {
        let same_order = !order.is_empty() && same(order.as_bytes(), self.order.as_bytes());
        let [customer, date, status, currency] = fields;
        let inherit = |field: &'a str, carried: &str| -> Cow<'a, str> {
            if field.is_empty() && same_order {
                Cow::Owned(carried.to_owned())
            } else {
                Cow::Borrowed(field)
            }
        };
        let head = OrderFields {
            order,
            same_order,
            customer: inherit(customer, &self.customer),
            date: inherit(date, &self.date),
            status: inherit(status, &self.status),
            currency: inherit(currency, &self.currency),
        };
        if !same_order && !order.is_empty() {
            if self.first_order.is_none() {
                self.first_order = Some(order.to_owned());
            }
            self.order.clear();
            self.order.push_str(order);
            for (dst, src) in [
                (&mut self.customer, &head.customer),
                (&mut self.date, &head.date),
                (&mut self.status, &head.status),
                (&mut self.currency, &head.currency),
            ] {
                dst.clear();
                dst.push_str(src);
            }
        }
        head
    }
}

/// Checks a row's field count against the header's. A short row may only
/// be missing trailing empty cells; the error describes the count.
fn field_count(plan: &Plan, fields: &[&str]) -> std::result::Result<(), String> {
    let cols = plan.cols;
    if !plan.has_header || fields.len() == plan.columns.len() {
        return Ok(());
    }
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
        return Err(format!(
            "{} fields, expected {}",
            fields.len(),
            plan.columns.len()
        ));
    }
    Ok(())
}

/// What a row's status says it is: a sale without a status column.
fn status(plan: &Plan, status: &str) -> StatusMeaning {
    if plan.cols.status.is_some() {
        schema::status_meaning(plan.preset, status)
    } else {
        StatusMeaning::Sale
    }
}

/// The row's quantity: 1 without a quantity column or value.
fn quantity(plan: &Plan, fields: &[&str]) -> std::result::Result<f64, SkipReason> {
    match plan
        .cols
        .quantity
        .map(|c| fields.get(c).map_or("", |s| trim_field(s)))
    {
        None | Some("") => Ok(1.0),
        Some(q) => value::parse_quantity(q).ok_or(SkipReason::BadQuantity),
    }
}

/// A row's amount as read, before its sign and order level are applied.
struct Money {
    /// The amount column's value, or the unit price times the quantity,
    /// less the refunded column; 0 without either.
    amount: f64,
    /// The currency written with the amount.
    currency: Option<value::Currency>,
    /// Whether the amount was a `12.990` that `finish` may scale.
    dot3: bool,
}

/// Reads the row's amount: the amount column (empty on an order's later
/// rows when it holds the order total), else the unit price times the
/// quantity; then subtracts the refunded column.
fn amount(
    plan: &Plan,
    fields: &[&str],
    head: &OrderFields<'_>,
    quantity: f64,
    evidence: &mut DecimalEvidence,
    line: u64,
) -> std::result::Result<Money, SkipReason> {
    let cols = plan.cols;
    let get = |c: Option<usize>| c.and_then(|c| fields.get(c)).map_or("", |s| trim_field(s));
    let mut money = Money {
        amount: 0.0,
        currency: None,
        dot3: false,
    };
    let amount_field = get(cols.amount);
    if cols.amount.is_some() {
        if amount_field.is_empty() && head.same_order {
            // An order total written on the first row only.
        } else {
            let a = read_money(amount_field, plan, evidence, line, &mut money.dot3)
                .ok_or(SkipReason::BadAmount)?;
            money.currency = a.currency;
            money.amount = a.value;
        }
    } else if cols.unit_price.is_some() {
        let a = read_money(get(cols.unit_price), plan, evidence, line, &mut money.dot3)
            .ok_or(SkipReason::BadAmount)?;
        money.currency = a.currency;
        money.amount = a.value * quantity;
    }
    if let Some(rc) = cols.refunded {
        if let Some(r) = fields
            .get(rc)
            .and_then(|v| value::parse_amount(v, plan.decimal))
        {
            money.amount -= r.value.abs();
        }
    }
    Ok(money)
}

/// The row's order id: the column, or customer + date (in `buf`) when the
/// file has none. `None` when the column is there but empty. A phone number
/// or a name is its key (`090-1111-2222` and `09011112222` of one day are
/// one order, as they are one customer).
fn order_id<'a>(plan: &Plan, head: &'a OrderFields<'_>, buf: &'a mut String) -> Option<&'a str> {
    if !head.order.is_empty() {
        return Some(head.order);
    }
    if plan.cols.order.is_some() {
        return None;
    }
    buf.clear();
    let key = match plan.cols.customer_key {
        CustomerKey::Phone => value::phone_key(&value::clean_id(&head.customer)),
        CustomerKey::Name => value::name_key(&value::clean_id(&head.customer)),
        CustomerKey::Id | CustomerKey::Email => None,
    };
    buf.push_str(key.as_deref().unwrap_or(&head.customer));
    buf.push('\u{1f}');
    buf.push_str(&head.date);
    Some(buf)
}

/// The amount stored for a row: negative for a reversal whatever sign the
/// file used, and 0 when an order-level amount repeats an earlier row's.
fn stored_amount(plan: &Plan, rows: &Rows, order: &str, reversal: bool, amount: f64) -> f64 {
    let amount = if reversal { -amount.abs() } else { amount };
    if plan.amount_level == AmountLevel::Order
        && plan.cols.amount.is_some()
        && rows.builder.has_order(order)
        && !reversal
    {
        0.0
    } else {
        amount
    }
}

impl Rows {
    /// Counts a zero amount (outside an order's later rows) and the row's
    /// currency: the amount's symbol or code, else the currency column. The
    /// amount is the one written: an order total repeated on a later row is
    /// stored as 0 ([`stored_amount`]), but it is not a zero amount.
    fn note_amount(&mut self, plan: &Plan, money: &Money, head: &OrderFields<'_>, line: u64) {
        let cols = plan.cols;
        if money.amount == 0.0
            && (cols.amount.is_some() || cols.unit_price.is_some())
            && !head.same_order
        {
            self.zero_amounts += 1;
            if self.zero_amount_lines.len() < report::MAX_EXAMPLES {
                self.zero_amount_lines.push(line);
            }
        }
        let name = match money.currency {
            Some(c) => Some(format!("{c:?}").to_uppercase()),
            None if !head.currency.is_empty() => Some(head.currency.to_uppercase()),
            None => None,
        };
        if let Some(c) = name {
            if plan.decimal_open && c == "JPY" {
                self.decimal.yen += 1;
            }
            *self.currencies.entry(c).or_insert(0) += 1;
        }
    }

    /// A customer id without invisible characters and with composed
    /// accents, counting the rows whose id changed.
    /// An id that is an e-mail address, lower-cased when it has capital
    /// letters (counted): `Taro@Example.com` and `taro@example.com` reach
    /// one mailbox, so they are one customer. Only ASCII letters are
    /// folded (full-width ones were made ASCII by [`Self::customer_id`]).
    fn fold_email_case<'a>(&mut self, id: Cow<'a, str>, line: u64) -> Cow<'a, str> {
        if !id.bytes().any(|b| b.is_ascii_uppercase()) {
            return id;
        }
        self.case_folded_ids += 1;
        if self.case_folded_id_lines.len() < report::MAX_EXAMPLES {
            self.case_folded_id_lines.push(line);
        }
        Cow::Owned(id.to_ascii_lowercase())
    }

    fn customer_id<'a>(&mut self, field: &'a str, line: u64) -> Cow<'a, str> {
        let (id, normalized) = value::normalize_id(field);
        if normalized {
            self.normalized_ids += 1;
            if self.normalized_id_lines.len() < report::MAX_EXAMPLES {
                self.normalized_id_lines.push(line);
            }
        }
        id
    }

    /// The row's day, counting what its date says about the day/month
    /// order. A date whose order is ambiguous is stored month-first, with
    /// the day-first reading kept aside when it differs (`i32::MIN` when one
    /// reading is not a date), to be chosen in finish. `None` when neither
    /// reading is a date.
    fn day(
        &mut self,
        date: value::RawDate,
        line: u64,
        raw: impl Fn() -> String,
    ) -> Option<(i32, Option<i32>)> {
        let month_first = date.day(DateOrder::MonthFirst);
        let day_first = date.day(DateOrder::DayFirst);
        match date.evidence() {
            OrderEvidence::None => {}
            OrderEvidence::Ambiguous => self.evidence_ambiguous += 1,
            OrderEvidence::DayFirstOnly => {
                self.evidence_day_first += 1;
                if self.order_examples.len() < 2 * report::MAX_EXAMPLES {
                    self.order_examples.push((line, raw()));
                }
            }
            OrderEvidence::MonthFirstOnly => {
                self.evidence_month_first += 1;
                if self.order_examples.len() < 2 * report::MAX_EXAMPLES {
                    self.order_examples.push((line, raw()));
                }
            }
        }
        match (month_first, day_first) {
            (Some(m), Some(d)) if m == d => Some((m, None)),
            (Some(m), d) => Some((m, Some(d.unwrap_or(i32::MIN)))),
            (None, Some(d)) => Some((i32::MIN, Some(d))),
            (None, None) => None,
        }
    }
}

/// Whether a cell is a totals row's label: 合計, 総合計, 総計, 小計, 計,
/// Total(s), Grand total, Subtotal or Sum, in any case, with brackets or a
/// colon around it (`【合計】`, `合計：`).
fn is_totals_label(cell: &str) -> bool {
    let label = trim_field(cell)
        .trim_matches(|c: char| "[]【】()（）:：*＊ 　".contains(c))
        .to_lowercase();
    matches!(
        label.as_str(),
        "合計"
            | "総合計"
            | "総計"
            | "小計"
            | "計"
            | "total"
            | "totals"
            | "grand total"
            | "subtotal"
            | "sub total"
            | "sum"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, Dataset, IngestOptions, Ingested};

    #[test]
    fn totals_labels() {
        for (cell, want) in [
            ("合計", true),
            (" 合計 ", true),
            ("【合計】", true),
            ("合計：", true),
            ("総合計", true),
            ("小計", true),
            ("計", true),
            ("Total", true),
            ("GRAND TOTAL", true),
            ("Subtotal:", true),
            ("sum", true),
            ("合計金額", false),
            ("totally", false),
            ("", false),
            ("A1", false),
        ] {
            assert_eq!(is_totals_label(cell), want, "{cell:?}");
        }
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
}
