//! The one error type of the library.
//!
//! Messages are lower-case, carry no trailing period, and name the line,
//! column and value involved whenever there is one, in the style of the `csv`
//! crate: `line 13, column "amount": cannot read "12,3,4" as an amount`.

use std::fmt;

/// A specialized `Result` for ltvlab.
pub type Result<T> = std::result::Result<T, Error>;

/// An error from any stage of the pipeline.
///
/// The kind is boxed so that `Result<T>` stays one word wider than `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Error(Box<ErrorKind>);

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
        Error(Box::new(kind))
    }

    /// The kind of this error.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
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
}
