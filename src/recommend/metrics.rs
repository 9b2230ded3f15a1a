//! Interest measures of an association rule `A → C`, as defined by mlxtend's
//! `association_rules` (Raschka, 2018) and, for cosine, Tan, Kumar &
//! Srivastava (2002), "Selecting the right interestingness measure for
//! association patterns".

use serde::Serialize;

use crate::{Error, Result};

/// The measures of one rule `A → C` (antecedent `A`, consequent `C`).
///
/// # Formula
///
/// With `n` baskets, `n_AC` baskets holding both sides, `n_A` holding the
/// antecedent and `n_C` the consequent, and `s(X) = n_X / n`:
///
/// | measure | definition |
/// |---|---|
/// | `support` | `s(AC)` |
/// | `confidence` | `s(AC) / s(A)` |
/// | `lift` | `confidence / s(C)` |
/// | `leverage` | `s(AC) − s(A)·s(C)` |
/// | `conviction` | `(1 − s(C)) / (1 − confidence)`; `None` when `confidence = 1` (mlxtend: `inf`) |
/// | `jaccard` | `s(AC) / (s(A) + s(C) − s(AC))` |
/// | `cosine` | `s(AC) / √(s(A)·s(C))` |
///
/// Every measure is computed from the integer counts as one ratio (for
/// example `confidence = n_AC / n_A`, `lift = n_AC·n / (n_A·n_C)`), so a
/// threshold such as `confidence ≥ 0.8` is decided exactly: 16 of 20 is 0.8,
/// where mlxtend's `s(AC) / s(A)` can give 0.7999…. Values agree with
/// mlxtend to a relative 1e-12.
/// `support`, `lift`, `leverage`, `jaccard` and `cosine` are symmetric in
/// `A` and `C`; `confidence` and `conviction` are not.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RuleMetrics {
    /// Baskets holding both sides, `n_AC`.
    pub count: u64,
    /// `s(AC)`, in `[0, 1]`.
    pub support: f64,
    /// `s(AC) / s(A)`, in `[0, 1]`.
    pub confidence: f64,
    /// `confidence / s(C)`, positive; 1 means independence.
    pub lift: f64,
    /// `s(AC) − s(A)·s(C)`, in `[−0.25, 0.25]`.
    pub leverage: f64,
    /// `(1 − s(C)) / (1 − confidence)`; `None` (JSON `null`) for an exact
    /// rule, `confidence = 1`, where it is infinite.
    pub conviction: Option<f64>,
    /// `s(AC) / (s(A) + s(C) − s(AC))`, in `[0, 1]`.
    pub jaccard: f64,
    /// `s(AC) / √(s(A)·s(C))`, in `[0, 1]`.
    pub cosine: f64,
}

impl RuleMetrics {
    /// The measures from the four counts.
    ///
    /// # Errors
    /// An options error unless `0 < n_ac ≤ min(n_a, n_c)` and
    /// `max(n_a, n_c) ≤ n`.
    pub fn from_counts(n_ac: u64, n_a: u64, n_c: u64, n: u64) -> Result<RuleMetrics> {
        if n_ac == 0 || n_ac > n_a || n_ac > n_c || n_a > n || n_c > n {
            return Err(Error::options(format!(
                "rule counts must satisfy 0 < both <= antecedent, consequent <= baskets, \
                 got both {n_ac}, antecedent {n_a}, consequent {n_c}, baskets {n}"
            )));
        }
        Ok(RuleMetrics::new(n_ac, n_a, n_c, n))
    }

    /// [`from_counts`](RuleMetrics::from_counts) for counts known to be valid.
    pub(crate) fn new(n_ac: u64, n_a: u64, n_c: u64, n: u64) -> RuleMetrics {
        // Each measure is one rounding away from its exact ratio of counts
        // (products of counts below 2^53 are exact in f64, and the leverage
        // numerator is formed in integers).
        let (ac, a, c, nf) = (n_ac as f64, n_a as f64, n_c as f64, n as f64);
        let confidence = ac / a;
        let lift = (ac * nf) / (a * c);
        let cross = i128::from(n_ac) * i128::from(n) - i128::from(n_a) * i128::from(n_c);
        let leverage = cross as f64 / (nf * nf);
        let conviction = (n_ac < n_a).then(|| ((nf - c) * a) / (nf * (a - ac)));
        let jaccard = ac / (a + c - ac);
        let cosine = ac / (a * c).sqrt();
        RuleMetrics {
            count: n_ac,
            support: ac / nf,
            confidence,
            lift,
            leverage,
            conviction,
            jaccard,
            cosine,
        }
    }
}

/// How pairs are ranked: the score of a rule `A → C`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ranking {
    /// Jaccard similarity (default): high only when the two items mostly
    /// appear together, so best-sellers do not crowd every list.
    #[default]
    Jaccard,
    /// Cosine similarity: like Jaccard, a little kinder to pairs of a popular
    /// and a rare item.
    Cosine,
    /// Confidence `P(C | A)`: favours popular consequents.
    Confidence,
    /// Lift: favours rare items; use with a minimum count.
    Lift,
}

impl Ranking {
    /// The score of a rule under this ranking.
    pub fn score(self, m: &RuleMetrics) -> f64 {
        match self {
            Ranking::Jaccard => m.jaccard,
            Ranking::Cosine => m.cosine,
            Ranking::Confidence => m.confidence,
            Ranking::Lift => m.lift,
        }
    }

    /// The lower-case name, as accepted by `FromStr`.
    pub fn name(self) -> &'static str {
        match self {
            Ranking::Jaccard => "jaccard",
            Ranking::Cosine => "cosine",
            Ranking::Confidence => "confidence",
            Ranking::Lift => "lift",
        }
    }
}

impl std::str::FromStr for Ranking {
    type Err = Error;

    fn from_str(s: &str) -> Result<Ranking> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jaccard" => Ok(Ranking::Jaccard),
            "cosine" => Ok(Ranking::Cosine),
            "confidence" => Ok(Ranking::Confidence),
            "lift" => Ok(Ranking::Lift),
            _ => Err(Error::options(format!(
                "ranking \"{s}\" must be jaccard, cosine, confidence or lift"
            ))),
        }
    }
}

/// The smallest count `c` with `c / n >= min_support`, the comparison mlxtend
/// makes in `f64`.
pub(crate) fn min_count_for_support(min_support: f64, n: u64) -> u64 {
    if min_support <= 0.0 || n == 0 {
        return 0;
    }
    let nf = n as f64;
    let mut c = ((min_support * nf).ceil() as u64).saturating_sub(2);
    while c <= n && (c as f64 / nf) < min_support {
        c += 1;
    }
    c
}
