//! The `ltvlab` command-line interface: the only code that touches files and
//! argv. Every command reads its input in 1 MiB chunks through the same
//! chunked ingest the browser uses. Errors go to stderr as one line and exit
//! with code 2.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

/// mimalloc (its version 2, the crate's `v2` feature) instead of glibc's
/// malloc, for this binary only (the library, its tests, the benches and
/// the wasm build keep their allocators). A run allocates tens of thousands
/// of small strings and a few large columns, then exits: glibc's malloc
/// took 7,710 page faults for `predict` on CDNOW (1.7 MB of orders), 14 ms
/// of the process's 62 in the kernel; mimalloc takes about 460 (its
/// segments sit on transparent huge pages where the kernel offers them).
/// Measured alternately with the previous binary (BENCHMARKS.md, session
/// 10, load 8): `predict` on CDNOW 62.7 → 50.0 ms of CPU, `summary --period
/// week` on CDNOW 40.4 → 33.7 ms, `summary --threads 1` on 1M lines 517 →
/// 464 ms; peak RSS 25.7 → 31.5 MB and 62.4 → 74.8 MB. mimalloc 3 (the
/// crate's default) took 58 MB on CDNOW and was slower, with rare runs at
/// 2–3× the median.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::error::CliResult;

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
    Inspect(cli::data::InspectArgs),
    /// Print the per-customer summary (frequency, recency, T, monetary value) as CSV.
    Summary(cli::data::SummaryCommandArgs),
    /// Write a synthetic shop's order lines (seeded, with known BG/NBD parameters) as CSV.
    Generate(cli::data::GenerateArgs),
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
    Analyze(cli::analyze::AnalyzeArgs),
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
            let _ = writeln!(io::stderr(), "error: {}", cli::error::clap_line(&e));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`ltvlab summary f.csv | head`) is not an error.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> CliResult<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match cli.command {
        Command::Inspect(args) => cli::data::inspect(&args, &mut out)?,
        Command::Summary(args) => cli::data::summary(&args, &mut out)?,
        Command::Generate(args) => cli::data::generate(&args, &mut out)?,
        Command::Cohorts(args) => cli::analysis::run_cohorts(args, &mut out)?,
        Command::Segments(args) => cli::analysis::run_segments(args, &mut out)?,
        Command::Compare(args) => cli::analysis::run_compare(args, &mut out)?,
        Command::Simulate(args) => cli::analysis::run_simulate(args, &mut out)?,
        Command::Recommend(args) => cli::recommend::run(&args, &mut out)?,
        Command::Fit(args) => cli::models::fit(&args, &mut out)?,
        Command::Predict(args) => cli::models::predict(&args, &mut out)?,
        Command::Analyze(args) => cli::analyze::analyze(&args, &mut out)?,
    }
    Ok(out.flush()?)
}
