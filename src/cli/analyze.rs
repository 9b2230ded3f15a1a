//! `ltvlab analyze`: the one report ([`ltvlab::report`]) of an orders,
//! summary or basket file, as JSON or as a few lines of text. This file only
//! converts: arguments into [`ReportOptions`], the report into its JSON
//! shape (the page's `Analysis` converts the same report into JavaScript).

use std::io::Write;

use clap::Args;
use serde::Serialize;

use ltvlab::groups::{Breakdown, GroupKind, GroupReport, GroupRow};
use ltvlab::ingest::IngestReport;
use ltvlab::predict::{BaseTotals, FormulaLtv, Predictions, PurchaseFit, SpendModel};
use ltvlab::report::{
    dashboard, most_valuable, recommendations, ChosenModel, Dashboard, Note, RecommendationsReport,
    ReportOptions,
};
use ltvlab::summary::{period_for, Period, Summary};
use ltvlab::validate::HoldoutTotal;

use super::error::CliResult;
use super::format::{cell, num, pad};
use super::input::{read_input_reported, skipped_reasons, InputArgs, PeriodArgs};
use super::models::ValueArgs;

/// `ltvlab analyze`.
#[derive(Args)]
pub(crate) struct AnalyzeArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    value: ValueArgs,
    #[command(flatten)]
    period: PeriodArgs,
    /// Split calibration and holdout for validation at this ISO date
    /// (default: the last 25% of the observation period).
    #[arg(long, value_name = "DATE")]
    calibration_end: Option<String>,
    /// Fit the model by first product whatever the shop's size (by default
    /// only up to 20,000 customers, as on the page).
    #[arg(long)]
    product_effects: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// The `analyze` report as JSON: one field per section, `null` when the data
/// cannot support it (`notes` says why).
#[derive(Serialize)]
struct ReportJson<'a> {
    ingest: &'a IngestReport,
    /// Counts of the per-customer summary.
    summary: Option<SummaryCounts>,
    /// Which purchase model the analysis uses, and why.
    model_choice: Option<&'a ChosenModel>,
    model: Option<&'a PurchaseFit>,
    spend_model: Option<&'a SpendModel>,
    predictions: Option<PredictionTotals<'a>>,
    /// The holdout validation (order files).
    validation: Option<&'a ltvlab::validate::Validation>,
    /// Acquisition cohorts by first-purchase month (order files).
    cohorts: Option<&'a ltvlab::cohorts::CohortReport>,
    /// RFM segments and follow-up lists (order files).
    segments: Option<&'a ltvlab::segments::SegmentReport>,
    /// 許容CPO: the predictions' LTVs at the margin, and the CPO for
    /// LTV:CAC = 3.
    allowable_cpo: Option<&'a ltvlab::report::AllowableCpo>,
    /// The repeat funnel F1→F5 and the F2 conversion rate (order files).
    repeat_funnel: Option<&'a ltvlab::funnel::FunnelReport>,
    /// Customers in ten spend groups (order files).
    deciles: Option<&'a ltvlab::deciles::DecileReport>,
    /// RFM as A–E ranks and the R × F table (order files).
    rfm_ranks: Option<&'a ltvlab::rfm_ranks::RfmRankReport>,
    /// Repeat rate and LTV by channel and by first product (order files).
    groups: Option<&'a GroupReport>,
    /// 定期 (subscription) retention with the sBG fit (order files with a
    /// subscription column or regular intervals).
    subscription: Option<&'a ltvlab::subscription::SubscriptionReport>,
    /// The longest stretch without an order, when it is long enough to
    /// matter (order files; note `order_gap`).
    order_gap: Option<&'a ltvlab::report::OrderGap>,
    /// Orders of 20 times the median order or more, when they make 5% of
    /// the revenue or more, with the forecast's share (note `large_orders`).
    large_orders: Option<&'a ltvlab::report::LargeOrders>,
    /// The what-if baseline with its intervals and the lever ranking (no
    /// levers moved: `ltvlab simulate FILE --json` with the defaults).
    simulation: Option<&'a ltvlab::simulate::Simulation>,
    /// "Also bought" pairs and lists and, for order files, the holdout
    /// evaluation.
    recommendations: Option<&'a RecommendationsReport>,
    /// Why a section is missing, and what to keep in mind.
    notes: &'a [Note],
}

#[derive(Serialize)]
struct SummaryCounts {
    period: Period,
    observation_end: Option<String>,
    customers: usize,
    repeat_customers: usize,
    orders: Option<u64>,
    guest_orders: u64,
    guest_revenue: f64,
    reversed_orders: u64,
    reversed_revenue: f64,
    orders_after_end: u64,
    outlying_purchases: u64,
}

#[derive(Serialize)]
struct PredictionTotals<'a> {
    base: &'a BaseTotals,
    formula: &'a FormulaLtv,
    diagnostics: &'a [ltvlab::Diagnostic],
}

/// Runs `ltvlab analyze`.
pub(crate) fn analyze(args: &AnalyzeArgs, out: &mut impl Write) -> CliResult<()> {
    let ingested = read_input_reported(&args.input)?;
    let period = args.period.period.map(Period::from);
    // On the command line a summary file without its unit is an error (the
    // page asks for the unit instead).
    period_for(&ingested.data, period)?;
    let options = ReportOptions {
        period,
        observation_end: args.period.observation_end.clone(),
        calibration_end: args.calibration_end.clone(),
        model: args.value.model(),
        horizon_months: args.value.horizon,
        monthly_discount_rate: args.value.discount_rate,
        margin: args.value.margin,
        product_effects_max_customers: if args.product_effects {
            usize::MAX
        } else {
            ReportOptions::default().product_effects_max_customers
        },
        ..ReportOptions::default()
    };
    let mut d = dashboard(&ingested.data, &options, &mut |_| {})?;
    let customers = most_valuable(
        d.summary.as_ref(),
        d.predictions.as_ref(),
        options.lists.customers,
    );
    let recommendations = recommendations(
        &ingested.data,
        &customers,
        &options.lists,
        &mut d.notes,
        &mut |_| {},
    );
    let report = ReportJson {
        ingest: &ingested.report,
        summary: d.summary.as_ref().map(summary_counts),
        model_choice: d.model_choice.as_ref(),
        model: d.predictions.as_ref().map(|p| &p.purchase_model),
        spend_model: d.predictions.as_ref().map(|p| &p.spend_model),
        predictions: d.predictions.as_ref().map(|p| PredictionTotals {
            base: &p.base,
            formula: &p.formula,
            diagnostics: &p.diagnostics,
        }),
        validation: d.validation.as_ref(),
        cohorts: d.cohorts.as_ref(),
        segments: d.segments.as_ref(),
        allowable_cpo: d.allowable_cpo.as_ref(),
        repeat_funnel: d.repeat_funnel.as_ref(),
        deciles: d.deciles.as_ref(),
        rfm_ranks: d.rfm_ranks.as_ref(),
        groups: d.groups.as_ref(),
        subscription: d.subscription.as_ref(),
        order_gap: d.order_gap.as_ref(),
        large_orders: d.large_orders.as_ref(),
        simulation: d.simulation.as_ref(),
        recommendations: recommendations.as_ref(),
        notes: &d.notes,
    };
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        write_text(out, &report, &d)?;
    }
    Ok(())
}

fn summary_counts(summary: &Summary) -> SummaryCounts {
    let orders: Option<u64> = summary
        .customers
        .iter()
        .map(|c| c.orders.map(u64::from))
        .sum();
    SummaryCounts {
        period: summary.period,
        observation_end: summary.observation_end.clone(),
        customers: summary.customers.len(),
        repeat_customers: summary
            .customers
            .iter()
            .filter(|c| c.frequency > 0.0)
            .count(),
        orders,
        guest_orders: summary.guest_orders,
        guest_revenue: summary.guest_revenue,
        reversed_orders: summary.reversed_orders,
        reversed_revenue: summary.reversed_revenue,
        orders_after_end: summary.orders_after_end,
        outlying_purchases: summary.outlying_purchases,
    }
}

/// How many pairs the text report lists.
const TEXT_PAIRS: usize = 20;

fn write_text(out: &mut impl Write, r: &ReportJson<'_>, d: &Dashboard) -> std::io::Result<()> {
    let i = r.ingest;
    if matches!(i.kind, ltvlab::ingest::DataKind::Baskets) {
        writeln!(
            out,
            "read {} rows ({} used, {} skipped) as {:?}",
            i.rows_read, i.rows_used, i.rows_skipped, i.preset
        )?;
    } else {
        // No row is left out without a word: what was skipped and why, and
        // what reading noticed (`inspect` shows the examples).
        let why = skipped_reasons(i);
        writeln!(
            out,
            "rows            {} read, {} used, {} skipped{}",
            i.rows_read,
            i.rows_used,
            i.rows_skipped,
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({why})")
            }
        )?;
    }
    for w in &i.warnings {
        writeln!(out, "warning         {}", w.message)?;
    }
    if let Some(c) = &r.summary {
        writeln!(
            out,
            "customers       {} ({} repeat), period {}",
            c.customers,
            c.repeat_customers,
            c.period.name()
        )?;
        if c.guest_orders > 0 {
            writeln!(
                out,
                "guest orders    {} without a customer id (revenue {}), not in any figure",
                c.guest_orders,
                num(c.guest_revenue)
            )?;
        }
    }
    if let Some(p) = &d.predictions {
        write_predictions(out, p)?;
    }
    if let Some(v) = &r.validation {
        writeln!(
            out,
            "validation      holdout after {}: predicted {} vs actual {} repeat purchases, MAE {}",
            v.calibration_end,
            num(v.predicted_total),
            num(v.actual_total),
            num(v.mae)
        )?;
        let gap = d.order_gap.as_ref().filter(|g| g.explains_holdout);
        match (v.total, gap) {
            (HoldoutTotal::Close, _) => {}
            (HoldoutTotal::Under, None) => writeln!(
                out,
                "                far more were made than predicted: the forecasts are probably too low"
            )?,
            (HoldoutTotal::Under, Some(g)) => writeln!(
                out,
                "                far more were made than predicted: the forecasts are probably too low (no order from {} to {}, before the holdout, made the model read the pace too low)",
                g.from, g.to
            )?,
            (HoldoutTotal::Over, None) => writeln!(
                out,
                "                far fewer were made than predicted: the forecasts are probably too high"
            )?,
            (HoldoutTotal::Over, Some(g)) => writeln!(
                out,
                "                far fewer were made than predicted, but no order was made from {} to {}, inside the holdout, which the model could not foresee: this says little about the forecasts",
                g.from, g.to
            )?,
        }
        writeln!(out, "model choice    {}", v.choice)?;
    }
    if let Some(f) = r.repeat_funnel {
        let counts: Vec<String> = f
            .overall
            .steps
            .iter()
            .map(|s| format!("F{} {}", s.orders, s.customers))
            .collect();
        let percent =
            |rate: Option<f64>| rate.map_or("-".to_string(), |r| format!("{:.1}%", 100.0 * r));
        let within: Vec<String> = f
            .within
            .iter()
            .map(|w| format!("{} days {}", w.days, percent(w.funnel.f2_rate)))
            .collect();
        writeln!(out, "repeat funnel   {}", counts.join(", "))?;
        writeln!(
            out,
            "F2 conversion   {} overall; {}",
            percent(f.overall.f2_rate),
            within.join(", ")
        )?;
    }
    if let Some(top) = r.deciles.and_then(|d| d.deciles.first()) {
        writeln!(
            out,
            "top decile      {}, {:.1}% of revenue, {:.1}% of orders",
            super::format::customers(top.customers),
            100.0 * top.revenue_share,
            100.0 * top.order_share
        )?;
    }
    if let Some(large) = r.large_orders {
        let months = d.predictions.as_ref().map_or(12, |p| p.base.horizon_months);
        write_large_orders(out, large, months)?;
    }
    if let Some(g) = r.groups {
        let period = r
            .predictions
            .as_ref()
            .map_or("day", |p| p.base.period.name());
        write_groups(out, g, period)?;
    }
    if let Some(s) = r.subscription {
        let expected = s.fit.as_ref().map_or(String::from("no sBG fit"), |f| {
            format!(
                "{:.1} expected deliveries, subscription LTV {:.0}",
                f.expected_deliveries, f.ltv
            )
        });
        writeln!(
            out,
            "subscription    {} subscribers ({}), {:.0}-day cycle, {expected}",
            s.subscribers,
            match s.evidence {
                ltvlab::subscription::Evidence::Flag => "from the subscription column",
                ltvlab::subscription::Evidence::Intervals => "inferred from regular intervals",
            },
            s.cycle_days
        )?;
    }
    if let Some(p) = &d.predictions {
        for w in &p.diagnostics {
            writeln!(out, "warning         {w}")?;
        }
    }
    if let Some(rec) = r.recommendations {
        writeln!(
            out,
            "recommendations {} baskets, {} items; best pairs:",
            rec.stats.baskets, rec.stats.items
        )?;
        for p in rec.rules.iter().take(TEXT_PAIRS) {
            writeln!(
                out,
                "  {} -> {}  count {}  confidence {:.3}  lift {:.2}  jaccard {:.3}",
                p.antecedent.name,
                p.consequent.name,
                p.metrics.count,
                p.metrics.confidence,
                p.metrics.lift,
                p.metrics.jaccard
            )?;
        }
    }
    if let Some(e) = r
        .recommendations
        .and_then(|x| x.next_basket_evaluation.as_ref())
    {
        writeln!(out, "next basket     {}", e.verdict)?;
    }
    if let Some(due) = r.recommendations.and_then(|x| x.due_soon.as_ref()) {
        writeln!(
            out,
            "due soon        {} {} due again within {} days of {} or overdue by less than their interval (`recommend --csv due-soon` lists them)",
            due.total,
            if due.total == 1 { "item" } else { "items" },
            due.within_days,
            due.as_of
        )?;
    }
    // The code says which section the note is about: two sections can stop
    // on the same error (the predictions and the what-if model, say).
    for note in r.notes {
        writeln!(
            out,
            "note            {} ({})",
            note.message,
            note.code.as_str()
        )?;
    }
    Ok(())
}

/// The groups by channel and first product as two short tables, each with
/// its one-line reading.
fn write_groups(out: &mut impl Write, g: &GroupReport, period: &str) -> std::io::Result<()> {
    for (title, breakdown) in [
        ("by channel", &g.by_channel),
        ("by first product", &g.by_first_product),
    ] {
        let Some(b) = breakdown else { continue };
        writeln!(out, "{title}")?;
        writeln!(
            out,
            "  {} {:>9} {:>6} {:>7} {:>9} {:>7} {:>10} {:>12} {:>12}",
            pad("group", GROUP_WIDTH),
            "customers",
            "share",
            "repeat",
            "vs first",
            format!("F2 {}d", g.f2_window_days),
            "AOV",
            "formula LTV",
            "model LTV"
        )?;
        for (i, row) in b.groups.iter().chain([&g.total]).enumerate() {
            write_group_row(out, row, i == 0 && b.baseline.is_some())?;
        }
        writeln!(out, "  {}", reading(b, g))?;
        if let Some(effects) = &b.effects {
            writeln!(out, "{title}: the models with the group as a covariate")?;
            super::models::write_covariate_text(out, effects, "group", period)?;
        }
    }
    Ok(())
}

/// The terminal columns of the group tables' name column.
const GROUP_WIDTH: usize = 32;

fn write_group_row(out: &mut impl Write, row: &GroupRow, baseline: bool) -> std::io::Result<()> {
    let percent = |x: f64| format!("{:.1}%", 100.0 * x);
    let money = |x: Option<f64>| x.map_or("-".to_owned(), |v| format!("{v:.0}"));
    // The name is cut to leave room for the mark, so a small group still
    // says so however long its name.
    let name = if row.small {
        format!(
            "{} (small)",
            cell(&group_name(row), GROUP_WIDTH - 8).trim_end()
        )
    } else {
        group_name(row)
    };
    let vs = match &row.repeat_rate_difference {
        _ if baseline => "baseline".to_owned(),
        Some(d) if d.significant => format!("{:+.1} pt", 100.0 * d.difference),
        Some(_) => "n.s.".to_owned(),
        None => String::new(),
    };
    writeln!(
        out,
        "  {} {:>9} {:>6} {:>7} {:>9} {:>7} {:>10} {:>12} {:>12}",
        cell(&name, GROUP_WIDTH),
        row.customers,
        percent(row.share),
        percent(row.repeat_rate),
        vs,
        row.f2_rate.map_or("-".to_owned(), percent),
        money(row.aov),
        money(row.formula_ltv),
        money(row.model_ltv)
    )
}

fn group_name(row: &GroupRow) -> String {
    match (row.kind, &row.name) {
        (GroupKind::Value, Some(name)) => name.clone(),
        (GroupKind::Other, _) => format!("other ({} values)", row.values),
        (GroupKind::Missing, _) => "(no value)".to_owned(),
        _ => "all customers".to_owned(),
    }
}

/// The best and worst group's repeat rate against the baseline's, when the
/// difference is significant (`ltvlab::groups` module doc).
fn reading(b: &Breakdown, g: &GroupReport) -> String {
    let Some(baseline) = &b.baseline else {
        return format!(
            "the largest group has fewer than {} customers: too few to compare",
            g.min_customers
        );
    };
    let sentence = |i: usize| {
        let row = &b.groups[i];
        let d = row
            .repeat_rate_difference
            .as_ref()
            .map_or(0.0, |d| d.difference);
        format!(
            "{}: repeat rate {:.1} points {} than {baseline}",
            group_name(row),
            100.0 * d.abs(),
            if d > 0.0 { "higher" } else { "lower" }
        )
    };
    match (b.highest, b.lowest) {
        // "No difference" only when some group was compared: on a small
        // shop every group but the largest may be too small to test (the
        // page says the same, sections/groups.js).
        (None, None) if b.comparable() => {
            format!("no group's repeat rate differs clearly from {baseline}'s (the largest)")
        }
        (None, None) => format!(
            "every other group has fewer than {} customers: too few to compare with {baseline}, the largest",
            g.min_customers
        ),
        (high, low) => high
            .into_iter()
            .chain(low)
            .map(sentence)
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn write_predictions(out: &mut impl Write, predictions: &Predictions) -> std::io::Result<()> {
    let b = &predictions.base;
    let fit = &predictions.purchase_model;
    let params: Vec<String> = fit
        .params()
        .iter()
        .map(|(k, v)| format!("{k} = {}", num(v)))
        .collect();
    writeln!(
        out,
        "model           {} ({})",
        fit.name(),
        params.join(", ")
    )?;
    writeln!(
        out,
        "next {} months  {} purchases, revenue {}, CLV {} (mean {} per customer)",
        b.horizon_months,
        num(b.expected_purchases),
        num(b.expected_revenue),
        num(b.total_clv),
        num(b.mean_clv)
    )?;
    if b.dropout_identified {
        writeln!(out, "mean p_alive    {}", num(b.mean_p_alive))?;
    } else if b.dropout_from_prior {
        writeln!(
            out,
            "mean p_alive    {} (the data do not show how fast customers leave: the weak prior sets that pace)",
            num(b.mean_p_alive)
        )?;
    } else {
        writeln!(
            out,
            "mean p_alive    {} (the data show no customers leaving: this is no evidence of churn, not certainty of activity)",
            num(b.mean_p_alive)
        )?;
    }
    writeln!(out, "formula LTV     {}", predictions.formula.explanation)?;
    // The explanation says the model counts probably-gone customers as
    // worth little; where it sees nobody leaving, its values are the high
    // ones, as the page says beside the two LTVs; where the prior sets the
    // pace of leaving, they follow the prior.
    if b.dropout_from_prior {
        writeln!(
            out,
            "                the data do not show yet how fast customers leave (short history or few repeat customers), so the model's values follow its prior on that pace: read them as rough guides"
        )?;
    } else if !b.dropout_identified {
        writeln!(
            out,
            "                the data show no customers leaving yet, so the model assumes none has: its values may be too high"
        )?;
    }
    Ok(())
}

/// The large orders' line, and the forecast's share when there is one.
fn write_large_orders(
    out: &mut impl Write,
    large: &ltvlab::report::LargeOrders,
    months: u32,
) -> std::io::Result<()> {
    writeln!(
        out,
        "large orders    {} ({}) of {}x the median order ({}) or more: {:.1}% of revenue",
        super::format::count(large.orders, "order", "orders"),
        if large.customers == 0 {
            "all by guests".to_owned()
        } else {
            super::format::customers(large.customers)
        },
        large.multiple,
        num(large.median_order),
        100.0 * large.revenue_share
    )?;
    if !large.cohorts.is_empty() {
        writeln!(
            out,
            "                their first-purchase cohorts: {} (revenue per customer leans on them)",
            large.cohorts.join(", ")
        )?;
    }
    if let Some(share) = large.clv_share.filter(|_| large.customers > 0) {
        let named: Vec<String> = large
            .named
            .iter()
            .map(|n| format!("{} {}", n.customer_id, n.clv.map_or("-".to_string(), num)))
            .collect();
        writeln!(
            out,
            "                their customers hold {:.1}% of the {months}-month CLV ({})",
            100.0 * share,
            named.join(", ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The argument `--model auto` leaves the choice to the report.
    #[test]
    fn auto_leaves_the_model_to_the_holdout() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            a: AnalyzeArgs,
        }
        let parsed = |args: &[&str]| Cli::try_parse_from(args).map(|c| c.a.value.model());
        assert_eq!(parsed(&["x", "f.csv"]).ok(), Some(None));
        assert_eq!(
            parsed(&["x", "f.csv", "--model", "pareto"]).ok(),
            Some(Some(ltvlab::models::ModelKind::ParetoNbd))
        );
    }
}
