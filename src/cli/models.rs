//! `ltvlab fit`, `ltvlab predict` and `ltvlab analyze`: the customer-base
//! models on an orders file or a per-customer summary.
//!
//! Transaction files and lifetimes-style summary files
//! (`customer_id,frequency,recency,T,monetary_value`) go through ingest. The
//! two discrete-time models read small CSV files of their own with the `csv`
//! crate:
//!
//! - `--model bgbb`: one row per customer with `frequency`, `recency` and
//!   `n_periods` (also `n` or `periods`), or a count table with the same
//!   columns and a `weight` column (also `weights` or `count`);
//! - `--model sbg`: a survival series, one row per period with the number of
//!   customers still active in column `active`, the cohort size first.
//!
//! A summary file with a weight column (`customers` or `weight`: the
//! customers each row stands for, as `docs/patterns.sql` writes it) is read
//! here too, for the purchase models and Gamma-Gamma ([`ltvlab::weighted`]).

use std::io::Write;
use std::path::Path;

use clap::builder::PossibleValue;
use clap::{Args, ValueEnum};

use ltvlab::bootstrap::{self, BootstrapOptions};
use ltvlab::cohorts::Histories;
use ltvlab::groups;
use ltvlab::ingest::Dataset;
use ltvlab::models::{
    covariate_effects, BgBb, CovariateModel, CovariateOptions, CovariateReport, DiscreteRfm,
    DiscreteRfmData, Estimate, Fit, FitOptions, GammaGamma, GroupEffect, GroupKind, LrTest,
    ModelKind, RfmData, ShiftedBetaGeometric, Spend, SurvivalData,
};
use ltvlab::models::{sbg_covariate_effects, Lifetime, SbgCovariateOptions, SbgCovariateReport};
use ltvlab::predict;
use ltvlab::validate;
use ltvlab::weighted::{self, WeightedSummary};

use super::error::{CliError, CliResult};
use super::format::{cell, num, pad};
use super::input::{read_input, read_summary, summarize, InputArgs, PeriodArgs};
use ltvlab::report::{dashboard, NoteCode, ReportOptions, Section};
use ltvlab::summary::{self, CustomerSummary, Period, Summary};

/// The other spellings each model's name (`ModelKind::name`) is accepted
/// under, one list for `fit --model` and `predict`/`analyze --model`.
fn model_aliases(kind: ModelKind) -> &'static [&'static str] {
    match kind {
        ModelKind::BgNbd => &["bg/nbd", "bg-nbd"],
        ModelKind::MbgNbd => &["mbg/nbd", "mbg-nbd"],
        ModelKind::ParetoNbd => &["pareto/nbd", "pareto-nbd", "paretonbd"],
        ModelKind::GammaGamma => &["gamma-gamma", "gamma/gamma", "gg"],
        ModelKind::BgBb => &["bg/bb", "bg-bb"],
        ModelKind::Sbg => &["shifted-beta-geometric"],
    }
}

/// A model as clap lists and parses it: its name and its aliases.
fn model_value(kind: ModelKind) -> PossibleValue {
    PossibleValue::new(kind.name()).aliases(model_aliases(kind).iter().copied())
}

/// `fit --model`: every model `fit` can fit.
#[derive(Clone, Copy)]
pub(crate) struct FitModel(ModelKind);

/// [`FitModel`]'s values, in `ModelKind::ALL`'s order.
const FIT_MODELS: [FitModel; 6] = [
    FitModel(ModelKind::BgNbd),
    FitModel(ModelKind::MbgNbd),
    FitModel(ModelKind::ParetoNbd),
    FitModel(ModelKind::GammaGamma),
    FitModel(ModelKind::BgBb),
    FitModel(ModelKind::Sbg),
];

impl ValueEnum for FitModel {
    fn value_variants<'a>() -> &'a [Self] {
        &FIT_MODELS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(model_value(self.0))
    }
}

impl From<FitModel> for ModelKind {
    fn from(m: FitModel) -> ModelKind {
        m.0
    }
}

/// `predict --model` and `analyze --model`: the purchase models, or `auto`.
#[derive(Clone, Copy)]
pub(crate) enum ValueModel {
    Purchase(ModelKind),
    Auto,
}

/// [`ValueModel`]'s values: `validate::AUTO_MODELS`, then `auto`.
const VALUE_MODELS: [ValueModel; 4] = [
    ValueModel::Purchase(validate::AUTO_MODELS[0]),
    ValueModel::Purchase(validate::AUTO_MODELS[1]),
    ValueModel::Purchase(validate::AUTO_MODELS[2]),
    ValueModel::Auto,
];

impl ValueEnum for ValueModel {
    fn value_variants<'a>() -> &'a [Self] {
        &VALUE_MODELS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match *self {
            ValueModel::Purchase(kind) => model_value(kind),
            ValueModel::Auto => PossibleValue::new("auto"),
        })
    }
}

impl ValueModel {
    /// The model, or `None` for `auto` (the holdout chooses).
    fn kind(self) -> Option<ModelKind> {
        match self {
            ValueModel::Purchase(kind) => Some(kind),
            ValueModel::Auto => None,
        }
    }
}

/// `ltvlab fit`.
#[derive(Args)]
pub(crate) struct FitArgs {
    #[command(flatten)]
    input: InputArgs,
    /// bgnbd, mbgnbd, pareto, gammagamma, bgbb or sbg.
    #[arg(long, value_enum, ignore_case = true, default_value_t = FitModel(ModelKind::BgNbd))]
    model: FitModel,
    /// Print the fit as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    period: PeriodArgs,
    /// Fit bgnbd, mbgnbd or pareto (and the Gamma-Gamma spend model) with the group of each customer
    /// as a covariate: the value of column COL on their first order (the column is mapped to
    /// the group role). Prints each group's purchase-rate and dropout multipliers with 90%
    /// intervals, a new customer's expected 12-month purchases and value, and the
    /// likelihood-ratio test against the model without groups.
    /// With --model sbg: the subscribers of an orders file with a subscription flag (or
    /// inferred from regular intervals), each one's churn shapes by group; prints each group's
    /// churn at the first renewal, its multiplier and the expected deliveries among 36, with
    /// 90% intervals, and the likelihood-ratio test against the plain sBG.
    #[arg(long, value_name = "COL")]
    covariate: Option<String>,
}

/// The valuation options shared by predict and analyze.
#[derive(Args)]
pub(crate) struct ValueArgs {
    /// Purchase model: bgnbd, mbgnbd, pareto, or auto (the lowest holdout error when the
    /// holdout can tell the models apart, else mbgnbd; see `ltvlab::validate`).
    #[arg(long, value_enum, ignore_case = true, default_value_t = ValueModel::Auto)]
    model: ValueModel,
    /// Horizon in months.
    #[arg(long, default_value_t = 12)]
    pub(crate) horizon: u32,
    /// Discount rate per month.
    #[arg(long, default_value_t = 0.01)]
    pub(crate) discount_rate: f64,
    /// Share of each sale that is profit, 0 to 1.
    #[arg(long, default_value_t = 1.0)]
    pub(crate) margin: f64,
}

impl ValueArgs {
    /// The purchase model, or `None` for `auto`.
    pub(crate) fn model(&self) -> Option<ModelKind> {
        self.model.kind()
    }
}

/// `ltvlab predict`.
#[derive(Args)]
pub(crate) struct PredictArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    value: ValueArgs,
    #[command(flatten)]
    period: PeriodArgs,
    /// Bootstrap 90% intervals for each customer's CLV (clv_low, clv_high).
    #[arg(long)]
    intervals: bool,
    /// Bootstrap resamples.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Nominal coverage of the intervals.
    #[arg(long, default_value_t = 0.9)]
    level: f64,
    /// Seed of the bootstrap: the same seed gives the same intervals. The
    /// default is the page's seed (0); with `--samples 50`, the page's
    /// resample count, the CLI gives the page's ranges.
    #[arg(long, default_value_t = BootstrapOptions::default().seed)]
    seed: u64,
    /// Add each customer's next-order timing: p_purchase_30d,
    /// p_purchase_90d, and next_order_median, next_order_p10,
    /// next_order_p90 as ISO dates (empty when the customer is more likely
    /// gone than not; dates only for order files), then p_alive_30d and
    /// p_alive_90d (still a customer 30 and 90 days on) and
    /// p_one_purchase_90d, p_two_or_more_purchases_90d (with
    /// 1 - p_purchase_90d, the distribution of purchases in the next 90
    /// days).
    #[arg(long)]
    timing: bool,
}

pub(crate) fn fit(args: &FitArgs, out: &mut impl Write) -> CliResult<()> {
    let kind = ModelKind::from(args.model);
    if let Some(column) = &args.covariate {
        return fit_covariate(args, kind, column, out);
    }
    let options = FitOptions::default();
    let weighted = match kind {
        ModelKind::BgBb | ModelKind::Sbg => None,
        _ => read_weighted_summary(&args.input.file, &args.period)?,
    };
    let json = match (kind, weighted) {
        (ModelKind::GammaGamma, Some(w)) => {
            fit_json(&GammaGamma::fit_weighted(&w.spend_rows()?, &options)?)
        }
        (_, Some(w)) => fit_json(&kind.fit_purchase_model(&w.rfm_data()?, &options)?),
        (kind, None) => match kind {
            ModelKind::BgBb => fit_json(&BgBb::fit(&read_bgbb(&args.input.file)?, &options)?),
            ModelKind::Sbg => fit_json(&ShiftedBetaGeometric::fit(
                &read_survival(&args.input.file)?,
                &options,
            )?),
            ModelKind::GammaGamma => {
                let summary = read_summary(&args.input, &args.period)?;
                let rows: Vec<Spend> = summary
                    .customers
                    .iter()
                    .filter(|c| c.frequency > 0.0)
                    .map(|c| Spend::new(c.frequency, c.monetary_value))
                    .collect::<ltvlab::Result<_>>()?;
                fit_json(&GammaGamma::fit(&rows, &options)?)
            }
            _ => {
                let summary = read_summary(&args.input, &args.period)?;
                let data = RfmData::new(&predict::rfm_rows(&summary.customers)?)?;
                fit_json(&kind.fit_purchase_model(&data, &options)?)
            }
        },
    };
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
    } else {
        write_fit_text(out, &json)?;
    }
    Ok(())
}

pub(crate) fn predict(args: &PredictArgs, out: &mut impl Write) -> CliResult<()> {
    if let Some(w) = read_weighted_summary(&args.input.file, &args.period)? {
        return predict_weighted(args, &w, out);
    }
    let ingested = read_input(&args.input)?;
    let period = args.period.period.map(Period::from);
    // A summary file without its unit is an error here (the page asks).
    summary::period_for(&ingested.data, period)?;
    // The report's predictions: the model chosen on the holdout (`auto`) or
    // named, as `analyze` and the page choose it.
    let report = ReportOptions {
        period,
        observation_end: args.period.observation_end.clone(),
        model: args.value.model(),
        horizon_months: args.value.horizon,
        monthly_discount_rate: args.value.discount_rate,
        margin: args.value.margin,
        sections: Some(vec![Section::Predictions]),
        // The next-order timing only when it is written (`--timing`).
        prediction_timing: args.timing,
        ..ReportOptions::default()
    };
    let d = dashboard(&ingested.data, &report, &mut |_| {})?;
    let (Some(summary), Some(predictions), Some(choice)) =
        (d.summary, d.predictions, d.model_choice)
    else {
        // Why there are no predictions; the short-history caveat is about
        // predictions that exist, not a reason for their absence.
        let why = d
            .notes
            .iter()
            .filter(|n| n.code != NoteCode::ShortHistory)
            .map(|n| n.message.as_str())
            .collect::<Vec<_>>();
        return Err(CliError::Input(why.join("; ")));
    };
    let options = report.predict(choice.model);
    let intervals = if args.intervals {
        let b = BootstrapOptions {
            samples: args.samples,
            level: args.level,
            seed: args.seed,
            predict: options.clone(),
            values: true,
        };
        Some(bootstrap::bootstrap(&summary, &b)?)
    } else {
        None
    };
    let column = |f: fn(&predict::CustomerPrediction) -> f64| -> Vec<f64> {
        predictions.customers.iter().map(f).collect()
    };
    let (p_alive, expected_purchases, expected_order_value, clv) = (
        column(|c| c.p_alive),
        column(|c| c.expected_purchases),
        column(|c| c.expected_order_value),
        column(|c| c.clv),
    );
    // `--timing`: each customer's next-order timing.
    let timing = args
        .timing
        .then(|| ltvlab::export::TimingRows::new(&predictions.customer_timing()));
    let model = ltvlab::export::ModelColumns {
        p_alive: &p_alive,
        expected_purchases: &expected_purchases,
        expected_order_value: &expected_order_value,
        clv: &clv,
        timing: timing.as_ref().map(ltvlab::export::TimingRows::columns),
    };
    // The interval of the expected CLV (parameter uncertainty only) and the
    // range of the customer's actual value over the horizon (parameters and
    // the purchase process): `ltvlab::bootstrap`.
    let ends = intervals.map(|b| {
        let ends = |v: &[ltvlab::bootstrap::Interval]| -> (Vec<f64>, Vec<f64>) {
            (
                v.iter().map(|e| e.low).collect(),
                v.iter().map(|e| e.high).collect(),
            )
        };
        (ends(&b.clv), ends(&b.value_range))
    });
    let interval_columns = ends.as_ref().map(|((low, high), (value_low, value_high))| {
        ltvlab::export::IntervalColumns {
            expected_clv_low: low,
            expected_clv_high: high,
            value_low,
            value_high,
        }
    });
    // The one customers layout, shared with the app's export, written out
    // piece by piece rather than held whole; the first write error stops
    // the writing and is the result.
    let mut written = Ok(());
    ltvlab::export::write_customers_csv(
        &summary,
        Some(model),
        interval_columns,
        None,
        &mut |piece| {
            if written.is_ok() {
                written = out.write_all(piece.as_bytes());
            }
        },
    )?;
    // The process ends after this command: its memory goes back to the
    // operating system at once, so the rows, the summary and the
    // predictions (tens of thousands of strings) are not freed one by one
    // (1–2% of `predict`'s CPU on CDNOW in `perf record`).
    std::mem::forget((ingested, summary, predictions));
    Ok(written?)
}

/// `fit --covariate COL`: the covariate model on the orders file grouped by
/// COL's value on each customer's first order.
fn fit_covariate(
    args: &FitArgs,
    kind: ModelKind,
    column: &str,
    out: &mut impl Write,
) -> CliResult<()> {
    let model = match kind {
        ModelKind::BgNbd => CovariateModel::BgNbd,
        ModelKind::MbgNbd => CovariateModel::MbgNbd,
        ModelKind::ParetoNbd => CovariateModel::ParetoNbd,
        ModelKind::Sbg => return fit_sbg_covariate(args, column, out),
        other => {
            return Err(CliError::Usage(format!(
            "invalid option: --covariate works with --model bgnbd, mbgnbd, pareto or sbg, not {}",
            other.name()
        )))
        }
    };
    if let Some(group) = args.input.group.as_deref().filter(|g| *g != column) {
        return Err(CliError::Usage(format!(
            "invalid option: --covariate {column} and --group {group} name different columns"
        )));
    }
    let mut input = args.input.clone();
    input.group = Some(column.to_owned());
    let ingested = read_input(&input)?;
    let Dataset::Transactions(transactions) = &ingested.data else {
        return Err(CliError::Input(
            "--covariate needs an orders file (one row per order or line), not a per-customer summary"
                .to_owned(),
        ));
    };
    let summary = summarize(&ingested.data, &args.period)?;
    let histories = Histories::new(transactions)?;
    let labels = groups::first_purchase_groups(&histories, &summary)?;
    let labels: Vec<Option<&str>> = labels.iter().map(|l| l.as_deref()).collect();
    let options = CovariateOptions {
        model,
        ..CovariateOptions::default()
    };
    let report = covariate_effects(&summary, &labels, &options)?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        write_covariate_text(out, &report, column, summary.period.name())?;
    }
    Ok(())
}

pub(crate) fn write_covariate_text(
    out: &mut impl Write,
    report: &CovariateReport,
    column: &str,
    period: &str,
) -> std::io::Result<()> {
    let pct = (report.level * 100.0).round();
    writeln!(
        out,
        "model           {} with covariate \"{column}\" ({} customers, {} groups; periods: {period})",
        report.model,
        report.customers,
        report.groups.len()
    )?;
    match report.baseline.as_deref() {
        Some(baseline) => writeln!(
            out,
            "baseline        {baseline} (the largest group with a value)"
        )?,
        None => writeln!(
            out,
            "baseline        the customers without a value (no group has one)"
        )?,
    }
    let interval = |e: &Estimate| estimate_text(e, 2);
    let name = |g: &GroupEffect| group_text(g.kind, g.name.as_deref(), g.values);
    writeln!(
        out,
        "{} {:>9} {:>9}  {:<22} {:<22} {:<22} {:<22} small",
        pad("group", GROUP_WIDTH),
        "customers",
        "repeaters",
        format!("purchase rate ×, {pct}%"),
        format!("dropout ×, {pct}%"),
        format!("purchases in {}m", report.horizon_months),
        format!("value in {}m", report.horizon_months),
    )?;
    for g in &report.groups {
        let value = g
            .expected_value
            .as_ref()
            .map_or_else(|| "-".to_owned(), interval);
        writeln!(
            out,
            "{} {:>9} {:>9}  {:<22} {:<22} {:<22} {:<22} {}",
            cell(&name(g), GROUP_WIDTH),
            g.customers,
            g.repeaters,
            interval(&g.purchase_multiplier),
            interval(&g.dropout_multiplier),
            interval(&g.expected_purchases),
            value,
            if g.small { "yes" } else { "" }
        )?;
    }
    write_lr_and_warnings(
        out,
        &report.lr_test,
        (report.log_likelihood, report.log_likelihood_without),
        &report.diagnostics,
    )
}

/// `predict` on a weighted summary: one row per pattern with its customers
/// and the per-customer values, then the weighted base totals on stderr.
fn predict_weighted(
    args: &PredictArgs,
    w: &WeightedSummary,
    out: &mut impl Write,
) -> CliResult<()> {
    if args.intervals {
        return Err(CliError::Usage(
            "--intervals needs one row per customer, not a weighted summary".to_owned(),
        ));
    }
    // Refused rather than left out: the rows would come without the
    // columns asked for and without a word.
    if args.timing {
        return Err(CliError::Usage(
            "--timing needs one row per customer, not a weighted summary".to_owned(),
        ));
    }
    // The same options as the unweighted path's; `auto` has no holdout in a
    // summary, so it is the fallback model, as there.
    let report = ReportOptions {
        horizon_months: args.value.horizon,
        monthly_discount_rate: args.value.discount_rate,
        margin: args.value.margin,
        ..ReportOptions::default()
    };
    let kind = args.value.model().unwrap_or(validate::FALLBACK_MODELS[0]);
    let p = weighted::predict_weighted(w, &report.predict(kind))?;
    let mut writer = csv::Writer::from_writer(&mut *out);
    writer.write_record([
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "customers",
        "p_alive",
        "expected_purchases",
        "expected_order_value",
        "clv",
    ])?;
    for r in &p.patterns {
        writer.write_record([
            ltvlab::export::safe_cell(&r.customer_id).into_owned(),
            // Shortest round-trip text, as the per-customer export writes.
            r.frequency.to_string(),
            r.recency.to_string(),
            r.t.to_string(),
            r.monetary_value.to_string(),
            r.customers.to_string(),
            r.p_alive.to_string(),
            r.expected_purchases.to_string(),
            r.expected_order_value.to_string(),
            r.clv.to_string(),
        ])?;
    }
    writer.flush()?;
    let b = &p.base;
    let _ = writeln!(
        std::io::stderr(),
        "base ({}, {} months): {} customers in {} patterns; expected purchases {}; expected revenue {}; total clv {}; mean clv {}; mean p_alive {}",
        p.purchase_model.name(),
        b.horizon_months,
        b.customers,
        p.patterns.len(),
        b.expected_purchases,
        b.expected_revenue,
        b.total_clv,
        b.mean_clv,
        b.mean_p_alive
    );
    for d in &p.diagnostics {
        let _ = writeln!(std::io::stderr(), "warning: {}", d.message);
    }
    Ok(())
}

/// The names of a summary file's weight column.
const WEIGHT_COLUMNS: &[&str] = &["customers", "weight"];

/// A lifetimes-style summary file with a weight column ([`WEIGHT_COLUMNS`]),
/// or `None` if `path` has no such header (any other file goes through
/// ingest). Columns: `frequency`, `recency`, `T`, the weight, and optionally
/// `monetary_value` (0 without) and `customer_id` (a label per row).
fn read_weighted_summary(path: &Path, period: &PeriodArgs) -> CliResult<Option<WeightedSummary>> {
    // Stdin, and a file that cannot be opened, are for ingest to read or
    // explain as before.
    if path.as_os_str() == "-" {
        return Ok(None);
    }
    let Ok(mut reader) = open_csv(path) else {
        return Ok(None);
    };
    // A file that is not CSV text is for ingest to explain.
    let Ok(headers) = reader.headers().cloned() else {
        return Ok(None);
    };
    let find = |names: &[&str]| column(&headers, names);
    let (Some(weight), Some(f), Some(r), Some(t)) = (
        find(WEIGHT_COLUMNS),
        find(&["frequency"]),
        find(&["recency"]),
        find(&["T"]),
    ) else {
        return Ok(None);
    };
    let in_file = |e: CliError| CliError::in_file(path.display(), e);
    let Some(unit) = period.period else {
        return Err(in_file(CliError::Usage(
            "a weighted summary does not say whether its frequency, recency and T count days, weeks or months; give --period day, week or month".to_owned(),
        )));
    };
    let (m, id) = (find(&["monetary_value"]), find(&["customer_id", "id"]));
    let weight_name = headers.get(weight).unwrap_or("customers").to_owned();
    let mut customers = Vec::new();
    let mut weights = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| in_file(e.into()))?;
        let line = record.position().map_or(0, |p| p.line());
        let value = |i: usize, name: &str| field::<f64>(&record, i, name, line).map_err(in_file);
        let w = value(weight, &weight_name)?;
        weighted::check_weight(w).map_err(|why| {
            in_file(CliError::Input(format!(
                "line {line}, column \"{weight_name}\": {why}"
            )))
        })?;
        let (frequency, recency, t) =
            (value(f, "frequency")?, value(r, "recency")?, value(t, "T")?);
        let monetary_value = match m {
            Some(i) => value(i, "monetary_value")?,
            None => 0.0,
        };
        ltvlab::models::Rfm::new(frequency, recency, t)
            .map_err(|e| in_file(CliError::Input(format!("line {line}: {e}"))))?;
        if !monetary_value.is_finite() {
            return Err(in_file(CliError::Input(format!(
                "line {line}, column \"monetary_value\": must be a finite number, got {monetary_value}"
            ))));
        }
        customers.push(CustomerSummary {
            customer_id: id.and_then(|i| record.get(i)).unwrap_or("").to_owned(),
            frequency,
            recency,
            t,
            monetary_value,
            first_purchase: None,
            last_purchase: None,
            orders: None,
            total_spend: None,
            email: None,
        });
        weights.push(w);
    }
    if customers.is_empty() {
        return Err(in_file(CliError::Input(
            "the weighted summary has no rows".to_owned(),
        )));
    }
    let summary = Summary {
        period: Period::from(unit),
        observation_end: None,
        customers,
        orders_after_end: 0,
        outlying_purchases: 0,
        guest_orders: 0,
        guest_revenue: 0.0,
        reversed_orders: 0,
        reversed_revenue: 0.0,
    };
    Ok(Some(
        WeightedSummary::new(summary, weights).map_err(|e| in_file(e.into()))?,
    ))
}

/// `{"model","params","log_likelihood","aic","bic","n","converged","iterations","std_errors"}`.
fn fit_json<M>(fit: &Fit<M>) -> serde_json::Value {
    let params: serde_json::Map<String, serde_json::Value> = fit
        .params()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.into()))
        .collect();
    let std_errors = fit.standard_errors().map(|p| {
        p.iter()
            .map(|(k, v)| (k.to_owned(), v.into()))
            .collect::<serde_json::Map<_, _>>()
    });
    let mut json = serde_json::json!({
        "model": fit.name(),
        "params": params,
        "log_likelihood": fit.log_likelihood(),
        "aic": fit.aic(),
        "bic": fit.bic(),
        "n": fit.n(),
        "converged": fit.converged(),
        "iterations": fit.iterations(),
        "std_errors": std_errors,
        "diagnostics": fit.diagnostics(),
    });
    if let Some(note) = fit.standard_errors_note() {
        json["std_errors_note"] = note.into();
    }
    json
}

fn write_fit_text(out: &mut impl Write, json: &serde_json::Value) -> std::io::Result<()> {
    let f = |k: &str| json[k].as_f64().unwrap_or(f64::NAN);
    writeln!(
        out,
        "model           {}",
        json["model"].as_str().unwrap_or("")
    )?;
    if let Some(params) = json["params"].as_object() {
        for (name, value) in params {
            let se = json["std_errors"][name]
                .as_f64()
                .map_or(String::new(), |v| format!("  (se {})", num(v)));
            writeln!(
                out,
                "  {name:<13} {}{se}",
                num(value.as_f64().unwrap_or(f64::NAN))
            )?;
        }
    }
    writeln!(out, "log-likelihood  {}", num(f("log_likelihood")))?;
    writeln!(out, "aic             {}", num(f("aic")))?;
    writeln!(out, "bic             {}", num(f("bic")))?;
    writeln!(out, "n               {}", num(f("n")))?;
    writeln!(
        out,
        "converged       {} after {} iterations",
        json["converged"], json["iterations"]
    )?;
    for d in json["diagnostics"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "warning         {}",
            d["message"].as_str().unwrap_or("")
        )?;
    }
    Ok(())
}

fn open_csv(path: &Path) -> CliResult<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|source| CliError::Io {
        action: "open",
        path: path.display().to_string(),
        source,
    })?;
    Ok(csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file))
}

/// The index of the first header among `names`, case-insensitively.
fn column(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
}

fn field<T: std::str::FromStr>(
    record: &csv::StringRecord,
    index: usize,
    name: &str,
    line: u64,
) -> CliResult<T> {
    let text = record.get(index).unwrap_or("");
    text.parse().map_err(|_| {
        CliError::Input(format!(
            "line {line}, column \"{name}\": cannot read \"{text}\" as a number"
        ))
    })
}

/// Reads BG/BB data: `frequency`, `recency`, `n_periods` and an optional weight.
fn read_bgbb(path: &Path) -> CliResult<DiscreteRfmData> {
    let mut reader = open_csv(path)?;
    let headers = reader.headers()?.clone();
    let need = |names: &[&str]| {
        column(&headers, names).ok_or_else(|| {
            CliError::in_file(
                path.display(),
                CliError::Input(format!(
                    "bgbb needs columns frequency, recency and n_periods (optionally weight); no column \"{}\"",
                    names[0]
                )),
            )
        })
    };
    let (f, r, n) = (
        need(&["frequency", "x"])?,
        need(&["recency", "t_x"])?,
        need(&["n_periods", "n", "periods"])?,
    );
    let weight = column(&headers, &["weight", "weights", "count"]);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        let rfm = DiscreteRfm::new(
            field(&record, f, "frequency", line)?,
            field(&record, r, "recency", line)?,
            field(&record, n, "n_periods", line)?,
        )
        .map_err(|e| CliError::Input(format!("line {line}: {e}")))?;
        let w: f64 = match weight {
            Some(i) => field(&record, i, "weight", line)?,
            None => 1.0,
        };
        rows.push((rfm, w));
    }
    DiscreteRfmData::from_counts(&rows).map_err(|e| CliError::in_file(path.display(), e))
}

/// Reads an sBG survival series from column `active`.
fn read_survival(path: &Path) -> CliResult<SurvivalData> {
    let mut reader = open_csv(path)?;
    let headers = reader.headers()?.clone();
    let active = column(&headers, &["active", "alive", "customers"]).ok_or_else(|| {
        CliError::in_file(
            path.display(),
            CliError::Input(
                "sbg needs a column \"active\" with the customers still active at each period, the cohort size first"
                    .to_owned(),
            ),
        )
    })?;
    let mut values = Vec::new();
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        values.push(field::<f64>(&record, active, "active", line)?);
    }
    SurvivalData::new(&values).map_err(|e| CliError::in_file(path.display(), e))
}

/// `fit --model sbg --covariate COL`: the sBG with a covariate on the
/// subscribers of an orders file ([`ltvlab::subscription::subscriber_lifetimes`]),
/// grouped by COL's value on each subscriber's first order.
fn fit_sbg_covariate(args: &FitArgs, column: &str, out: &mut impl Write) -> CliResult<()> {
    if let Some(group) = args.input.group.as_deref().filter(|g| *g != column) {
        return Err(CliError::Usage(format!(
            "invalid option: --covariate {column} and --group {group} name different columns"
        )));
    }
    let mut input = args.input.clone();
    input.group = Some(column.to_owned());
    let ingested = read_input(&input)?;
    let Dataset::Transactions(transactions) = &ingested.data else {
        return Err(CliError::Input(
            "--model sbg --covariate needs an orders file (one row per order or line), not a per-customer summary"
                .to_owned(),
        ));
    };
    let histories = Histories::new(transactions)?;
    let subscribers = ltvlab::subscription::subscriber_lifetimes(&histories)
        .map_err(|e| CliError::Input(format!("no subscribers to fit: {}", e.0)))?;
    let lifetimes: Vec<Lifetime> = subscribers.iter().map(|s| s.lifetime).collect();
    let labels: Vec<Option<&str>> = subscribers.iter().map(|s| s.group.as_deref()).collect();
    let report = sbg_covariate_effects(&lifetimes, &labels, &SbgCovariateOptions::default())?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        let flagged = transactions.subscription_col().is_some();
        write_sbg_covariate_text(out, &report, column, flagged)?;
    }
    Ok(())
}

fn write_sbg_covariate_text(
    out: &mut impl Write,
    report: &SbgCovariateReport,
    column: &str,
    flagged: bool,
) -> std::io::Result<()> {
    let pct = (report.level * 100.0).round();
    let evidence = if flagged {
        "from the subscription column; periods: deliveries from the 1st"
    } else {
        "inferred from regular intervals; periods: deliveries from the 3rd"
    };
    writeln!(
        out,
        "model           sbg with covariate \"{column}\" ({} subscribers, {} groups; {evidence})",
        report.customers,
        report.groups.len()
    )?;
    match report.baseline.as_deref() {
        Some(baseline) => writeln!(
            out,
            "baseline        {baseline} (the largest group with a value)"
        )?,
        None => writeln!(
            out,
            "baseline        the subscribers without a value (no group has one)"
        )?,
    }
    let interval = estimate_text;
    writeln!(
        out,
        "{} {:>11} {:>7} {:>7}  {:<22} {:<22} {:<24} {:>13} small",
        pad("group", GROUP_WIDTH),
        "subscribers",
        "renewed",
        "churned",
        format!("first churn, {pct}%"),
        format!("churn ×, {pct}%"),
        if flagged {
            format!("deliveries in {}", report.horizon)
        } else {
            format!("deliveries 3rd–{}th", report.horizon + 2)
        },
        "mean lifetime",
    )?;
    for g in &report.groups {
        let name = group_text(g.kind, g.name.as_deref(), g.values);
        writeln!(
            out,
            "{} {:>11} {:>7} {:>7}  {:<22} {:<22} {:<24} {:>13} {}",
            cell(&name, GROUP_WIDTH),
            g.customers,
            g.renewed,
            g.churned,
            interval(&g.first_churn, 3),
            interval(&g.churn_multiplier, 2),
            interval(&g.expected_periods, 1),
            g.mean_lifetime
                .map_or_else(|| "infinite".to_owned(), |m| format!("{m:.1}")),
            if g.small { "yes" } else { "" }
        )?;
    }
    write_lr_and_warnings(
        out,
        &report.lr_test,
        (report.log_likelihood, report.log_likelihood_without),
        &report.diagnostics,
    )
}

/// An estimate with `digits` decimals and its interval, `1.23 [0.98, 1.55]`,
/// or the value alone without one: the covariate tables' cells.
fn estimate_text(e: &Estimate, digits: usize) -> String {
    match (e.low, e.high) {
        (Some(low), Some(high)) => {
            format!("{:.digits$} [{:.digits$}, {:.digits$}]", e.value, low, high)
        }
        _ => format!("{:.digits$}", e.value),
    }
}

/// A covariate group's name in the text tables.
/// The terminal columns of the covariate tables' group column.
const GROUP_WIDTH: usize = 28;

fn group_text(kind: GroupKind, name: Option<&str>, values: usize) -> String {
    match kind {
        GroupKind::Value => name.unwrap_or_default().to_owned(),
        GroupKind::Other => format!("other ({values} values)"),
        GroupKind::Missing => "(no value)".to_owned(),
    }
}

/// The covariate tables' last lines: the likelihood-ratio test against the
/// model without groups (`ll` with and without them), then each diagnostic.
fn write_lr_and_warnings(
    out: &mut impl Write,
    lr: &LrTest,
    (with, without): (f64, f64),
    diagnostics: &[ltvlab::Diagnostic],
) -> std::io::Result<()> {
    writeln!(
        out,
        "LR test         chi2 = {:.3} on {} df, p = {:.4} (log-likelihood {} with groups, {} without)",
        lr.statistic,
        lr.df,
        lr.p_value,
        num(with),
        num(without)
    )?;
    for d in diagnostics {
        writeln!(out, "warning         {d}")?;
    }
    Ok(())
}
