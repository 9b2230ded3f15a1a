//! The input file and ingest overrides every command shares, and reading
//! it: the file (or stdin) in 1 MiB chunks through the chunked ingester the
//! browser uses too, or, for a large file and `--threads` above 1, in byte
//! ranges on threads, merged by `ltvlab::ingest::split`.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use ltvlab::ingest::split::{Part, Split, BOUNDARY_WINDOW, MIN_RANGE_BYTES};
use ltvlab::ingest::{
    Dataset, DateOrder, IngestOptions, IngestReport, Ingested, Ingester, LargeOrderPolicy,
    ReturnPolicy, SNIFF_BYTES,
};
use ltvlab::summary::{self, Period, Summary, SummaryOptions};

use super::error::{CliError, CliResult};

/// The input file and ingest overrides shared by every command.
#[derive(Args, Clone)]
pub(crate) struct InputArgs {
    /// The orders file (CSV/TSV, any supported encoding), or - for stdin.
    pub(crate) file: PathBuf,
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
    /// Column marking 定期 (subscription) orders: a flag (定期/通常, 1/0) or a subscription id.
    #[arg(long, value_name = "COL")]
    subscription: Option<String>,
    /// Date format: auto, iso, ymd, yyyymmdd, japanese, dmy, mdy, excel, unix, or a pattern like %d/%m/%Y.
    #[arg(long, value_name = "FORMAT")]
    date_format: Option<String>,
    /// Day/month order for ambiguous dates: day-first or month-first.
    #[arg(long, value_name = "ORDER", value_enum, ignore_case = true)]
    date_order: Option<DateOrderArg>,
    /// Force the encoding (utf-8, shift_jis, utf-16le, ...).
    #[arg(long)]
    encoding: Option<String>,
    /// Force the delimiter (one character; "tab" for a tab).
    #[arg(long)]
    delimiter: Option<String>,
    /// Returns, refunds and cancellations: net (default) or exclude.
    #[arg(long, value_enum, ignore_case = true, default_value_t = ReturnsArg::Net)]
    returns: ReturnsArg,
    /// Today's date (ISO) for the future-date check.
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Leave out the large orders (20 times the median order or more, when
    /// together they make 5% of the revenue or more: a company's bulk
    /// order), each line counted as skipped.
    #[arg(long)]
    exclude_large_orders: bool,
    /// Threads that read the file, each a byte range of it (default: the
    /// machine's cores; 1 reads it in one go). Files under 8 MiB (two ranges of 4 MiB), stdin and
    /// files that cannot be split are read in one go; the results are the
    /// same either way.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

impl InputArgs {
    /// The same overrides on another file.
    pub(crate) fn with_file(&self, file: PathBuf) -> InputArgs {
        InputArgs {
            file,
            ..self.clone()
        }
    }

    /// A file with every ingest override left to detection.
    pub(crate) fn for_file(file: PathBuf) -> InputArgs {
        InputArgs {
            file,
            customer: None,
            date: None,
            amount: None,
            order: None,
            item: None,
            item_name: None,
            quantity: None,
            unit_price: None,
            group: None,
            subscription: None,
            date_format: None,
            date_order: None,
            encoding: None,
            delimiter: None,
            returns: ReturnsArg::Net,
            today: None,
            exclude_large_orders: false,
            threads: None,
        }
    }
}

/// `--period`: the time unit of the summary and the models.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum PeriodArg {
    #[value(alias = "days", alias = "d")]
    Day,
    #[value(alias = "weeks", alias = "w")]
    Week,
    #[value(alias = "months", alias = "m")]
    Month,
}

impl From<PeriodArg> for Period {
    fn from(p: PeriodArg) -> Period {
        match p {
            PeriodArg::Day => Period::Day,
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
        }
    }
}

/// `--returns`: what ingest does with returns, refunds and cancellations.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ReturnsArg {
    /// Subtract them from the customer's matching earlier order.
    Net,
    /// Leave them out (counted as skipped).
    Exclude,
}

/// `--date-order`: day/month order for ambiguous dates.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DateOrderArg {
    #[value(alias = "day_first", alias = "dmy")]
    DayFirst,
    #[value(alias = "month_first", alias = "mdy")]
    MonthFirst,
}

/// The period unit and end of observation of fit and predict.
#[derive(Args)]
pub(crate) struct PeriodArgs {
    /// Period unit: day, week or month (default: day; a summary file needs
    /// it: the unit its T is in).
    #[arg(long, value_enum, ignore_case = true)]
    pub(crate) period: Option<PeriodArg>,
    /// End of observation (ISO date); default: the last date in the data.
    #[arg(long, value_name = "DATE")]
    pub(crate) observation_end: Option<String>,
}

fn ingest_options(a: &InputArgs) -> CliResult<IngestOptions> {
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
        ("subscription", &a.subscription),
    ] {
        if let Some(c) = col {
            o.mapping.insert(role.to_owned(), c.clone());
        }
    }
    o.date_format = a.date_format.clone();
    o.date_order = a.date_order.map(|order| match order {
        DateOrderArg::DayFirst => DateOrder::DayFirst,
        DateOrderArg::MonthFirst => DateOrder::MonthFirst,
    });
    o.encoding = a.encoding.clone();
    o.delimiter = match a.delimiter.as_deref() {
        None => None,
        Some("tab" | "\\t") => Some('\t'),
        Some(d) if d.chars().count() == 1 => d.chars().next(),
        Some(d) => {
            return Err(CliError::Usage(format!(
                "invalid option: delimiter \"{d}\" must be one character"
            )))
        }
    };
    o.returns = match a.returns {
        ReturnsArg::Net => ReturnPolicy::Net,
        ReturnsArg::Exclude => ReturnPolicy::Exclude,
    };
    o.today = a.today.clone();
    if a.exclude_large_orders {
        o.large_orders = LargeOrderPolicy::Exclude;
    }
    Ok(o)
}

/// Reads the file (see [`read_input_reported`]) for a command whose output
/// is data (CSV, JSON, a table), and says on stderr how many rows reading
/// left out and why: no row is lost without a word, even where stdout has
/// no room for it.
pub(crate) fn read_input(a: &InputArgs) -> CliResult<Ingested> {
    let ingested = read_input_reported(a)?;
    if let Some(note) = skipped_note(&a.file.display().to_string(), &ingested.report) {
        use std::io::Write as _;
        let _ = writeln!(io::stderr(), "{note}");
    }
    Ok(ingested)
}

/// Reads the file, for `inspect` and `analyze`, which print the rows read,
/// used and skipped themselves: in byte ranges on `--threads` threads when
/// it is large enough and can be split (`ltvlab::ingest::split`), else, or
/// when the merge declines, in one go.
pub(crate) fn read_input_reported(a: &InputArgs) -> CliResult<Ingested> {
    let options = ingest_options(a)?;
    if let Some(ingested) = read_in_ranges(a, &options)? {
        return Ok(ingested);
    }
    read_in_one_go(a, options)
}

/// The skipped rows by reason, e.g. `1 status_excluded, 2 bad_date`.
pub(crate) fn skipped_reasons(report: &IngestReport) -> String {
    report
        .skipped
        .iter()
        .map(|g| format!("{} {}", g.count, g.reason.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stderr line for rows reading left out, or `None` when none were.
fn skipped_note(file: &str, report: &IngestReport) -> Option<String> {
    (report.rows_skipped > 0).then(|| {
        format!(
            "note: {file}: {} of {} rows skipped ({}); `ltvlab inspect {file}` lists them",
            report.rows_skipped,
            report.rows_read,
            skipped_reasons(report)
        )
    })
}

/// Reads the file in 1 MiB chunks through the chunked ingester.
fn read_in_one_go(a: &InputArgs, options: IngestOptions) -> CliResult<Ingested> {
    let mut ingester = Ingester::new(options)?;
    let name = a.file.display().to_string();
    let mut reader: Box<dyn Read> = if name == "-" {
        Box::new(io::stdin().lock())
    } else {
        let file = std::fs::File::open(&a.file).map_err(|source| CliError::Io {
            action: "open",
            path: name.clone(),
            source,
        })?;
        // The columns are reserved once from the size, as the page does,
        // instead of being copied at every doubling.
        if let Ok(meta) = file.metadata() {
            ingester.expect_bytes(meta.len());
        }
        Box::new(file)
    };
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(CliError::Io {
                    action: "read",
                    path: name,
                    source,
                })
            }
        };
        ingester
            .push(&buf[..n])
            .map_err(|e| CliError::in_file(&name, e))?;
    }
    ingester.finish().map_err(|e| CliError::in_file(&name, e))
}

/// Reads the file in byte ranges, one thread each; `None` when it is to be
/// read in one go: one thread, stdin, a file too small for two ranges of
/// [`MIN_RANGE_BYTES`], a file [`Split`] cannot split, or a merge that
/// declined (a range met an error, or started where the file cannot be
/// cut; reading in one go then gives the same result or error as always).
fn read_in_ranges(a: &InputArgs, options: &IngestOptions) -> CliResult<Option<Ingested>> {
    let threads = a.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    let name = a.file.display().to_string();
    if threads < 2 || name == "-" {
        return Ok(None);
    }
    let io_error = |action: &'static str| {
        let path = name.clone();
        move |source| CliError::Io {
            action,
            path,
            source,
        }
    };
    let mut file = File::open(&a.file).map_err(io_error("open"))?;
    let total = file.metadata().map_err(io_error("read"))?.len();
    let ranges = usize::try_from(total / MIN_RANGE_BYTES)
        .unwrap_or(usize::MAX)
        .min(threads);
    if ranges < 2 {
        return Ok(None);
    }
    let head = read_at(&mut file, 0, SNIFF_BYTES).map_err(io_error("read"))?;
    let Some(split) = Split::new(&head, total, options) else {
        return Ok(None);
    };
    let mut starts = vec![0];
    for k in 1..ranges as u64 {
        let target = total / ranges as u64 * k;
        let window = read_at(&mut file, target, BOUNDARY_WINDOW).map_err(io_error("read"))?;
        starts.extend(split.boundary(&window).map(|b| target + b as u64));
    }
    starts.sort_unstable();
    starts.dedup();
    let bounds: Vec<(u64, u64)> = starts
        .iter()
        .zip(starts.iter().skip(1).chain([&total]))
        .map(|(&start, &end)| (start, end))
        .collect();
    let parts = std::thread::scope(|scope| {
        let handles: Vec<_> = bounds
            .iter()
            .map(|&(start, end)| {
                let (split, path) = (&split, &a.file);
                scope.spawn(move || read_range(split, path, start, end))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect::<io::Result<Vec<_>>>()
    })
    .map_err(io_error("read"))?;
    match split.merge(parts) {
        Some(merged) => merged.map(Some).map_err(|e| CliError::in_file(&name, e)),
        None => Ok(None),
    }
}

/// Reads bytes `start..end` of the file (to its end for the last range)
/// into a range reader; an ingest error is the range's result, for the
/// merge to decline.
fn read_range(
    split: &Split,
    path: &Path,
    start: u64,
    end: u64,
) -> io::Result<ltvlab::Result<Part>> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut range = split.range(start, end - start);
    let mut reader = file.take(end - start);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Err(e) = range.push(&buf[..n]) {
            return Ok(Err(e));
        }
    }
    Ok(range.finish())
}

/// Up to `len` bytes of the file from `offset` (fewer at its end).
fn read_at(file: &mut File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(len);
    file.by_ref().take(len as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The per-customer summary of the data in the period unit asked for.
pub(crate) fn summarize(data: &Dataset, a: &PeriodArgs) -> CliResult<Summary> {
    let options = SummaryOptions {
        period: summary::period_for(data, a.period.map(Period::from))?,
        observation_end: a.observation_end.clone(),
        calibration_end: None,
    };
    Ok(summary::summarize(data, &options)?)
}

/// Reads the file and summarizes it.
pub(crate) fn read_summary(input: &InputArgs, a: &PeriodArgs) -> CliResult<Summary> {
    summarize(&read_input(input)?.data, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A generated shop of just over two ranges is read in two ranges on
    /// threads (not in one go after a declined merge), with the one-go
    /// reader's report and summary; one thread or stdin reads in one go.
    #[test]
    fn a_large_file_is_read_in_ranges_with_the_same_result() {
        let dir = std::env::temp_dir().join(format!("ltvlab-threads-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("shop.csv");
        let mut bytes = Vec::new();
        let config = ltvlab::generate::GeneratorConfig {
            seed: 2,
            ..Default::default()
        };
        let mut lines = 100_000;
        while bytes.len() < 2 * MIN_RANGE_BYTES as usize + 4096 {
            bytes.clear();
            ltvlab::generate::generate_lines(&config, lines, &mut bytes).unwrap();
            lines += lines / 2;
        }
        std::fs::write(&path, &bytes).unwrap();
        let mut args = InputArgs::for_file(path.clone());
        args.threads = Some(2);
        let options = ingest_options(&args).unwrap();
        let ranges = read_in_ranges(&args, &options).unwrap();
        let one_go = read_in_one_go(&args, options.clone()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let ranges = ranges.expect("read in two ranges");
        assert_eq!(ranges.report, one_go.report);
        let summary = |i: &Ingested| summary::summarize(&i.data, &SummaryOptions::default());
        assert_eq!(summary(&ranges).unwrap(), summary(&one_go).unwrap());
        args.threads = Some(1);
        assert!(read_in_ranges(&args, &options).unwrap().is_none());
        let stdin = InputArgs {
            threads: Some(2),
            ..InputArgs::for_file(PathBuf::from("-"))
        };
        assert!(read_in_ranges(&stdin, &options).unwrap().is_none());
    }
}
