//! `ltvlab cohorts`, `segments`, `compare` and `simulate`: read the file,
//! run the analysis, print a table or JSON.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use ltvlab::cohorts::{CohortKey, CohortOptions, CohortPeriod, CohortReport};
use ltvlab::compare::{compare, merge_files, CompareOptions, Comparison};
use ltvlab::ingest::Dataset;
use ltvlab::report::{dashboard, Dashboard, Note, NoteCode, ReportOptions, Section};
use ltvlab::segments::{FollowUpRule, SegmentOptions, SegmentReport, SegmentStats};
use ltvlab::simulate::{
    channel_shift, simulate_formula, ChannelShift, DrawMethod, FormulaComparison, FormulaInputs,
    Loyalty, Scenario, ShiftOutcome, Simulation, SimulationOptions,
};
use ltvlab::transactions::Transactions;

use super::caps;
use super::error::{CliError, CliResult};
use super::format::{customers, pad};
use super::input::{read_input, InputArgs};

/// `ltvlab cohorts`.
#[derive(Args)]
pub(crate) struct CohortsArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Split cohorts by a column of the first purchase (channel, country,
    /// coupon), or `first-product`.
    #[arg(long, value_name = "COL")]
    by: Option<String>,
    /// Cohort length: month or week.
    #[arg(long, value_enum, ignore_case = true, default_value_t = CohortPeriodArg::Month)]
    period: CohortPeriodArg,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `cohorts --period`: the cohort length.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum CohortPeriodArg {
    #[value(alias = "months", alias = "m")]
    Month,
    #[value(alias = "weeks", alias = "w")]
    Week,
}

/// `ltvlab segments`.
#[derive(Args)]
pub(crate) struct SegmentsArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Most customers listed in each follow-up list (at most 100,000).
    #[arg(long, default_value_t = 20, value_parser = caps::at_most::<{ caps::LIST }, usize>)]
    limit: usize,
    /// Follow-up thresholds in days, comma-separated (default 30,60).
    #[arg(long, value_name = "DAYS")]
    follow_up: Option<String>,
    /// Print JSON (with one row per customer).
    #[arg(long)]
    json: bool,
    /// Print the customers CSV instead: one row per customer with the
    /// e-mail (when the file has addresses), the model's columns, the
    /// segment, the R, F, M scores and the A–E ranks (the page's customer
    /// export).
    #[arg(long, conflicts_with = "json")]
    csv: bool,
}

/// `ltvlab compare`.
#[derive(Args)]
pub(crate) struct CompareArgs {
    #[command(flatten)]
    input: InputArgs,
    /// A second orders file: each file is a group (instead of --group), read
    /// with the same options.
    #[arg(value_name = "FILE2")]
    other: Option<PathBuf>,
    /// The two files' group names, comma-separated (default: the file names).
    #[arg(long, value_name = "A,B", requires = "other")]
    names: Option<String>,
    /// The group every other group is compared with (default: the largest).
    #[arg(long, value_name = "VALUE")]
    baseline: Option<String>,
    /// Bootstrap draws (at most 100,000).
    #[arg(long, default_value_t = 1000, value_parser = caps::at_most::<{ caps::DRAWS }, u32>)]
    draws: u32,
    /// Bootstrap seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `ltvlab simulate`.
#[derive(Args)]
pub(crate) struct SimulateArgs {
    /// The orders file (not with --formula).
    file: Option<PathBuf>,
    /// Formula mode: no file; --aov, --frequency and --churn (or --retention) are the inputs.
    #[arg(long)]
    formula: bool,
    /// Model mode: retention lift like +5pt (points of 12-month survival of a new customer). Formula mode: annual retention rate like 0.6.
    #[arg(long, allow_hyphen_values = true)]
    retention: Option<String>,
    /// Model mode: AOV lift like +10%. Formula mode: the average order value.
    #[arg(long, allow_hyphen_values = true)]
    aov: Option<String>,
    /// Model mode: purchase frequency lift like +10%. Formula mode: purchases per year.
    #[arg(long, allow_hyphen_values = true)]
    frequency: Option<String>,
    /// Formula mode: annual churn rate like 0.4.
    #[arg(long)]
    churn: Option<String>,
    /// Retention lift (both modes), like +5pt: points of 12-month survival of a new customer.
    #[arg(long, allow_hyphen_values = true)]
    retention_lift: Option<String>,
    /// AOV lift (both modes), like +10%.
    #[arg(long, allow_hyphen_values = true)]
    aov_lift: Option<String>,
    /// Frequency lift (both modes), like +10%.
    #[arg(long, allow_hyphen_values = true)]
    frequency_lift: Option<String>,
    /// Churn down by a share, like 10%.
    #[arg(long)]
    churn_reduction: Option<String>,
    /// Gross margin, like 0.3 or 30%.
    #[arg(long)]
    margin: Option<String>,
    /// Margin lift, like +5pt.
    #[arg(long, allow_hyphen_values = true)]
    margin_lift: Option<String>,
    /// A discount on every order, like 5%.
    #[arg(long)]
    discount: Option<String>,
    /// Loyalty programme rebate on revenue, like 2%.
    #[arg(long)]
    loyalty_rebate: Option<String>,
    /// The retention lift assumed from the loyalty programme, like +3pt.
    #[arg(long, allow_hyphen_values = true)]
    loyalty_retention: Option<String>,
    /// Acquisition cost per new customer.
    #[arg(long)]
    cac: Option<f64>,
    /// A scenario acquisition cost.
    #[arg(long)]
    scenario_cac: Option<f64>,
    /// Horizon in months (default 24; formula mode 60).
    #[arg(long)]
    horizon: Option<u32>,
    /// Monthly discount rate for LTV.
    #[arg(long, default_value_t = 0.01)]
    discount_rate: f64,
    /// New customers a month (default: the average of the last 12 months).
    #[arg(long)]
    new_customers: Option<f64>,
    /// Monte Carlo draws (at most 100,000).
    #[arg(long, default_value_t = 1000, value_parser = caps::at_most::<{ caps::DRAWS }, u32>)]
    draws: u32,
    /// Monte Carlo seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Evaluate every draw exactly instead of by the delta method (slow; the reference).
    #[arg(long)]
    exact_draws: bool,
    /// The channel column (as `analyze --group`): needed by --shift-from.
    #[arg(long, value_name = "COL")]
    group: Option<String>,
    /// Channel shift: the channel new customers move from (needs --group and --shift-to).
    #[arg(long, value_name = "CHANNEL")]
    shift_from: Option<String>,
    /// Channel shift: the channel they move to.
    #[arg(long, value_name = "CHANNEL")]
    shift_to: Option<String>,
    /// Channel shift: the share of --shift-from's new customers moved, like 10% or 0.1 (default 10%).
    #[arg(long)]
    shift_share: Option<String>,
    /// Channel shift: --shift-from's new customers the share is of (default: its customers in the data).
    #[arg(long)]
    shift_customers: Option<f64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn transactions(data: &Dataset) -> CliResult<&Transactions> {
    match data {
        Dataset::Transactions(t) => Ok(t),
        Dataset::Summary(_) => Err(CliError::Input("a summary file has no order history: cohorts, segments and comparisons need order lines".to_owned())),
        Dataset::Baskets(_) => Err(CliError::Input("no usable column: this file holds baskets without customers or dates".to_owned())),
    }
}

fn json(out: &mut dyn Write, value: &impl Serialize) -> CliResult<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    Ok(writeln!(out)?)
}

/// Runs `ltvlab cohorts`.
pub(crate) fn run_cohorts(mut args: CohortsArgs, out: &mut dyn Write) -> CliResult<()> {
    let by = match args.by.as_deref() {
        None => CohortKey::None,
        Some("first-product" | "first_product" | "first-item" | "first_item") => {
            CohortKey::FirstItem
        }
        Some(col) => {
            args.input.group = Some(col.to_owned());
            CohortKey::Group
        }
    };
    let options = CohortOptions {
        period: match args.period {
            CohortPeriodArg::Month => CohortPeriod::Month,
            CohortPeriodArg::Week => CohortPeriod::Week,
        },
        by,
        ..CohortOptions::default()
    };
    let ingested = read_input(&args.input)?;
    transactions(&ingested.data)?;
    let d = report(
        &ingested.data,
        &ReportOptions {
            cohorts: options,
            sections: Some(vec![Section::Cohorts]),
            ..ReportOptions::default()
        },
    )?;
    let report = section(d.cohorts, &d.notes, NoteCode::CohortsFailed)?;
    if args.json {
        return json(out, &report);
    }
    Ok(write_cohorts(out, &report)?)
}

fn write_cohorts(out: &mut dyn Write, r: &CohortReport) -> std::io::Result<()> {
    let o = &r.overall;
    writeln!(
        out,
        "{}, {} orders, repeat rate {:.1}%, median days between orders {}, to second order {} (observation end {})",
        customers(o.customers),
        o.orders,
        100.0 * o.repeat_rate,
        opt(o.median_days_between_orders, 0),
        opt(o.median_days_to_second_order, 0),
        r.observation_end
    )?;
    for g in &r.groups {
        if let Some(name) = &g.name {
            writeln!(
                out,
                "\n== {name}: {}, repeat rate {:.1}%",
                customers(g.stats.customers),
                100.0 * g.stats.repeat_rate
            )?;
        } else if r.groups.len() > 1 {
            writeln!(out, "\n== (no value): {}", customers(g.stats.customers))?;
        }
        let width = g
            .cohorts
            .iter()
            .map(|c| c.periods.len())
            .max()
            .unwrap_or(0)
            .min(13);
        writeln!(out, "\nactive share by period since acquisition")?;
        write!(out, "{:<10} {:>9}", "cohort", "customers")?;
        for k in 0..width {
            write!(out, " {:>6}", format!("+{k}"))?;
        }
        writeln!(out)?;
        for c in &g.cohorts {
            write!(out, "{:<10} {:>9}", c.label, c.stats.customers)?;
            for cell in c.periods.iter().take(width) {
                write!(out, " {:>5.1}%", 100.0 * cell.active_share)?;
            }
            writeln!(out)?;
        }
        writeln!(out, "\ncumulative revenue per customer (LTV to date)")?;
        write!(out, "{:<10} {:>9}", "cohort", "repeat")?;
        for k in 0..width {
            write!(out, " {:>8}", format!("+{k}"))?;
        }
        writeln!(out)?;
        for c in &g.cohorts {
            write!(out, "{:<10} {:>8.1}%", c.label, 100.0 * c.stats.repeat_rate)?;
            for cell in c.periods.iter().take(width) {
                write!(out, " {:>8.2}", cell.cumulative_revenue_per_customer)?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.decimals$}"))
}

/// Runs `ltvlab segments`.
pub(crate) fn run_segments(args: SegmentsArgs, out: &mut dyn Write) -> CliResult<()> {
    let ingested = read_input(&args.input)?;
    transactions(&ingested.data)?;
    let mut segments = SegmentOptions {
        list_limit: args.limit,
        per_customer: args.json || args.csv,
        ..SegmentOptions::default()
    };
    if let Some(days) = &args.follow_up {
        segments.follow_up = follow_up_rules(days)?;
    }
    // The segments' model columns come from the predictions, as in
    // `analyze` and on the page (the model chosen on the holdout).
    let d = report(
        &ingested.data,
        &ReportOptions {
            segments,
            sections: Some(vec![Section::Predictions, Section::Segments]),
            ..ReportOptions::default()
        },
    )?;
    let report = section(d.segments, &d.notes, NoteCode::SegmentsFailed)?;
    if args.csv {
        return write_segments_csv(out, d.summary.as_ref(), d.predictions.as_ref(), &report);
    }
    if args.json {
        return json(out, &report);
    }
    Ok(write_segments(out, &report)?)
}

/// `segments --csv`: the customers CSV with the segment columns, in the
/// layout of the page's customer export.
fn write_segments_csv(
    out: &mut dyn Write,
    summary: Option<&ltvlab::summary::Summary>,
    predictions: Option<&ltvlab::predict::Predictions>,
    report: &SegmentReport,
) -> CliResult<()> {
    let summary = summary.ok_or_else(|| CliError::Input("no customers to write".to_owned()))?;
    let rows = ltvlab::export::SegmentRows::new(summary, report);
    // The model's columns when the predictions cover the summary's customers.
    let model: Option<[Vec<f64>; 4]> = predictions
        .filter(|p| p.customers.len() == summary.customers.len())
        .map(|p| {
            let c = &p.customers;
            [
                c.iter().map(|c| c.p_alive).collect(),
                c.iter().map(|c| c.expected_purchases).collect(),
                c.iter().map(|c| c.expected_order_value).collect(),
                c.iter().map(|c| c.clv).collect(),
            ]
        });
    // With the next-order timing, as the page's customer export.
    let timing = predictions
        .filter(|p| p.customers.len() == summary.customers.len())
        .map(|p| ltvlab::export::TimingRows::new(&p.customer_timing()));
    let text = ltvlab::export::customers_csv_with_segments(
        summary,
        model
            .as_ref()
            .map(|[p, e, v, clv]| ltvlab::export::ModelColumns {
                p_alive: p,
                expected_purchases: e,
                expected_order_value: v,
                clv,
                timing: timing.as_ref().map(ltvlab::export::TimingRows::columns),
            }),
        None,
        Some(rows.columns()),
    )?;
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// `--follow-up 30,60`: the thresholds in days, the first "reach out
/// personally", the others "responses drop sharply".
fn follow_up_rules(days: &str) -> CliResult<Vec<FollowUpRule>> {
    let parsed: CliResult<Vec<u32>> = days
        .split(',')
        .map(|d| {
            d.trim().parse::<u32>().map_err(|_| {
                CliError::Usage(format!(
                    "invalid option: follow-up days \"{d}\" must be whole numbers"
                ))
            })
        })
        .collect();
    let mut parsed = parsed?;
    parsed.sort_unstable();
    Ok(parsed
        .into_iter()
        .enumerate()
        .map(|(i, d)| FollowUpRule {
            days: d,
            note: match i {
                0 => "reach out personally".to_owned(),
                _ => "responses drop sharply".to_owned(),
            },
        })
        .collect())
}

/// The report's dashboard; its notes go to stderr (the sections asked for
/// are printed on stdout).
fn report(data: &Dataset, options: &ReportOptions) -> CliResult<Dashboard> {
    let d = dashboard(data, options, &mut |_| {})?;
    for note in &d.notes {
        let _ = writeln!(std::io::stderr(), "note: {}", note.message);
    }
    Ok(d)
}

/// The section a command prints, or the error its note gives when the data
/// cannot support it.
fn section<T>(value: Option<T>, notes: &[Note], code: NoteCode) -> CliResult<T> {
    value.ok_or_else(|| {
        let why = notes
            .iter()
            .find(|n| n.code == code)
            .map_or("this data cannot support it", |n| n.message.as_str());
        CliError::Input(why.to_owned())
    })
}

fn stats_row(out: &mut dyn Write, name: &str, s: &SegmentStats) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<20} {:>9} {:>7.1}% {:>10} {:>7.2} {:>7.1}% {:>11} {:>11} {:>8}",
        name,
        s.customers,
        100.0 * s.revenue_share,
        opt(s.aov, 2),
        s.orders_per_customer,
        100.0 * s.repeat_rate,
        opt(s.formula_ltv, 2),
        opt(s.model_ltv, 2),
        opt(s.mean_p_alive, 3),
    )
}

fn stats_header(out: &mut dyn Write, first: &str) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<20} {:>9} {:>8} {:>10} {:>7} {:>8} {:>11} {:>11} {:>8}",
        first,
        "customers",
        "revenue",
        "aov",
        "orders",
        "repeat",
        "formula_ltv",
        "model_ltv",
        "p_alive"
    )
}

fn write_segments(out: &mut dyn Write, r: &SegmentReport) -> std::io::Result<()> {
    writeln!(out, "RFM segments (observation end {})", r.observation_end)?;
    stats_header(out, "segment")?;
    for s in &r.segments {
        stats_row(out, s.label, &s.stats)?;
    }
    stats_row(out, "all customers", &r.overall)?;
    if let Some(nps) = &r.nps {
        writeln!(
            out,
            "\nNPS {:.1} ({} customers without a score)",
            nps.nps, nps.unscored
        )?;
        stats_header(out, "nps group")?;
        stats_row(out, "promoters (9-10)", &nps.promoters)?;
        stats_row(out, "passives (7-8)", &nps.passives)?;
        stats_row(out, "detractors (0-6)", &nps.detractors)?;
    }
    for list in &r.follow_up {
        let range = match list.max_days {
            Some(max) => format!("{}-{} days", list.min_days, max - 1),
            None => format!("{}+ days", list.min_days),
        };
        writeln!(
            out,
            "\nrepeat buyers not seen for {range} ({}): {}",
            list.note,
            customers(list.count)
        )?;
        for c in &list.customers {
            writeln!(
                out,
                "  {} last {} ({} days), {} orders, {:.2}",
                pad(&ltvlab::export::safe_cell(&c.customer_id), 24),
                c.last_order,
                c.days_since_last_order,
                c.orders,
                c.revenue
            )?;
        }
    }
    if r.modeled {
        writeln!(
            out,
            "\noverdue: silent longer than 9 in 10 customers at their pace: {} (by value at risk; {} more probably gone)",
            customers(r.overdue.count),
            r.overdue.probably_gone
        )?;
        write_timed(out, &r.overdue.customers)?;
        writeln!(
            out,
            "\ndue soon: median next order within 30 days: {} (by chance of an order within 30 days)",
            customers(r.due_soon.count)
        )?;
        write_timed(out, &r.due_soon.customers)?;
    }
    Ok(())
}

/// The customers of an overdue or due-soon list, each with why.
fn write_timed(
    out: &mut dyn Write,
    customers: &[ltvlab::segments::TimedCustomer],
) -> std::io::Result<()> {
    for c in customers {
        let range = match (&c.next_order_low, &c.next_order_high) {
            (Some(low), Some(high)) => format!(" (80%: {low} to {high})"),
            (Some(low), None) => format!(" (80%: from {low})"),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {} last {}, next {}{range}, p_30d {:.2}, p_alive {:.2}, value at risk {:.2}: {}",
            pad(&ltvlab::export::safe_cell(&c.customer_id), 24),
            c.last_order,
            c.next_order.as_deref().unwrap_or("none (more likely gone)"),
            c.p_purchase_30d,
            c.p_alive,
            c.value_at_risk,
            c.reason.message()
        )?;
    }
    Ok(())
}

/// Runs `ltvlab compare`.
pub(crate) fn run_compare(args: CompareArgs, out: &mut dyn Write) -> CliResult<()> {
    let data = match &args.other {
        None if args.input.group.is_none() => {
            return Err(CliError::Usage(
                "invalid option: compare needs --group COL, or two files (compare A.csv B.csv)"
                    .to_owned(),
            ))
        }
        None => read_input(&args.input)?.data,
        Some(other) => Dataset::Transactions(two_files(&args, other)?),
    };
    let t = transactions(&data)?;
    // The model columns come from the report's what-if model: the purchase
    // model chosen on the holdout, as in `analyze` and on the page.
    let d = report(
        &data,
        &ReportOptions {
            sections: Some(vec![Section::Whatif]),
            ..ReportOptions::default()
        },
    )?;
    let (Some(summary), model) = (d.summary, d.shop) else {
        return Err(CliError::Input("no per-customer summary".to_owned()));
    };
    let options = CompareOptions {
        baseline: args.baseline.clone(),
        draws: args.draws,
        seed: args.seed,
        ..CompareOptions::default()
    };
    let report = compare(t, &summary, model.as_ref(), &options)?;
    if args.json {
        return json(out, &report);
    }
    Ok(write_compare(out, &report)?)
}

fn write_compare(out: &mut dyn Write, r: &Comparison) -> std::io::Result<()> {
    stats_header(out, "group")?;
    for g in &r.groups {
        stats_row(out, &ltvlab::export::safe_cell(&g.name), &g.stats)?;
    }
    for c in &r.contrasts {
        writeln!(out, "\n{} vs {}", c.group, c.baseline)?;
        for m in &c.metrics {
            writeln!(out, "  {}", m.verdict)?;
        }
    }
    Ok(())
}

/// Reads `compare A B`'s two files with the same options and merges them,
/// each file a group named by its file name or `--names`.
fn two_files(args: &CompareArgs, other: &std::path::Path) -> CliResult<Transactions> {
    if args.input.group.is_some() {
        return Err(CliError::Usage(
            "invalid option: with two files each file is a group; leave out --group".to_owned(),
        ));
    }
    let paths = [args.input.file.clone(), other.to_path_buf()];
    let names: Vec<String> = match &args.names {
        Some(n) => n.split(',').map(|s| s.trim().to_owned()).collect(),
        None => paths
            .iter()
            .map(|p| {
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |f| f.to_string_lossy().into_owned(),
                )
            })
            .collect(),
    };
    if names.len() != 2 {
        return Err(CliError::Usage(format!(
            "invalid option: --names needs two names like A,B, got {}",
            names.len()
        )));
    }
    let mut files = Vec::with_capacity(2);
    for path in &paths {
        let input = args.input.with_file(path.clone());
        match read_input(&input)?.data {
            Dataset::Transactions(t) => files.push(t),
            other => {
                if let Err(e) = transactions(&other) {
                    return Err(CliError::in_file(path.display(), e));
                }
            }
        }
    }
    Ok(merge_files(&[
        (&names[0], &files[0]),
        (&names[1], &files[1]),
    ])?)
}

/// Parses a lever: `+5pt`/`5` points, `+10%` a share (0.1), or a plain share.
fn points(s: &str, name: &str) -> CliResult<f64> {
    let t = s
        .trim()
        .trim_end_matches("pts")
        .trim_end_matches("pt")
        .trim();
    t.trim_start_matches('+')
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "invalid option: {name} \"{s}\" must be points like +5pt"
            ))
        })
}

fn share(s: &str, name: &str) -> CliResult<f64> {
    let t = s.trim();
    let (t, scale) = match t.strip_suffix('%') {
        Some(p) => (p.trim(), 100.0),
        None => (t, 1.0),
    };
    t.trim_start_matches('+')
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v / scale)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "invalid option: {name} \"{s}\" must be a share like +10% or 0.1"
            ))
        })
}

fn number(s: &str, name: &str) -> CliResult<f64> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| CliError::Usage(format!("invalid option: {name} \"{s}\" must be a number")))
}

fn scenario(a: &SimulateArgs, model_mode: bool) -> CliResult<Scenario> {
    let pick = |lift: &Option<String>, plain: &Option<String>| -> Option<String> {
        lift.clone()
            .or_else(|| if model_mode { plain.clone() } else { None })
    };
    let mut s = Scenario::default();
    if let Some(v) = pick(&a.retention_lift, &a.retention) {
        s.retention_points = points(&v, "retention")?;
    }
    if let Some(v) = pick(&a.aov_lift, &a.aov) {
        s.aov_change = share(&v, "aov")?;
    }
    if let Some(v) = pick(&a.frequency_lift, &a.frequency) {
        s.frequency_change = share(&v, "frequency")?;
    }
    if let Some(v) = &a.churn_reduction {
        s.churn_reduction = share(v, "churn reduction")?;
    }
    if let Some(v) = &a.margin_lift {
        s.margin_points = points(v, "margin lift")?;
    }
    if let Some(v) = &a.discount {
        s.discount = share(v, "discount")?;
    }
    s.loyalty = Loyalty {
        rebate: a
            .loyalty_rebate
            .as_deref()
            .map(|v| share(v, "loyalty rebate"))
            .transpose()?
            .unwrap_or(0.0),
        retention_points: a
            .loyalty_retention
            .as_deref()
            .map(|v| points(v, "loyalty retention"))
            .transpose()?
            .unwrap_or(0.0),
    };
    s.cac = a.scenario_cac;
    Ok(s)
}

/// Runs `ltvlab simulate`.
pub(crate) fn run_simulate(a: SimulateArgs, out: &mut dyn Write) -> CliResult<()> {
    let margin = a
        .margin
        .as_deref()
        .map(|m| share(m, "margin"))
        .transpose()?
        .unwrap_or(1.0);
    if a.formula {
        if a.file.is_some() {
            return Err(CliError::Usage(
                "invalid option: --formula takes no file".to_owned(),
            ));
        }
        if a.shift_from.is_some() {
            return Err(CliError::Usage(
                "invalid option: a channel shift (--shift-from) needs an orders file, not --formula"
                    .to_owned(),
            ));
        }
        let churn = match (&a.churn, &a.retention) {
            (Some(c), _) => share(c, "churn")?,
            (None, Some(r)) => 1.0 - share(r, "retention")?,
            (None, None) => FormulaInputs::default().churn,
        };
        let defaults = FormulaInputs::default();
        let inputs = FormulaInputs {
            aov: a
                .aov
                .as_deref()
                .map(|v| number(v, "aov"))
                .transpose()?
                .unwrap_or(defaults.aov),
            purchases_per_year: a
                .frequency
                .as_deref()
                .map(|v| number(v, "frequency"))
                .transpose()?
                .unwrap_or(defaults.purchases_per_year),
            churn,
            margin,
            monthly_discount_rate: a.discount_rate,
            cac: a.cac.unwrap_or(0.0),
            horizon_months: a.horizon.unwrap_or(defaults.horizon_months),
        };
        let result = simulate_formula(&inputs, &scenario(&a, false)?)?;
        if a.json {
            return json(out, &result);
        }
        return Ok(write_formula(out, &result)?);
    }
    let Some(file) = a.file.clone() else {
        return Err(CliError::Usage(
            "invalid option: simulate needs a file, or --formula".to_owned(),
        ));
    };
    let s = scenario(&a, true)?;
    let shift = channel_shift_of(&a)?;
    let mut input = InputArgs::for_file(file);
    input.group.clone_from(&a.group);
    let ingested = read_input(&input)?;
    let simulation = SimulationOptions {
        margin,
        cac: a.cac.unwrap_or(0.0),
        horizon_months: a.horizon.unwrap_or(24),
        monthly_discount_rate: a.discount_rate,
        new_customers_per_month: a.new_customers,
        draws: a.draws,
        seed: a.seed,
        draw_method: if a.exact_draws {
            DrawMethod::Exact
        } else {
            DrawMethod::Linearized
        },
        ..SimulationOptions::default()
    };
    let d = report(
        &ingested.data,
        &ReportOptions {
            scenario: s,
            simulation,
            // The channel shift needs the channel effects, which the report
            // fits with the predictions' model beside the channel table.
            sections: Some(if shift.is_some() {
                vec![Section::Simulation, Section::Predictions, Section::Groups]
            } else {
                vec![Section::Simulation]
            }),
            margin,
            ..ReportOptions::default()
        },
    )?;
    let shifted = match &shift {
        Some(shift) => {
            let effects = d
                .groups
                .as_ref()
                .and_then(|g| g.by_channel.as_ref())
                .and_then(|b| b.effects.as_ref());
            let effects = section(effects, &d.notes, NoteCode::GroupEffectsFailed)?;
            Some(channel_shift(effects, shift, margin)?)
        }
        None => None,
    };
    let result = section(d.simulation, &d.notes, NoteCode::WhatifFailed)?;
    if a.json {
        return json(
            out,
            &SimulationWithShift {
                simulation: &result,
                shift: shifted.as_ref(),
            },
        );
    }
    write_simulation(out, &result)?;
    if let Some(o) = &shifted {
        write_shift(out, o)?;
    }
    Ok(())
}

/// `ltvlab simulate --json`: the simulation, and the channel shift when one
/// was asked for.
#[derive(Serialize)]
struct SimulationWithShift<'a> {
    #[serde(flatten)]
    simulation: &'a Simulation,
    #[serde(skip_serializing_if = "Option::is_none")]
    shift: Option<&'a ShiftOutcome>,
}

/// The channel shift of `--shift-from`, `--shift-to`, `--shift-share` and
/// `--shift-customers`; `None` without `--shift-from`.
fn channel_shift_of(a: &SimulateArgs) -> CliResult<Option<ChannelShift>> {
    let Some(from) = &a.shift_from else {
        if a.shift_to.is_some() || a.shift_share.is_some() || a.shift_customers.is_some() {
            return Err(CliError::Usage(
                "invalid option: --shift-to, --shift-share and --shift-customers need --shift-from"
                    .to_owned(),
            ));
        }
        return Ok(None);
    };
    let Some(to) = &a.shift_to else {
        return Err(CliError::Usage(
            "invalid option: --shift-from needs --shift-to".to_owned(),
        ));
    };
    if a.group.is_none() {
        return Err(CliError::Usage(
            "invalid option: --shift-from needs --group COL, the channel column".to_owned(),
        ));
    }
    let share = a
        .shift_share
        .as_deref()
        .map(|v| share(v, "shift share"))
        .transpose()?
        .unwrap_or(0.1);
    Ok(Some(ChannelShift {
        from: from.clone(),
        to: to.clone(),
        share,
        new_customers: a.shift_customers,
    }))
}

fn write_shift(out: &mut dyn Write, o: &ShiftOutcome) -> std::io::Result<()> {
    let pct = 100.0 * o.level;
    let whose = if o.new_customers_from_data {
        " (its customers in the data)"
    } else {
        ""
    };
    writeln!(
        out,
        "\nchannel shift: {:.1}% of {}'s {:.0} new customers{whose} come through {} instead",
        100.0 * o.share,
        o.from,
        o.new_customers,
        o.to
    )?;
    writeln!(
        out,
        "gross profit of repeat orders over {} months at margin {:.2}, first orders left out",
        o.horizon_months, o.margin
    )?;
    writeln!(
        out,
        "  per new customer       {} {:.2}, {} {:.2}",
        o.from, o.from_value, o.to, o.to_value
    )?;
    writeln!(
        out,
        "  baseline               {:.2} ({:.0} new customers of {} and {:.0} of {}, the data's mix)",
        o.baseline, o.new_customers, o.from, o.to_customers, o.to
    )?;
    let range = match (o.change.low, o.change.high) {
        (Some(low), Some(high)) => format!(" [{pct:.0}%: {low:+.2}, {high:+.2}]"),
        _ => " (no interval: a fit has no covariance)".to_owned(),
    };
    writeln!(
        out,
        "  change                 {:+.2}{range} ({:.1} customers moved)",
        o.change.value, o.moved
    )?;
    writeln!(out, "  scenario               {:.2}", o.scenario)
}

fn write_formula(out: &mut dyn Write, r: &FormulaComparison) -> std::io::Result<()> {
    writeln!(out, "{:<22} {:>14} {:>14}", "", "baseline", "scenario")?;
    let (b, s) = (&r.baseline, &r.scenario);
    writeln!(out, "{:<22} {:>14.2} {:>14.2}", "ltv", b.ltv, s.ltv)?;
    writeln!(
        out,
        "{:<22} {:>14} {:>14}",
        "ltv:cac",
        opt(b.ltv_to_cac, 2),
        opt(s.ltv_to_cac, 2)
    )?;
    let months = |m: Option<u32>| m.map_or_else(|| "never".to_owned(), |m| m.to_string());
    writeln!(
        out,
        "{:<22} {:>14} {:>14}",
        "payback months",
        months(b.payback_months),
        months(s.payback_months)
    )?;
    writeln!(
        out,
        "{:<22} {:>14.4} {:>14.4}",
        "monthly retention", b.monthly_retention, s.monthly_retention
    )?;
    writeln!(
        out,
        "{:<22} {:>14.4} {:>14.4}",
        "12-month survival", b.survival_12_months, s.survival_12_months
    )?;
    writeln!(
        out,
        "{:<22} {:>14} {:>14}",
        "textbook lifetime ltv",
        opt(b.lifetime_ltv, 2),
        opt(s.lifetime_ltv, 2)
    )?;
    write_sensitivity(out, &r.sensitivity)
}

fn write_sensitivity(
    out: &mut dyn Write,
    rows: &[ltvlab::simulate::Sensitivity],
) -> std::io::Result<()> {
    writeln!(
        out,
        "\nsensitivity (one realistic step each, largest first)"
    )?;
    for row in rows {
        writeln!(
            out,
            "  {:<16} ltv {:>12.2} ({:+.2}, {:+.1}%)",
            row.lever,
            row.ltv,
            row.change,
            100.0 * row.relative_change
        )?;
    }
    Ok(())
}

fn write_simulation(out: &mut dyn Write, r: &Simulation) -> std::io::Result<()> {
    let pct = 100.0 * r.confidence;
    writeln!(
        out,
        "horizon {} months, {:.1} new customers a month, {} draws (seed {}), {pct:.0}% intervals",
        r.horizon_months, r.new_customers_per_month, r.draws, r.seed
    )?;
    let e =
        |x: &ltvlab::simulate::Estimate| format!("{:.2} [{:.2}, {:.2}]", x.value, x.low, x.high);
    writeln!(out, "{:<24} {:>34} {:>34}", "", "baseline", "scenario")?;
    let (b, s) = (&r.baseline, &r.scenario);
    writeln!(
        out,
        "{:<24} {:>34} {:>34}",
        "ltv per new customer",
        e(&b.ltv_per_customer),
        e(&s.ltv_per_customer)
    )?;
    let ratio =
        |x: &Option<ltvlab::simulate::Estimate>| x.as_ref().map_or_else(|| "-".to_owned(), e);
    writeln!(
        out,
        "{:<24} {:>34} {:>34}",
        "ltv:cac",
        ratio(&b.ltv_to_cac),
        ratio(&s.ltv_to_cac)
    )?;
    let months = |m: Option<u32>, p: f64| {
        format!(
            "{} (p {:.2})",
            m.map_or_else(|| "never".to_owned(), |m| m.to_string()),
            p
        )
    };
    writeln!(
        out,
        "{:<24} {:>34} {:>34}",
        "payback months",
        months(b.payback_months, b.payback_probability),
        months(s.payback_months, s.payback_probability)
    )?;
    writeln!(
        out,
        "{:<24} {:>34} {:>34}",
        "revenue, existing base",
        e(&b.revenue_existing),
        e(&s.revenue_existing)
    )?;
    writeln!(
        out,
        "{:<24} {:>34} {:>34}",
        "revenue, new customers",
        e(&b.revenue_new),
        e(&s.revenue_new)
    )?;
    writeln!(
        out,
        "\nchange in ltv per new customer {}",
        e(&r.change.ltv_per_customer)
    )?;
    let (pb, ps) = (&b.parameters, &s.parameters);
    writeln!(
        out,
        "parameters: b {:.4} -> {:.4}, alpha {:.4} -> {:.4}, gamma {:.4} -> {:.4}, dropout per purchase {} -> {}, 12-month survival of a new customer {:.4} -> {:.4}, margin {:.4} -> {:.4}",
        pb.b, ps.b, pb.alpha, ps.alpha, pb.gamma, ps.gamma, opt(pb.dropout_per_purchase, 4), opt(ps.dropout_per_purchase, 4), pb.survival_12_months, ps.survival_12_months, pb.margin, ps.margin
    )?;
    write_sensitivity(out, &r.sensitivity)
}
