//! Counts of the numerical work done by the models on this thread, so that
//! tests can bound work by counting evaluations rather than timing them.
//!
//! Every model routine whose cost is not fixed adds to one of three
//! counters: log-likelihood evaluations (each costs one pass over the unique
//! `(x, t_x, T)` patterns), hypergeometric series terms, and integrand
//! evaluations of the Gauss–Kronrod quadrature. [`reset`] zeroes them and
//! [`snapshot`] reads them; both are per thread (the models never spawn
//! threads), so parallel tests do not see each other's work.
//!
//! # The bound
//!
//! Each model stage of `analyze` (the shop model with its simulation and
//! segment values; the holdout validation, all three models under `auto`;
//! the predictions under each purchase model) stays within
//! [`Work::STAGE_BUDGET`]: at most 20,000 log-likelihood evaluations, 20
//! million series terms and 10 million quadrature nodes. One likelihood
//! evaluation costs one pass over at most one pattern per customer (10,000
//! on a 10,000-line file), a series term a few flops, a quadrature node a
//! few `exp`/`ln`: the budget is a few seconds of one core in a release
//! build. `tests/small_shops.rs` checks it on 25 seeded small shops from
//! [`crate::generate::small_shop`] (20 to 2,000 order lines) with the
//! default weak priors (largest stage seen: 960 evaluations, 1.5 million
//! terms, no quadrature node in the fits; the Pareto/NBD's prediction stage,
//! which since session 7 includes each customer's next-order timing, up to
//! 14.1 million nodes over about 600 random shops, which that test bounds at
//! 40 million) and with plain maximum likelihood (1,872
//! evaluations, 0.22 million nodes; series terms within the budget except
//! the Pareto/NBD's prediction stage on one shop, 46 million, which that
//! test bounds at 60 million). The Pareto/NBD's 2F1 near `z = 1` takes the
//! connection formula (a bounded number of terms) instead of the quadrature
//! that cost up to 152 million nodes a stage under plain maximum
//! likelihood. Not covered: the page's background bootstrap of the value
//! ranges, which refits the models once per resample (50 by default) in a
//! worker of its own that a new analysis ends.

use std::cell::Cell;

/// Work done on this thread since the last [`reset`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Work {
    /// Log-likelihood evaluations (with or without gradient) by the fits.
    pub likelihood_evaluations: u64,
    /// Terms summed by the hypergeometric series.
    pub series_terms: u64,
    /// Integrand evaluations by the adaptive quadrature.
    pub quadrature_nodes: u64,
}

impl Work {
    /// The work one model stage of `analyze` may do (module docs).
    pub const STAGE_BUDGET: Work = Work {
        likelihood_evaluations: 20_000,
        series_terms: 20_000_000,
        quadrature_nodes: 10_000_000,
    };

    /// Whether every counter of `self` is at most that of `budget`.
    pub fn within(&self, budget: &Work) -> bool {
        self.likelihood_evaluations <= budget.likelihood_evaluations
            && self.series_terms <= budget.series_terms
            && self.quadrature_nodes <= budget.quadrature_nodes
    }

    /// The work done between `earlier` and `self`.
    pub fn since(&self, earlier: &Work) -> Work {
        Work {
            likelihood_evaluations: self
                .likelihood_evaluations
                .saturating_sub(earlier.likelihood_evaluations),
            series_terms: self.series_terms.saturating_sub(earlier.series_terms),
            quadrature_nodes: self
                .quadrature_nodes
                .saturating_sub(earlier.quadrature_nodes),
        }
    }
}

thread_local! {
    static LIKELIHOOD: Cell<u64> = const { Cell::new(0) };
    static SERIES: Cell<u64> = const { Cell::new(0) };
    static QUADRATURE: Cell<u64> = const { Cell::new(0) };
}

/// Zeroes this thread's counters.
pub fn reset() {
    LIKELIHOOD.with(|c| c.set(0));
    SERIES.with(|c| c.set(0));
    QUADRATURE.with(|c| c.set(0));
}

/// This thread's counters.
pub fn snapshot() -> Work {
    Work {
        likelihood_evaluations: LIKELIHOOD.with(Cell::get),
        series_terms: SERIES.with(Cell::get),
        quadrature_nodes: QUADRATURE.with(Cell::get),
    }
}

#[inline]
pub(crate) fn add_likelihood(n: u64) {
    LIKELIHOOD.with(|c| c.set(c.get().wrapping_add(n)));
}

#[inline]
pub(crate) fn add_series_terms(n: u64) {
    SERIES.with(|c| c.set(c.get().wrapping_add(n)));
}

#[inline]
pub(crate) fn add_quadrature_nodes(n: u64) {
    QUADRATURE.with(|c| c.set(c.get().wrapping_add(n)));
}

/// Adds its count to the series-term counter when dropped, so that a loop
/// with early returns counts its terms once, without a thread-local access
/// per term.
#[derive(Default)]
pub(crate) struct SeriesTerms(pub(crate) u64);

impl Drop for SeriesTerms {
    fn drop(&mut self) {
        add_series_terms(self.0);
    }
}
