//! [`ShopModel`]: the chosen purchase model and Gamma-Gamma spend of one
//! shop, with the parameter uncertainty of both fits.

use rand::rngs::StdRng;
use rand::RngExt;
use rand_distr::StandardNormal;

use super::{days_per_period, CustomerValue, Purchases, ValueOptions};
use crate::models::{
    check_clv_inputs, lifetime_values, ClvOptions, Fit, FitOptions, GammaGamma, LifetimeValues,
    ModelKind, Rfm, RfmData, Spend,
};
use crate::summary::{Period, Summary};
use crate::{Error, Result};

/// A shop's fitted customer-base model: a purchase model ([`Purchases`]:
/// BG/NBD, MBG/NBD or Pareto/NBD) and Gamma-Gamma spend, in the period unit
/// of the summary they were fitted on, with the asymptotic covariance of
/// both fits for the simulator's parameter draws.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopModel {
    purchases: Purchases,
    spend: GammaGamma,
    period: Period,
    /// Lower Cholesky factor of the covariance of the log-parameters of the
    /// purchase model (paper order).
    purchases_factor: Option<Vec<Vec<f64>>>,
    /// The same for `ln p, ln q, ln γ`.
    spend_factor: Option<Vec<Vec<f64>>>,
}

impl ShopModel {
    /// A model from given parameters, without their covariance (so Monte
    /// Carlo intervals collapse to the point).
    pub fn new(purchases: impl Into<Purchases>, spend: GammaGamma, period: Period) -> ShopModel {
        ShopModel {
            purchases: purchases.into(),
            spend,
            period,
            purchases_factor: None,
            spend_factor: None,
        }
    }

    /// [`ShopModel::fit_with`] BG/NBD and the default fit options.
    ///
    /// # Errors
    ///
    /// As [`ShopModel::fit_with`].
    pub fn fit(summary: &Summary) -> Result<ShopModel> {
        ShopModel::fit_with(summary, ModelKind::BgNbd, &FitOptions::default())
    }

    /// Fits the purchase model `kind` on every customer and Gamma-Gamma on
    /// the repeat customers with a positive, finite monetary value, as
    /// [`crate::predict::predict`] does with the same options (so the two
    /// have the same parameters).
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Options`] error if `kind` is not a purchase
    /// model; the models' fit errors (nobody repeated, too few customers, a
    /// summary row that is not a valid `(x, t_x, T)`).
    pub fn fit_with(summary: &Summary, kind: ModelKind, options: &FitOptions) -> Result<ShopModel> {
        let data = rfm_data(summary)?;
        let purchases = kind.fit_purchase_model(&data, options)?;
        let spend_rows: Vec<Spend> = summary
            .customers
            .iter()
            .filter(|c| c.frequency > 0.0 && c.monetary_value > 0.0 && c.monetary_value.is_finite())
            .filter_map(|c| Spend::new(c.frequency, c.monetary_value).ok())
            .collect();
        let spend = GammaGamma::fit(&spend_rows, options)?;
        ShopModel::from_fits(&purchases, &spend, summary.period)
    }

    /// The model of two fits already made (for example
    /// [`crate::predict::Predictions::purchase_model`] and its Gamma-Gamma
    /// fit), with their covariances ([`Fit::covariance`]): no refit, the
    /// same parameters.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Options`] error if `purchases` is not a fit of
    /// BG/NBD, MBG/NBD or Pareto/NBD.
    pub fn from_fits<M>(
        purchases: &Fit<M>,
        spend: &Fit<GammaGamma>,
        period: Period,
    ) -> Result<ShopModel> {
        let kind: ModelKind = purchases.name().parse()?;
        let values: Vec<f64> = purchases.params().iter().map(|(_, v)| v).collect();
        let params: [f64; 4] = values.as_slice().try_into().map_err(|_| {
            Error::options(format!(
                "\"{}\" is not a purchase model; choose bgnbd, mbgnbd or pareto",
                purchases.name()
            ))
        })?;
        let purchases_model = Purchases::new(kind, params)?;
        let g = *spend.model();
        Ok(ShopModel {
            purchases: purchases_model,
            spend: g,
            period,
            purchases_factor: purchases
                .covariance()
                .and_then(|c| log_covariance_factor(&params, c)),
            spend_factor: spend
                .covariance()
                .and_then(|c| log_covariance_factor(&[g.p(), g.q(), g.gamma()], c)),
        })
    }

    /// The purchase model.
    pub fn purchases(&self) -> &Purchases {
        &self.purchases
    }

    /// Which purchase model this is.
    pub fn kind(&self) -> ModelKind {
        self.purchases.kind()
    }

    /// The Gamma-Gamma spend model.
    pub fn spend(&self) -> &GammaGamma {
        &self.spend
    }

    /// The period unit of the model's times.
    pub fn period(&self) -> Period {
        self.period
    }

    /// Predictions for every customer of `summary`, in row order, at margin
    /// 1.
    ///
    /// # Errors
    ///
    /// A summary row that is not a valid `(x, t_x, T)`; `months` outside 1 to
    /// 1,200 or a negative discount rate.
    pub fn customer_values(
        &self,
        summary: &Summary,
        options: &ValueOptions,
    ) -> Result<Vec<CustomerValue>> {
        let data = rfm_data(summary)?;
        let spend: Vec<f64> = summary
            .customers
            .iter()
            .map(|c| self.expected_spend(c.frequency, c.monetary_value))
            .collect();
        let clv_options = ClvOptions {
            months: options.months,
            monthly_discount_rate: options.monthly_discount_rate,
            margin: 1.0,
            periods_per_month: self.period.per_month(),
        };
        // The CLV's month grid ends at the horizon: its last point is the
        // expected purchases over it, and P(alive) comes on the way
        // (bit-identical to `p_alive_all` and `expected_purchases_all`).
        check_clv_inputs(&data, &spend, &clv_options)?;
        let LifetimeValues {
            clv,
            expected_purchases: expected,
            p_alive,
        } = lifetime_values(self.purchases.model(), &data, &spend, &clv_options);
        let [r, alpha, ..] = self.purchases.params();
        let days = days_per_period(self.period);
        Ok(summary
            .customers
            .iter()
            .enumerate()
            .map(|(i, c)| CustomerValue {
                p_alive: p_alive[i],
                expected_spend: spend[i],
                expected_purchases: expected[i],
                clv: clv[i],
                value_if_alive: if p_alive[i] > 0.0 {
                    clv[i] / p_alive[i]
                } else {
                    0.0
                },
                days_between_orders: (alpha + c.t) / (r + c.frequency) * days,
            })
            .collect())
    }

    /// Gamma-Gamma's expected order value of a customer with `frequency`
    /// repeat purchases of mean value `monetary_value` (the model's mean
    /// when that is not a valid spend row).
    pub(crate) fn expected_spend(&self, frequency: f64, monetary_value: f64) -> f64 {
        let m = if monetary_value.is_finite() {
            monetary_value.max(0.0)
        } else {
            0.0
        };
        Spend::new(frequency, m)
            .map(|s| self.spend.conditional_expected_spend(&s))
            .unwrap_or_else(|_| self.spend.mean_spend())
    }

    /// One draw of the purchase and spend parameters from the normal
    /// approximation of the fits on the log scale, `ln θ ~ N(ln θ̂, Σ)` with
    /// `Σ` the fits' covariance ([`Fit::covariance`], the inverse Hessian of
    /// `models::fit`) carried to the log-parameters, drawn as `ln θ̂ + L z`
    /// with `L Lᵀ = Σ` and each offset kept within ±3. Without a covariance
    /// the point itself (the normals are drawn all the same, so that the
    /// stream of a seed does not depend on it).
    pub(crate) fn draw_params(&self, rng: &mut StdRng) -> ([f64; 4], [f64; 3]) {
        let p = self.purchases.params();
        let g = &self.spend;
        let purchases = draw_log_normal(&p, self.purchases_factor.as_deref(), rng);
        let spend = draw_log_normal(
            &[g.p(), g.q(), g.gamma()],
            self.spend_factor.as_deref(),
            rng,
        );
        (
            [purchases[0], purchases[1], purchases[2], purchases[3]],
            [spend[0], spend[1], spend[2]],
        )
    }
}

/// The checked `(x, t_x, T)` rows of `summary`.
pub(crate) fn rfm_data(summary: &Summary) -> Result<RfmData> {
    let rows: Vec<Rfm> = summary
        .customers
        .iter()
        .map(|c| Rfm::new(c.frequency, c.recency, c.t))
        .collect::<Result<_>>()?;
    RfmData::new(&rows)
}

/// The Cholesky factor of the covariance of `ln θ` from the covariance of
/// `θ` (row-major): `Σ_ij / (θ_i θ_j)`, the delta method; `None` if it is
/// not positive definite or not finite.
fn log_covariance_factor(theta: &[f64], covariance: &[f64]) -> Option<Vec<Vec<f64>>> {
    let n = theta.len();
    if covariance.len() != n * n {
        return None;
    }
    let log: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| covariance[i * n + j] / (theta[i] * theta[j]))
                .collect()
        })
        .collect();
    cholesky(&log)
}

fn draw_log_normal(point: &[f64], factor: Option<&[Vec<f64>]>, rng: &mut StdRng) -> Vec<f64> {
    let z: Vec<f64> = (0..point.len())
        .map(|_| rng.sample(StandardNormal))
        .collect();
    let Some(l) = factor else {
        return point.to_vec();
    };
    point
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let dx: f64 = (0..=i).map(|k| l[i][k] * z[k]).sum();
            p * dx.clamp(-3.0, 3.0).exp()
        })
        .collect()
}

/// The lower-triangular `L` with `L Lᵀ = m`, if `m` is positive definite.
// Indices read like the textbook formula in this small dense algebra.
#[allow(clippy::needless_range_loop)]
fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let mut v = m[i][j];
            for k in 0..j {
                v -= l[i][k] * l[j][k];
            }
            if i == j {
                if !(v.is_finite() && v > 0.0) {
                    return None;
                }
                l[i][i] = v.sqrt();
            } else {
                l[i][j] = v / l[j][j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{generate_lines, GeneratorConfig};
    use crate::ingest::{ingest, IngestOptions};
    use crate::summary::{summarize, SummaryOptions};
    use rand::SeedableRng;

    fn summary() -> Summary {
        let config = GeneratorConfig {
            seed: 3,
            ..GeneratorConfig::default()
        };
        let mut bytes = Vec::new();
        generate_lines(&config, 30_000, &mut bytes).unwrap();
        let data = ingest(&bytes, &IngestOptions::default()).unwrap().data;
        summarize(&data, &SummaryOptions::default()).unwrap()
    }

    #[test]
    fn customer_values_are_bit_identical_to_the_separate_passes() {
        let summary = summary();
        for kind in [ModelKind::BgNbd, ModelKind::MbgNbd] {
            let model = ShopModel::fit_with(&summary, kind, &FitOptions::default()).unwrap();
            let options = ValueOptions::default();
            let got = model.customer_values(&summary, &options).unwrap();
            // The values as computed before: CLV, then P(alive) and the
            // expected purchases over the horizon in passes of their own.
            let data = rfm_data(&summary).unwrap();
            let spend: Vec<f64> = got.iter().map(|v| v.expected_spend).collect();
            let clv_options = ClvOptions {
                months: options.months,
                monthly_discount_rate: options.monthly_discount_rate,
                margin: 1.0,
                periods_per_month: model.period.per_month(),
            };
            let m = model.purchases.model();
            let clv =
                crate::models::customer_lifetime_value(m, &data, &spend, &clv_options).unwrap();
            let p_alive = m.p_alive_all(&data);
            let horizon = f64::from(options.months) * model.period.per_month();
            let expected = m.expected_purchases_all(&data, horizon);
            for (i, v) in got.iter().enumerate() {
                assert_eq!(v.clv.to_bits(), clv[i].to_bits());
                assert_eq!(v.p_alive.to_bits(), p_alive[i].to_bits());
                assert_eq!(v.expected_purchases.to_bits(), expected[i].to_bits());
            }
        }
    }

    #[test]
    fn draws_follow_the_fits_covariance() {
        // The draws' sample covariance of ln θ against the fit's, carried to
        // the log scale: with 20,000 draws an entry's standard error is
        // about sqrt((Σ_ii Σ_jj + Σ_ij²)/n) < 0.011 of sqrt(Σ_ii Σ_jj);
        // offsets beyond ±3 sd are clamped, which moves it by less than 0.3 %.
        const DRAWS: usize = 20_000;
        const COVARIANCE_TOL: f64 = 0.05;
        let summary = summary();
        let options = FitOptions::default();
        let data = rfm_data(&summary).unwrap();
        let fit = ModelKind::MbgNbd
            .fit_purchase_model(&data, &options)
            .unwrap();
        let model = ShopModel::fit_with(&summary, ModelKind::MbgNbd, &options).unwrap();
        let theta = model.purchases.params();
        let cov = fit.covariance().unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let logs: Vec<[f64; 4]> = (0..DRAWS)
            .map(|_| model.draw_params(&mut rng).0)
            .map(|d| [0, 1, 2, 3].map(|i| (d[i] / theta[i]).ln()))
            .collect();
        for i in 0..4 {
            for j in 0..4 {
                let sample: f64 = logs.iter().map(|d| d[i] * d[j]).sum::<f64>() / DRAWS as f64;
                let want = cov[i * 4 + j] / (theta[i] * theta[j]);
                let scale = (cov[i * 5] * cov[j * 5]).sqrt() / (theta[i] * theta[j]);
                assert!(
                    (sample - want).abs() < COVARIANCE_TOL * scale,
                    "({i}, {j}): draws {sample}, fit {want}"
                );
            }
        }
    }
}
