//! The one error type of the CLI. Every subcommand returns [`CliResult`];
//! `main` prints the error once as `error: <message>` on stderr and exits
//! with code 2.

use std::fmt;
use std::io;

use super::format::lower_first;

/// What stops a command.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The library refused: bad options, unusable data.
    Ltvlab(ltvlab::Error),
    /// A file that cannot be opened, read or created.
    Io {
        /// `open`, `read` or `create`.
        action: &'static str,
        path: String,
        source: io::Error,
    },
    /// Writing the output failed.
    Output(io::Error),
    /// Writing JSON failed.
    Json(serde_json::Error),
    /// Reading or writing CSV failed.
    Csv(csv::Error),
    /// An option, or a combination of options, the CLI itself rejects.
    Usage(String),
    /// Data the CLI reads itself (the bgbb and sbg files) that it cannot use.
    Input(String),
    /// An error in a named input file: `<path>: <error>`.
    In { path: String, source: Box<CliError> },
}

/// The result of a CLI step.
pub(crate) type CliResult<T> = Result<T, CliError>;

impl CliError {
    /// `error` about the file `path`, shown as `<path>: <error>`.
    pub(crate) fn in_file(path: impl fmt::Display, error: impl Into<CliError>) -> CliError {
        CliError::In {
            path: path.to_string(),
            source: Box::new(error.into()),
        }
    }

    /// Whether the reader of the output went away (`ltvlab summary f.csv |
    /// head`): not an error.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        let broken = |e: &io::Error| e.kind() == io::ErrorKind::BrokenPipe;
        match self {
            CliError::Output(e) | CliError::Io { source: e, .. } => broken(e),
            CliError::Json(e) => e.io_error_kind() == Some(io::ErrorKind::BrokenPipe),
            CliError::Csv(e) => matches!(e.kind(), csv::ErrorKind::Io(e) if broken(e)),
            // `generate` writes through the library, which reports a failed
            // write as its own error carrying the message of the io error.
            CliError::Ltvlab(e) => e.to_string().contains("Broken pipe"),
            CliError::In { source, .. } => source.is_broken_pipe(),
            CliError::Usage(_) | CliError::Input(_) => false,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Ltvlab(e) => write!(f, "{e}"),
            CliError::Io {
                action,
                path,
                source,
            } => write!(
                f,
                "cannot {action} {path}: {}",
                lower_first(&source.to_string())
            ),
            CliError::Output(e) => write!(f, "{e}"),
            CliError::Json(e) => write!(f, "{e}"),
            CliError::Csv(e) => write!(f, "{e}"),
            CliError::Usage(message) | CliError::Input(message) => f.write_str(message),
            CliError::In { path, source } => write!(f, "{path}: {source}"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<ltvlab::Error> for CliError {
    fn from(e: ltvlab::Error) -> CliError {
        CliError::Ltvlab(e)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> CliError {
        CliError::Output(e)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> CliError {
        CliError::Json(e)
    }
}

impl From<csv::Error> for CliError {
    fn from(e: csv::Error) -> CliError {
        CliError::Csv(e)
    }
}

/// clap's error as one line, as every other error: its first line without
/// the usage block, and for a value outside a closed set the values it may
/// take (`invalid value 'fortnight' for '--period <PERIOD>': must be day,
/// week or month`; clap lists them on a later line, which is dropped).
pub(crate) fn clap_line(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let mut line = lower_first(first);
    if e.kind() == ErrorKind::InvalidValue {
        if let Some(ContextValue::Strings(values)) = e.get(ContextKind::ValidValue) {
            if let Some((last, rest)) = values.split_last() {
                line.push_str(": must be ");
                if !rest.is_empty() {
                    line.push_str(&rest.join(", "));
                    line.push_str(" or ");
                }
                line.push_str(last);
            }
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_one_line_shape() {
        let missing = io::Error::new(io::ErrorKind::NotFound, "No such file");
        let cases = [
            (
                CliError::Io {
                    action: "open",
                    path: "a.csv".to_owned(),
                    source: missing,
                },
                "cannot open a.csv: no such file",
            ),
            (
                CliError::in_file("b.csv", CliError::Input("line 2: bad".to_owned())),
                "b.csv: line 2: bad",
            ),
            (
                CliError::from(ltvlab::Error::options(
                    "margin must be between 0 and 1, got 3",
                )),
                "invalid option: margin must be between 0 and 1, got 3",
            ),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
    }

    #[test]
    fn a_closed_pipe_is_recognised_through_every_wrapper() {
        let pipe = || io::Error::new(io::ErrorKind::BrokenPipe, "Broken pipe");
        assert!(CliError::Output(pipe()).is_broken_pipe());
        assert!(CliError::Csv(csv::Error::from(pipe())).is_broken_pipe());
        assert!(CliError::Json(serde_json::Error::io(pipe())).is_broken_pipe());
        assert!(CliError::in_file("x", CliError::Output(pipe())).is_broken_pipe());
        assert!(!CliError::Usage("Broken pipe".to_owned()).is_broken_pipe());
        assert!(!CliError::Output(io::Error::other("disk full")).is_broken_pipe());
    }
}
