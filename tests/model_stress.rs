//! Numerical stress for every model (issue #8 §3): a grid of summaries
//! (x from 0 to 10,000, t_x from 0 to T, T from 0 to 10 years in days and
//! in weeks, zero spends, a single customer) over a wide grid of plausible
//! parameters, plus proptest-generated parameters and customers, and fits on
//! degenerate data.
//!
//! What must hold, from the models' definitions (Fader, Hardie & Lee 2005a
//! and 2005b; Schmittlein, Morrison & Colombo 1987; Batislam et al. 2007;
//! Fader, Hardie & Shang 2010; Fader & Hardie 2007) and the crate's
//! documented contract ("every output is finite"):
//!
//! - every output is finite;
//! - P(alive) lies in [0, 1];
//! - expected purchases are ≥ 0 and never decrease with the horizon;
//! - P(X(t) = n) lies in [0, 1] and sums over n to at most 1;
//! - CLV and expected spend are ≥ 0;
//! - sBG survival lies in [0, 1] and never increases;
//! - bootstrap intervals contain their point estimate;
//! - fits on degenerate data give an error with a message, or finite
//!   parameters and predictions.
//!
//! Tolerances: [`MONOTONE_SLACK`] allows rounding noise when comparing a
//! quantity at two horizons; [`SUM_SLACK`] the rounding of a sum of
//! probabilities. Neither hides a real decrease or excess.

use ltvlab::bootstrap::{bootstrap, BootstrapOptions};
use ltvlab::models::{
    customer_lifetime_value, BgBb, BgNbd, ClvOptions, DiscreteRfm, DiscreteRfmData, FitOptions,
    GammaGamma, MbgNbd, ModelKind, ParetoNbd, PurchaseModel, Rfm, RfmData, ShiftedBetaGeometric,
    Spend, SurvivalData,
};
use ltvlab::predict::{predict, PredictOptions};
use ltvlab::summary::{CustomerSummary, Period, Summary};
use proptest::prelude::*;

/// Relative slack when a value at a longer horizon is compared with the
/// value at a shorter one: `later >= earlier * (1 - MONOTONE_SLACK) - 1e-12`.
const MONOTONE_SLACK: f64 = 1e-9;
/// Slack on `Σ_n P(X = n) <= 1`.
const SUM_SLACK: f64 = 1e-9;

/// `(x, t_x, T)`.
type RfmRow = (f64, f64, f64);
/// `(x, t_x, n)` of BG/BB.
type DiscreteRow = (u32, u32, u32);
/// `(frequency, recency, T, monetary_value)`.
type SummaryRow = (f64, f64, f64, f64);

/// Repeat purchases on the grid.
const XS: [f64; 5] = [0.0, 1.0, 10.0, 100.0, 10_000.0];
/// T in days: 0, a day, a month, a year and 10 years.
const T_DAYS: [f64; 5] = [0.0, 1.0, 30.0, 365.0, 3_652.0];
/// T in weeks: 0, a month, a year and 10 years.
const T_WEEKS: [f64; 4] = [0.0, 4.0, 52.0, 521.0];
/// Horizons, increasing, in the data's period unit.
const HORIZONS: [f64; 6] = [0.0, 1.0, 30.0, 365.0, 3_652.0, 36_520.0];

/// Every `(x, t_x, T)` of the grid: t_x at 0, T/2 and T (only 0 when x = 0).
fn grid_customers() -> Vec<Rfm> {
    let mut out = Vec::new();
    for t in T_DAYS.iter().chain(&T_WEEKS) {
        for &x in &XS {
            let recencies: &[f64] = if x == 0.0 { &[0.0] } else { &[0.0, 0.5, 1.0] };
            for share in recencies {
                out.push(Rfm::new(x, share * t, *t).unwrap());
            }
        }
    }
    out
}

/// A parameter grid around a typical point: the typical point, each
/// parameter alone at its low and its high end, all low, all high, and the
/// two mixed corners of shape against scale.
fn around(typical: [f64; 4], low: [f64; 4], high: [f64; 4]) -> Vec<[f64; 4]> {
    let mut out = vec![typical, low, high];
    for i in 0..4 {
        for end in [low, high] {
            let mut p = typical;
            p[i] = end[i];
            out.push(p);
        }
    }
    out.push([low[0], high[1], low[2], high[3]]);
    out.push([high[0], low[1], high[2], low[3]]);
    out
}

/// BG/NBD and MBG/NBD parameters `(r, alpha, a, b)` around CDNOW's weekly
/// fit (r 0.24, alpha 4.41, a 0.79, b 2.43; Fader, Hardie & Lee 2005a):
/// shapes from 0.01 to 10 (b to 50), scales from 0.1 to 1,000 periods.
fn bg_params() -> Vec<[f64; 4]> {
    around(
        [0.24, 4.41, 0.79, 2.43],
        [0.01, 0.1, 0.01, 0.01],
        [10.0, 1_000.0, 5.0, 50.0],
    )
}

/// Pareto/NBD parameters `(r, alpha, s, beta)` around CDNOW's weekly fit
/// (r 0.55, alpha 10.58, s 0.61, beta 11.67).
fn pareto_params() -> Vec<[f64; 4]> {
    around(
        [0.55, 10.58, 0.61, 11.67],
        [0.01, 0.1, 0.01, 0.1],
        [10.0, 1_000.0, 5.0, 1_000.0],
    )
}

/// The purchase models on the parameter grids.
fn purchase_models() -> Vec<(String, Box<dyn PurchaseModel>)> {
    let mut out: Vec<(String, Box<dyn PurchaseModel>)> = Vec::new();
    for [r, alpha, a, b] in bg_params() {
        out.push((
            format!("bgnbd({r}, {alpha}, {a}, {b})"),
            Box::new(BgNbd::new(r, alpha, a, b).unwrap()),
        ));
        out.push((
            format!("mbgnbd({r}, {alpha}, {a}, {b})"),
            Box::new(MbgNbd::new(r, alpha, a, b).unwrap()),
        ));
    }
    for [r, alpha, s, beta] in pareto_params() {
        out.push((
            format!("pareto({r}, {alpha}, {s}, {beta})"),
            Box::new(ParetoNbd::new(r, alpha, s, beta).unwrap()),
        ));
    }
    out
}

fn non_decreasing(earlier: f64, later: f64) -> bool {
    later >= earlier * (1.0 - MONOTONE_SLACK) - 1e-12
}

/// The per-customer invariants of a purchase model.
fn check_customer(name: &str, model: &dyn PurchaseModel, c: &Rfm) -> Result<(), String> {
    let id = || {
        format!(
            "{name} at x={}, t_x={}, T={}",
            c.frequency(),
            c.recency(),
            c.t()
        )
    };
    let p = model.p_alive(c);
    if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
        return Err(format!("{}: p_alive {p}", id()));
    }
    let mut previous = 0.0;
    for h in HORIZONS {
        let e = model.expected_purchases(c, h);
        if !(e.is_finite() && e >= 0.0) {
            return Err(format!("{}: expected purchases over {h} = {e}", id()));
        }
        if !non_decreasing(previous, e) {
            return Err(format!(
                "{}: expected purchases decrease from {previous} to {e} at horizon {h}",
                id()
            ));
        }
        previous = e;
    }
    Ok(())
}

/// The population-level invariants of a purchase model.
fn check_population(name: &str, model: &dyn PurchaseModel) -> Result<(), String> {
    let mut previous = 0.0;
    for h in HORIZONS {
        let e = model.expected_purchases_new(h);
        if !(e.is_finite() && e >= 0.0) {
            return Err(format!("{name}: E[X({h})] = {e}"));
        }
        if !non_decreasing(previous, e) {
            return Err(format!(
                "{name}: E[X(t)] decreases from {previous} to {e} at {h}"
            ));
        }
        previous = e;
    }
    for t in [0.0, 1.0, 30.0, 365.0] {
        let mut sum = 0.0;
        for n in 0..=60 {
            let p = model.p_purchases(n, t);
            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                return Err(format!("{name}: P(X({t}) = {n}) = {p}"));
            }
            sum += p;
        }
        if sum > 1.0 + SUM_SLACK {
            return Err(format!("{name}: Σ P(X({t}) = n) = {sum} > 1"));
        }
    }
    Ok(())
}

/// Runs `check` on every case and reports all failures at once, so that a
/// failing run shows the whole extent of a problem.
fn all_failures<T>(cases: &[T], check: impl Fn(&T) -> Result<(), String>) -> Vec<String> {
    cases.iter().filter_map(|c| check(c).err()).collect()
}

fn assert_none(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} failures, first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn purchase_models_on_the_grid() {
    let customers = grid_customers();
    let models = purchase_models();
    let mut failures = Vec::new();
    for (name, model) in &models {
        failures.extend(check_population(name, model.as_ref()).err());
        failures.extend(all_failures(&customers, |c| {
            check_customer(name, model.as_ref(), c)
        }));
    }
    assert_none("purchase models", &failures);
}

#[test]
fn clv_on_the_grid_is_finite_and_not_negative() {
    // Spends of 0 and of a typical order, in days and in weeks.
    let customers = grid_customers();
    let data = RfmData::new(&customers).unwrap();
    let mut failures = Vec::new();
    for (name, model) in purchase_models() {
        for (periods_per_month, unit) in [(30.0, "days"), (4.345, "weeks")] {
            for spend in [0.0, 35.0] {
                let options = ClvOptions {
                    periods_per_month,
                    ..ClvOptions::default()
                };
                let spends = vec![spend; data.len()];
                let clv = customer_lifetime_value(model.as_ref(), &data, &spends, &options)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                for (c, v) in customers.iter().zip(&clv) {
                    if !(v.is_finite() && *v >= 0.0) || (spend == 0.0 && *v != 0.0) {
                        failures.push(format!(
                            "{name} in {unit}, spend {spend}: clv {v} at x={}, t_x={}, T={}",
                            c.frequency(),
                            c.recency(),
                            c.t()
                        ));
                    }
                }
            }
        }
    }
    assert_none("clv", &failures);
}

#[test]
fn gamma_gamma_on_the_grid() {
    let mut failures = Vec::new();
    for p in [0.1, 6.25, 50.0] {
        for q in [1.01, 3.74, 50.0] {
            for gamma in [0.01, 15.44, 10_000.0] {
                let model = GammaGamma::new(p, q, gamma).unwrap();
                let mean = model.mean_spend();
                if !(mean.is_finite() && mean > 0.0) {
                    failures.push(format!("gg({p}, {q}, {gamma}): mean spend {mean}"));
                }
                for &x in &XS {
                    for m in [0.0, 0.01, 35.0, 1e6] {
                        let e = model.conditional_expected_spend(&Spend::new(x, m).unwrap());
                        if !(e.is_finite() && e >= 0.0) {
                            failures.push(format!("gg({p}, {q}, {gamma}): E[Z | {x}, {m}] = {e}"));
                        }
                    }
                }
            }
        }
    }
    assert_none("gamma-gamma", &failures);
}

#[test]
fn bgbb_on_the_grid() {
    let mut failures = Vec::new();
    let ns = [0u32, 1, 6, 52, 520, 10_000];
    for alpha in [0.01, 1.2, 50.0] {
        for beta in [0.01, 0.75, 50.0] {
            for gamma in [0.01, 0.66, 1.0, 50.0] {
                for delta in [0.01, 2.78, 50.0] {
                    let name = format!("bgbb({alpha}, {beta}, {gamma}, {delta})");
                    let model = BgBb::new(alpha, beta, gamma, delta).unwrap();
                    for &n in &ns {
                        for x in [0, 1, n / 2, n].into_iter().filter(|&x| x <= n) {
                            for recency in [x, (x + n) / 2, n] {
                                let Ok(c) = DiscreteRfm::new(x, recency, n) else {
                                    continue;
                                };
                                failures.extend(check_bgbb_customer(&name, &model, &c).err());
                            }
                        }
                    }
                    let mut previous = 0.0;
                    for n in [0, 1, 6, 52, 520, 10_000] {
                        let e = model.expected_purchases_new(n);
                        if !(e.is_finite() && e >= 0.0 && non_decreasing(previous, e)) {
                            failures.push(format!("{name}: E[X(n={n})] = {e} after {previous}"));
                        }
                        previous = e;
                    }
                    for n in [0u32, 1, 6, 30] {
                        let mut sum = 0.0;
                        for x in 0..=n {
                            let p = model.p_purchases(x, n);
                            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                                failures.push(format!("{name}: P(X({n}) = {x}) = {p}"));
                            }
                            sum += p;
                        }
                        if sum > 1.0 + SUM_SLACK {
                            failures.push(format!("{name}: Σ P(X({n}) = x) = {sum}"));
                        }
                    }
                }
            }
        }
    }
    assert_none("bg/bb", &failures);
}

fn check_bgbb_customer(name: &str, model: &BgBb, c: &DiscreteRfm) -> Result<(), String> {
    let id = format!(
        "{name} at x={}, t_x={}, n={}",
        c.frequency(),
        c.recency(),
        c.n()
    );
    let p = model.p_alive(c);
    if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
        return Err(format!("{id}: p_alive {p}"));
    }
    let mut previous = 0.0;
    for future in [0, 1, 5, 52, 520, 5_200] {
        let e = model.expected_purchases(c, future);
        if !(e.is_finite() && e >= 0.0 && non_decreasing(previous, e)) {
            return Err(format!(
                "{id}: expected purchases over {future} = {e} after {previous}"
            ));
        }
        previous = e;
    }
    Ok(())
}

#[test]
fn sbg_on_the_grid() {
    let mut failures = Vec::new();
    for alpha in [0.01, 0.67, 1.0, 50.0] {
        for beta in [0.01, 3.81, 1_000.0] {
            let name = format!("sbg({alpha}, {beta})");
            let model = ShiftedBetaGeometric::new(alpha, beta).unwrap();
            let mut previous = 1.0;
            for t in [0u32, 1, 2, 12, 120, 10_000] {
                let s = model.survival(t);
                if !(s.is_finite() && (0.0..=1.0).contains(&s) && s <= previous + 1e-12) {
                    failures.push(format!("{name}: S({t}) = {s} after {previous}"));
                }
                previous = s;
                if t >= 1 {
                    let churn = model.churn_probability(t);
                    let retention = model.retention_rate(t);
                    for (what, v) in [("churn", churn), ("retention", retention)] {
                        if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                            failures.push(format!("{name}: {what}({t}) = {v}"));
                        }
                    }
                }
            }
        }
    }
    assert_none("sbg", &failures);
}

// ---------------------------------------------------------------------------
// Fits on degenerate data: a clear error, or finite parameters and
// predictions in range.
// ---------------------------------------------------------------------------

fn rfm(rows: &[(f64, f64, f64)]) -> RfmData {
    let rows: Vec<Rfm> = rows
        .iter()
        .map(|&(x, tx, t)| Rfm::new(x, tx, t).unwrap())
        .collect();
    RfmData::new(&rows).unwrap()
}

/// Degenerate RFM data sets, by name.
fn degenerate_rfm() -> Vec<(&'static str, Vec<RfmRow>)> {
    let mut nobody: Vec<(f64, f64, f64)> = (0..50).map(|i| (0.0, 0.0, f64::from(i * 7))).collect();
    nobody.push((0.0, 0.0, 3_652.0));
    let all_t_zero: Vec<_> = (0..20).map(|i| (f64::from(i % 3), 0.0, 0.0)).collect();
    let mut heavy: Vec<_> = (0..30)
        .map(|i| {
            (
                f64::from(i % 4),
                f64::from(i % 4) * 20.0,
                100.0 + f64::from(i),
            )
        })
        .collect();
    heavy.push((10_000.0, 3_650.0, 3_652.0));
    vec![
        ("single customer", vec![(3.0, 20.0, 30.0)]),
        ("single customer without repeats", vec![(0.0, 0.0, 30.0)]),
        ("single customer at T = 0", vec![(0.0, 0.0, 0.0)]),
        ("nobody repeats", nobody),
        ("all T zero", all_t_zero),
        ("one customer with 10,000 repeats", heavy),
        (
            "two identical customers",
            vec![(2.0, 10.0, 20.0), (2.0, 10.0, 20.0)],
        ),
    ]
}

#[test]
fn purchase_model_fits_on_degenerate_data() {
    let mut failures = Vec::new();
    for (case, rows) in degenerate_rfm() {
        let data = rfm(&rows);
        for kind in [ModelKind::BgNbd, ModelKind::MbgNbd, ModelKind::ParetoNbd] {
            let name = format!("{} on {case}", kind.name());
            match kind.fit_purchase_model(&data, &FitOptions::default()) {
                Err(e) => {
                    let message = e.to_string();
                    if message.is_empty() || message.starts_with(char::is_uppercase) {
                        failures.push(format!("{name}: unclear error {message:?}"));
                    }
                }
                Ok(fit) => {
                    for (p, v) in fit.params().iter() {
                        if !(v.is_finite() && v > 0.0) {
                            failures.push(format!("{name}: {p} = {v}"));
                        }
                    }
                    for (what, v) in [
                        ("log-likelihood", fit.log_likelihood()),
                        ("aic", fit.aic()),
                        ("bic", fit.bic()),
                    ] {
                        if !v.is_finite() {
                            failures.push(format!("{name}: {what} {v}"));
                        }
                    }
                    let model = fit.model().as_ref();
                    failures.extend(check_population(&name, model).err());
                    for (x, tx, t) in &rows {
                        let c = Rfm::new(*x, *tx, *t).unwrap();
                        failures.extend(check_customer(&name, model, &c).err());
                    }
                }
            }
        }
    }
    assert_none("degenerate purchase fits", &failures);
}

#[test]
fn gamma_gamma_fits_on_degenerate_spends() {
    let cases: Vec<(&str, Vec<(f64, f64)>)> = vec![
        ("single customer", vec![(3.0, 20.0)]),
        (
            "all zero spends",
            (0..20).map(|i| (f64::from(1 + i % 3), 0.0)).collect(),
        ),
        (
            "negative spends",
            (0..20)
                .map(|i| (f64::from(1 + i % 3), -5.0 - f64::from(i)))
                .collect(),
        ),
        (
            "identical spends",
            (0..20).map(|i| (f64::from(1 + i % 3), 25.0)).collect(),
        ),
        (
            "nobody repeats",
            (0..20).map(|i| (0.0, f64::from(i))).collect(),
        ),
        ("10,000 repeats", {
            let mut v: Vec<_> = (0..20)
                .map(|i| (f64::from(1 + i % 3), 10.0 + f64::from(i)))
                .collect();
            v.push((10_000.0, 12.5));
            v
        }),
        (
            "tiny and huge spends",
            (0..20)
                .map(|i| (1.0, if i % 2 == 0 { 1e-6 } else { 1e9 }))
                .collect(),
        ),
    ];
    let mut failures = Vec::new();
    for (case, rows) in cases {
        let spends: Vec<Spend> = rows
            .iter()
            .map(|&(x, m)| Spend::new(x, m).unwrap())
            .collect();
        match GammaGamma::fit(&spends, &FitOptions::default()) {
            Err(e) => {
                let message = e.to_string();
                if message.is_empty() || message.starts_with(char::is_uppercase) {
                    failures.push(format!("gamma-gamma on {case}: unclear error {message:?}"));
                }
            }
            Ok(fit) => {
                for (p, v) in fit.params().iter() {
                    if !(v.is_finite() && v > 0.0) {
                        failures.push(format!("gamma-gamma on {case}: {p} = {v}"));
                    }
                }
                for s in &spends {
                    let e = fit.model().conditional_expected_spend(s);
                    if !(e.is_finite() && e >= 0.0) {
                        failures.push(format!(
                            "gamma-gamma on {case}: E[Z | {}, {}] = {e}",
                            s.frequency(),
                            s.monetary_value()
                        ));
                    }
                }
            }
        }
    }
    assert_none("degenerate gamma-gamma fits", &failures);
}

#[test]
fn bgbb_and_sbg_fits_on_degenerate_data() {
    let mut failures = Vec::new();
    let bgbb_cases: Vec<(&str, Vec<DiscreteRow>)> = vec![
        ("single customer", vec![(3, 5, 6)]),
        ("nobody repeats", (0..20).map(|_| (0, 0, 6)).collect()),
        ("everyone every time", (0..20).map(|_| (6, 6, 6)).collect()),
        ("no opportunities", (0..20).map(|_| (0, 0, 0)).collect()),
        (
            "10,000 opportunities",
            vec![(10_000, 10_000, 10_000), (0, 0, 10_000), (5, 9_000, 10_000)],
        ),
    ];
    for (case, rows) in bgbb_cases {
        let rows: Vec<DiscreteRfm> = rows
            .iter()
            .map(|&(x, tx, n)| DiscreteRfm::new(x, tx, n).unwrap())
            .collect();
        let Ok(data) = DiscreteRfmData::new(&rows) else {
            continue;
        };
        match BgBb::fit(&data, &FitOptions::default()) {
            Err(e) => {
                if e.to_string().is_empty() {
                    failures.push(format!("bg/bb on {case}: empty error"));
                }
            }
            Ok(fit) => {
                let name = format!("bg/bb on {case}");
                if !fit.log_likelihood().is_finite() {
                    failures.push(format!("{name}: log-likelihood {}", fit.log_likelihood()));
                }
                for c in &rows {
                    failures.extend(check_bgbb_customer(&name, fit.model(), c).err());
                }
            }
        }
    }
    let sbg_cases: Vec<(&str, Vec<f64>)> = vec![
        ("nobody churns", vec![100.0, 100.0, 100.0, 100.0]),
        ("everyone churns at once", vec![100.0, 0.0, 0.0]),
        ("a cohort of one", vec![1.0, 1.0]),
        ("half churn once", vec![100.0, 50.0]),
        (
            "a long series",
            (0..200)
                .map(|t| 1e6 * 0.99f64.powi(t))
                .map(f64::floor)
                .collect(),
        ),
    ];
    for (case, series) in sbg_cases {
        let data = SurvivalData::new(&series).unwrap();
        match ShiftedBetaGeometric::fit(&data, &FitOptions::default()) {
            Err(e) => {
                if e.to_string().is_empty() {
                    failures.push(format!("sbg on {case}: empty error"));
                }
            }
            Ok(fit) => {
                let m = fit.model();
                for t in [1u32, 12, 1_000] {
                    let s = m.survival(t);
                    if !(s.is_finite() && (0.0..=1.0).contains(&s)) {
                        failures.push(format!("sbg on {case}: S({t}) = {s}"));
                    }
                }
            }
        }
    }
    assert_none("degenerate bg/bb and sbg fits", &failures);
}

// ---------------------------------------------------------------------------
// predict and bootstrap end to end on small and degenerate summaries.
// ---------------------------------------------------------------------------

fn summary(period: Period, rows: &[(f64, f64, f64, f64)]) -> Summary {
    Summary {
        period,
        observation_end: None,
        customers: rows
            .iter()
            .enumerate()
            .map(
                |(i, &(frequency, recency, t, monetary_value))| CustomerSummary {
                    customer_id: format!("c{i}"),
                    frequency,
                    recency,
                    t,
                    monetary_value,
                    first_purchase: None,
                    last_purchase: None,
                    orders: None,
                    total_spend: None,
                    email: None,
                },
            )
            .collect(),
        orders_after_end: 0,
        outlying_purchases: 0,
        guest_orders: 0,
        guest_revenue: 0.0,
        reversed_orders: 0,
        reversed_revenue: 0.0,
    }
}

/// A plausible small base: 60 customers, a third without repeats.
fn plausible_rows() -> Vec<(f64, f64, f64, f64)> {
    (0..60)
        .map(|i| {
            let t = 30.0 + f64::from(i * 11 % 300);
            let x = f64::from(i % 7) * f64::from(u8::from(i % 3 != 0));
            let recency = if x > 0.0 {
                t * f64::from(i % 5 + 1) / 6.0
            } else {
                0.0
            };
            let m = if x > 0.0 {
                20.0 + f64::from(i % 9) * 7.5
            } else {
                0.0
            };
            (x, recency.floor(), t, m)
        })
        .collect()
}

#[test]
fn predict_on_degenerate_summaries_errs_or_stays_in_range() {
    let cases: Vec<(&str, Period, Vec<SummaryRow>)> = vec![
        ("plausible, days", Period::Day, plausible_rows()),
        ("plausible, weeks", Period::Week, plausible_rows()),
        (
            "single customer",
            Period::Day,
            vec![(3.0, 20.0, 30.0, 12.0)],
        ),
        (
            "nobody repeats",
            Period::Day,
            (0..30)
                .map(|i| (0.0, 0.0, f64::from(i * 10), 0.0))
                .collect(),
        ),
        (
            "zero spends",
            Period::Day,
            (0..30)
                .map(|i| (f64::from(i % 3), f64::from(i % 3) * 5.0, 40.0, 0.0))
                .collect(),
        ),
        (
            "all T zero",
            Period::Week,
            (0..30).map(|_| (0.0, 0.0, 0.0, 0.0)).collect(),
        ),
        ("10,000 repeats over 10 years", Period::Day, {
            let mut v = plausible_rows();
            v.push((10_000.0, 3_650.0, 3_652.0, 18.0));
            v
        }),
    ];
    let mut failures = Vec::new();
    for (case, period, rows) in cases {
        // Fits are slow in a debug build: BG/NBD on every case, MBG/NBD on
        // the plausible base in days, Pareto/NBD on the single customer.
        for model in [ModelKind::BgNbd, ModelKind::MbgNbd, ModelKind::ParetoNbd] {
            let run = match model {
                ModelKind::MbgNbd => case == "plausible, days",
                ModelKind::ParetoNbd => case == "single customer",
                _ => true,
            };
            if !run {
                continue;
            }
            let name = format!("predict {} on {case}", model.name());
            let options = PredictOptions {
                model,
                ..PredictOptions::default()
            };
            match predict(&summary(period, &rows), &options) {
                Err(e) => {
                    let message = e.to_string();
                    if message.is_empty() || message.starts_with(char::is_uppercase) {
                        failures.push(format!("{name}: unclear error {message:?}"));
                    }
                }
                Ok(p) => {
                    for c in &p.customers {
                        let ok = (0.0..=1.0).contains(&c.p_alive)
                            && c.expected_purchases.is_finite()
                            && c.expected_purchases >= 0.0
                            && c.expected_order_value.is_finite()
                            && c.expected_order_value >= 0.0
                            && c.clv.is_finite()
                            && c.clv >= 0.0;
                        if !ok {
                            failures.push(format!("{name}: {c:?}"));
                        }
                    }
                    let b = &p.base;
                    if !(b.total_clv.is_finite() && b.total_clv >= 0.0 && b.expected_revenue >= 0.0)
                    {
                        failures.push(format!("{name}: base {b:?}"));
                    }
                }
            }
        }
    }
    assert_none("predict", &failures);
}

#[test]
fn bootstrap_intervals_contain_their_estimates() {
    let mut failures = Vec::new();
    // The first 20 customers of the plausible base: the bootstrap refits
    // each resample, which is slow in a debug build.
    let cases: Vec<(&str, Vec<SummaryRow>)> =
        vec![("plausible", plausible_rows().into_iter().take(20).collect())];
    for (case, rows) in cases {
        for model in [ModelKind::BgNbd] {
            let name = format!("bootstrap {} on {case}", model.name());
            let options = BootstrapOptions {
                samples: 10,
                seed: 7,
                predict: PredictOptions {
                    model,
                    ..PredictOptions::default()
                },
                ..BootstrapOptions::default()
            };
            let b = match bootstrap(&summary(Period::Day, &rows), &options) {
                Ok(b) => b,
                Err(e) => {
                    failures.push(format!("{name}: {e}"));
                    continue;
                }
            };
            let mut intervals: Vec<(String, ltvlab::bootstrap::Interval)> = b
                .params
                .iter()
                .chain(&b.spend_params)
                .map(|p| (p.name.to_owned(), p.interval))
                .collect();
            intervals.extend(
                b.clv
                    .iter()
                    .enumerate()
                    .map(|(i, iv)| (format!("clv[{i}]"), *iv)),
            );
            intervals.extend(b.total_clv.map(|iv| ("total clv".to_owned(), iv)));
            assert!(intervals.len() > rows.len(), "{name}: {}", intervals.len());
            for (what, iv) in intervals {
                let ok = iv.low.is_finite()
                    && iv.high.is_finite()
                    && iv.low <= iv.estimate
                    && iv.estimate <= iv.high;
                if !ok {
                    failures.push(format!("{name}: {what} {iv:?}"));
                }
            }
        }
    }
    assert_none("bootstrap", &failures);
}

// ---------------------------------------------------------------------------
// Generated parameters and customers.
// ---------------------------------------------------------------------------

/// A log-uniform value in `[lo, hi]`.
fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo.ln()..hi.ln()).prop_map(f64::exp)
}

/// A customer: x up to 10,000, T up to 10 years in days, t_x in [0, T].
fn customer() -> impl Strategy<Value = (f64, f64, f64)> {
    (0u32..=10_000, 0.0..=3_652.0f64, 0.0..=1.0f64).prop_map(|(x, t, share)| {
        let t = t.floor();
        let x = f64::from(x);
        let recency = if x > 0.0 { (t * share).floor() } else { 0.0 };
        (x, recency, t)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn generated_purchase_models_stay_in_range(
        r in log_uniform(0.005, 50.0),
        alpha in log_uniform(0.01, 5_000.0),
        a in log_uniform(0.005, 50.0),
        // b below 1 with a large `a` hits the bug reproduced in
        // `bgnbd_expected_purchases_fall_to_zero_when_b_is_small`
        // (failing cases seen at b = 0.0093 and b = 0.082).
        b in log_uniform(1.0, 500.0),
        customers in prop::collection::vec(customer(), 1..6),
    ) {
        let models: Vec<(String, Box<dyn PurchaseModel>)> = vec![
            (format!("bgnbd({r}, {alpha}, {a}, {b})"), Box::new(BgNbd::new(r, alpha, a, b).unwrap())),
            (format!("mbgnbd({r}, {alpha}, {a}, {b})"), Box::new(MbgNbd::new(r, alpha, a, b).unwrap())),
            (format!("pareto({r}, {alpha}, {a}, {b})"), Box::new(ParetoNbd::new(r, alpha, a, b).unwrap())),
        ];
        for (name, model) in &models {
            check_population(name, model.as_ref()).map_err(TestCaseError::fail)?;
            for &(x, tx, t) in &customers {
                let c = Rfm::new(x, tx, t).unwrap();
                check_customer(name, model.as_ref(), &c).map_err(TestCaseError::fail)?;
            }
        }
    }

    #[test]
    fn generated_bgbb_and_gamma_gamma_stay_in_range(
        params in (log_uniform(0.005, 100.0), log_uniform(0.005, 100.0), log_uniform(0.005, 100.0), log_uniform(0.005, 100.0)),
        n in 0u32..=10_000,
        x_share in 0.0..=1.0f64,
        r_share in 0.0..=1.0f64,
        q in log_uniform(1.001, 100.0),
        m in 0.0..1e6f64,
    ) {
        let (alpha, beta, gamma, delta) = params;
        let model = BgBb::new(alpha, beta, gamma, delta).unwrap();
        let x = (f64::from(n) * x_share).floor() as u32;
        let recency = if x == 0 { 0 } else { x + ((f64::from(n - x) * r_share).floor() as u32) };
        let c = DiscreteRfm::new(x, recency, n).unwrap();
        check_bgbb_customer(&format!("bgbb({alpha}, {beta}, {gamma}, {delta})"), &model, &c)
            .map_err(TestCaseError::fail)?;
        let gg = GammaGamma::new(alpha, q, delta).unwrap();
        let e = gg.conditional_expected_spend(&Spend::new(f64::from(x), m).unwrap());
        prop_assert!(e.is_finite() && e >= 0.0, "gg({alpha}, {q}, {delta}): E[Z | {x}, {m}] = {e}");
    }
}

// ---------------------------------------------------------------------------
// Bugs found by the stress tests, kept as precise reproductions now that
// they are fixed (src/models/bgnbd.rs: quadrature when the series is not
// accurate, rising factorials in P(X(t) = n); src/predict.rs: negative
// spends left out of the observed mean).
// ---------------------------------------------------------------------------

/// Found by `generated_purchase_models_stay_in_range` (proptest's minimal
/// case). `expected_while_alive_raw` in src/models/bgnbd.rs falls back to
/// integrating over p ~ Beta(a, b) when the 2F1 form is not usable; with
/// b < 1 the density is singular at p = 1, the integral is not finite and
/// the fallback returns 0. E[X(t)] of a new customer then drops from ≈ 1 at
/// 10 years to 0 at 100 years, although it can only grow with t.
#[test]
fn bgnbd_expected_purchases_fall_to_zero_when_b_is_small() {
    let model = BgNbd::new(1.0, 1.0, 35.49789014751859, 0.009309186447062521).unwrap();
    let ten_years = model.expected_purchases_new(3_652.0);
    let hundred_years = model.expected_purchases_new(36_520.0);
    assert!(ten_years > 0.99, "{ten_years}");
    assert!(
        non_decreasing(ten_years, hundred_years),
        "E[X(3652)] = {ten_years}, E[X(36520)] = {hundred_years}"
    );
}

/// Found by `purchase_model_fits_on_degenerate_data`: 20 customers with
/// 9,981 to 10,000 repeats, all at t_x = T = 3,652 days. The BG/NBD fit
/// succeeds, but E[X(t)] of a new customer falls from 82 at t = 30 to 0.009
/// at t = 365, and the customers' expected purchases from ≈ 9,990 at 10
/// years to 0.86 at 100 years.
#[test]
fn bgnbd_fit_on_heavy_buyers_predicts_decreasing_purchases() {
    let rows: Vec<(f64, f64, f64)> = (0..20)
        .map(|i| (10_000.0 - f64::from(i), 3_652.0, 3_652.0))
        .collect();
    let fit = BgNbd::fit(&rfm(&rows), &FitOptions::default()).unwrap();
    let params: Vec<String> = fit
        .params()
        .iter()
        .map(|(n, v)| format!("{n} = {v}"))
        .collect();
    let model = fit.model();
    let mut failures = Vec::new();
    failures.extend(check_population("bgnbd", model).err());
    for (x, tx, t) in rows.iter().take(3) {
        failures.extend(check_customer("bgnbd", model, &Rfm::new(*x, *tx, *t).unwrap()).err());
    }
    assert!(
        failures.is_empty(),
        "fitted {params:?}:\n{}",
        failures.join("\n")
    );
}

/// Found by `purchase_model_fits_on_degenerate_data`: 40 customers all
/// observed for T = 100 days, x = i % 5 repeats at t_x = 10·x. The BG/NBD
/// fit succeeds, but its customers' expected purchases fall to 0 from the
/// 30-day horizon on, and the new-customer purchase distribution sums to
/// more than 1 at t = 1.
#[test]
fn bgnbd_fit_on_all_t_equal_data_predicts_decreasing_purchases() {
    let rows: Vec<(f64, f64, f64)> = (0..40)
        .map(|i| (f64::from(i % 5), f64::from(i % 5) * 10.0, 100.0))
        .collect();
    let fit = BgNbd::fit(&rfm(&rows), &FitOptions::default()).unwrap();
    let params: Vec<String> = fit
        .params()
        .iter()
        .map(|(n, v)| format!("{n} = {v}"))
        .collect();
    let model = fit.model();
    let mut failures = Vec::new();
    failures.extend(check_population("bgnbd", model).err());
    for (x, tx, t) in rows.iter().take(5) {
        failures.extend(check_customer("bgnbd", model, &Rfm::new(*x, *tx, *t).unwrap()).err());
    }
    assert!(
        failures.is_empty(),
        "fitted {params:?}:\n{}",
        failures.join("\n")
    );
}

/// Found by `predict_on_degenerate_summaries_errs_or_stays_in_range`: a
/// summary whose monetary values are negative (a summary file can hold
/// them) gives a negative expected order value and a negative CLV: Gamma-
/// Gamma is not used and the observed mean spend, -12, is taken as it is.
#[test]
fn predict_with_negative_spends_gives_negative_clv() {
    let rows: Vec<(f64, f64, f64, f64)> = (0..30)
        .map(|i| (f64::from(1 + i % 3), 10.0, 40.0, -12.0))
        .collect();
    let p = predict(&summary(Period::Day, &rows), &PredictOptions::default()).unwrap();
    for c in &p.customers {
        assert!(c.expected_order_value >= 0.0 && c.clv >= 0.0, "{c:?}");
    }
}
