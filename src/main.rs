//! The `ltvlab` command-line interface: the only code that touches files and
//! argv. Every command reads its input in 1 MiB chunks through the same
//! chunked ingest the browser uses. Errors go to stderr as one line and exit
//! with code 2.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod cli;

use ltvlab::ingest::{Dataset, IngestOptions, Ingested, Ingester, ReturnPolicy};
use ltvlab::summary::{self, Period, SummaryOptions};

#[derive(Parser)]
#[command(
    name = "ltvlab",
    version,
    about = "Customer lifetime value, churn and recommendations from an orders CSV"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show what ingest detected: encoding, delimiter, preset, mapping, counts, problems.
    Inspect {
        #[command(flatten)]
        input: InputArgs,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the per-customer summary (frequency, recency, T, monetary value) as CSV.
    Summary {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        summary: SummaryArgs,
    },
    /// Write a synthetic shop's order lines (seeded, with known BG/NBD parameters) as CSV.
    Generate(GenerateArgs),
    /// Acquisition cohorts: active share, LTV to date, repeat rate, churn, by month or week.
    Cohorts(cli::analysis::CohortsArgs),
    /// RFM segments, follow-up lists, NPS segments and overdue customers.
    Segments(cli::analysis::SegmentsArgs),
    /// Compare groups (campaigns, channels): repeat rate, AOV, orders, LTV with intervals and tests.
    Compare(cli::analysis::CompareArgs),
    /// What-if simulation: baseline vs scenario with levers, from a file or a formula.
    Simulate(cli::analysis::SimulateArgs),
    /// "Also bought" pairs, per-item and per-customer lists, itemsets and a holdout test.
    Recommend(cli::recommend::RecommendArgs),
    /// Fit a model (bgnbd, mbgnbd, pareto, gammagamma, bgbb, sbg) and print its parameters.
    Fit(cli::models::FitArgs),
    /// Print per-customer predictions (p_alive, expected purchases, order value, CLV) as CSV.
    Predict(cli::models::PredictArgs),
    /// Print one report: ingest, summary, model, predictions and validation.
    Analyze(cli::models::AnalyzeArgs),
}

#[derive(Args)]
struct GenerateArgs {
    /// Generate at least this many order lines (customers are added as needed; at most 100,000,000).
    #[arg(long, conflicts_with = "customers", value_parser = cli::caps::at_most::<{ cli::caps::LINES }, usize>)]
    lines: Option<usize>,
    /// Generate this many customers (default 1000 when --lines is not given; at most 10,000,000).
    #[arg(long, value_parser = cli::caps::at_most::<{ cli::caps::CUSTOMERS }, usize>)]
    customers: Option<usize>,
    /// Random seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A random small shop as small merchants' exports look (20 to 2,000 lines,
    /// mostly one-time buyers; `ltvlab::generate::small_shop`), drawn from --seed.
    #[arg(long, conflicts_with_all = ["lines", "customers", "format", "shift_jis", "currency_scale", "guest_share", "return_share", "items"])]
    small_shop: bool,
    /// Layout: plain, shopify or uci.
    #[arg(long, default_value = "plain")]
    format: String,
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
    /// Catalogue size (at most 1,000,000).
    #[arg(long, value_parser = cli::caps::at_most::<{ cli::caps::ITEMS }, usize>)]
    items: Option<usize>,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// The input file and ingest overrides shared by every command.
#[derive(Args, Clone)]
pub(crate) struct InputArgs {
    /// The orders file (CSV/TSV, any supported encoding), or - for stdin.
    file: PathBuf,
    /// Column holding the customer id.
    #[arg(long, value_name = "COL")]
    customer: Option<String>,
    /// Column holding the order date.
    #[arg(long, value_name = "COL")]
    date: Option<String>,
    /// Column holding the amount (line or order total).
    #[arg(long, value_name = "COL")]
    amount: Option<String>,
    /// Column holding the order id.
    #[arg(long, value_name = "COL")]
    order: Option<String>,
    /// Column holding the item id or SKU.
    #[arg(long, value_name = "COL")]
    item: Option<String>,
    /// Column holding the item name.
    #[arg(long, value_name = "COL")]
    item_name: Option<String>,
    /// Column holding the quantity.
    #[arg(long, value_name = "COL")]
    quantity: Option<String>,
    /// Column holding the unit price.
    #[arg(long, value_name = "COL")]
    unit_price: Option<String>,
    /// A categorical column to group by (channel, coupon, campaign).
    #[arg(long, value_name = "COL")]
    pub(crate) group: Option<String>,
    /// Date format: auto, iso, ymd, yyyymmdd, japanese, dmy, mdy, excel, unix, or a pattern like %d/%m/%Y.
    #[arg(long, value_name = "FORMAT")]
    date_format: Option<String>,
    /// Day/month order for ambiguous dates: day-first or month-first.
    #[arg(long, value_name = "ORDER")]
    date_order: Option<String>,
    /// Force the encoding (utf-8, shift_jis, utf-16le, ...).
    #[arg(long)]
    encoding: Option<String>,
    /// Force the delimiter (one character; "tab" for a tab).
    #[arg(long)]
    delimiter: Option<String>,
    /// Returns, refunds and cancellations: net (default) or exclude.
    #[arg(long, default_value = "net")]
    returns: String,
    /// Today's date (ISO) for the future-date check.
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
}

#[derive(Args)]
struct SummaryArgs {
    /// Period unit: day, week or month (default: day; a summary file needs it).
    #[arg(long)]
    period: Option<String>,
    /// End of observation (ISO date); default: the last date in the data.
    #[arg(long, value_name = "DATE")]
    observation_end: Option<String>,
    /// Split into calibration and holdout at this ISO date.
    #[arg(long, value_name = "DATE")]
    calibration_end: Option<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version print to stdout and succeed.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line, as every other error: clap's first line, without its usage block.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            let _ = writeln!(io::stderr(), "error: {}", lower_first(first));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`ltvlab summary f.csv | head`) is not an error.
        Err(message) if message.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(io::stderr(), "error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match cli.command {
        Command::Inspect { input, json } => {
            let ingested = read_input(&input)?;
            if json {
                serde_json::to_writer_pretty(&mut out, &ingested.report)
                    .map_err(|e| e.to_string())?;
                writeln!(out).map_err(|e| e.to_string())?;
            } else {
                write_report(&mut out, &ingested).map_err(|e| e.to_string())?;
            }
        }
        Command::Summary { input, summary } => {
            let ingested = read_input(&input)?;
            let options = summary_options(&summary, &ingested.data)?;
            write_summary(&mut out, &ingested, &options)?;
        }
        Command::Generate(args) => generate(&args, &mut out)?,
        Command::Cohorts(args) => cli::analysis::run_cohorts(args, &mut out)?,
        Command::Segments(args) => cli::analysis::run_segments(args, &mut out)?,
        Command::Compare(args) => cli::analysis::run_compare(args, &mut out)?,
        Command::Simulate(args) => cli::analysis::run_simulate(args, &mut out)?,
        Command::Recommend(args) => cli::recommend::run(&args, &mut out)?,
        Command::Fit(args) => cli::models::fit(&args, &mut out)?,
        Command::Predict(args) => cli::models::predict(&args, &mut out)?,
        Command::Analyze(args) => cli::models::analyze(&args, &mut out)?,
    }
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

fn ingest_options(a: &InputArgs) -> Result<IngestOptions, String> {
    let mut o = IngestOptions::default();
    for (role, col) in [
        ("customer", &a.customer),
        ("date", &a.date),
        ("amount", &a.amount),
        ("order", &a.order),
        ("item", &a.item),
        ("item_name", &a.item_name),
        ("quantity", &a.quantity),
        ("unit_price", &a.unit_price),
        ("group", &a.group),
    ] {
        if let Some(c) = col {
            o.mapping.insert(role.to_owned(), c.clone());
        }
    }
    o.date_format = a.date_format.clone();
    o.date_order = match a.date_order.as_deref() {
        None => None,
        Some("day-first" | "day_first" | "dmy") => Some(ltvlab::ingest::DateOrder::DayFirst),
        Some("month-first" | "month_first" | "mdy") => Some(ltvlab::ingest::DateOrder::MonthFirst),
        Some(other) => {
            return Err(format!(
                "invalid option: date order \"{other}\" must be day-first or month-first"
            ))
        }
    };
    o.encoding = a.encoding.clone();
    o.delimiter = match a.delimiter.as_deref() {
        None => None,
        Some("tab" | "\\t") => Some('\t'),
        Some(d) if d.chars().count() == 1 => d.chars().next(),
        Some(d) => {
            return Err(format!(
                "invalid option: delimiter \"{d}\" must be one character"
            ))
        }
    };
    o.returns = match a.returns.as_str() {
        "net" => ReturnPolicy::Net,
        "exclude" => ReturnPolicy::Exclude,
        other => {
            return Err(format!(
                "invalid option: returns \"{other}\" must be net or exclude"
            ))
        }
    };
    o.today = a.today.clone();
    Ok(o)
}

fn summary_options(a: &SummaryArgs, data: &Dataset) -> Result<SummaryOptions, String> {
    let given = a.period.as_deref().map(str::parse::<Period>).transpose();
    Ok(SummaryOptions {
        period: summary::period_for(data, given.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?,
        observation_end: a.observation_end.clone(),
        calibration_end: a.calibration_end.clone(),
    })
}

/// Reads the file in 1 MiB chunks through the chunked ingester.
pub(crate) fn read_input(a: &InputArgs) -> Result<Ingested, String> {
    let options = ingest_options(a)?;
    let mut ingester = Ingester::new(options).map_err(|e| e.to_string())?;
    let name = a.file.display().to_string();
    let mut reader: Box<dyn Read> = if name == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(&a.file)
                .map_err(|e| format!("cannot open {name}: {}", lower_first(&e.to_string())))?,
        )
    };
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(format!(
                    "cannot read {name}: {}",
                    lower_first(&e.to_string())
                ))
            }
        };
        ingester
            .push(&buf[..n])
            .map_err(|e| format!("{name}: {e}"))?;
    }
    ingester.finish().map_err(|e| format!("{name}: {e}"))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
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
) -> Result<(), String> {
    let mut w = csv::Writer::from_writer(out);
    let err = |e: csv::Error| e.to_string();
    if options.calibration_end.is_some() {
        let ch =
            summary::calibration_holdout(&ingested.data, options).map_err(|e| e.to_string())?;
        w.write_record([
            "customer_id",
            "frequency_cal",
            "recency_cal",
            "T_cal",
            "monetary_value_cal",
            "frequency_holdout",
            "monetary_value_holdout",
            "duration_holdout",
        ])
        .map_err(err)?;
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
            ])
            .map_err(err)?;
        }
    } else {
        let s = summary::summarize(&ingested.data, options).map_err(|e| e.to_string())?;
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
        ])
        .map_err(err)?;
        for c in &s.customers {
            w.write_record([
                ltvlab::export::safe_cell(&c.customer_id).as_ref(),
                &num(c.frequency),
                &num(c.recency),
                &num(c.t),
                &num(c.monetary_value),
                c.first_purchase.as_deref().unwrap_or(""),
                c.last_purchase.as_deref().unwrap_or(""),
                &c.orders.map_or(String::new(), |o| o.to_string()),
                &c.total_spend.map_or(String::new(), num),
            ])
            .map_err(err)?;
        }
    }
    w.flush().map_err(|e| e.to_string())
}

fn generate(a: &GenerateArgs, stdout: &mut impl Write) -> Result<(), String> {
    use ltvlab::generate::{GeneratorConfig, OutputEncoding, OutputFormat};
    let mut config = GeneratorConfig {
        seed: a.seed,
        japanese_names: !a.english,
        ..GeneratorConfig::default()
    };
    config.format = match a.format.as_str() {
        "plain" => OutputFormat::Plain,
        "shopify" => OutputFormat::Shopify,
        "uci" => OutputFormat::UciOnlineRetail,
        other => {
            return Err(format!(
                "invalid option: format \"{other}\" must be plain, shopify or uci"
            ))
        }
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
            file = io::BufWriter::new(std::fs::File::create(path).map_err(|e| {
                format!(
                    "cannot create {}: {}",
                    path.display(),
                    lower_first(&e.to_string())
                )
            })?);
            &mut file
        }
        None => {
            stdout_lock = stdout;
            &mut stdout_lock
        }
    };
    let result = match a.lines {
        _ if a.small_shop => ltvlab::generate::small_shop(a.seed).generate(out),
        Some(lines) => ltvlab::generate::generate_lines(&config, lines, out),
        None => ltvlab::generate::generate(&config, out),
    };
    result.map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}

/// Formats a number without trailing noise: integers without decimals,
/// others with up to 6 decimals.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}
