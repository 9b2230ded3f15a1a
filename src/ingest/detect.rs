//! Detection: from the first bytes of the input (the sample), the plan for
//! reading the rest: delimiter, header, data kind, preset, column roles,
//! amount level and decimal separator.

use std::collections::{BTreeMap, HashSet};

use super::schema::{self, AmountLevel, HeaderMatch};
use super::value::{self, DecimalSep};
use super::{
    is_blank, sniff, DataKind, DateFormat, DecisionSource, IngestOptions, MappedColumn, Preset,
    ReturnPolicy, Role, Warning, WarningCode, SNIFF_BYTES,
};
use crate::error::{Error, ErrorCode, Result};

/// Refuses inputs that are text but not a table, before they could be read
/// as one-basket-per-line files: a JSON document, a first line longer than
/// the detection window, or a detection window of blank lines.
pub(super) fn not_a_table(sample: &str, is_complete: bool) -> Result<()> {
    let kib = SNIFF_BYTES >> 10;
    let text = sample.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if !is_complete && text.is_empty() {
        return Err(Error::input(
            None,
            None,
            format!("the first {kib} KiB are blank lines; remove them so the header comes first"),
        )
        .with_code(ErrorCode::BlankLinesBeforeHeader)
        .param("kib", kib));
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
        )
        .with_code(ErrorCode::JsonFile)
        .param("start", opening.unwrap_or(' ').to_string()));
    }
    if !is_complete && !text.contains(['\n', '\r']) {
        return Err(Error::input(
            Some(1),
            None,
            format!("the first line is longer than {kib} KiB (no line break in it); this is not a table of orders, whose rows end with line breaks"),
        )
        .with_code(ErrorCode::FirstLineTooLong)
        .param("kib", kib));
    }
    Ok(())
}

/// Column indices per role.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Cols {
    pub(super) customer: Option<usize>,
    pub(super) order: Option<usize>,
    pub(super) date: Option<usize>,
    pub(super) time: Option<usize>,
    pub(super) amount: Option<usize>,
    pub(super) unit_price: Option<usize>,
    pub(super) quantity: Option<usize>,
    pub(super) item: Option<usize>,
    pub(super) item_name: Option<usize>,
    pub(super) nps: Option<usize>,
    pub(super) status: Option<usize>,
    pub(super) currency: Option<usize>,
    pub(super) refunded: Option<usize>,
    pub(super) group: Option<usize>,
    pub(super) frequency: Option<usize>,
    pub(super) recency: Option<usize>,
    pub(super) t: Option<usize>,
    pub(super) monetary_value: Option<usize>,
    pub(super) subscription: Option<usize>,
    /// An e-mail column besides the customer's.
    pub(super) email: Option<usize>,
    /// What the customer column holds, and so how its values become ids.
    pub(super) customer_key: CustomerKey,
}

/// What the customer column holds: ids, or (a file without them) each
/// customer's e-mail address, phone number or name. The value is the
/// customer's id once made comparable ([`CustomerKey::Id`] as written).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum CustomerKey {
    /// Member or customer ids.
    #[default]
    Id,
    /// E-mail addresses (by the header, or every value): lower-cased.
    Email,
    /// Phone numbers (by the header): their digits only.
    Phone,
    /// Names (by the header): without spaces or a trailing 様.
    Name,
}

impl CustomerKey {
    /// The key of the customer column `c`, however it was chosen (a phone
    /// column the caller maps is read by its digits too): by its
    /// normalized header, or by its values for addresses under a name the
    /// dictionary does not know. Addresses beside an e-mail column of their
    /// own are ids.
    fn of(
        c: usize,
        email: Option<usize>,
        header: Option<&str>,
        data_rows: &[Vec<String>],
    ) -> CustomerKey {
        let header = header.unwrap_or_default();
        if schema::is_phone_header(header) {
            CustomerKey::Phone
        } else if schema::is_name_header(header) {
            CustomerKey::Name
        } else if email.is_none_or(|e| e == c)
            && (schema::is_email_header(header) || all_emails(data_rows, c))
        {
            CustomerKey::Email
        } else {
            CustomerKey::Id
        }
    }
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
            subscription: m.get(Role::Subscription),
            email: m.get(Role::Email),
            customer_key: CustomerKey::Id,
        }
    }
}

/// Everything decided from the sample before streaming starts.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub(super) delimiter: u8,
    pub(super) has_header: bool,
    /// Records (not blank lines) before the header that are not part of
    /// the table: a title, an export date.
    pub(super) preamble: usize,
    pub(super) columns: Vec<String>,
    pub(super) kind: DataKind,
    pub(super) preset: Preset,
    pub(super) cols: Cols,
    pub(super) mapping: Vec<MappedColumn>,
    pub(super) amount_level: AmountLevel,
    pub(super) decimal: DecimalSep,
    /// Whether the decimal separator may still change once the whole
    /// amount column is seen (detected as a dot, not forced).
    pub(super) decimal_open: bool,
    pub(super) date_format: DateFormat,
    /// UCI Online Retail: invoices starting with `C` are cancellations.
    pub(super) c_invoices: bool,
    pub(super) returns: ReturnPolicy,
    /// The header's names, normalized (empty without a header).
    pub(super) header_norm: Vec<String>,
    /// Bit `n` is set when a column name is `n` bytes long (63: longer).
    pub(super) header_lengths: u64,
    /// Warnings about the header itself (duplicate names), reported in
    /// `finish` with the header's line.
    pub(super) header_warnings: Vec<Warning>,
}

impl Plan {
    /// Decides the plan from the sample, step by step: the delimiter and
    /// the header, the column names, one basket per line or a table, the
    /// column roles (header, preset, content, the caller's mapping), the
    /// kind of data and the columns it needs, and the amounts' level and
    /// decimal separator.
    ///
    /// With `require` false, a kind of data missing a column it needs is
    /// still planned (for [`super::detect_head`], which shows what was found
    /// so the caller can map the rest).
    pub(super) fn detect(
        sample: &str,
        is_complete: bool,
        options: &IngestOptions,
        date_format: DateFormat,
        require: bool,
    ) -> Result<Plan> {
        let (delimiter, consistent) = match options.delimiter {
            Some(d) => (d as u8, true),
            None => sniff::detect_delimiter(sample, is_complete),
        };
        let mut records = sample_records(sample, delimiter, is_complete, 200);
        // A title or a date above the header (`注文一覧（2024年1月〜3月）`,
        // `出力日,2024/04/01`): records before it are passed over.
        let preamble = if options.has_header == Some(false) {
            0
        } else {
            preamble(&records)
        };
        records.drain(..preamble);
        let consistent = consistent || (preamble > 0 && consistent_counts(&records));
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
        let columns = column_names(&first, has_header);
        if !has_header && !consistent && options.mapping.is_empty() && basket_lines(data_rows) {
            return Ok(Plan::basket_lines(delimiter, options, date_format));
        }
        let (mut m, preset, mut sources) =
            map_roles(has_header, &normalized, data_rows, &columns, options)?;
        let rounded = rounded_id_columns(&mut m, &mut sources, data_rows, &columns);
        let mut cols = Cols::from_match(&m);
        if let Some(c) = cols.customer {
            let header = normalized.get(c).filter(|_| has_header);
            cols.customer_key =
                CustomerKey::of(c, cols.email, header.map(String::as_str), data_rows);
        }
        let (kind, preset) = data_kind(preset, &cols);
        if require {
            required_columns(kind, &cols, &columns)?;
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
        // Etsy writes MM/DD/YY; the order is fixed, not guessed.
        let date_format = if preset == Preset::Etsy && date_format == DateFormat::Auto {
            DateFormat::Mdy
        } else {
            date_format
        };
        let mut header_warnings = if has_header {
            duplicate_columns(&columns, &normalized, &mapping)
        } else {
            Vec::new()
        };
        header_warnings.extend(rounded);
        let header_lengths = columns
            .iter()
            .fold(0, |mask, c| mask | 1u64 << c.len().min(63));
        Ok(Plan {
            delimiter,
            has_header,
            preamble,
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

    /// The plan for a file of one basket per line: every field an item.
    fn basket_lines(delimiter: u8, options: &IngestOptions, date_format: DateFormat) -> Plan {
        Plan {
            delimiter,
            has_header: false,
            preamble: 0,
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
        }
    }
}

/// The most records a title block above the header may take.
const MAX_PREAMBLE: usize = 10;

/// How many records come before the header when the file opens with a
/// title block: 0 unless the first record is not a header, a later one
/// within [`MAX_PREAMBLE`] is (its names are known column names), and every
/// record before it fills fewer fields than [`title_fields`] (a title and an
/// export date fill one or two, even when a spreadsheet pads them with
/// commas; `店舗名,お茶の山田,出力日,2024/04/01` fills four above a table
/// of ten columns). A file without a header never has one.
fn preamble(records: &[Vec<String>]) -> usize {
    let norm = |r: &Vec<String>| -> Vec<String> {
        r.iter().map(|h| schema::normalize_header(h)).collect()
    };
    let filled = |r: &Vec<String>| r.iter().filter(|f| !f.trim().is_empty()).count();
    if records
        .first()
        .is_none_or(|r| schema::looks_like_header(&norm(r)))
    {
        return 0;
    }
    let Some(k) = records
        .iter()
        .take(MAX_PREAMBLE + 1)
        .position(|r| r.len() >= 2 && filled(r) == r.len() && schema::looks_like_header(&norm(r)))
    else {
        return 0;
    };
    // Rows of its width follow it (not one basket per line), and the
    // records above it are narrower than it.
    let width = records[k].len();
    if k + 1 >= records.len()
        || !consistent_counts(&records[k..])
        || records[..k]
            .iter()
            .any(|r| filled(r) >= title_fields(width))
    {
        return 0;
    }
    k
}

/// The fewest filled fields that make a record above a header of `width`
/// columns a row rather than a title: 3 (a title, or a label and its
/// value, is one or two), or half the header's width for a wide table
/// (store, name, export date and its label above ten columns). Never more
/// than the width: a record as wide as the table is a row.
fn title_fields(width: usize) -> usize {
    (width / 2).max(3).min(width)
}

/// Whether the records' field counts are consistent, by
/// [`sniff::consistent_counts`].
fn consistent_counts(records: &[Vec<String>]) -> bool {
    let counts: Vec<usize> = records.iter().map(Vec::len).collect();
    sniff::consistent_counts(&counts)
}

/// The columns' names: the header's, trimmed (`column N` for an empty
/// one), or `column 1`, `column 2`... without a header.
fn column_names(first: &[String], has_header: bool) -> Vec<String> {
    if has_header {
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
    }
}

/// Whether ragged rows without a header are one basket per line: almost
/// none of their fields is a date. (The caller checked that the rows are
/// ragged, there is no header and no mapping was given.)
fn basket_lines(data_rows: &[Vec<String>]) -> bool {
    let dated = data_rows
        .iter()
        .flatten()
        .filter(|f| written_date(f))
        .count();
    dated * 10 < data_rows.len().max(1)
}

/// The column of each role and where each came from: the header's names,
/// then the export preset they reveal, then the columns' content for roles
/// still missing, and last the caller's mapping, which wins.
fn map_roles(
    has_header: bool,
    normalized: &[String],
    data_rows: &[Vec<String>],
    columns: &[String],
    options: &IngestOptions,
) -> Result<(HeaderMatch, Preset, BTreeMap<Role, DecisionSource>)> {
    let mut m = if has_header {
        schema::match_headers(normalized)
    } else {
        HeaderMatch::default()
    };
    let mut sources: BTreeMap<Role, DecisionSource> = m
        .roles
        .iter()
        .map(|&(r, _)| (r, DecisionSource::Header))
        .collect();
    let before = m.clone();
    let preset = if has_header {
        schema::detect_preset(normalized, &mut m)
    } else {
        Preset::Generic
    };
    for &(role, idx) in &m.roles {
        if before.get(role) != Some(idx) {
            sources.insert(role, DecisionSource::Preset);
        }
    }
    if preset != Preset::Summary {
        content_mapping(data_rows, columns.len(), &mut m, &mut sources);
        if has_header {
            contact_customer(normalized, &mut m, &mut sources);
        }
        repeating_customer(data_rows, columns.len(), &mut m, &mut sources);
    }
    for (role_name, column) in &options.mapping {
        let Some(role) = Role::from_name(role_name) else {
            continue;
        };
        if column.trim().is_empty() {
            m.roles.retain(|(r, _)| *r != role);
            sources.remove(&role);
            continue;
        }
        let idx = resolve_column(column, columns)?;
        m.set(role, idx);
        sources.insert(role, DecisionSource::Override);
    }
    Ok((m, preset, sources))
}

/// The kind of data the mapped columns hold, and the preset it settles: a
/// summary file, baskets (an order and an item but no date), or order
/// lines.
fn data_kind(mut preset: Preset, cols: &Cols) -> (DataKind, Preset) {
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
    (kind, preset)
}

/// Checks that the columns a kind of data needs are mapped: frequency,
/// recency and T for a summary; a date and a customer, order or item for
/// order lines.
fn required_columns(kind: DataKind, cols: &Cols, columns: &[String]) -> Result<()> {
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
                    ))
                    .with_code(ErrorCode::SummaryColumnMissing)
                    .param("column", role.name()));
                }
            }
        }
        DataKind::Transactions => {
            if cols.date.is_none() {
                return Err(Error::no_usable_column(format!(
                    "no column holds order dates (columns: {}); name one with the date mapping",
                    list_columns(columns)
                ))
                .with_code(ErrorCode::NoDateColumn)
                .param("columns", list_columns(columns)));
            }
            if cols.customer.is_none()
                && cols.order.is_none()
                && cols.item.is_none()
                && cols.item_name.is_none()
            {
                return Err(Error::no_usable_column(format!(
                    "no column holds customer ids, order ids or items (columns: {})",
                    list_columns(columns)
                ))
                .with_code(ErrorCode::NoIdColumn)
                .param("columns", list_columns(columns)));
            }
        }
        DataKind::Baskets => {}
    }
    Ok(())
}

/// Whether `value` is a number as a spreadsheet writes a long one it has
/// rounded: one digit, an optional fraction, `E+` and the exponent
/// (`1.23457E+11`). Such an id has lost its last digits.
fn is_rounded_id(value: &str) -> bool {
    let Some((mantissa, exponent)) = value.trim().split_once(['E', 'e']) else {
        return false;
    };
    let Some(exponent) = exponent.strip_prefix('+') else {
        return false;
    };
    let (int, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    int.len() == 1
        && int.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// The first of the sampled values of column `c` that a spreadsheet
/// rounded, when at least half of the non-empty ones are ([`is_rounded_id`]).
fn rounded_ids(data_rows: &[Vec<String>], c: usize) -> Option<&str> {
    let values: Vec<&str> = data_rows
        .iter()
        .filter_map(|r| r.get(c))
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    let rounded = values.iter().filter(|v| is_rounded_id(v)).count();
    (rounded > 0 && 2 * rounded >= values.len())
        .then(|| values.into_iter().find(|v| is_rounded_id(v)))
        .flatten()
}

/// Warnings for an order or customer column whose ids a spreadsheet rounded
/// (`1.23457E+11`: twelve-digit order numbers opened and saved in Excel).
/// Different orders then share one number, so an order column found by its
/// header or content is not used (one set by the caller is kept): each
/// customer's lines of one day count as one order, as in a file without
/// one. A customer column is kept, as there is nothing to replace it, and
/// the warning says that customers may have merged.
fn rounded_id_columns(
    m: &mut HeaderMatch,
    sources: &mut BTreeMap<Role, DecisionSource>,
    data_rows: &[Vec<String>],
    columns: &[String],
) -> Vec<Warning> {
    // The warning of column `c`, whose ids are `what`, rounded like `example`.
    let warning = |code, c: usize, what: &str, example: &str, outcome: &str| {
        Warning {
        code,
        message: format!(
            "column {} (\"{}\") holds {what} a spreadsheet rounded, like {example}, so {outcome} (export the file again without opening it in a spreadsheet)",
            c + 1,
            columns.get(c).map_or("", String::as_str)
        ),
        lines: Vec::new(),
    }
    };
    let mut warnings = Vec::new();
    if let Some(c) = m.get(Role::Order) {
        if sources.get(&Role::Order) != Some(&DecisionSource::Override) {
            if let Some(example) = rounded_ids(data_rows, c) {
                warnings.push(warning(
                    WarningCode::RoundedOrderIds,
                    c,
                    "order numbers",
                    example,
                    "different orders share one number; it was not used, and each customer's lines of one day count as one order",
                ));
                m.remove(Role::Order);
                sources.remove(&Role::Order);
            }
        }
    }
    if let Some(c) = m.get(Role::Customer) {
        if let Some(example) = rounded_ids(data_rows, c) {
            warnings.push(warning(
                WarningCode::RoundedCustomerIds,
                c,
                "customer ids",
                example,
                "different customers may share one id and count as one",
            ));
        }
    }
    warnings
}

/// A warning per header name that appears more than once: which columns
/// share it and which one is used (the first, for every role).
pub(super) fn duplicate_columns(
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

pub(super) fn list_columns(columns: &[String]) -> String {
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
pub(super) fn resolve_column(column: &str, columns: &[String]) -> Result<usize> {
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
            .with_code(ErrorCode::UnknownColumn)
            .param("column", column)
            .param("columns", list_columns(columns))
        })
}

/// Whether the first record looks unlike the rest: text where the others
/// have numbers or dates.
pub(super) fn first_row_differs(records: &[Vec<String>]) -> bool {
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
/// Whether the non-empty values of column `c` are (nearly) all e-mail
/// addresses.
fn all_emails(rows: &[Vec<String>], c: usize) -> bool {
    let values: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.get(c).map(String::as_str))
        .filter(|v| !v.trim().is_empty())
        .collect();
    !values.is_empty()
        && values.iter().filter(|v| looks_like_email(v)).count() * 10 >= values.len() * 9
}

/// Whether a value is shaped like an e-mail address: `local@domain.tld`,
/// no spaces.
fn looks_like_email(value: &str) -> bool {
    let v = value.trim();
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

pub(super) fn content_mapping(
    rows: &[Vec<String>],
    n_columns: usize,
    m: &mut HeaderMatch,
    sources: &mut BTreeMap<Role, DecisionSource>,
) {
    if rows.is_empty() {
        return;
    }
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
    // A "time" column holding whole dates (Yahoo!ショッピング's OrderTime
    // `2024/01/05 13:45:12`) is the date, so that an export with an order id,
    // a customer and items is read as orders, not as baskets.
    if let (None, Some(t)) = (m.get(Role::Date), m.get(Role::Time)) {
        if share(t, &written_date) >= 0.9 {
            m.set(Role::Date, t);
            sources.remove(&Role::Time);
            sources.insert(Role::Date, DecisionSource::Content);
        }
    }
    if m.get(Role::Date).is_none() {
        if let Some(c) = (0..n_columns).find(|&c| !m.is_mapped(c) && share(c, &written_date) >= 0.9)
        {
            m.set(Role::Date, c);
            sources.insert(Role::Date, DecisionSource::Content);
        }
    }
    if m.get(Role::Amount).is_none() && m.get(Role::UnitPrice).is_none() {
        if let Some(c) = (0..n_columns).find(|&c| {
            !m.is_mapped(c)
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
    // A column of e-mail addresses under a name the dictionary does not
    // know (連絡先, `Contact`): the customer, when no column is.
    if m.get(Role::Customer).is_none() {
        if let Some(c) =
            (0..n_columns).find(|&c| !m.is_mapped(c) && share(c, &looks_like_email) >= 0.9)
        {
            m.set(Role::Customer, c);
            sources.insert(Role::Customer, DecisionSource::Content);
        }
    }
    // Beside a customer id, such a column is the customer's e-mail.
    if m.get(Role::Email).is_none() {
        if let Some(c) =
            (0..n_columns).find(|&c| !m.is_mapped(c) && share(c, &looks_like_email) >= 0.9)
        {
            m.set(Role::Email, c);
            sources.insert(Role::Email, DecisionSource::Content);
        }
    }
    // No customer column, but an e-mail column (`購入者 メールアドレス`
    // beside `購入者 名前`, an order id and no member id): the address is
    // the customer, as in the exports whose customer column is the address.
    // A name repeats too, but two customers can share one and one customer
    // can write theirs two ways.
    if m.get(Role::Customer).is_none() {
        if let Some(c) = m.get(Role::Email) {
            m.set(Role::Customer, c);
            sources.insert(Role::Customer, DecisionSource::Content);
        }
    }
}

/// No customer id or e-mail column, but a phone or name column by its
/// header (`電話番号`, `お客様名`): the customer, a phone number before a
/// name (a number is one customer's more often than a name is). Their
/// values become ids by [`CustomerKey`], and the report says which.
fn contact_customer(
    normalized: &[String],
    m: &mut HeaderMatch,
    sources: &mut BTreeMap<Role, DecisionSource>,
) {
    if m.get(Role::Customer).is_some() {
        return;
    }
    let find = |is: fn(&str) -> bool| {
        (0..normalized.len())
            .filter(|&c| !m.is_mapped(c))
            .find(|&c| is(&normalized[c]))
    };
    if let Some(c) = find(schema::is_phone_header).or_else(|| find(schema::is_name_header)) {
        m.set(Role::Customer, c);
        sources.insert(Role::Customer, DecisionSource::Header);
    }
}

/// No customer column and no order column: an id-like text column whose
/// values repeat is the customer (customers buy again).
fn repeating_customer(
    rows: &[Vec<String>],
    n_columns: usize,
    m: &mut HeaderMatch,
    sources: &mut BTreeMap<Role, DecisionSource>,
) {
    if m.get(Role::Customer).is_none() && m.get(Role::Order).is_none() {
        let candidate = (0..n_columns).find(|&c| {
            if m.is_mapped(c) {
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
                && vals
                    .iter()
                    .filter(|v| value::parse_date(v, DateFormat::Auto).is_some())
                    .count()
                    * 2
                    < vals.len()
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
pub(super) fn written_date(field: &str) -> bool {
    let t = field.trim();
    !t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && value::parse_date(t, DateFormat::Auto).is_some()
}

/// Parses up to `max` non-blank records of the sample into owned fields.
pub(super) fn sample_records(
    text: &str,
    delim: u8,
    is_complete: bool,
    max: usize,
) -> Vec<Vec<String>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_rounded_id`: (value, want). Source: how Excel shows a number of
    /// 12 digits or more in a General cell (one digit, up to five decimals,
    /// `E+` and the exponent), and ids that only look numeric.
    #[test]
    fn rounded_ids_are_excel_scientific_numbers_only() {
        let cases: [(&str, bool); 12] = [
            ("1.23457E+11", true),
            ("2.01901E+13", true),
            ("1E+12", true),
            (" 9.9e+14 ", true),
            ("123456789012", false),
            ("1.23457E-11", false),
            ("12.3457E+11", false),
            ("1.23457E+", false),
            ("E+11", false),
            ("A-1001", false),
            ("1.2", false),
            ("", false),
        ];
        for (value, want) in cases {
            assert_eq!(is_rounded_id(value), want, "{value:?}");
        }
        let rows = |values: &[&str]| -> Vec<Vec<String>> {
            values.iter().map(|v| vec![v.to_string()]).collect()
        };
        // Half or more of the non-empty values: the first rounded one.
        assert_eq!(
            rounded_ids(&rows(&["123456789012", "1.23457E+11", ""]), 0),
            Some("1.23457E+11")
        );
        assert_eq!(rounded_ids(&rows(&["A-1", "A-2", "1.23457E+11"]), 0), None);
        assert_eq!(rounded_ids(&rows(&["", ""]), 0), None);
    }

    /// A title block above the header is passed over; what is not one
    /// stays as it was.
    #[test]
    fn title_blocks_above_the_header() {
        let table = "注文番号,顧客ID,注文日,金額\nA1,c1,2024/1/5,1200\nA2,c2,2024/1/9,800\n";
        for (head, want) in [
            ("", 0),
            ("注文一覧（2024年1月〜3月）\n", 1),
            ("注文一覧\n出力日,2024/04/01\n\n", 2),
            // Padded by a spreadsheet to the table's width.
            ("注文一覧,,,\n出力日,2024/04/01,,\n", 2),
            // Three filled fields are a row, not a title.
            ("A0,c0,2024/1/1,500\n", 0),
        ] {
            let plan = plan_without_requirements(&format!("{head}{table}"));
            let Ok(plan) = plan else {
                panic!("{head:?}: {plan:?}")
            };
            assert_eq!(plan.preamble, want, "{head:?}");
            if want > 0 {
                assert_eq!(plan.cols.date, Some(2), "{head:?}");
            }
        }
        // Above a table of ten columns: a title of four fields (store, name,
        // export date and its label) is passed over; a data row of the
        // table's width, or of half of it, is not a title.
        let wide = "注文番号,顧客ID,注文日,金額,商品名,数量,単価,送料,ステータス,備考\n\
                    A1,c1,2024/1/5,1200,煎茶,1,1200,0,発送済,\n\
                    A2,c2,2024/1/9,800,玄米茶,1,800,0,発送済,\n";
        for (head, want) in [
            // (A blank line is no record.)
            ("店舗名,お茶の山田,出力日,2024/04/01\n\n", 1),
            ("店舗名,お茶の山田,出力日,2024/04/01,,,,,,\n", 1),
            ("A0,c0,2024/1/1,500,煎茶\n", 0),
            ("A0,c0,2024/1/1,500,煎茶,1,500,0,発送済,\n", 0),
        ] {
            let plan = plan_without_requirements(&format!("{head}{wide}"));
            assert_eq!(plan.map(|p| p.preamble).ok(), Some(want), "{head:?}");
        }
        for (width, want) in [(2, 2), (3, 3), (4, 3), (6, 3), (8, 4), (10, 5), (20, 10)] {
            assert_eq!(title_fields(width), want, "{width}");
        }
        // No header at all, and baskets (one per line) naming known words.
        for sample in [
            "A1,c1,2024-01-05,1200\nA2,c2,2024-01-09,800\nA3,c1,2024-03-01,1500\n",
            "milk\nbread,date,total,item\neggs,milk\n",
        ] {
            let plan = plan_without_requirements(sample);
            assert_eq!(plan.map(|p| p.preamble).ok(), Some(0), "{sample:?}");
        }
    }

    /// The plan of a whole sample with the default options, planned even
    /// when a column its kind needs is missing (as for `detect_head`).
    fn plan_without_requirements(sample: &str) -> Result<Plan> {
        Plan::detect(
            sample,
            true,
            &IngestOptions::default(),
            DateFormat::Auto,
            false,
        )
    }

    /// The plan of a whole sample with the default options.
    fn plan_of(sample: &str) -> Plan {
        match Plan::detect(
            sample,
            true,
            &IngestOptions::default(),
            DateFormat::Auto,
            true,
        ) {
            Ok(p) => p,
            Err(err) => panic!("{err}"),
        }
    }

    /// Without a customer id or e-mail column, a phone column by its name is
    /// the customer, then a name column; either gives way to an id or an
    /// address. `Name` alone is not a customer's name (Shopify's order
    /// number). (header, customer column, key)
    #[test]
    fn a_phone_or_name_column_is_the_customer_of_last_resort() {
        let cases: [(&str, Option<usize>, CustomerKey); 6] = [
            (
                "注文番号,注文日,お客様名,電話番号,金額",
                Some(3),
                CustomerKey::Phone,
            ),
            ("注文番号,注文日,お名前,金額", Some(2), CustomerKey::Name),
            (
                "注文番号,注文日,氏名,TEL,メールアドレス,金額",
                Some(4),
                CustomerKey::Email,
            ),
            (
                "会員ID,注文日,お名前,電話番号,金額",
                Some(0),
                CustomerKey::Id,
            ),
            (
                "Order ID,Order Date,Customer Name,Phone Number,Total",
                Some(3),
                CustomerKey::Phone,
            ),
            ("Name,Created at,Total", None, CustomerKey::Id),
        ];
        for (header, customer, key) in cases {
            let n = header.split(',').count();
            let row = |i: usize| -> String {
                let cells: Vec<String> = (0..n)
                    .map(|c| match c {
                        1 => format!("2024-01-0{i}"),
                        c if c == n - 1 => "1000".to_owned(),
                        c => format!("v{c}-{}", i % 2),
                    })
                    .collect();
                cells.join(",")
            };
            let text = format!("{header}\n{}\n{}\n{}\n", row(1), row(2), row(3));
            let plan = plan_without_requirements(&text).unwrap();
            assert_eq!(
                (plan.cols.customer, plan.cols.customer_key),
                (customer, key),
                "{header}"
            );
        }
        // Mapped by the caller, a phone column is read by its digits even
        // beside an e-mail column, and a name column by the name.
        let text = "会員ID,注文日,電話番号,お名前,メールアドレス,金額\nm1,2024-01-05,090-1,山田,a@example.jp,1000\n";
        for (column, want) in [
            ("電話番号", CustomerKey::Phone),
            ("お名前", CustomerKey::Name),
            ("会員ID", CustomerKey::Id),
        ] {
            let mut options = IngestOptions::default();
            options
                .mapping
                .insert("customer".to_owned(), column.to_owned());
            let plan = Plan::detect(text, true, &options, DateFormat::Auto, true).unwrap();
            assert_eq!(plan.cols.customer_key, want, "{column}");
        }
    }

    /// A column of addresses under a name the dictionary does not know is
    /// the customer (the ids are then the addresses) when no column is, and
    /// the e-mail beside a customer id otherwise.
    #[test]
    fn a_column_of_addresses_is_the_customer_or_the_email() {
        let unnamed = "注文ID,受付日時,連絡先,価格,数量\nA1,2024/01/05 10:00,a@example.jp,1000,1\nA2,2024/01/06 11:00,b@example.jp,800,2\nA3,2024/01/07 12:00,a@example.jp,500,1\n";
        let plan = plan_of(unnamed);
        assert_eq!(
            (plan.cols.customer, plan.cols.email, plan.cols.customer_key),
            (Some(2), None, CustomerKey::Email)
        );
        let beside = "会員番号,注文日,連絡先,金額\nm1,2024-01-05,a@example.jp,1000\nm2,2024-01-06,b@example.jp,800\nm1,2024-01-07,,500\n";
        let plan = plan_of(beside);
        assert_eq!(
            (plan.cols.customer, plan.cols.email, plan.cols.customer_key),
            (Some(0), Some(2), CustomerKey::Id)
        );
        for (value, is) in [
            ("a@example.jp", true),
            (" a.b+c@mail.example.co.jp ", true),
            ("a@localhost", false),
            ("@example.jp", false),
            ("a b@example.jp", false),
            ("a@b@example.jp", false),
            ("13819", false),
        ] {
            assert_eq!(looks_like_email(value), is, "{value}");
        }
    }

    #[test]
    fn a_time_column_of_whole_dates_is_the_date() {
        // An order id, a customer and items, with the date under a "time"
        // name: orders, not baskets. A time column of times of day stays one.
        let dated = "order_id,time,email,item\nA1,2024/01/05 13:45:12,a@example.jp,tea\nA2,2024/01/06 09:00:00,b@example.jp,cup\n";
        let plan = plan_of(dated);
        assert_eq!(
            (plan.kind, plan.cols.date, plan.cols.time),
            (DataKind::Transactions, Some(1), None)
        );
        let timed = "order_id,date,time,email,item\nA1,2024-01-05,13:45:12,a@example.jp,tea\nA2,2024-01-06,09:00:00,b@example.jp,cup\n";
        let plan = plan_of(timed);
        assert_eq!((plan.cols.date, plan.cols.time), (Some(1), Some(2)));
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
}
