//! The one analysis: from an ingested dataset to the report that both doors
//! show. `ltvlab analyze` and the page's `Analysis` call [`dashboard`] and
//! then [`recommendations`]; they only convert options in and the report
//! out (JSON or text for the CLI, JavaScript values for the page).
//!
//! The order of the work, in two phases ([`describe`], then [`fit_models`],
//! which [`dashboard`] runs in a row; the page draws the first phase's
//! figures while the second runs):
//! 1. the per-customer summary ([`crate::summary`]), in the period the data
//!    or the caller gives ([`crate::summary::period_for`]);
//! 2. from one grouping of the purchases by customer: cohorts, the repeat
//!    funnel ([`crate::funnel`]), the deciles ([`crate::deciles`]), the A–E
//!    ranks ([`crate::rfm_ranks`]) and the subscription retention: the
//!    descriptive figures, which need no model;
//! 3. the purchase model, the caller's or chosen on the holdout
//!    ([`crate::validate::choose_model`]), and the predictions with it;
//! 4. the what-if model and its baseline ([`crate::simulate`]);
//! 5. segments and the groups by channel and first product
//!    ([`crate::groups`]) from the same grouping, valued with the
//!    predictions' model and margin; the holdout validation;
//! 6. later, or at once: the recommendations ([`recommendations`]), for the
//!    most valuable customers first.
//!
//! A section that cannot be computed on this data is left out with a
//! [`Note`]; only bad options are errors.

mod acquisition;
mod gap;
mod large;
mod note;
mod recommendations;

use serde::{Deserialize, Serialize};

pub use acquisition::{AllowableCpo, TARGET_LTV_TO_CAC};
pub use gap::{explains_miss, order_gap, OrderGap, MAX_EXPECTED_RUNS, MIN_GAP_DAYS, MIN_GAP_SHARE};
pub use large::{
    in_cohorts, large_orders, with_forecast, LargeCustomer, LargeOrders, LARGE_ORDER_MULTIPLE,
    MAX_NAMED_CUSTOMERS, MIN_LARGE_SHARE,
};
pub use note::{Note, NoteCode};
pub use recommendations::{
    most_valuable, recommendations, CustomerLists, DueSoon, DueSoonList, ItemList, ItemRef,
    ListOptions, NextBasketMethod, Pair, Popular, RecommendStage, RecommendationsReport,
    Recommended, Together, Why,
};

use crate::cohorts::{cohorts_with, CohortOptions, CohortReport, Histories};
use crate::deciles::{deciles, DecileReport};
use crate::funnel::{repeat_funnel, FunnelReport};
use crate::groups::{
    first_product_groups, first_purchase_groups, groups, GroupOptions, GroupReport,
};
use crate::ingest::Dataset;
use crate::models::{covariate_effects, CovariateModel, CovariateOptions, CovariateReport};
use crate::models::{FitOptions, ModelKind};
use crate::predict::{predict_with_timing, PredictOptions, Predictions, SpendModel};
use crate::rfm_ranks::{rfm_ranks, RfmRankReport};
use crate::segments::{segments_with, segments_with_predictions, SegmentOptions, SegmentReport};
use crate::simulate::{
    new_customer_value, simulate, Scenario, ShopModel, Simulation, SimulationOptions, ValueOptions,
};
use crate::subscription::{subscription_retention, SubscriptionReport};
use crate::summary::{period_for, summarize, Period, Summary, SummaryOptions};
use crate::validate::{choose_model, ChoiceReason, ModelChoice, ValidateOptions, Validation};
use crate::{ErrorKind, Result};

/// A section of the report that can be asked for on its own (the page's
/// section benchmarks time one at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// The per-customer summary.
    Summary,
    /// The purchase model's predictions for every customer.
    Predictions,
    /// The recommendations.
    Recommendations,
    /// Acquisition cohorts.
    Cohorts,
    /// RFM segments and follow-up lists.
    Segments,
    /// The repeat funnel F1→F5 and the F2 conversion rate.
    RepeatFunnel,
    /// Customers in ten spend groups.
    Deciles,
    /// RFM as A–E ranks and the R × F table.
    RfmRanks,
    /// Repeat rate and LTV by channel and by first product.
    Groups,
    /// 定期 (subscription) retention by delivery number with the sBG fit.
    Subscription,
    /// The holdout validation of the purchase models.
    Validation,
    /// The what-if model (the page keeps it for its sliders).
    Whatif,
    /// The what-if baseline with no lever moved, with its intervals.
    Simulation,
}

/// Every choice the analysis makes, with the defaults both doors use.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// The period unit; `None`: day for order files, and a summary file
    /// must say it (else the note `summary_period_needed`).
    pub period: Option<Period>,
    /// End of observation (ISO date); default: the last date of the bulk of
    /// the data.
    pub observation_end: Option<String>,
    /// Calibration end of the holdout validation (ISO date); default: the
    /// last 25% of the observation period is the holdout.
    pub calibration_end: Option<String>,
    /// The purchase model; `None` chooses it on the holdout.
    pub model: Option<ModelKind>,
    /// Horizon of the predictions in months (default 12).
    pub horizon_months: u32,
    /// Monthly discount rate of the predictions (default 0.01).
    pub monthly_discount_rate: f64,
    /// Share of each sale that is profit (default 1).
    pub margin: f64,
    /// Acquisition cohorts: month or week, split by a column or the first
    /// product.
    pub cohorts: CohortOptions,
    /// Segments: follow-up thresholds and list length (default: each list
    /// whole up to 10,000 customers, so a merchant can act on all of it,
    /// and each customer's segment and RFM scores). Its `value` is replaced
    /// by the predictions' horizon and discount rate.
    pub segments: SegmentOptions,
    /// The what-if levers of the simulation (default: none moved, the
    /// baseline).
    pub scenario: Scenario,
    /// The what-if simulation's options (draws, seed, horizon…).
    pub simulation: SimulationOptions,
    /// The recommendation lists' lengths.
    pub lists: ListOptions,
    /// The sections to compute; `None`: every one.
    pub sections: Option<Vec<Section>>,
    /// The model by first product (the breakdown's `effects`) is fitted only
    /// for shops with at most this many customers (default
    /// [`PRODUCT_EFFECTS_MAX_CUSTOMERS`]); beyond, the note
    /// `product_effects_skipped` says so. The channel model has no limit: it
    /// needs a mapped channel column, which a merchant asks for.
    pub product_effects_max_customers: usize,
    /// Whether the predictions carry each customer's next-order timing
    /// (default true; [`crate::predict::predict_with_timing`]). Without
    /// it, [`Predictions::customer_timing`] computes it when asked.
    pub prediction_timing: bool,
}

/// The default [`ReportOptions::product_effects_max_customers`]: the fits
/// (the purchase model with the covariate, its plain refit for the test,
/// the spend model with the covariate) cost about 0.28 s of one core
/// natively at 20,000 customers (BENCHMARKS.md), so a larger shop's first
/// dashboard is not held up by a table it did not ask for.
pub const PRODUCT_EFFECTS_MAX_CUSTOMERS: usize = 20_000;

impl Default for ReportOptions {
    fn default() -> ReportOptions {
        let p = PredictOptions::default();
        ReportOptions {
            period: None,
            observation_end: None,
            calibration_end: None,
            model: None,
            horizon_months: p.horizon_months,
            monthly_discount_rate: p.monthly_discount_rate,
            margin: p.margin,
            cohorts: CohortOptions::default(),
            segments: SegmentOptions {
                list_limit: 10_000,
                per_customer: true,
                ..SegmentOptions::default()
            },
            scenario: Scenario::default(),
            simulation: SimulationOptions::default(),
            lists: ListOptions::default(),
            sections: None,
            product_effects_max_customers: PRODUCT_EFFECTS_MAX_CUSTOMERS,
            prediction_timing: true,
        }
    }
}

impl ReportOptions {
    /// Whether `section` is asked for.
    pub fn wants(&self, section: Section) -> bool {
        self.sections.as_ref().is_none_or(|s| s.contains(&section))
    }

    /// The prediction options with `model`.
    pub fn predict(&self, model: ModelKind) -> PredictOptions {
        PredictOptions {
            model,
            horizon_months: self.horizon_months,
            monthly_discount_rate: self.monthly_discount_rate,
            margin: self.margin,
            fit: FitOptions::default(),
        }
    }
}

/// The stages of [`dashboard`], in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the file (the doors report it before the report starts).
    Ingest,
    /// The per-customer summary.
    Summary,
    /// The descriptive sections: cohorts, the repeat funnel, the deciles,
    /// the A–E ranks and the subscription retention (the end of
    /// [`describe`]).
    Sections,
    /// The model choice and the predictions.
    Models,
    /// The what-if model and its baseline.
    Simulator,
    /// Segments and the groups by channel and first product, valued with
    /// the predictions.
    Segments,
    /// The holdout validation's result.
    Validation,
    /// The doors' conversion of the report.
    Result,
}

impl Stage {
    /// How many stages there are.
    pub const COUNT: u32 = 8;

    /// The stage's name, as the page's progress bar spells it.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Ingest => "ingest",
            Stage::Summary => "summary",
            Stage::Sections => "sections",
            Stage::Models => "models",
            Stage::Simulator => "simulator",
            Stage::Segments => "segments",
            Stage::Validation => "validation",
            Stage::Result => "result",
        }
    }
}

/// Which purchase model the report uses, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChosenModel {
    /// The model.
    pub model: ModelKind,
    /// Which rule chose it.
    pub reason: ChoiceReason,
    /// Why, in one sentence with the numbers.
    pub explanation: String,
}

/// The dashboard part of the report (everything but the recommendations).
pub struct Dashboard {
    /// The per-customer summary (`None` for basket files, or a summary file
    /// without its period).
    pub summary: Option<Summary>,
    /// The purchase model and why, when there are predictions.
    pub model_choice: Option<ChosenModel>,
    /// Every customer's predictions with the chosen model.
    pub predictions: Option<Predictions>,
    /// The holdout validation of the purchase models.
    pub validation: Option<Validation>,
    /// 許容CPO from the predictions' LTVs, when there are predictions.
    pub allowable_cpo: Option<AllowableCpo>,
    /// Acquisition cohorts (order files).
    pub cohorts: Option<CohortReport>,
    /// RFM segments and follow-up lists (order files), valued with the
    /// predictions.
    pub segments: Option<SegmentReport>,
    /// The repeat funnel F1→F5 (order files).
    pub repeat_funnel: Option<FunnelReport>,
    /// Customers in ten spend groups (order files).
    pub deciles: Option<DecileReport>,
    /// RFM as A–E ranks and the R × F table (order files).
    pub rfm_ranks: Option<RfmRankReport>,
    /// Repeat rate and LTV by channel and by first product (order files),
    /// valued with the predictions.
    pub groups: Option<GroupReport>,
    /// 定期 (subscription) retention (order files with subscription evidence).
    pub subscription: Option<SubscriptionReport>,
    /// The what-if model.
    pub shop: Option<ShopModel>,
    /// The what-if baseline (no lever moved).
    pub simulation: Option<Simulation>,
    /// The longest stretch without an order, when it is long enough to
    /// matter (order files; [`order_gap`]).
    pub order_gap: Option<OrderGap>,
    /// Orders far above the usual order, when they hold a sizeable share of
    /// the revenue (order files; [`large_orders`]), with the share of the
    /// forecast their customers hold.
    pub large_orders: Option<LargeOrders>,
    /// Why a section is missing, and what to keep in mind.
    pub notes: Vec<Note>,
}

/// The dashboard of `data`: every section but the recommendations. The two
/// phases in a row: [`describe`], then [`fit_models`] on its output.
///
/// # Errors
///
/// Bad options (an observation end before the data, a margin outside 0 to
/// 1, …). A section the data cannot support is left out with a note.
pub fn dashboard(
    data: &Dataset,
    options: &ReportOptions,
    progress: &mut dyn FnMut(Stage),
) -> Result<Dashboard> {
    let first = describe(data, options, progress)?;
    fit_models(first, options, progress)
}

/// The first phase of [`dashboard`]: the figures that need no model, and
/// the purchases grouped by customer for the second phase.
pub struct Descriptive<'d> {
    /// The data, for the second phase.
    data: &'d Dataset,
    /// The per-customer summary (`None` for basket files, or a summary file
    /// without its period).
    pub summary: Option<Summary>,
    /// Acquisition cohorts (order files).
    pub cohorts: Option<CohortReport>,
    /// The repeat funnel F1→F5 (order files).
    pub repeat_funnel: Option<FunnelReport>,
    /// Customers in ten spend groups (order files).
    pub deciles: Option<DecileReport>,
    /// RFM as A–E ranks and the R × F table (order files).
    pub rfm_ranks: Option<RfmRankReport>,
    /// 定期 (subscription) retention (order files with subscription evidence).
    pub subscription: Option<SubscriptionReport>,
    /// The longest stretch without an order, when it is long enough to
    /// matter (order files with customers; [`order_gap`]).
    pub order_gap: Option<OrderGap>,
    /// Orders far above the usual order, when they hold a sizeable share of
    /// the revenue (order files with customers; [`large_orders`]); the
    /// forecast's share comes in the second phase.
    pub large_orders: Option<LargeOrders>,
    /// Why a section is missing, and what to keep in mind, so far; the
    /// second phase's notes follow these in [`Dashboard::notes`].
    pub notes: Vec<Note>,
    /// Whether the summary has customers.
    has_customers: bool,
    /// The purchases grouped by customer, when a section needs them.
    histories: Option<Histories<'d>>,
}

/// The first phase of [`dashboard`]: the summary and the sections that do
/// not depend on a fitted model (cohorts, the repeat funnel, the deciles,
/// the A–E ranks, the subscription retention). Reports
/// [`Stage::Summary`] and [`Stage::Sections`].
///
/// # Errors
///
/// Bad options (an observation end before the data, …).
pub fn describe<'d>(
    data: &'d Dataset,
    options: &ReportOptions,
    progress: &mut dyn FnMut(Stage),
) -> Result<Descriptive<'d>> {
    let mut notes = Vec::new();
    progress(Stage::Summary);
    let summary = match data {
        // Baskets have no customers or dates: only the recommendations apply.
        Dataset::Baskets(_) => {
            notes.push(Note::new(
                NoteCode::NoCustomers,
                "this file has baskets only, without customers or dates",
            ));
            None
        }
        // A summary file does not say its unit: the caller must give it.
        data => match period_for(data, options.period) {
            Ok(period) => Some(summarize(
                data,
                &SummaryOptions {
                    period,
                    observation_end: options.observation_end.clone(),
                    calibration_end: None,
                },
            )?),
            Err(err) => {
                notes.push(Note::from_error(NoteCode::SummaryPeriodNeeded, &err));
                None
            }
        },
    };
    let has_customers = summary.as_ref().is_some_and(|s| !s.customers.is_empty());
    if summary.is_some() && !has_customers {
        notes.push(Note::new(NoteCode::NoCustomers, "no row has a customer id"));
    }
    progress(Stage::Sections);
    let (sections, histories) = descriptive_sections(
        data,
        summary.as_ref().filter(|_| has_customers),
        options,
        &mut notes,
    );
    let order_gap = match data {
        Dataset::Transactions(t) if has_customers => order_gap(t),
        _ => None,
    };
    if let Some(gap) = &order_gap {
        notes.push(Note::new(
            NoteCode::OrderGap,
            format!(
                "no order from {} to {} ({} days, against orders on {} of the {} days from the first order to the last): if the shop was closed, sold out of season or the export misses those days, the models read the customers' pace too low",
                gap.from, gap.to, gap.days, gap.order_days, gap.span_days
            ),
        ));
    }
    let large_orders = match data {
        Dataset::Transactions(t) if has_customers => large_orders(t),
        _ => None,
    };
    // The cohorts whose revenue per customer leans on a large order.
    let large_orders = match (large_orders, &histories, &sections.cohorts) {
        (Some(large), Some(h), Some(_)) => Some(in_cohorts(large, h, options.cohorts.period)),
        (large, _, _) => large,
    };
    if let Some(large) = &large_orders {
        notes.push(Note::new(
            NoteCode::LargeOrders,
            format!(
                "orders worth {LARGE_ORDER_MULTIPLE} times the median order ({}) or more: {}, from {} of the customers, making {:.0}% of the revenue; if they are company or wholesale orders, the average order value, the LTVs and the forecasts lean on them",
                crate::large_orders::amount_text(large.median_order),
                large.orders,
                large.customers,
                100.0 * large.revenue_share
            ),
        ));
    }
    Ok(Descriptive {
        data,
        summary,
        cohorts: sections.cohorts,
        repeat_funnel: sections.repeat_funnel,
        deciles: sections.deciles,
        rfm_ranks: sections.rfm_ranks,
        subscription: sections.subscription,
        order_gap,
        large_orders,
        notes,
        has_customers,
        histories,
    })
}

/// Below this many days from the first purchase to the end of observation,
/// the report says that its churn, formula LTV and 12-month predictions
/// stretch a short span (a shop that exported only its last month or two).
pub const SHORT_HISTORY_DAYS: f64 = 90.0;

/// The note on a span of orders shorter than [`SHORT_HISTORY_DAYS`]: the
/// oldest customer's age, `T` in days.
fn short_history(summary: &Summary) -> Option<Note> {
    let days = summary.oldest_t() * summary.period.days();
    (days < SHORT_HISTORY_DAYS).then(|| {
        Note::new(
            NoteCode::ShortHistory,
            format!(
                "the orders span only {days:.0} days (fewer than {SHORT_HISTORY_DAYS}): churn, the formula LTV and the 12-month predictions extrapolate from them"
            ),
        )
    })
}

/// The second phase of [`dashboard`], on the first's output: the purchase
/// model and its predictions, the what-if model, the segments and groups
/// valued with the predictions, and the holdout validation. Reports
/// [`Stage::Models`] to [`Stage::Validation`]. The first phase's figures
/// pass through unchanged.
///
/// # Errors
///
/// Bad options (a margin outside 0 to 1, …). A model that cannot be fitted
/// on this data only drops its sections, with a note.
pub fn fit_models(
    first: Descriptive<'_>,
    options: &ReportOptions,
    progress: &mut dyn FnMut(Stage),
) -> Result<Dashboard> {
    let Descriptive {
        data,
        summary,
        cohorts,
        repeat_funnel,
        deciles,
        rfm_ranks,
        subscription,
        order_gap,
        large_orders,
        mut notes,
        has_customers,
        histories,
    } = first;
    progress(Stage::Models);
    let choice = match &summary {
        Some(s)
            if has_customers
                && [
                    Section::Predictions,
                    Section::Validation,
                    Section::Segments,
                    Section::Whatif,
                    Section::Simulation,
                ]
                .iter()
                .any(|&section| options.wants(section)) =>
        {
            // A named model needs the holdout only when the validation is
            // asked for (section benchmarks ask for one at a time).
            Some(match options.model {
                Some(model) if !options.wants(Section::Validation) => ModelChoice::named(model),
                _ => choose_model(
                    data,
                    &ValidateOptions {
                        period: s.period,
                        observation_end: options.observation_end.clone(),
                        calibration_end: options.calibration_end.clone(),
                        model: options.model,
                        fit: FitOptions::default(),
                    },
                ),
            })
        }
        _ => None,
    };
    // Bad options stop the analysis; a model that cannot be fitted on this
    // shop (too few customers, nobody bought twice) only drops its sections.
    let predictions = match (&summary, &choice) {
        (Some(s), Some(c)) if options.wants(Section::Predictions) => {
            match predict_with_timing(s, &options.predict(c.model), options.prediction_timing) {
                Ok(p) => Some(p),
                Err(err) if matches!(err.kind(), ErrorKind::Options { .. }) => return Err(err),
                Err(err) => {
                    notes.push(Note::from_error(NoteCode::PredictFailed, &err));
                    None
                }
            }
        }
        _ => None,
    };
    // The figures that stretch the span into the future come with the models.
    if let Some(note) = summary
        .as_ref()
        .filter(|_| choice.is_some())
        .and_then(short_history)
    {
        notes.push(note);
    }
    progress(Stage::Simulator);
    // The model choice is made whenever these sections are asked for.
    let (shop, simulation) = match (&summary, &choice) {
        (Some(s), Some(c))
            if options.wants(Section::Segments)
                || options.wants(Section::Whatif)
                || options.wants(Section::Simulation) =>
        {
            what_if(s, c, predictions.as_ref(), options, &mut notes)?
        }
        _ => (None, None),
    };
    progress(Stage::Segments);
    let (segments, groups) = match (&histories, summary.as_ref().filter(|_| has_customers)) {
        (Some(h), Some(s)) => valued_sections(
            h,
            s,
            predictions.as_ref(),
            shop.as_ref(),
            options,
            &mut notes,
        ),
        _ => (None, None),
    };
    drop(histories);
    progress(Stage::Validation);
    let validation = match (&choice, data) {
        (Some(_), _) if !options.wants(Section::Validation) => None,
        (Some(c), _) if c.validation.is_some() => c.validation.clone(),
        (Some(c), Dataset::Transactions(_)) => {
            notes.push(match &c.validation_error {
                Some(err) => Note::from_error(NoteCode::ValidationFailed, err),
                None => Note::new(NoteCode::ValidationFailed, ""),
            });
            None
        }
        (Some(_), _) => {
            notes.push(Note::new(
                NoteCode::ValidationFailed,
                "a summary file has no dates to split into calibration and holdout",
            ));
            None
        }
        (None, _) => None,
    };
    let order_gap = order_gap.map(|gap| OrderGap {
        explains_holdout: validation
            .as_ref()
            .is_some_and(|v| explains_miss(&gap, v.total, &v.calibration_end)),
        ..gap
    });
    let large_orders = match (large_orders, &summary, &predictions) {
        (Some(large), Some(s), Some(p)) => Some(with_forecast(large, s, p)),
        (large, _, _) => large,
    };
    let model_choice = match (&choice, &predictions) {
        (Some(c), Some(_)) => Some(ChosenModel {
            model: c.model,
            reason: c.reason,
            explanation: c.explanation.clone(),
        }),
        _ => None,
    };
    let allowable_cpo = allowable_cpo(shop.as_ref(), predictions.as_ref(), options);
    Ok(Dashboard {
        summary,
        model_choice,
        predictions,
        validation,
        allowable_cpo,
        cohorts,
        segments,
        repeat_funnel,
        deciles,
        rfm_ranks,
        groups,
        subscription,
        shop: shop.filter(|_| options.wants(Section::Whatif)),
        simulation,
        order_gap,
        large_orders,
        notes,
    })
}

/// The what-if model and, when asked for, its simulation of
/// `options.scenario`: the predictions' own fits when there are predictions
/// with a Gamma-Gamma spend model (the same parameters as the customer
/// table), else the chosen purchase model fitted here. A model that cannot be
/// fitted is a note when the what-if is asked for; a lever or option out of
/// range is an error.
fn what_if(
    summary: &Summary,
    choice: &ModelChoice,
    predictions: Option<&Predictions>,
    options: &ReportOptions,
    notes: &mut Vec<Note>,
) -> Result<(Option<ShopModel>, Option<Simulation>)> {
    let shown = options.wants(Section::Whatif) || options.wants(Section::Simulation);
    let from_predictions = predictions.and_then(|p| match &p.spend_model {
        SpendModel::GammaGamma { fit } => Some((&p.purchase_model, fit)),
        SpendModel::ObservedMean { .. } => None,
    });
    let fitted = match from_predictions {
        Some((purchases, spend)) => ShopModel::from_fits(purchases, spend, summary.period),
        None => ShopModel::fit_with(summary, choice.model, &FitOptions::default()),
    };
    let shop = match fitted {
        Ok(m) => m,
        Err(err) => {
            if shown {
                notes.push(Note::from_error(NoteCode::WhatifFailed, &err));
            }
            return Ok((None, None));
        }
    };
    let simulation = if options.wants(Section::Simulation) {
        match simulate(&shop, summary, &options.scenario, &options.simulation) {
            Ok(s) => Some(s),
            Err(err) if matches!(err.kind(), ErrorKind::Options { .. }) => return Err(err),
            Err(err) => {
                notes.push(Note::from_error(NoteCode::WhatifFailed, &err));
                None
            }
        }
    } else {
        None
    };
    Ok((Some(shop), simulation))
}

/// 許容CPO on a new customer's value by the what-if model
/// ([`new_customer_value`]: the what-if baseline's at the report's margin,
/// horizon and discount rate), beside the formula LTV of the predictions.
/// `None` without a what-if model (its note says why), or when the value
/// cannot be computed.
fn allowable_cpo(
    shop: Option<&ShopModel>,
    predictions: Option<&Predictions>,
    options: &ReportOptions,
) -> Option<AllowableCpo> {
    let at_report = SimulationOptions {
        margin: options.margin,
        horizon_months: options.horizon_months,
        monthly_discount_rate: options.monthly_discount_rate,
        ..options.simulation
    };
    let new_customer = new_customer_value(shop?, &at_report).ok()?;
    Some(AllowableCpo::new(
        new_customer,
        options.horizon_months,
        predictions.map(|p| &p.formula),
        options.margin,
    ))
}

/// The descriptive sections read from the purchases grouped by customer.
#[derive(Default)]
struct DescriptiveSections {
    cohorts: Option<CohortReport>,
    repeat_funnel: Option<FunnelReport>,
    deciles: Option<DecileReport>,
    rfm_ranks: Option<RfmRankReport>,
    subscription: Option<SubscriptionReport>,
}

/// Cohorts, the repeat funnel, the deciles, the A–E ranks and the
/// subscription retention from one grouping of the purchases by customer
/// (the larger part of their time and memory), which is returned for the
/// segments and groups of the second phase ([`valued_sections`]) and freed
/// before the recommendations.
fn descriptive_sections<'d>(
    data: &'d Dataset,
    summary: Option<&Summary>,
    options: &ReportOptions,
    notes: &mut Vec<Note>,
) -> (DescriptiveSections, Option<Histories<'d>>) {
    let (want_cohorts, want_segments) = (
        options.wants(Section::Cohorts),
        options.wants(Section::Segments),
    );
    let (want_funnel, want_deciles, want_ranks) = (
        options.wants(Section::RepeatFunnel),
        options.wants(Section::Deciles),
        options.wants(Section::RfmRanks),
    );
    let want_groups = options.wants(Section::Groups);
    let want_subscription = options.wants(Section::Subscription);
    let wanted = want_cohorts
        || want_segments
        || want_funnel
        || want_deciles
        || want_ranks
        || want_groups
        || want_subscription;
    if summary.is_none() || !wanted {
        return (DescriptiveSections::default(), None);
    }
    let t = match data {
        Dataset::Transactions(t) => t,
        _ => {
            notes.push(Note::new(
                NoteCode::NoOrderHistory,
                "a summary file has no orders or dates: no cohorts, segments, repeat funnel, deciles, rfm ranks or groups",
            ));
            return (DescriptiveSections::default(), None);
        }
    };
    let histories = match Histories::new(t) {
        Ok(h) => h,
        Err(err) => {
            for (wanted, code) in [
                (want_cohorts, NoteCode::CohortsFailed),
                (want_segments, NoteCode::SegmentsFailed),
                (
                    want_funnel || want_deciles || want_ranks || want_subscription,
                    NoteCode::NoCustomers,
                ),
                (want_groups, NoteCode::GroupsFailed),
            ] {
                if wanted {
                    notes.push(Note::from_error(code, &err));
                }
            }
            return (DescriptiveSections::default(), None);
        }
    };
    if let Some(note) = histories.outlying_note() {
        notes.push(Note::new(NoteCode::OutlyingDatesLeftOut, note));
    }
    let cohorts = want_cohorts
        .then(|| {
            cohorts_with(&histories, &options.cohorts)
                .map_err(|err| notes.push(Note::from_error(NoteCode::CohortsFailed, &err)))
                .ok()
        })
        .flatten();
    let subscription = want_subscription
        .then(
            || match subscription_retention(&histories, options.margin) {
                Ok(report) => {
                    if let Some(err) = &report.fit_error {
                        notes.push(Note::new(NoteCode::SubscriptionFitFailed, err.clone()));
                    }
                    Some(report)
                }
                Err(none) => {
                    notes.push(Note::new(NoteCode::NoSubscriptions, none.0));
                    None
                }
            },
        )
        .flatten();
    (
        DescriptiveSections {
            cohorts,
            repeat_funnel: want_funnel.then(|| repeat_funnel(&histories)),
            deciles: want_deciles.then(|| deciles(&histories)),
            rfm_ranks: want_ranks.then(|| rfm_ranks(&histories)),
            subscription,
        },
        Some(histories),
    )
}

/// Segments and the groups by channel and first product from the grouping
/// of [`descriptive_sections`], valued with the predictions (or, without
/// them, the segments with the what-if model).
fn valued_sections(
    histories: &Histories<'_>,
    summary: &Summary,
    predictions: Option<&Predictions>,
    shop: Option<&ShopModel>,
    options: &ReportOptions,
    notes: &mut Vec<Note>,
) -> (Option<SegmentReport>, Option<GroupReport>) {
    let (want_segments, want_groups) = (
        options.wants(Section::Segments),
        options.wants(Section::Groups),
    );
    let segments = want_segments
        .then(|| {
            let segment_options = SegmentOptions {
                value: ValueOptions {
                    months: options.horizon_months,
                    monthly_discount_rate: options.monthly_discount_rate,
                },
                ..options.segments.clone()
            };
            // The segments value customers with the predictions' model and
            // margin, as the customer table does; with the what-if model only
            // when the predictions were not asked for (section benchmarks).
            // The overdue and due-soon lists from the predictions' timing.
            match predictions {
                Some(p) => segments_with_predictions(histories, summary, p, &segment_options),
                None => segments_with(histories, summary, shop, &segment_options),
            }
            .map_err(|err| notes.push(Note::from_error(NoteCode::SegmentsFailed, &err)))
            .ok()
        })
        .flatten();
    // Valued with the predictions' own numbers (the prediction table's), not
    // the what-if model's: no two LTVs of one customer on the page.
    let groups = want_groups
        .then(|| {
            let values = predictions.map(Predictions::customer_values);
            groups(
                histories,
                summary,
                values,
                options.margin,
                &GroupOptions::default(),
            )
            .map_err(|err| notes.push(Note::from_error(NoteCode::GroupsFailed, &err)))
            .ok()
        })
        .flatten()
        .map(|mut report| {
            // Only where the table compares some group with its baseline:
            // on a small shop every group may be too small, the baseline
            // included, and the table already says so.
            let comparable = |b: &Option<crate::groups::Breakdown>| {
                b.as_ref().is_some_and(crate::groups::Breakdown::comparable)
            };
            let by_channel = comparable(&report.by_channel);
            let by_product = comparable(&report.by_first_product);
            if let (Some(channel), Some(p), true) = (report.by_channel.as_mut(), predictions, by_channel) {
                match first_purchase_groups(histories, summary)
                    .and_then(|labels| group_effects(summary, &labels, p, options))
                {
                    Ok(effects) => channel.effects = Some(effects),
                    Err(err) => notes.push(Note::from_error(NoteCode::GroupEffectsFailed, &err)),
                }
            }
            if let (Some(product), Some(p), true) =
                (report.by_first_product.as_mut(), predictions, by_product)
            {
                if summary.customers.len() > options.product_effects_max_customers {
                    notes.push(Note::new(
                        NoteCode::ProductEffectsSkipped,
                        format!(
                            "the model by first product is fitted for at most {} customers, to keep the report fast; \
                             this shop has {} (`ltvlab analyze --product-effects` fits it)",
                            options.product_effects_max_customers,
                            summary.customers.len()
                        ),
                    ));
                } else {
                    match first_product_groups(histories, summary)
                        .and_then(|labels| group_effects(summary, &labels, p, options))
                    {
                        Ok(effects) => product.effects = Some(effects),
                        Err(err) => {
                            notes.push(Note::from_error(NoteCode::ProductEffectsFailed, &err))
                        }
                    }
                }
            }
            report
        });
    (segments, groups)
}

/// The chosen purchase model (and Gamma-Gamma) with each customer's group
/// (channel or first product, from their first purchase, `labels` in the
/// summary's order) as a covariate: what the page shows beside the group
/// tables. The same horizon as the predictions.
fn group_effects(
    summary: &Summary,
    labels: &[Option<String>],
    predictions: &Predictions,
    options: &ReportOptions,
) -> Result<CovariateReport> {
    let labels: Vec<Option<&str>> = labels.iter().map(Option::as_deref).collect();
    let model = match predictions.purchase_model.name() {
        "pareto" => CovariateModel::ParetoNbd,
        "mbgnbd" => CovariateModel::MbgNbd,
        _ => CovariateModel::BgNbd,
    };
    covariate_effects(
        summary,
        &labels,
        &CovariateOptions {
            model,
            horizon_months: f64::from(options.horizon_months),
            ..CovariateOptions::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, IngestOptions};

    fn data(csv: &str) -> Dataset {
        match ingest(csv.as_bytes(), &IngestOptions::default()) {
            Ok(i) => i.data,
            Err(err) => panic!("{err}"),
        }
    }

    fn shop_csv() -> String {
        let mut csv = String::from("customer_id,order_date,amount\n");
        for c in 0..40 {
            for k in 0..(1 + c % 4) {
                let day = 1 + (c * 7 + k * 29) % 300;
                let (m, d) = (1 + day / 28, 1 + day % 28);
                csv.push_str(&format!("c{c},2024-{m:02}-{d:02},{}\n", 10 + c));
            }
        }
        csv
    }

    /// An order file gets every section; the segments are valued with the
    /// predictions (one model, one margin).
    #[test]
    fn an_order_file_gets_every_dashboard_section() {
        let d = data(&shop_csv());
        let options = ReportOptions {
            margin: 0.4,
            ..ReportOptions::default()
        };
        let mut stages = Vec::new();
        let r = match dashboard(&d, &options, &mut |s| stages.push(s)) {
            Ok(r) => r,
            Err(err) => panic!("{err}"),
        };
        assert_eq!(
            stages,
            [
                Stage::Summary,
                Stage::Sections,
                Stage::Models,
                Stage::Simulator,
                Stage::Segments,
                Stage::Validation
            ]
        );
        let (Some(p), Some(s)) = (&r.predictions, &r.segments) else {
            panic!("sections missing: {:?}", r.notes);
        };
        assert!(r.cohorts.is_some() && r.shop.is_some() && r.simulation.is_some());
        assert!(r.repeat_funnel.is_some() && r.deciles.is_some() && r.rfm_ranks.is_some());
        assert!(r.model_choice.is_some());
        // The groups' model values are the prediction table's: every
        // customer's row together gives its mean and the formula LTV.
        let Some(g) = &r.groups else {
            panic!("no groups: {:?}", r.notes);
        };
        assert!(g.by_channel.is_none() && g.by_first_product.is_none());
        assert_eq!(g.total.customers as usize, p.customers.len());
        let mean = g.total.model_ltv.unwrap_or(f64::NAN);
        assert!((mean - p.base.mean_clv).abs() <= 1e-9 * p.base.mean_clv.abs().max(1.0));
        let (a, b) = (g.total.formula_ltv, p.formula.formula_ltv);
        assert!(
            matches!((a, b), (Some(a), Some(b)) if (a - b).abs() <= 1e-9 * b.abs().max(1.0)),
            "{a:?} vs {b:?}"
        );
        let (a, b) = (s.overall.model_ltv, Some(p.base.mean_clv));
        assert_eq!(a, b);
        // 許容CPO is a new customer's value at the report's margin and
        // horizon: the what-if baseline at those options, first order included.
        let (Some(shop), Some(summary)) = (&r.shop, &r.summary) else {
            panic!("no what-if model: {:?}", r.notes);
        };
        let at_report = SimulationOptions {
            margin: 0.4,
            horizon_months: 12,
            draws: 0,
            ..SimulationOptions::default()
        };
        let baseline = match simulate(shop, summary, &Scenario::default(), &at_report) {
            Ok(s) => s.baseline.ltv_per_customer.value,
            Err(err) => panic!("{err}"),
        };
        let cpo = r
            .allowable_cpo
            .as_ref()
            .map(|c| (c.model, c.formula, c.margin, c.horizon_months));
        assert_eq!(cpo, Some((baseline, p.formula.new_customer_ltv, 0.4, 12)));
        // A new customer brings their first order: more than the existing
        // customers' mean future value, which leaves it out.
        assert!(
            baseline > p.formula.model_ltv,
            "{baseline} vs {}",
            p.formula.model_ltv
        );
    }

    /// A small shop whose first products are all too small to compare (the
    /// largest has 25 customers, under the table's 30) gets the table, which
    /// says so, and no model by first product: its effects would be read
    /// against a baseline too small to be read. The same file with 40 "tea"
    /// customers compares tea with cup and gets the model (the test below).
    #[test]
    fn no_model_by_first_product_when_the_table_compares_no_group() {
        let mut csv = String::from("customer_id,order_date,item_id,amount\n");
        for c in 0..70 {
            // 25 "tea" first, 20 "cup", 25 spread over 5 other items.
            let first = match c {
                0..25 => "tea".to_owned(),
                25..45 => "cup".to_owned(),
                _ => format!("x{}", c % 5),
            };
            for k in 0..(1 + c % 4) {
                let day = 1 + c + k * 29;
                let (m, d) = (1 + day / 28, 1 + day % 28);
                let item = if k == 0 { first.as_str() } else { "tea" };
                csv.push_str(&format!("c{c},2024-{m:02}-{d:02},{item},{}\n", 10 + c));
            }
        }
        let options = ReportOptions {
            model: Some(ModelKind::BgNbd),
            ..ReportOptions::default()
        };
        let r = match dashboard(&data(&csv), &options, &mut |_| {}) {
            Ok(r) => r,
            Err(err) => panic!("{err}"),
        };
        assert!(r.predictions.is_some(), "{:?}", r.notes);
        let Some(b) = r.groups.as_ref().and_then(|g| g.by_first_product.as_ref()) else {
            panic!("no first-product table: {:?}", r.notes);
        };
        assert_eq!(b.baseline, None, "25 customers is under the table's 30");
        assert!(!b.comparable());
        assert!(b.effects.is_none());
        assert!(
            r.notes.iter().all(|n| !matches!(
                n.code,
                NoteCode::ProductEffectsFailed | NoteCode::ProductEffectsSkipped
            )),
            "{:?}",
            r.notes
        );
    }

    /// The first-product table gets the model with the first product as a
    /// covariate, compared with the same largest product; past the size
    /// limit it is left out with a note, and the table stays.
    #[test]
    fn the_first_product_table_gets_its_model_up_to_the_limit() {
        let mut csv = String::from("customer_id,order_date,item_id,amount\n");
        for c in 0..90 {
            // 40 "tea" first, 30 "cup", 20 spread over 10 other items.
            let first = match c {
                0..40 => "tea".to_owned(),
                40..70 => "cup".to_owned(),
                _ => format!("x{}", c % 10),
            };
            for k in 0..(1 + c % 4) {
                // The first order (k = 0) is the customer's earliest.
                let day = 1 + c + k * 29;
                let (m, d) = (1 + day / 28, 1 + day % 28);
                let item = if k == 0 { first.as_str() } else { "tea" };
                csv.push_str(&format!("c{c},2024-{m:02}-{d:02},{item},{}\n", 10 + c));
            }
        }
        let d = data(&csv);
        let options = ReportOptions {
            model: Some(ModelKind::BgNbd),
            ..ReportOptions::default()
        };
        let r = match dashboard(&d, &options, &mut |_| {}) {
            Ok(r) => r,
            Err(err) => panic!("{err}"),
        };
        let Some(b) = r.groups.as_ref().and_then(|g| g.by_first_product.as_ref()) else {
            panic!("no first-product table: {:?}", r.notes);
        };
        let Some(effects) = &b.effects else {
            panic!("no model by first product: {:?}", r.notes);
        };
        assert_eq!(b.baseline.as_deref(), Some("tea"));
        assert_eq!(effects.baseline.as_deref(), Some("tea"));
        let named: Vec<(Option<&str>, usize)> = effects
            .groups
            .iter()
            .filter(|g| g.kind == crate::models::GroupKind::Value)
            .map(|g| (g.name.as_deref(), g.customers))
            .collect();
        assert_eq!(&named[..2], [(Some("tea"), 40), (Some("cup"), 30)]);
        assert_eq!(effects.customers, 90);
        let skipped = ReportOptions {
            product_effects_max_customers: 89,
            ..options
        };
        let r = match dashboard(&d, &skipped, &mut |_| {}) {
            Ok(r) => r,
            Err(err) => panic!("{err}"),
        };
        let b = r.groups.as_ref().and_then(|g| g.by_first_product.as_ref());
        assert!(b.is_some_and(|b| b.effects.is_none() && !b.groups.is_empty()));
        let note = r
            .notes
            .iter()
            .find(|n| n.code == NoteCode::ProductEffectsSkipped);
        assert!(
            note.is_some_and(
                |n| n.message.contains("at most 89 customers") && n.message.contains("has 90")
            ),
            "{:?}",
            r.notes
        );
    }

    /// A summary file without its period keeps only the notes; with its
    /// period, it has no cohorts or segments and says so.
    #[test]
    fn a_summary_file_says_what_it_lacks() {
        let mut csv = String::from("customer_id,frequency,recency,T,monetary_value\n");
        for c in 0..30 {
            let x = c % 4;
            csv.push_str(&format!("c{c},{x},{},{},{}\n", 3 * x, 20 + c, 10 + c));
        }
        let d = data(&csv);
        let none = |_| {};
        let r = match dashboard(&d, &ReportOptions::default(), &mut { none }) {
            Ok(r) => r,
            Err(err) => panic!("{err}"),
        };
        assert!(r.summary.is_none());
        assert_eq!(r.notes[0].code, NoteCode::SummaryPeriodNeeded);
        let weekly = ReportOptions {
            period: Some(Period::Week),
            ..ReportOptions::default()
        };
        let r = match dashboard(&d, &weekly, &mut { none }) {
            Ok(r) => r,
            Err(err) => panic!("{err}"),
        };
        assert!(r.summary.is_some() && r.cohorts.is_none() && r.segments.is_none());
        assert!(r.repeat_funnel.is_none() && r.deciles.is_none() && r.rfm_ranks.is_none());
        assert!(r.groups.is_none());
        let codes: Vec<NoteCode> = r.notes.iter().map(|n| n.code).collect();
        assert!(codes.contains(&NoteCode::NoOrderHistory), "{codes:?}");
        assert!(codes.contains(&NoteCode::ValidationFailed), "{codes:?}");
    }

    /// A bad option is an error, not a note.
    #[test]
    fn a_bad_margin_is_an_error() {
        let d = data(&shop_csv());
        let options = ReportOptions {
            margin: 1.5,
            ..ReportOptions::default()
        };
        assert!(dashboard(&d, &options, &mut |_| {}).is_err());
    }
}
