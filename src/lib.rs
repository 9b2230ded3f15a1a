//! ltvlab: customer lifetime value, churn, what-if simulation and "also bought"
//! recommendations from an orders CSV.
//!
//! The library is a pure core: it takes bytes, options and seeds and returns
//! plain data. It never touches files, the clock, the DOM or ambient randomness.
//! Data flows one way: bytes → [`ingest`] (report + [`transactions::Transactions`])
//! → [`summary`] (per-customer frequency, recency, T, monetary value) → models
//! and the other analyses → report.
//!
//! `src/wasm.rs` is the browser boundary and `src/main.rs` the CLI; nothing else
//! knows about JavaScript, files or argv.
#![deny(missing_docs)]

pub mod bootstrap;
pub mod cohorts;
pub mod compare;
pub mod customers;
pub mod days;
pub mod deciles;
pub mod diagnostic;
pub mod error;
pub mod export;
pub mod funnel;
pub mod generate;
pub mod groups;
pub mod ingest;
pub mod large_orders;
pub mod models;
pub mod predict;
pub mod recommend;
pub mod report;
pub mod rfm_ranks;
pub mod segments;
pub mod simulate;
mod stats;
pub mod subscription;
pub mod summary;
pub mod transactions;
pub mod validate;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod weighted;

pub use diagnostic::{Diagnostic, DiagnosticCode};
pub use error::{Error, ErrorCode, ErrorDetails, ErrorKind, Param, Result};
