//! Subcommands of the `ltvlab` binary that live in their own files. Like
//! `src/main.rs`, this is CLI code: it may touch files and argv; the library
//! under it stays pure.

pub mod analysis;
pub mod analyze;
pub mod data;
pub mod error;
pub mod format;
pub mod input;
pub mod models;
pub mod recommend;

/// Caps on the options that size memory or work (issue #13): a value above
/// its cap is a one-line error naming the option, the value and the cap,
/// never an allocation failure.
pub(crate) mod caps {
    /// Monte Carlo and bootstrap draws (`simulate`, `compare`).
    pub const DRAWS: u64 = 100_000;
    /// Items per recommendation list (`recommend --top`).
    pub const TOP: u64 = 1_000;
    /// Pair rules printed (`recommend --max-rules`).
    pub const RULES: u64 = 1_000_000;
    /// Longest itemset (`recommend --max-len`).
    pub const ITEMSET_LENGTH: u64 = 100;
    /// Customers per follow-up list (`segments --limit`).
    pub const LIST: u64 = 100_000;
    /// Order lines of a generated shop (`generate --lines`).
    pub const LINES: u64 = 100_000_000;
    /// Customers of a generated shop (`generate --customers`).
    pub const CUSTOMERS: u64 = 10_000_000;
    /// Catalogue of a generated shop (`generate --items`).
    pub const ITEMS: u64 = 1_000_000;
    /// Distinct items per basket (`recommend --max-basket`).
    pub const BASKET: u64 = ltvlab::recommend::MAX_BASKET_ITEMS as u64;

    /// A clap value parser for a whole number from 0 to `MAX`; clap's error
    /// then reads `invalid value '5000' for '--top <K>': must be at most
    /// 1000 (the cap of this option)`.
    pub(crate) fn at_most<const MAX: u64, T: TryFrom<u64>>(s: &str) -> Result<T, String> {
        let value: u64 = s
            .trim()
            .parse()
            .map_err(|_| format!("must be a whole number from 0 to {MAX}"))?;
        if value > MAX {
            return Err(format!("must be at most {MAX} (the cap of this option)"));
        }
        T::try_from(value).map_err(|_| format!("must be at most {MAX}"))
    }
}
