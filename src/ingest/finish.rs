//! Finishing: the decisions that need the whole input (the decimal
//! separator of dotted amounts, the day/month order of dates), netting
//! reversals, and the dataset and report.

use std::collections::BTreeMap;

use super::detect::CustomerKey;
use super::stream::Stream;
use super::value::{DateFormat, DateOrder, DecimalSep};
use super::{
    format_day, report, DataKind, Dataset, DecisionSource, IngestOptions, IngestReport,
    IngestStats, Ingested, LargeOrderPolicy, LeftOutOrders, Preset, ReturnPolicy, SkipReason,
    Warning, WarningCode, OUTLYING_DATE_YEARS,
};
use crate::days::{bulk_range, parse_iso_day};
use crate::error::{Error, ErrorCode, ErrorKind, Result};
use crate::transactions::Transactions;

impl Stream {
    /// Ends the input: the warnings about how it was read, the dataset (with
    /// the decisions that need the whole input), and the report.
    pub(super) fn finish(mut self, options: &IngestOptions) -> Result<Ingested> {
        let mut warnings = self.reading_warnings(options);
        if self.plan.has_header && !self.header_seen {
            return Err(Error::new(ErrorKind::Empty));
        }
        if self.rows.read == 0 {
            return Err(if self.plan.has_header {
                Error::no_usable_column("the file has a header but no data rows")
                    .with_code(ErrorCode::HeaderOnly)
            } else {
                Error::new(ErrorKind::Empty)
            });
        }
        self.rows.duplicates = count_repeats(&mut self.rows.row_hashes);
        if self.rows.duplicates > 0 {
            warnings.push(Warning {
                code: WarningCode::DuplicateRows,
                message: counted(
                    self.rows.duplicates,
                    "row repeats an earlier row exactly; it was kept",
                    "rows repeat an earlier row exactly; they were kept",
                ),
                lines: self.rows.duplicate_lines.clone(),
            });
        }
        let mut stats = IngestStats {
            duplicate_rows: self.rows.duplicates,
            ..IngestStats::default()
        };
        let (data, date_order, date_order_source) =
            self.dataset(options, &mut warnings, &mut stats)?;
        let rows_skipped = self.rows.skips.total();
        let rows_used = self.rows.read - rows_skipped;
        if rows_used == 0 {
            return Err(self.nothing_used());
        }
        stats.currencies = self.amount_warnings(&mut warnings);
        let plan = &self.plan;
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

    /// Warnings about reading the input: bytes and encodings, ids, header
    /// lines, stray quotes and large cells.
    fn reading_warnings(&mut self, options: &IngestOptions) -> Vec<Warning> {
        let mut warnings = Vec::new();
        if self.rows.invalid_rows > 0 {
            // UTF-8 input is decoded row by row, so the rows are known.
            warnings.push(Warning {
                code: WarningCode::InvalidBytes,
                message: format!(
                    "{} that are not valid {}; they were replaced by \u{fffd}, so ids that differ only in those bytes became one",
                    counted(self.rows.invalid_rows, "row holds bytes", "rows hold bytes"),
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
                    "{} invisible characters (zero-width spaces, direction marks) or decomposed accents; they were removed or composed (NFC), so ids that look the same are one customer",
                    counted(self.rows.normalized_ids, "customer id held", "customer ids held")
                ),
                lines: self.rows.normalized_id_lines.clone(),
            });
        }
        if let Some(w) = self.contact_key_warning() {
            warnings.push(w);
        }
        if self.rows.case_folded_ids > 0 {
            warnings.push(Warning {
                code: WarningCode::CaseFoldedEmails,
                message: counted(
                    self.rows.case_folded_ids,
                    "row has a customer e-mail address with capital letters; addresses are one customer whatever their case (Taro@Example.com is taro@example.com), so it was lower-cased",
                    "rows have a customer e-mail address with capital letters; addresses are one customer whatever their case (Taro@Example.com is taro@example.com), so they were lower-cased",
                ),
                lines: self.rows.case_folded_id_lines.clone(),
            });
        }
        if let (Some(&first), Some(&last)) = (
            self.rows.preamble_lines.first(),
            self.rows.preamble_lines.last(),
        ) {
            let (lines, are, rows, they) = if first == last {
                (format!("line {first}"), "is", "a row", "it was")
            } else {
                (format!("lines {first}-{last}"), "are", "rows", "they were")
            };
            warnings.push(Warning {
                code: WarningCode::TitleRows,
                message: format!(
                    "{lines} above the header (line {}) {are} a title, not {rows} (\"{}\"); {they} passed over",
                    self.header_line, self.rows.preamble_text
                ),
                lines: self.rows.preamble_lines.clone(),
            });
        }
        if self.rows.empty_rows > 0 {
            warnings.push(Warning {
                code: WarningCode::EmptyRows,
                message: counted(
                    self.rows.empty_rows,
                    "row holds only empty fields; it holds no order and was passed over",
                    "rows hold only empty fields; they hold no order and were passed over",
                ),
                lines: self.rows.empty_row_lines.clone(),
            });
        }
        if self.rows.sjis_rows > 0 {
            warnings.push(Warning {
                code: WarningCode::EncodingChanged,
                message: format!(
                    "the file starts in UTF-8 but {} (first at line {}); the encoding changes part-way, and {} read as Shift_JIS",
                    counted(
                        self.rows.sjis_rows,
                        "row is not valid UTF-8 and is valid Shift_JIS",
                        "rows are not valid UTF-8 and are valid Shift_JIS"
                    ),
                    self.rows.sjis_lines.first().copied().unwrap_or(0),
                    if self.rows.sjis_rows == 1 { "that row was" } else { "those rows were" }
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
        warnings
    }

    /// The dataset of the plan's kind, with the date order decided for
    /// order lines (and its source).
    fn dataset(
        &mut self,
        options: &IngestOptions,
        warnings: &mut Vec<Warning>,
        stats: &mut IngestStats,
    ) -> Result<(Dataset, Option<DateOrder>, Option<DecisionSource>)> {
        Ok(match self.plan.kind {
            DataKind::Summary => {
                stats.customers = self.rows.summary.len() as u64;
                (
                    Dataset::Summary(std::mem::take(&mut self.rows.summary)),
                    None,
                    None,
                )
            }
            DataKind::Baskets => {
                let t = std::mem::take(&mut self.rows.builder).finish();
                stats.orders = t.order_count() as u64;
                stats.items = t.items().len() as u64;
                stats.guest_rows = 0;
                (Dataset::Baskets(t), None, None)
            }
            DataKind::Transactions => {
                let scale = self.decide_decimal(warnings);
                let (order, source) = self.decide_date_order(options, warnings);
                let t = self.build_transactions(
                    scale,
                    order.unwrap_or(DateOrder::MonthFirst),
                    options,
                    warnings,
                    stats,
                )?;
                (Dataset::Transactions(t), order, source)
            }
        })
    }

    /// The error when no row could be used: the most common skip reason and
    /// its first line.
    fn nothing_used(&self) -> Error {
        let group = self.rows.skips.groups.iter().max_by_key(|g| g.count);
        let top = group
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
        let err = Error::no_usable_column(top.to_lowercase_first())
            .with_code(ErrorCode::NoUsableRows)
            .param("rows", self.rows.read);
        match group {
            Some(g) => {
                let err = err.param("reason", g.reason.name());
                match g.examples.first() {
                    Some(e) => err.param("line", e.line),
                    None => err,
                }
            }
            None => err,
        }
    }

    /// Warnings about the amounts (zeros, several currencies, none at all);
    /// returns the currencies by row count, most used first.
    fn amount_warnings(&self, warnings: &mut Vec<Warning>) -> Vec<(String, u64)> {
        let plan = &self.plan;
        if self.rows.zero_amounts > 0 {
            warnings.push(Warning {
                code: WarningCode::ZeroAmounts,
                message: format!(
                    "{} (a free sample, or a test order to take out of the file)",
                    counted(
                        self.rows.zero_amounts,
                        "row has a zero amount; its order counts as a purchase",
                        "rows have a zero amount; their orders count as purchases",
                    )
                ),
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
        currencies
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
                    "{} only valid day-first and {mf} only month-first; {} was used and the other rows were skipped",
                    counted(df, "date is", "dates are"),
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
                "{} both day/month and month/day; month-first was used (set the date order to change it)",
                match r.evidence_ambiguous {
                    1 => "the only date fits".to_owned(),
                    n => format!("all {n} dates fit"),
                }
            ),
            lines: Vec::new(),
        });
        (Some(DateOrder::MonthFirst), Some(DecisionSource::Default))
    }

    /// The rows identified by their e-mail address for want of a customer
    /// id, and how many of those addresses were joined to a member.
    fn email_ids_warning(&self, joined: usize) -> Warning {
        let name = |c: Option<usize>| {
            c.and_then(|c| self.plan.columns.get(c))
                .map_or("", String::as_str)
        };
        let one = self.rows.email_ids == 1;
        let mut message =
            format!(
            "{} in \"{}\" but an e-mail address in \"{}\" ({}): the address identifies {} customer",
            counted(
                self.rows.email_ids,
                "row has no customer id",
                "rows have no customer id"
            ),
            name(self.plan.cols.customer),
            name(self.plan.cols.email),
            if one { "a guest checkout" } else { "guest checkouts" },
            if one { "its" } else { "their" },
        );
        match joined {
            0 => {}
            1 if one => message
                .push_str(", and that address belongs to a member, whose history the order joins"),
            1 => message.push_str(
                ", and 1 of those addresses belongs to a member, whose history those orders join",
            ),
            n => message.push_str(&format!(
                ", and {n} of those addresses belong to a member, whose history those orders join"
            )),
        }
        Warning {
            code: WarningCode::EmailIds,
            message,
            lines: self.rows.email_id_lines.clone(),
        }
    }

    /// Leaves out the large orders of `t` ([`crate::large_orders::find`],
    /// the rule of the report's note), each of their rows counted as skipped
    /// ([`SkipReason::LargeOrder`]); `lines` are `t`'s rows' line numbers.
    /// The warning and the stats say how many orders and how much revenue
    /// went; `None` when no order is large enough to leave out.
    fn exclude_large_orders(
        &mut self,
        t: &mut Transactions,
        lines: &[u32],
    ) -> Option<(Warning, LeftOutOrders)> {
        let set = crate::large_orders::find(t)?;
        let keep: Vec<bool> = t
            .order_col()
            .iter()
            .map(|&o| !set.large[o as usize])
            .collect();
        let mut examples = Vec::new();
        let mut rows = 0u64;
        for (i, _) in keep.iter().enumerate().filter(|(_, &k)| !k) {
            let line = u64::from(lines[i]);
            self.rows
                .skips
                .add(SkipReason::LargeOrder, line, String::new);
            rows += 1;
            if examples.len() < report::MAX_EXAMPLES {
                examples.push(line);
            }
        }
        t.retain_rows(&keep);
        t.mark_large_orders_left_out();
        let left_out = LeftOutOrders {
            orders: set.orders,
            rows,
            median_order: set.median,
            multiple: crate::large_orders::LARGE_ORDER_MULTIPLE,
            revenue: set.revenue,
            revenue_share: set.share,
        };
        let warning = Warning {
            code: WarningCode::LargeOrdersExcluded,
            message: format!(
                "{} large {} ({} times the median order of {} or more, {:.1}% of the revenue, {}) {} left out, as asked: every figure is without them",
                set.orders,
                if set.orders == 1 { "order" } else { "orders" },
                crate::large_orders::LARGE_ORDER_MULTIPLE,
                crate::large_orders::amount_text(set.median),
                100.0 * set.share,
                crate::large_orders::amount_text(set.revenue),
                if set.orders == 1 { "was" } else { "were" },
            ),
            lines: examples,
        };
        Some((warning, left_out))
    }

    /// How customers were told apart when the customer column holds phone
    /// numbers or names (a file with no customer id or e-mail column, or
    /// the caller's choice).
    fn contact_key_warning(&self) -> Option<Warning> {
        let plan = &self.plan;
        let column = plan.columns.get(plan.cols.customer?)?;
        let (code, message) = match plan.cols.customer_key {
            _ if plan.kind != DataKind::Transactions => return None,
            CustomerKey::Phone => (
                WarningCode::CustomersByPhone,
                format!(
                    "the customer column \"{column}\" holds phone numbers, not customer ids: customers are told apart by the number's digits, so 090-1234-5678 and 09012345678 are one customer; a number a household shares is one customer, and a row without a number (or with one such as 000-0000-0000) is a guest's"
                ),
            ),
            CustomerKey::Name => (
                WarningCode::CustomersByName,
                format!(
                    "the customer column \"{column}\" holds names, not customer ids: customers are told apart by their name without spaces or 様, so two customers with one name count as one, one customer who writes their name two ways counts as two, and a row without a name (or with one such as ゲスト or 店頭) is a guest's"
                ),
            ),
            CustomerKey::Id | CustomerKey::Email => return None,
        };
        Some(Warning {
            code,
            message,
            lines: Vec::new(),
        })
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
        if self.plan.cols.customer_key == CustomerKey::Email {
            self.rows.builder.set_emails_are_ids();
        }
        let mut t = std::mem::take(&mut self.rows.builder).finish();
        let lines = std::mem::take(&mut self.rows.lines);
        if self.rows.email_ids > 0 {
            let joined = t.join_email_customers();
            warnings.push(self.email_ids_warning(joined));
        }
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
                        "{} ({})",
                        counted(
                            future.len() as u64,
                            "row is dated after today",
                            "rows are dated after today"
                        ),
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
        if options.large_orders == LargeOrderPolicy::Exclude {
            let kept: Vec<u32> = lines
                .iter()
                .zip(&keep)
                .filter(|(_, &k)| k)
                .map(|(&l, _)| l)
                .collect();
            if let Some((warning, left_out)) = self.exclude_large_orders(&mut t, &kept) {
                warnings.push(warning);
                stats.large_orders_left_out = Some(left_out);
            }
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
                message: counted(
                    non_positive,
                    "order is worth zero or less after returns; it does not count as a purchase",
                    "orders are worth zero or less after returns; they do not count as purchases",
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
/// [`bulk_range`].
pub(super) fn outlying_dates(days: &[i32], keep: &[bool], lines: &[u32]) -> Option<Warning> {
    let kept = days.iter().zip(keep).filter(|(_, &k)| k).map(|(&d, _)| d);
    let (low, high) = bulk_range(kept)?.outside?;
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
            "{} more than {OUTLYING_DATE_YEARS} years away from most of the data (around {}): check the year; {} kept",
            counted(count, "row is dated", "rows are dated"),
            &format_day(median)[..4],
            if count == 1 { "it was" } else { "they were" }
        ),
        lines: examples,
    })
}

/// A warning's count with the words after it: `one` for a count of 1 (`1
/// row is dated`), `many` otherwise (`3 rows are dated`).
fn counted(n: u64, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// Counts values that repeat an earlier one (sorts `hashes`, then frees it).
pub(super) fn count_repeats(hashes: &mut Vec<u64>) -> u64 {
    hashes.sort_unstable();
    let repeats = hashes.windows(2).filter(|w| w[0] == w[1]).count() as u64;
    *hashes = Vec::new();
    repeats
}

pub(super) trait LowerFirst {
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
    use crate::ingest::{ingest, IngestOptions, Ingested, LargeOrderPolicy};

    /// A warning's count agrees with its noun and verb: singular for 1
    /// only (0 is plural in English).
    #[test]
    fn counts_agree_with_their_nouns() {
        for (n, want) in [
            (0, "0 rows are dated"),
            (1, "1 row is dated"),
            (2, "2 rows are dated"),
            (11, "11 rows are dated"),
        ] {
            assert_eq!(counted(n, "row is dated", "rows are dated"), want);
        }
    }

    fn read(csv: &str) -> Result<Ingested> {
        ingest(csv.as_bytes(), &IngestOptions::default())
    }

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

    /// `large_orders: exclude` leaves out exactly the orders the report's
    /// rule finds large, every line of them counted as skipped; the default
    /// keeps them, and nothing goes below the 5% floor.
    #[test]
    fn large_orders_are_left_out_by_option() {
        // `usual` one-line orders of 3,000 (lines 2 to usual + 1), then a
        // company order of two lines, 100,000 in all.
        let shop = |usual: usize| {
            let mut csv = String::from("order_id,customer_id,order_date,amount\n");
            for i in 0..usual {
                csv += &format!("u{i},c{},2024-03-{:02},3000\n", i % 37, 1 + i % 28);
            }
            csv + "b1,corp,2024-04-02,60000\nb1,corp,2024-04-02,40000\n"
        };
        let exclude = IngestOptions {
            large_orders: LargeOrderPolicy::Exclude,
            ..IngestOptions::default()
        };
        let r = ingest(shop(40).as_bytes(), &exclude).unwrap().report;
        assert_eq!((r.rows_read, r.rows_used, r.rows_skipped), (42, 40, 2));
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(r.skipped[0].reason, SkipReason::LargeOrder);
        let lines: Vec<u64> = r.skipped[0].examples.iter().map(|e| e.line).collect();
        assert_eq!(lines, [42, 43]);
        assert_eq!((r.stats.orders, r.stats.total_amount), (40, 120_000.0));
        let left = r.stats.large_orders_left_out.expect("left out");
        assert_eq!((left.orders, left.rows), (1, 2));
        assert_eq!((left.median_order, left.revenue), (3000.0, 100_000.0));
        // 100,000 of 220,000, worked out by hand.
        assert!((left.revenue_share - 100_000.0 / 220_000.0).abs() < 1e-12);
        let warning = r
            .warnings
            .iter()
            .find(|w| w.code == WarningCode::LargeOrdersExcluded)
            .expect("the warning");
        assert_eq!(warning.lines, [42, 43]);
        assert!(
            warning.message.starts_with("1 large order (20 times the median order of 3000 or more, 45.5% of the revenue, 100000) was left out"),
            "{}",
            warning.message
        );

        // The default keeps them.
        let r = read(&shop(40)).unwrap().report;
        assert_eq!((r.rows_used, r.rows_skipped), (42, 0));
        assert_eq!(r.stats.large_orders_left_out, None);

        // 100,000 of 3,100,000 is 3.2%: under the floor, nothing goes.
        let r = ingest(shop(1000).as_bytes(), &exclude).unwrap().report;
        assert_eq!((r.rows_used, r.rows_skipped), (1002, 0));
        assert_eq!(r.stats.large_orders_left_out, None);
    }

    /// Leaving the large orders out lowers the median a little; an order just
    /// under the old threshold is then over the new one. The store says its
    /// large orders are out, and the rule names no second tier beside a page
    /// that says they are out. Cut from the file instead, the same orders
    /// leave that order large: it is the file's own median then.
    #[test]
    fn leaving_the_large_orders_out_names_no_second_tier() {
        // 21 orders of 1,000 and 19 of 1,100, one of 20,500 and two company
        // orders of 100,000. With all 43 the median is the 22nd value, 1,100:
        // the threshold is 22,000 and 20,500 is under it. Without the two,
        // 41 orders: the median is the 21st, 1,000, and 20,500 is over 20,000.
        let mut csv = String::from("order_id,customer_id,order_date,amount\n");
        for i in 0..40 {
            let amount = if i < 21 { 1000 } else { 1100 };
            csv += &format!("u{i},c{},2024-03-{:02},{amount}\n", i % 13, 1 + i % 28);
        }
        csv += "t1,c1,2024-04-01,20500\n";
        let cut = csv.clone();
        csv += "b1,corp,2024-04-02,100000\nb2,corp,2024-04-03,100000\n";
        let exclude = IngestOptions {
            large_orders: LargeOrderPolicy::Exclude,
            ..IngestOptions::default()
        };
        let kept = ingest(csv.as_bytes(), &IngestOptions::default()).unwrap();
        let Dataset::Transactions(t) = &kept.data else {
            panic!("transactions")
        };
        let set = crate::large_orders::find(t).expect("the company orders");
        assert_eq!((set.orders, set.median), (2, 1100.0));

        let out = ingest(csv.as_bytes(), &exclude).unwrap();
        let left = out.report.stats.large_orders_left_out.expect("left out");
        assert_eq!((left.orders, left.rows, left.median_order), (2, 2, 1100.0));
        let Dataset::Transactions(t) = &out.data else {
            panic!("transactions")
        };
        assert!(t.large_orders_left_out());
        assert_eq!(t.counts().orders, 41);
        assert_eq!(crate::large_orders::find(t), None);

        // The file without the company orders: its own median is 1,000.
        let read = ingest(cut.as_bytes(), &IngestOptions::default()).unwrap();
        let Dataset::Transactions(t) = &read.data else {
            panic!("transactions")
        };
        assert!(!t.large_orders_left_out());
        let set = crate::large_orders::find(t).expect("the 20,500 order");
        assert_eq!((set.orders, set.median, set.revenue), (1, 1000.0, 20_500.0));
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
}
