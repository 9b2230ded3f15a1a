//! Reading order CSVs into transactions (placeholder; the lead replaces this file).
pub mod value;
