//! Where the heap goes, stage by stage, on one order file.
//!
//! Run with `cargo bench --bench memory -- FILE` (a file from `ltvlab
//! generate --lines N --seed 1 --english`). A counting global allocator
//! keeps the bytes live and the peak since the last mark; the file is fed
//! to the chunked [`Ingester`] in 1 MiB pieces with its size announced (as
//! the page's worker does), then the report runs as the page runs it:
//! [`dashboard`] (each of its stages marked through its progress callback),
//! then [`recommendations`]. Each line prints the bytes live after a stage,
//! and the peak during it, in MiB.
//!
//! Native sizes are not wasm's: `usize` and pointers are 8 bytes here and 4
//! there, and the allocators differ. The columns of `u32`, `i32`, `f64` and
//! the temporary arrays of the summary and the histories are the same size
//! on both; `scripts/bench-wasm.mjs` gives the wasm heap's own figure.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use ltvlab::ingest::{Dataset, IngestOptions, Ingester};
use ltvlab::report::{dashboard, most_valuable, recommendations, ReportOptions};

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(live, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // A moving realloc holds both blocks for a moment.
            let live = LIVE.fetch_add(new_size, Relaxed) + new_size;
            PEAK.fetch_max(live, Relaxed);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: f64 = 1024.0 * 1024.0;

/// Prints the bytes live now and the peak since the last mark, then starts
/// the next stage's peak from here.
fn mark(stage: &str) {
    let live = LIVE.load(Relaxed);
    let peak = PEAK.swap(live, Relaxed);
    println!(
        "{stage:<28} live {:>8.1} MiB   peak during {:>8.1} MiB",
        live as f64 / MIB,
        peak as f64 / MIB
    );
}

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench memory -- FILE");
        return;
    };
    let mut file = std::fs::File::open(&path).expect("the file opens");
    let size = file.metadata().expect("the file has metadata").len();
    mark("start");
    let mut ingester = Ingester::new(IngestOptions::default()).expect("default options");
    ingester.expect_bytes(size);
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut chunk).expect("the file reads");
        if n == 0 {
            break;
        }
        ingester.push(&chunk[..n]).expect("the file ingests");
    }
    mark("reading (before finish)");
    let ingested = ingester.finish().expect("the file ingests");
    drop(chunk);
    mark("ingest finish");
    if let Dataset::Transactions(t) = &ingested.data {
        println!(
            "  {} lines, {} customers, {} orders, {} items",
            t.len(),
            t.customers().len(),
            t.order_count(),
            t.items().len()
        );
    }
    let options = ReportOptions::default();
    let mut last = "start";
    let d = dashboard(&ingested.data, &options, &mut |stage| {
        mark(&format!("dashboard: {last}"));
        last = stage.name();
    })
    .expect("the dashboard runs");
    mark(&format!("dashboard: {last}"));
    let customers: Vec<String> = most_valuable(
        d.summary.as_ref(),
        d.predictions.as_ref(),
        options.lists.customers,
    )
    .into_iter()
    .map(str::to_owned)
    .collect();
    drop(d);
    mark("dashboard dropped");
    let ids: Vec<&str> = customers.iter().map(String::as_str).collect();
    let mut notes = Vec::new();
    let mut last = "start";
    let r = recommendations(
        &ingested.data,
        &ids,
        &options.lists,
        &mut notes,
        &mut |stage| {
            mark(&format!("recommendations: {last}"));
            last = stage.name();
        },
    );
    mark(&format!("recommendations: {last}"));
    drop(r);
    mark("recommendations dropped");
    if std::env::args().any(|a| a == "--detail") {
        detail(&ingested.data);
    }
    drop(ingested);
    mark("all dropped");
}

/// The larger steps one at a time, each dropped before the next: the peak
/// during each is its own temporaries and result on top of the ingested data.
fn detail(data: &Dataset) {
    use ltvlab::cohorts::Histories;
    use ltvlab::recommend::{
        evaluate, evaluate_next_basket, EvaluateOptions, NextBasket, NextBasketOptions,
        RecommendOptions, Recommender,
    };
    use ltvlab::summary::{calibration_holdout, summarize, SummaryOptions};
    use ltvlab::validate::{choose_model, ValidateOptions};
    let Dataset::Transactions(t) = data else {
        return;
    };
    mark("detail: start");
    let s = summarize(data, &SummaryOptions::default()).expect("summarizes");
    mark("detail: summarize (kept)");
    let end = s.observation_end.clone();
    let cal = ltvlab::validate::default_calibration_end(
        t.day_range().expect("days").0,
        t.day_range().expect("days").1,
    );
    let ch = calibration_holdout(
        data,
        &SummaryOptions {
            calibration_end: Some(ltvlab::days::format_day(cal)),
            ..SummaryOptions::default()
        },
    )
    .expect("splits");
    mark("detail: calibration_holdout");
    drop(ch);
    let c = choose_model(
        data,
        &ValidateOptions {
            observation_end: end,
            ..ValidateOptions::default()
        },
    );
    mark("detail: choose_model");
    let c_model = c.model;
    drop(c);
    let h = Histories::new(t).expect("histories");
    mark("detail: Histories::new");
    let options = ReportOptions::default();
    let p = ltvlab::predict::predict(&s, &options.predict(c_model)).expect("predicts");
    mark("detail: predict (kept)");
    let r = ltvlab::cohorts::cohorts_with(&h, &options.cohorts).expect("cohorts");
    mark("detail: cohorts");
    drop(r);
    // As the report values them: read in the predictions.
    let r = ltvlab::segments::segments_with_predictions(&h, &s, &p, &options.segments)
        .expect("segments");
    mark("detail: segments");
    drop(r);
    let r = ltvlab::groups::groups(
        &h,
        &s,
        Some(p.customer_values()),
        options.margin,
        &Default::default(),
    )
    .expect("groups");
    mark("detail: groups");
    drop(r);
    let r = ltvlab::deciles::deciles(&h);
    mark("detail: deciles");
    drop(r);
    let r = ltvlab::rfm_ranks::rfm_ranks(&h);
    mark("detail: rfm_ranks");
    drop(r);
    let r = ltvlab::funnel::repeat_funnel(&h);
    mark("detail: repeat_funnel");
    drop(r);
    drop(p);
    drop(h);
    drop(s);
    mark("detail: dropped");
    let core = RecommendOptions::default();
    let e = evaluate(data, &core, &EvaluateOptions::default());
    mark("detail: evaluate");
    drop(e);
    let e = evaluate_next_basket(data, &core, &NextBasketOptions::default(), None);
    mark("detail: evaluate_next_basket");
    drop(e);
    let rec = Recommender::new(data, &core).expect("recommender");
    mark("detail: Recommender::new");
    let nb = NextBasket::new(&rec, &NextBasketOptions::default()).expect("next basket");
    mark("detail: NextBasket::new");
    drop(nb);
    let due = ltvlab::recommend::Replenishment::new(&rec)
        .due_soon(&Default::default())
        .expect("due soon");
    mark("detail: Replenishment due_soon");
    drop(due);
    drop(rec);
    mark("detail: dropped");
}
