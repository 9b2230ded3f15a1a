//! The levers of a scenario, shared by formula and model mode, and the
//! tornado ranking of realistic steps.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Largest acquisition cost the simulator accepts.
pub const MAX_CAC: f64 = 1e15;

/// A points or loyalty programme: a rebate paid on revenue against an
/// assumed retention lift.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Loyalty {
    /// Share of revenue given back as points (0.02 = 2 %), a cost.
    pub rebate: f64,
    /// The retention lift it is assumed to buy, in percentage points.
    pub retention_points: f64,
}

/// The levers of a scenario. The default moves nothing: its outputs equal
/// the baseline's exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scenario {
    /// Retention up by this many percentage points (5 = +5 pt): in both
    /// modes, the share of new customers still alive 12 months after their
    /// first purchase (formula mode: annual retention `1 - churn`).
    pub retention_points: f64,
    /// 12-month churn down by this share (0.1 = -10 %), after `retention_points`.
    pub churn_reduction: f64,
    /// Order value up by this share (0.1 = +10 %).
    pub aov_change: f64,
    /// Purchase frequency up by this share (0.1 = +10 %).
    pub frequency_change: f64,
    /// Gross margin up by this many percentage points.
    pub margin_points: f64,
    /// A price discount on every order (0.05 = 5 % off), paid from the margin.
    pub discount: f64,
    /// A points or loyalty programme.
    pub loyalty: Loyalty,
    /// A new customer acquisition cost, replacing the baseline's.
    pub cac: Option<f64>,
}

/// Largest AOV or frequency change a scenario accepts (+100,000 %), so that
/// every output stays a finite number.
const MAX_CHANGE: f64 = 1000.0;

impl Scenario {
    pub(super) fn validate(&self) -> Result<()> {
        let finite = [
            ("retention points", self.retention_points),
            ("churn reduction", self.churn_reduction),
            ("aov change", self.aov_change),
            ("frequency change", self.frequency_change),
            ("margin points", self.margin_points),
            ("discount", self.discount),
            ("loyalty rebate", self.loyalty.rebate),
            ("loyalty retention points", self.loyalty.retention_points),
        ];
        for (name, v) in finite {
            if !v.is_finite() {
                return Err(Error::options(format!(
                    "{name} must be a finite number, got {v}"
                )));
            }
        }
        for (name, v) in [(
            "retention points",
            self.retention_points + self.loyalty.retention_points,
        )] {
            if !(-100.0..=100.0).contains(&v) {
                return Err(Error::options(format!(
                    "{name} must be between -100 and 100, got {v}"
                )));
            }
        }
        if self.churn_reduction >= 1.0 {
            return Err(Error::options(format!(
                "churn reduction must be below 1 (100 %), got {}",
                self.churn_reduction
            )));
        }
        for (name, v) in [
            ("aov change", self.aov_change),
            ("frequency change", self.frequency_change),
        ] {
            if v <= -1.0 || v > MAX_CHANGE {
                return Err(Error::options(format!(
                    "{name} must be above -1 (-100 %) and at most {MAX_CHANGE} (+100,000 %), got {}",
                    shown(v)
                )));
            }
        }
        if !(0.0..1.0).contains(&self.discount) {
            return Err(Error::options(format!(
                "discount must be in [0, 1), got {}",
                self.discount
            )));
        }
        if !(0.0..=1.0).contains(&self.loyalty.rebate) {
            return Err(Error::options(format!(
                "loyalty rebate must be between 0 and 1, got {}",
                self.loyalty.rebate
            )));
        }
        if let Some(cac) = self.cac {
            check_cac(cac)?;
        }
        Ok(())
    }

    /// Total retention lift in points: the lever plus the loyalty programme's.
    pub(super) fn total_retention_points(&self) -> f64 {
        self.retention_points + self.loyalty.retention_points
    }

    /// Value per unit of list-price revenue... as a margin on the revenue
    /// actually collected: `(margin + m - δ)/(1 - δ) - ρ`.
    pub(super) fn effective_margin(&self, margin: f64) -> f64 {
        (margin + self.margin_points / 100.0 - self.discount) / (1.0 - self.discount)
            - self.loyalty.rebate
    }

    /// Multiplies order values: `(1+z)(1-δ)`.
    pub(super) fn spend_factor(&self) -> f64 {
        (1.0 + self.aov_change) * (1.0 - self.discount)
    }

    /// Moves a 12-month survival share by the retention and churn levers,
    /// kept inside (0, 1).
    pub(super) fn survival(&self, survival: f64) -> f64 {
        let moved = (survival + self.total_retention_points() / 100.0).clamp(0.0, 1.0);
        let churn = (1.0 - moved) * (1.0 - self.churn_reduction);
        (1.0 - churn).clamp(1e-9, 1.0 - 1e-9)
    }
}

pub(super) fn check_cac(cac: f64) -> Result<()> {
    if !(cac.is_finite() && (0.0..=MAX_CAC).contains(&cac)) {
        return Err(Error::options(format!(
            "cac must be a number between 0 and {MAX_CAC:e}, got {}",
            shown(cac)
        )));
    }
    Ok(())
}

/// A number for an error message: `1e308`, not 309 digits.
pub(super) fn shown(v: f64) -> String {
    if v.is_finite() && v != 0.0 && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

pub(super) fn check_margin(margin: f64) -> Result<()> {
    if !(margin.is_finite() && (0.0..=1.0).contains(&margin)) {
        return Err(Error::options(format!(
            "margin must be between 0 and 1, got {margin}"
        )));
    }
    Ok(())
}

pub(super) fn check_discount_rate(rate: f64) -> Result<()> {
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(Error::options(format!(
            "monthly discount rate must be a finite number >= 0, got {rate}"
        )));
    }
    Ok(())
}

pub(super) fn check_horizon(months: u32) -> Result<()> {
    if months == 0 || months > 1200 {
        return Err(Error::options(format!(
            "horizon must be between 1 and 1200 months, got {months}"
        )));
    }
    Ok(())
}

/// One bar of the tornado: how much a realistic step in one lever moves LTV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// The lever and its step, e.g. `"retention +5 pt"`.
    pub lever: String,
    /// LTV with the step.
    pub ltv: f64,
    /// `ltv` minus the baseline LTV.
    pub change: f64,
    /// `change` over the baseline LTV (0 when the baseline is 0).
    pub relative_change: f64,
}

/// The realistic steps of the tornado ranking.
pub(super) fn steps() -> [(&'static str, Scenario); 4] {
    [
        (
            "retention +5 pt",
            Scenario {
                retention_points: 5.0,
                ..Scenario::default()
            },
        ),
        (
            "aov +10%",
            Scenario {
                aov_change: 0.1,
                ..Scenario::default()
            },
        ),
        (
            "frequency +10%",
            Scenario {
                frequency_change: 0.1,
                ..Scenario::default()
            },
        ),
        (
            "margin +5 pt",
            Scenario {
                margin_points: 5.0,
                ..Scenario::default()
            },
        ),
    ]
}

/// Evaluates each step with `ltv` and sorts by the size of the change.
pub(super) fn rank(baseline: f64, ltv: impl Fn(&Scenario) -> f64) -> Vec<Sensitivity> {
    let mut out: Vec<Sensitivity> = steps()
        .iter()
        .map(|(name, s)| {
            let v = ltv(s);
            Sensitivity {
                lever: (*name).to_owned(),
                ltv: v,
                change: v - baseline,
                relative_change: if baseline != 0.0 {
                    (v - baseline) / baseline.abs()
                } else {
                    0.0
                },
            }
        })
        .collect();
    out.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
    out
}

/// The first month whose cumulative value reaches `cac`: 0 if the value at
/// acquisition (`at_start`) does.
pub(super) fn payback(at_start: f64, cumulative: &[f64], cac: f64) -> Option<u32> {
    if at_start >= cac {
        return Some(0);
    }
    cumulative
        .iter()
        .position(|&v| v >= cac)
        .map(|m| m as u32 + 1)
}
