//! `ltvlab inspect`, `ltvlab summary` and `ltvlab generate`: what ingest
//! saw, the per-customer summary, and a synthetic shop.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use ltvlab::ingest::{Dataset, Ingested};
use ltvlab::summary::{self, Period, SummaryOptions};

use super::caps;
use super::error::{CliError, CliResult};
use super::format::{num, num_into};
use super::input::{read_input, read_input_reported, InputArgs, PeriodArg};

/// `ltvlab inspect`.
#[derive(Args)]
pub(crate) struct InspectArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// `ltvlab summary`.
#[derive(Args)]
pub(crate) struct SummaryCommandArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    summary: SummaryArgs,
}

/// `generate --format`: the layout of the generated file.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum GenerateFormat {
    /// One row per order line, dates with the time of day.
    Plain,
    /// A subset of Shopify's orders export.
    Shopify,
    /// The UCI Online Retail layout.
    #[value(alias = "uci-online-retail")]
    Uci,
}

/// `ltvlab generate`.
#[derive(Args)]
pub(crate) struct GenerateArgs {
    /// Generate at least this many order lines (customers are added as needed; at most 100,000,000).
    #[arg(long, conflicts_with = "customers", value_parser = caps::at_most::<{ caps::LINES }, usize>)]
    lines: Option<usize>,
    /// Generate this many customers (default 1000 when --lines is not given; at most 10,000,000).
    #[arg(long, value_parser = caps::at_most::<{ caps::CUSTOMERS }, usize>)]
    customers: Option<usize>,
    /// Random seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A random small shop as small merchants' exports look (20 to 2,000 lines,
    /// mostly one-time buyers; `ltvlab::generate::small_shop`), drawn from --seed.
    #[arg(long, conflicts_with_all = ["lines", "customers", "format", "shift_jis", "currency_scale", "guest_share", "return_share", "repeat_share", "items"])]
    small_shop: bool,
    /// A 定期 (subscription) shop: subscribers who churn as the sBG model says
    /// (--sbg-alpha, --sbg-beta) beside one-off buyers, with a 定期購入 flag
    /// column (`ltvlab::generate::SubscriptionShop`); --customers sets the
    /// subscribers (default 2,000).
    #[arg(long, conflicts_with_all = ["lines", "small_shop", "format", "shift_jis", "currency_scale", "guest_share", "return_share", "repeat_share", "items"])]
    subscription: bool,
    /// A shop whose customers come through channels with known effects, one order per row
    /// with a `channel` column (`ltvlab::generate::ChannelShop`; --customers, default 3,000).
    /// BG/NBD r=0.5, alpha=40 days, a=0.8, b=2.4 and Gamma-Gamma p=6, q=4, gamma=15 for
    /// "web" (half the customers, the baseline); "instagram" (30%): purchase γ=0.4,
    /// dropout_a γ=-0.5, dropout_b γ=0.3; "coupon" (20%): purchase γ=-0.3, dropout_a γ=0.5,
    /// dropout_b γ=-0.2, spend γ=-0.25. Fit them back with `fit --covariate channel`.
    /// With --subscription: the subscribers' churn shapes vary by channel instead
    /// (`ltvlab::generate::SubscriptionChannel::defaults`: web 50%, the baseline;
    /// instagram 30%, γ_alpha=-0.4, γ_beta=0.3; coupon 20%, γ_alpha=0.5, γ_beta=-0.3);
    /// fit them back with `fit --model sbg --covariate channel`.
    #[arg(long, conflicts_with_all = ["lines", "small_shop", "format", "shift_jis", "currency_scale", "guest_share", "return_share", "repeat_share", "items"])]
    group_effects: bool,
    /// The subscribers' churn shape alpha (default 0.8).
    #[arg(long, requires = "subscription")]
    sbg_alpha: Option<f64>,
    /// The subscribers' churn shape beta (default 2.5).
    #[arg(long, requires = "subscription")]
    sbg_beta: Option<f64>,
    /// Days between deliveries (default 30).
    #[arg(long, requires = "subscription")]
    cycle_days: Option<u32>,
    /// Layout: plain, shopify or uci.
    #[arg(long, value_enum, ignore_case = true, default_value_t = GenerateFormat::Plain)]
    format: GenerateFormat,
    /// Encode as Shift_JIS instead of UTF-8.
    #[arg(long)]
    shift_jis: bool,
    /// Japanese and English product names (the default).
    #[arg(long, conflicts_with = "english")]
    japanese: bool,
    /// English product names only.
    #[arg(long)]
    english: bool,
    /// Multiply order values (150 gives yen-like amounts).
    #[arg(long)]
    currency_scale: Option<f64>,
    /// Share of orders placed by guests without a customer id.
    #[arg(long)]
    guest_share: Option<f64>,
    /// Share of orders partly returned.
    #[arg(long)]
    return_share: Option<f64>,
    /// Lasting tastes and repurchase: the share of each customer's order
    /// lines drawn from their latest lines, the same share of the rest from
    /// their favourite group (0 to 1; default 0, no tastes). A shop with
    /// 0.5 buys again what it bought, as consumables shops do.
    #[arg(long)]
    repeat_share: Option<f64>,
    /// Catalogue size (at most 1,000,000).
    #[arg(long, value_parser = caps::at_most::<{ caps::ITEMS }, usize>)]
    items: Option<usize>,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct SummaryArgs {
    /// Period unit: day, week or month (default: day; a summary file needs it).
    #[arg(long, value_enum, ignore_case = true)]
    period: Option<PeriodArg>,
    /// End of observation (ISO date); default: the last date in the data.
    #[arg(long, value_name = "DATE")]
    observation_end: Option<String>,
    /// Split into calibration and holdout at this ISO date.
    #[arg(long, value_name = "DATE")]
    calibration_end: Option<String>,
}

/// Runs `ltvlab inspect`.
pub(crate) fn inspect(args: &InspectArgs, out: &mut impl Write) -> CliResult<()> {
    let ingested = read_input_reported(&args.input)?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &ingested.report)?;
        writeln!(out)?;
    } else {
        write_report(out, &ingested)?;
    }
    Ok(())
}

/// Runs `ltvlab summary`.
pub(crate) fn summary(args: &SummaryCommandArgs, out: &mut impl Write) -> CliResult<()> {
    let ingested = read_input(&args.input)?;
    let options = summary_options(&args.summary, &ingested.data)?;
    write_summary(out, &ingested, &options)
}

fn summary_options(a: &SummaryArgs, data: &Dataset) -> CliResult<SummaryOptions> {
    Ok(SummaryOptions {
        period: summary::period_for(data, a.period.map(Period::from))?,
        observation_end: a.observation_end.clone(),
        calibration_end: a.calibration_end.clone(),
    })
}

fn write_report(out: &mut impl Write, ingested: &Ingested) -> io::Result<()> {
    let r = &ingested.report;
    writeln!(out, "preset      {:?}", r.preset)?;
    writeln!(out, "kind        {:?}", r.kind)?;
    writeln!(
        out,
        "encoding    {}{}",
        r.encoding,
        if r.bom { " (with BOM)" } else { "" }
    )?;
    writeln!(out, "delimiter   {:?}", r.delimiter)?;
    writeln!(
        out,
        "header      {}",
        if r.has_header { "yes" } else { "no" }
    )?;
    if let Some(order) = r.date_order {
        writeln!(out, "date order  {:?} ({:?})", order, r.date_order_source)?;
    }
    writeln!(
        out,
        "rows        {} read, {} used, {} skipped",
        r.rows_read, r.rows_used, r.rows_skipped
    )?;
    writeln!(out, "mapping")?;
    for m in &r.mapping {
        writeln!(
            out,
            "  {:<14} <- {:?} (column {}, by {:?})",
            m.role.name(),
            m.name,
            m.index + 1,
            m.source
        )?;
    }
    let s = &r.stats;
    writeln!(
        out,
        "data        {} customers, {} orders, {} items, {} guest rows, {} reversal rows",
        s.customers, s.orders, s.items, s.guest_rows, s.reversal_rows
    )?;
    if let (Some(a), Some(b)) = (&s.first_date, &s.last_date) {
        writeln!(out, "dates       {a} to {b}")?;
    }
    for g in &r.skipped {
        writeln!(out, "skipped     {} x {:?}", g.count, g.reason)?;
        for e in &g.examples {
            writeln!(out, "              line {}: {}", e.line, e.text)?;
        }
    }
    for w in &r.warnings {
        writeln!(out, "warning     {}", w.message)?;
        if !w.lines.is_empty() {
            let lines: Vec<String> = w.lines.iter().map(u64::to_string).collect();
            writeln!(out, "              lines {}", lines.join(", "))?;
        }
    }
    Ok(())
}

fn write_summary(
    out: &mut impl Write,
    ingested: &Ingested,
    options: &SummaryOptions,
) -> CliResult<()> {
    let mut w = csv::Writer::from_writer(out);
    if options.calibration_end.is_some() {
        let ch = summary::calibration_holdout(&ingested.data, options)?;
        w.write_record([
            "customer_id",
            "frequency_cal",
            "recency_cal",
            "T_cal",
            "monetary_value_cal",
            "frequency_holdout",
            "monetary_value_holdout",
            "duration_holdout",
        ])?;
        for (c, h) in ch.calibration.customers.iter().zip(&ch.holdout) {
            w.write_record([
                ltvlab::export::safe_cell(&c.customer_id).as_ref(),
                &num(c.frequency),
                &num(c.recency),
                &num(c.t),
                &num(c.monetary_value),
                &num(h.frequency_holdout),
                &num(h.monetary_value_holdout),
                &num(h.duration_holdout),
            ])?;
        }
    } else {
        let s = summary::summarize(&ingested.data, options)?;
        w.write_record([
            "customer_id",
            "frequency",
            "recency",
            "T",
            "monetary_value",
            "first_purchase",
            "last_purchase",
            "orders",
            "total_spend",
        ])?;
        // One buffer per number column, reused row to row.
        let mut b: [String; 5] = Default::default();
        let mut orders = itoa::Buffer::new();
        for c in &s.customers {
            let [frequency, recency, t, monetary_value, total_spend] = &mut b;
            w.write_record([
                ltvlab::export::safe_cell(&c.customer_id).as_ref(),
                num_into(c.frequency, frequency),
                num_into(c.recency, recency),
                num_into(c.t, t),
                num_into(c.monetary_value, monetary_value),
                c.first_purchase.as_deref().unwrap_or(""),
                c.last_purchase.as_deref().unwrap_or(""),
                c.orders.map_or("", |o| orders.format(o)),
                match c.total_spend {
                    Some(v) => num_into(v, total_spend),
                    None => "",
                },
            ])?;
        }
        // The process ends after this: its memory goes back to the OS
        // whole, without freeing each customer's strings.
        std::mem::forget(s);
    }
    Ok(w.flush()?)
}

/// Runs `ltvlab generate`.
pub(crate) fn generate(a: &GenerateArgs, stdout: &mut impl Write) -> CliResult<()> {
    use ltvlab::generate::{GeneratorConfig, OutputEncoding, OutputFormat};
    let mut config = GeneratorConfig {
        seed: a.seed,
        japanese_names: !a.english,
        ..GeneratorConfig::default()
    };
    config.format = match a.format {
        GenerateFormat::Plain => OutputFormat::Plain,
        GenerateFormat::Shopify => OutputFormat::Shopify,
        GenerateFormat::Uci => OutputFormat::UciOnlineRetail,
    };
    if a.shift_jis {
        config.encoding = OutputEncoding::ShiftJis;
    }
    if let Some(x) = a.currency_scale {
        config.currency_scale = x;
    }
    if let Some(x) = a.guest_share {
        config.guest_share = x;
    }
    if let Some(x) = a.return_share {
        config.return_share = x;
    }
    if let Some(x) = a.repeat_share {
        config.repeat_share = x;
    }
    if let Some(x) = a.items {
        config.items = x;
    }
    if let Some(c) = a.customers {
        config.customers = c;
    }
    let mut file;
    let mut stdout_lock;
    let out: &mut dyn Write = match &a.out {
        Some(path) => {
            file =
                io::BufWriter::new(std::fs::File::create(path).map_err(|source| CliError::Io {
                    action: "create",
                    path: path.display().to_string(),
                    source,
                })?);
            &mut file
        }
        None => {
            stdout_lock = stdout;
            &mut stdout_lock
        }
    };
    if a.subscription {
        let defaults = ltvlab::generate::SubscriptionShop::default();
        let shop = ltvlab::generate::SubscriptionShop {
            subscribers: a.customers.unwrap_or(defaults.subscribers),
            alpha: a.sbg_alpha.unwrap_or(defaults.alpha),
            beta: a.sbg_beta.unwrap_or(defaults.beta),
            cycle_days: a.cycle_days.unwrap_or(defaults.cycle_days),
            seed: a.seed,
            channels: if a.group_effects {
                ltvlab::generate::SubscriptionChannel::defaults()
            } else {
                Vec::new()
            },
            ..defaults
        };
        shop.generate(out)?;
        return Ok(out.flush()?);
    }
    if a.group_effects {
        let defaults = ltvlab::generate::ChannelShop::default();
        let shop = ltvlab::generate::ChannelShop {
            customers: a.customers.unwrap_or(defaults.customers),
            seed: a.seed,
            ..defaults
        };
        shop.generate(out)?;
        return Ok(out.flush()?);
    }
    let result = match a.lines {
        _ if a.small_shop => ltvlab::generate::small_shop(a.seed).generate(out),
        Some(lines) => ltvlab::generate::generate_lines(&config, lines, out),
        None => ltvlab::generate::generate(&config, out),
    };
    result?;
    Ok(out.flush()?)
}
