//! The one error type of the library.
//!
//! Messages are lower-case, carry no trailing period, and name the line,
//! column and value involved whenever there is one, in the style of the `csv`
//! crate: `line 13, column "amount": cannot read "12,3,4" as an amount`.
//!
//! The English message is for the CLI. Every error also has a stable
//! [`ErrorCode`] and named parameters ([`Error::code`], [`Error::params`]),
//! so the page can say the same thing in the reader's language: it looks up
//! `error.<code>` in its dictionaries and fills in the parameters.

use std::fmt;

use serde::Serialize;

/// A specialized `Result` for ltvlab.
pub type Result<T> = std::result::Result<T, Error>;

/// An error from any stage of the pipeline.
///
/// The kind is boxed so that `Result<T>` stays one word wider than `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Error(Box<Inner>);

#[derive(Debug, Clone, PartialEq)]
struct Inner {
    kind: ErrorKind,
    /// The code, when it is more precise than the kind's.
    code: Option<ErrorCode>,
    /// Named values for the page's sentence, beyond the kind's own.
    params: Vec<(&'static str, Param)>,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input had no bytes, or only a byte-order mark and whitespace.
    Empty,
    /// The input looks like a binary file, not text.
    Binary {
        /// Why the detector thinks so, e.g. "NUL bytes in the first 8 KiB".
        reason: String,
    },
    /// The input is text but no column could be used for the requested analysis.
    NoUsableColumn {
        /// What was missing, e.g. "no column holds dates".
        detail: String,
    },
    /// A structural problem at one place in the input.
    Input {
        /// 1-based physical line number where the record starts, if known.
        line: Option<u64>,
        /// The column's header name, if known.
        column: Option<String>,
        /// What is wrong there.
        message: String,
    },
    /// An option given by the caller is invalid (unknown column, bad date, ...).
    Options {
        /// What is wrong with the options.
        message: String,
    },
    /// A model could not be fitted or used on this data.
    Model {
        /// The model's short name, e.g. "bgnbd".
        model: String,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// Creates an error of the given kind.
    pub fn new(kind: ErrorKind) -> Error {
        Error(Box::new(Inner {
            kind,
            code: None,
            params: Vec::new(),
        }))
    }

    /// The kind of this error.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// This error with a more precise code than its kind's.
    #[must_use]
    pub fn with_code(mut self, code: ErrorCode) -> Error {
        self.0.code = Some(code);
        self
    }

    /// This error with one more named parameter for the page's sentence.
    #[must_use]
    pub fn param(mut self, name: &'static str, value: impl Into<Param>) -> Error {
        self.0.params.push((name, value.into()));
        self
    }

    /// The stable code of this error: the one given with
    /// [`Error::with_code`], else the kind's generic one.
    pub fn code(&self) -> ErrorCode {
        self.0.code.unwrap_or(match &self.0.kind {
            ErrorKind::Empty => ErrorCode::Empty,
            ErrorKind::Binary { .. } => ErrorCode::Binary,
            ErrorKind::NoUsableColumn { .. } => ErrorCode::NoUsableColumn,
            ErrorKind::Input { .. } => ErrorCode::Input,
            ErrorKind::Options { .. } => ErrorCode::Options,
            ErrorKind::Model { .. } => ErrorCode::Model,
        })
    }

    /// The named values the page's sentence for [`Error::code`] may use: the
    /// kind's line, column and model when it has them, then those given with
    /// [`Error::param`].
    pub fn params(&self) -> Vec<(&'static str, Param)> {
        let mut params = Vec::new();
        match &self.0.kind {
            ErrorKind::Input { line, column, .. } => {
                if let Some(line) = line {
                    params.push(("line", Param::from(*line)));
                }
                if let Some(column) = column {
                    params.push(("column", Param::from(column.as_str())));
                }
            }
            ErrorKind::Model { model, .. } => params.push(("model", Param::from(model.as_str()))),
            _ => {}
        }
        for (name, value) in &self.0.params {
            match params.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = value.clone(),
                None => params.push((name, value.clone())),
            }
        }
        params
    }

    /// An [`ErrorKind::Options`] error.
    pub fn options(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Options {
            message: message.into(),
        })
    }

    /// An [`ErrorKind::Input`] error.
    pub fn input(line: Option<u64>, column: Option<&str>, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Input {
            line,
            column: column.map(str::to_owned),
            message: message.into(),
        })
    }

    /// An [`ErrorKind::NoUsableColumn`] error.
    pub fn no_usable_column(detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::NoUsableColumn {
            detail: detail.into(),
        })
    }

    /// An [`ErrorKind::Model`] error.
    pub fn model(model: &str, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Model {
            model: model.to_owned(),
            message: message.into(),
        })
    }
}

/// An error's code and parameters without its English text: what a note or
/// a diagnostic that stands for the error carries, so the page can say it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorDetails {
    /// The error's stable code ([`Error::code`]).
    pub code: ErrorCode,
    /// Its named values ([`Error::params`]).
    pub params: std::collections::BTreeMap<&'static str, Param>,
}

impl From<&Error> for ErrorDetails {
    fn from(err: &Error) -> ErrorDetails {
        ErrorDetails {
            code: err.code(),
            params: err.params().into_iter().collect(),
        }
    }
}

/// A named value in an error's parameters: text (a column name, a date as
/// written) or a number (a line, a count).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Param {
    /// Text, shown as it is.
    Text(String),
    /// A number, formatted in the reader's locale.
    Number(f64),
}

impl From<&str> for Param {
    fn from(value: &str) -> Param {
        Param::Text(value.to_owned())
    }
}

impl From<String> for Param {
    fn from(value: String) -> Param {
        Param::Text(value)
    }
}

impl From<f64> for Param {
    fn from(value: f64) -> Param {
        Param::Number(value)
    }
}

impl From<u64> for Param {
    fn from(value: u64) -> Param {
        Param::Number(value as f64)
    }
}

impl From<usize> for Param {
    fn from(value: usize) -> Param {
        Param::Number(value as f64)
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Text(text) => f.write_str(text),
            Param::Number(n) => write!(f, "{n}"),
        }
    }
}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// The stable code of an error: what the page translates. The first
        /// six are the kinds' generic codes, for errors that only the CLI or
        /// a programming mistake can reach; every error a page user can cause
        /// with a file or the page's controls has its own.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as the page and the JSON spell it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    /// [`ErrorKind::Empty`]: no bytes, or only a BOM and whitespace.
    Empty => "empty",
    /// [`ErrorKind::Binary`]: `count` NUL or control bytes in the first `bytes`.
    Binary => "binary",
    /// [`ErrorKind::NoUsableColumn`] without a more precise code.
    NoUsableColumn => "no_usable_column",
    /// [`ErrorKind::Input`] without a more precise code (`line`, `column`).
    Input => "input",
    /// [`ErrorKind::Options`] without a more precise code.
    Options => "options",
    /// [`ErrorKind::Model`] without a more precise code (`model`).
    Model => "model",
    /// The first `kib` KiB are blank lines.
    BlankLinesBeforeHeader => "blank_lines_before_header",
    /// The file is JSON (it starts with `start`).
    JsonFile => "json_file",
    /// The first line is longer than `kib` KiB.
    FirstLineTooLong => "first_line_too_long",
    /// A row starting at `line` is larger than `mib` MiB.
    RowTooLarge => "row_too_large",
    /// The header appears again at `line` with other `columns` than the one
    /// on `first_line` (`first_columns`).
    HeaderRepeatedOtherColumns => "header_repeated_other_columns",
    /// A header and no data rows.
    HeaderOnly => "header_only",
    /// No column holds order dates (`columns`: the header).
    NoDateColumn => "no_date_column",
    /// No column holds customer ids, order ids or items (`columns`).
    NoIdColumn => "no_id_column",
    /// A summary file without its `column` (frequency, recency, T).
    SummaryColumnMissing => "summary_column_missing",
    /// All `rows` rows were skipped, most for `reason` (a skip code), the
    /// first at `line`.
    NoUsableRows => "no_usable_rows",
    /// A negative `value` in a summary file at `line`, `column`.
    SummaryNegative => "summary_negative",
    /// A `value` that is not a finite number at `line`, `column`.
    SummaryNotFinite => "summary_not_finite",
    /// A summary row at `line` whose `frequency`, `recency` and `t` do not fit
    /// together.
    SummaryRowInconsistent => "summary_row_inconsistent",
    /// The mapping names a `column` the file does not have (`columns`).
    UnknownColumn => "unknown_column",
    /// The mapping names an unknown `role`.
    UnknownRole => "unknown_role",
    /// An unknown `encoding` label.
    UnknownEncoding => "unknown_encoding",
    /// A `delimiter` that cannot separate fields.
    BadDelimiter => "bad_delimiter",
    /// An option (`option`: today, observation_end, calibration_end,
    /// cutoff) whose `value` is not a date.
    NotADate => "not_a_date",
    /// An unknown date format `value`.
    UnknownDateFormat => "unknown_date_format",
    /// A summary `period` that is not day, week or month (`value`).
    UnknownPeriod => "unknown_period",
    /// A summary file that does not say its period unit.
    SummaryPeriodNeeded => "summary_period_needed",
    /// The observation `end` is before the `first` date.
    ObservationEndBeforeFirst => "observation_end_before_first",
    /// No row has a date.
    NoDatedRows => "no_dated_rows",
    /// Baskets without customers or dates: recommendations only.
    BasketsOnly => "baskets_only",
    /// No order line has an item.
    NoItems => "no_items",
    /// A per-customer summary has no items to recommend.
    SummaryHasNoItems => "summary_has_no_items",
    /// A per-customer summary has no dates (validation, cohorts).
    SummaryHasNoDates => "summary_has_no_dates",
    /// An evaluation needs customer ids and the data has none.
    NoCustomerIds => "no_customer_ids",
    /// No purchase has a customer id.
    NoCustomerPurchases => "no_customer_purchases",
    /// No orders are left for training before the evaluation's cutoff.
    NoTrainingOrders => "no_training_orders",
    /// No customers to model.
    NoCustomers => "no_customers",
    /// Too few `customers` to fit a `model` with `parameters` parameters.
    TooFewCustomers => "too_few_customers",
    /// None of the `customers` made a repeat purchase (purchase and spend
    /// models).
    NobodyRepeats => "nobody_repeats",
    /// `count` repeat customers with a spend of zero or less (spend model).
    NonPositiveSpend => "non_positive_spend",
    /// Spend is too heavy-tailed for the spend model (`q` ≤ 1).
    HeavyTailedSpend => "heavy_tailed_spend",
    /// The `model`'s likelihood is not finite on this data.
    ModelNotFinite => "model_not_finite",
    /// No group column to split by.
    NoGroupColumn => "no_group_column",
    /// Only `fitted` of `samples` bootstrap resamples could be fitted (fewer
    /// than half): too few customers for value ranges.
    BootstrapFailed => "bootstrap_failed",
    /// A channel shift names a `channel` the channel effects do not have
    /// (`channels`: the ones they have).
    ShiftUnknownChannel => "shift_unknown_channel",
    /// A channel shift names a `channel` with too few `customers` or
    /// `repeaters` to read its effects.
    ShiftSmallChannel => "shift_small_channel",
    /// A channel shift from a `channel` to itself.
    ShiftSameChannel => "shift_same_channel",
    /// A channel shift names a `channel` without a spend estimate of its own
    /// (no spend model, or none of its customers repeated with a spend).
    ShiftNoSpend => "shift_no_spend",
    /// A channel shift's share `value` is not above 0 and at most 1.
    ShiftShareOutOfRange => "shift_share_out_of_range",
}

/// An [`ErrorCode::NotADate`] options error: `option` (today,
/// observation_end, calibration_end, cutoff) holds `value`, which is not a
/// date; `message` is the English text.
pub(crate) fn not_a_date(option: &str, value: &str, message: String) -> Error {
    Error::options(message)
        .with_code(ErrorCode::NotADate)
        .param("option", option)
        .param("value", value)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.kind {
            ErrorKind::Empty => write!(f, "the file is empty: no rows to read"),
            ErrorKind::Binary { reason } => {
                write!(f, "this does not look like a text CSV file ({reason})")
            }
            ErrorKind::NoUsableColumn { detail } => write!(f, "no usable column: {detail}"),
            ErrorKind::Input {
                line,
                column,
                message,
            } => {
                match (line, column) {
                    (Some(l), Some(c)) => write!(f, "line {l}, column \"{c}\": ")?,
                    (Some(l), None) => write!(f, "line {l}: ")?,
                    (None, Some(c)) => write!(f, "column \"{c}\": ")?,
                    (None, None) => {}
                }
                write!(f, "{message}")
            }
            ErrorKind::Options { message } => write!(f, "invalid option: {message}"),
            ErrorKind::Model { model, message } => write!(f, "{model}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_context_and_are_lower_case() {
        let cases = [
            (
                Error::input(Some(13), Some("amount"), "cannot read \"x\" as an amount"),
                "line 13, column \"amount\": cannot read \"x\" as an amount",
            ),
            (
                Error::new(ErrorKind::Empty),
                "the file is empty: no rows to read",
            ),
            (
                Error::options("unknown column \"foo\""),
                "invalid option: unknown column \"foo\"",
            ),
        ];
        for (err, want) in cases {
            let got = err.to_string();
            assert_eq!(got, want);
            assert!(!got.ends_with('.'));
            assert!(got.chars().next().unwrap().is_lowercase());
        }
    }

    /// Each kind has its generic code; a precise code replaces it without
    /// changing the message; the kind's line, column and model come first
    /// among the parameters.
    #[test]
    fn codes_and_params() {
        type Case = (Error, &'static str, Vec<(&'static str, Param)>);
        let cases: [Case; 5] = [
            (Error::new(ErrorKind::Empty), "empty", vec![]),
            (
                Error::input(Some(3), Some("recency"), "\"inf\" is not a finite number")
                    .with_code(ErrorCode::SummaryNotFinite)
                    .param("value", "inf"),
                "summary_not_finite",
                vec![
                    ("line", Param::Number(3.0)),
                    ("column", Param::from("recency")),
                    ("value", Param::from("inf")),
                ],
            ),
            (Error::input(None, None, "x"), "input", vec![]),
            (
                Error::model("bgnbd", "cannot fit 4 parameters on 2 customers")
                    .with_code(ErrorCode::TooFewCustomers)
                    .param("customers", 2_usize),
                "too_few_customers",
                vec![
                    ("model", Param::from("bgnbd")),
                    ("customers", Param::Number(2.0)),
                ],
            ),
            (
                Error::options("x").param("value", "a").param("value", "b"),
                "options",
                vec![("value", Param::from("b"))],
            ),
        ];
        for (err, code, params) in cases {
            assert_eq!(err.code().as_str(), code, "{err}");
            assert_eq!(err.params(), params, "{err}");
        }
        let plain = Error::input(Some(3), None, "bad");
        assert_eq!(
            plain.clone().with_code(ErrorCode::RowTooLarge).to_string(),
            plain.to_string()
        );
    }
}
