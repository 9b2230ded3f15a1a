//! `cargo bench --bench models`: BG/NBD (or Pareto/NBD) + Gamma-Gamma fits
//! and every customer's CLV, i.e. [`ltvlab::predict::predict`], on 10k, 100k
//! and 1M simulated customers; and (`cargo bench --bench models -- small_shop`)
//! fitting and predicting on degenerate small shops
//! ([`ltvlab::generate::small_shop`]), where maximum-likelihood fits run to
//! the parameter bounds.
//!
//! Summaries are drawn directly from the models' distributions (daily
//! periods, seeded), not through CSV. With `LTVLAB_BENCH_WRITE=DIR` the bench
//! writes them to `DIR/models-N.csv` instead of timing, for
//! `scripts/bench_models.py` to time lifetimes on the same customers.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};

use ltvlab::customers::{customer_timing, LomaxWait};
use ltvlab::generate::small_shop;
use ltvlab::ingest::{ingest, IngestOptions};
use ltvlab::models::work;
use ltvlab::models::{
    customer_lifetime_value, BgNbd, ClvOptions, FitOptions, GammaGamma, ModelKind, Prior,
    PurchaseModel, RfmData, Spend,
};
use ltvlab::predict::{predict, rfm_rows, PredictOptions};
use ltvlab::summary::{calibration_holdout, summarize, SummaryOptions};
use ltvlab::summary::{CustomerSummary, Period, Summary};
use ltvlab::validate::{choose_model, ValidateOptions, AUTO_MODELS};

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// BG/NBD customers in days (`r 0.25, alpha 20, a 0.8, b 2.4`: a purchase
/// every 80 days on average), acquired uniformly over two years (`T` whole
/// days in 1..=730), purchase times rounded up to whole days; Gamma-Gamma
/// spend `p 6, q 4, gamma 15`.
fn simulate(n: usize, seed: u64) -> Summary {
    let mut rng = StdRng::seed_from_u64(seed);
    let rate = Gamma::new(0.25, 1.0 / 20.0).unwrap();
    let dropout = Beta::new(0.8, 2.4).unwrap();
    let nu = Gamma::new(4.0, 1.0 / 15.0).unwrap();
    let customers = (0..n)
        .map(|i| {
            let t = f64::from(rng.random_range(1u32..=730));
            let lambda: f64 = rate.sample(&mut rng);
            let p: f64 = dropout.sample(&mut rng);
            let spend = Gamma::new(6.0, 1.0 / nu.sample(&mut rng)).unwrap();
            let (mut x, mut tx, mut now, mut total) = (0.0, 0.0, 0.0, 0.0);
            if lambda > 0.0 {
                let wait = Exp::new(lambda).unwrap();
                loop {
                    now += wait.sample(&mut rng);
                    let day = now.ceil();
                    if day > t {
                        break;
                    }
                    if day > tx {
                        x += 1.0;
                        tx = day;
                        total += (spend.sample(&mut rng) * 100.0_f64).round() / 100.0;
                    }
                    if rng.random::<f64>() < p {
                        break;
                    }
                }
            }
            CustomerSummary {
                customer_id: i.to_string(),
                frequency: x,
                recency: tx,
                t,
                monetary_value: if x > 0.0 { total / x } else { 0.0 },
                first_purchase: None,
                last_purchase: None,
                orders: None,
                total_spend: None,
                email: None,
            }
        })
        .collect();
    Summary {
        period: Period::Day,
        observation_end: None,
        customers,
        orders_after_end: 0,
        outlying_purchases: 0,
        guest_orders: 0,
        guest_revenue: 0.0,
        reversed_orders: 0,
        reversed_revenue: 0.0,
    }
}

fn write_summaries(dir: &str) {
    for n in SIZES {
        let s = simulate(n, 1);
        let mut csv = String::from("customer_id,frequency,recency,T,monetary_value\n");
        for c in &s.customers {
            writeln!(
                csv,
                "{},{},{},{},{}",
                c.customer_id, c.frequency, c.recency, c.t, c.monetary_value
            )
            .unwrap();
        }
        let path = format!("{dir}/models-{n}.csv");
        std::fs::write(&path, csv).unwrap();
        eprintln!("wrote {path}");
    }
}

/// The summary of `small_shop(seed)`, in days.
fn small_shop_summary(seed: u64) -> Summary {
    let mut csv = Vec::new();
    small_shop(seed).generate(&mut csv).unwrap();
    let ingested = ingest(&csv, &IngestOptions::default()).unwrap();
    summarize(&ingested.data, &SummaryOptions::default()).unwrap()
}

/// Degenerate small shops: seed 1 (1,778 lines; its maximum-likelihood
/// BG/NBD has `a = 0.0014`, `b = 558`, and `analyze` took 54 s before the
/// weak priors) and seed 20 (158 lines; `a = 22,509`, `b = 88,389`).
/// `predict` (fits with their bootstrap, every customer's CLV) under the
/// default weak priors and under plain maximum likelihood, and a daily
/// tracking curve (365 `E[X(t)]`) at a fit that ran to the bound
/// (`a = 3.03e7`, `b = 4.88e7`), which took ~21 ms a point by quadrature.
fn bench_small_shops(c: &mut Criterion) {
    let mut group = c.benchmark_group("small_shop");
    group.sample_size(10);
    for seed in [1, 20] {
        let summary = small_shop_summary(seed);
        for (name, prior) in [("weak", Prior::Weak), ("mle", Prior::None)] {
            let options = PredictOptions {
                model: ModelKind::BgNbd,
                fit: FitOptions {
                    prior,
                    ..FitOptions::default()
                },
                ..PredictOptions::default()
            };
            group.bench_with_input(
                BenchmarkId::new(format!("predict_bgnbd_{name}"), seed),
                &summary,
                |b, s| b.iter(|| black_box(predict(s, &options).unwrap().base.total_clv)),
            );
        }
    }
    let at_bound = BgNbd::new(1.24, 17.97, 3.03e7, 4.88e7).unwrap();
    group.bench_function("tracking_365_days_at_bound", |b| {
        b.iter(|| {
            (1..=365)
                .map(|day| at_bound.expected_purchases_new(f64::from(day)))
                .sum::<f64>()
        })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    bench_small_shops(c);
    let mut group = c.benchmark_group("predict");
    group.sample_size(10);
    for n in SIZES {
        let summary = simulate(n, 1);
        group.throughput(Throughput::Elements(n as u64));
        // Pareto/NBD takes seconds per 10k customers: 1M is left out.
        let models: &[ModelKind] = if n < 1_000_000 {
            &[ModelKind::BgNbd, ModelKind::ParetoNbd]
        } else {
            &[ModelKind::BgNbd]
        };
        for &model in models {
            let options = PredictOptions {
                model,
                ..PredictOptions::default()
            };
            group.bench_with_input(BenchmarkId::new(model.name(), n), &summary, |b, s| {
                b.iter(|| black_box(predict(s, &options).unwrap().base.total_clv))
            });
        }
    }
    group.finish();

    // Where predict's time goes, at 100k customers.
    let mut group = c.benchmark_group("parts");
    group.sample_size(10);
    let summary = simulate(100_000, 1);
    let rows = rfm_rows(&summary.customers).unwrap();
    let data = RfmData::new(&rows).unwrap();
    let spend: Vec<Spend> = summary
        .customers
        .iter()
        .filter(|c| c.frequency > 0.0)
        .map(|c| Spend::new(c.frequency, c.monetary_value).unwrap())
        .collect();
    let fit = FitOptions::default();
    group.bench_function("rfm_data/100000", |b| {
        b.iter(|| black_box(RfmData::new(&rows).unwrap().len()))
    });
    group.bench_function("bgnbd_fit/100000", |b| {
        b.iter(|| black_box(BgNbd::fit(&data, &fit).unwrap().log_likelihood()))
    });
    group.bench_function("gammagamma_fit/100000", |b| {
        b.iter(|| black_box(GammaGamma::fit(&spend, &fit).unwrap().log_likelihood()))
    });
    let model = BgNbd::fit(&data, &fit).unwrap().into_model();
    let values = vec![30.0; rows.len()];
    let clv = ClvOptions {
        periods_per_month: Period::Day.per_month(),
        ..ClvOptions::default()
    };
    group.bench_function("clv_12_months/100000", |b| {
        b.iter(|| black_box(customer_lifetime_value(&model, &data, &values, &clv).unwrap()[0]))
    });
    group.bench_function("p_alive_and_expected/100000", |b| {
        b.iter(|| {
            black_box(model.p_alive_all(&data)[0] + model.expected_purchases_all(&data, 365.25)[0])
        })
    });
    // Each customer's next-order timing (30/90-day chances, percentiles,
    // pace), once per distinct pattern, under each purchase model.
    for kind in [ModelKind::BgNbd, ModelKind::MbgNbd, ModelKind::ParetoNbd] {
        let fitted = kind.fit_purchase_model(&data, &fit).unwrap();
        let params = fitted.params();
        let lomax = (kind != ModelKind::ParetoNbd).then(|| LomaxWait {
            r: params.get("r").unwrap(),
            alpha: params.get("alpha").unwrap(),
        });
        group.bench_function(format!("customer_timing_{}/100000", kind.name()), |b| {
            b.iter(|| {
                black_box(
                    customer_timing(fitted.model().as_ref(), lomax, &rows, Period::Day)[0]
                        .p_purchase_30d,
                )
            })
        });
    }
    group.finish();
}

/// `LTVLAB_BENCH_CPU=1 cargo bench --bench models [-- MODEL ...]`: the
/// best-of-R thread CPU time and wall time of `predict` per size, one JSON
/// line each (`LTVLAB_BENCH_CPU=10000,100000` picks the sizes). On a shared machine CPU time is the steadier figure: it does
/// not count the time other processes hold the core (caches still suffer).
/// `scripts/bench-wasm-models.mjs` reports the wasm counterpart.
fn cpu_times(models: &[ModelKind], sizes: &[usize]) {
    for &n in sizes {
        let summary = simulate(n, 1);
        for &model in models {
            if model == ModelKind::ParetoNbd && n >= 1_000_000 {
                continue;
            }
            let runs = match (model, n) {
                (ModelKind::ParetoNbd, _) | (_, 1_000_000) => 3,
                _ => 10,
            };
            let options = PredictOptions {
                model,
                ..PredictOptions::default()
            };
            let (mut cpu, mut wall, mut total_clv) = (f64::INFINITY, f64::INFINITY, 0.0);
            for _ in 0..runs {
                let (cpu0, wall0) = (thread_cpu_seconds(), std::time::Instant::now());
                total_clv = black_box(predict(&summary, &options).unwrap().base.total_clv);
                cpu = cpu.min(thread_cpu_seconds() - cpu0);
                wall = wall.min(wall0.elapsed().as_secs_f64());
            }
            println!(
                "{{\"customers\":{n},\"model\":\"{}\",\"runs\":{runs},\"cpu_ms\":{:.1},\"wall_ms\":{:.1},\"total_clv\":{total_clv}}}",
                model.name(),
                cpu * 1e3,
                wall * 1e3
            );
        }
    }
}

/// `LTVLAB_BENCH_STAGES=FILE cargo bench --bench models`: where the
/// dashboard's models stage spends its time on an order file, part by part,
/// in this thread's CPU time (best of `LTVLAB_BENCH_RUNS`, default 3) with
/// the models' work counters ([`ltvlab::models::work`]): the calibration
/// split, each `auto` candidate's fit (BFGS iterations, likelihood
/// evaluations) and holdout predictions, the whole [`choose_model`] (the
/// tracking curve is what it costs beyond those parts), then [`predict`]
/// with the chosen model and its parts (the purchase fit, Gamma-Gamma, the
/// 12-month CLV, the next-order timing). One JSON line per part.
fn stages(path: &str) {
    let runs: usize = std::env::var("LTVLAB_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let bytes = std::fs::read(path).unwrap();
    let data = ingest(&bytes, &IngestOptions::default()).unwrap().data;
    let summary = summarize(&data, &SummaryOptions::default()).unwrap();
    let options = ValidateOptions {
        period: summary.period,
        ..ValidateOptions::default()
    };
    let report = |part: &str, detail: &str, f: &mut dyn FnMut() -> f64| {
        let (mut cpu, mut wall, mut value) = (f64::INFINITY, f64::INFINITY, 0.0);
        let mut work = work::Work::default();
        for _ in 0..runs {
            work::reset();
            let (cpu0, wall0) = (thread_cpu_seconds(), std::time::Instant::now());
            value = black_box(f());
            cpu = cpu.min(thread_cpu_seconds() - cpu0);
            wall = wall.min(wall0.elapsed().as_secs_f64());
            work = work::snapshot();
        }
        println!(
            "{{\"part\":\"{part}\",{detail}\"cpu_ms\":{:.1},\"wall_ms\":{:.1},\"likelihood_evaluations\":{},\"series_terms\":{},\"quadrature_nodes\":{},\"value\":{value}}}",
            cpu * 1e3,
            wall * 1e3,
            work.likelihood_evaluations,
            work.series_terms,
            work.quadrature_nodes
        );
    };
    let (first, last) = match &data {
        ltvlab::ingest::Dataset::Transactions(t) => t.bulk_day_range().unwrap(),
        _ => panic!("stages need an order file"),
    };
    let split_options = SummaryOptions {
        period: summary.period,
        observation_end: Some(ltvlab::days::format_day(last)),
        calibration_end: Some(ltvlab::days::format_day(
            ltvlab::validate::default_calibration_end(first, last),
        )),
    };
    report("calibration_split", "", &mut || {
        let split = calibration_holdout(&data, &split_options).unwrap();
        RfmData::new(&rfm_rows(&split.calibration.customers).unwrap())
            .unwrap()
            .len() as f64
    });
    let split = calibration_holdout(&data, &split_options).unwrap();
    let rfm = RfmData::new(&rfm_rows(&split.calibration.customers).unwrap()).unwrap();
    let holdout = split.holdout.first().map_or(0.0, |h| h.duration_holdout);
    let patterns = format!(
        "\"customers\":{},\"patterns\":{},",
        rfm.len(),
        rfm.patterns().count()
    );
    report("calibration_rfm", &patterns, &mut || 0.0);
    for kind in AUTO_MODELS {
        let fit = kind
            .fit_purchase_model(&rfm, &FitOptions::default())
            .unwrap();
        let detail = format!(
            "\"model\":\"{}\",\"iterations\":{},\"params\":{},",
            kind.name(),
            fit.iterations(),
            serde_json::to_string(fit.params()).unwrap()
        );
        report(
            &format!("calibration_fit_{}", kind.name()),
            &detail,
            &mut || {
                kind.fit_purchase_model(&rfm, &FitOptions::default())
                    .unwrap()
                    .log_likelihood()
            },
        );
        report(
            &format!("holdout_predictions_{}", kind.name()),
            "",
            &mut || {
                fit.model()
                    .expected_purchases_all(&rfm, holdout)
                    .iter()
                    .sum()
            },
        );
    }
    let choice = choose_model(&data, &options);
    report(
        "choose_model",
        &format!("\"chosen\":\"{}\",", choice.model.name()),
        &mut || {
            choose_model(&data, &options)
                .validation
                .map_or(0.0, |v| v.mae)
        },
    );
    let rows = rfm_rows(&summary.customers).unwrap();
    let all = RfmData::new(&rows).unwrap();
    let patterns = format!(
        "\"customers\":{},\"patterns\":{},",
        all.len(),
        all.patterns().count()
    );
    report("rfm", &patterns, &mut || {
        RfmData::new(&rfm_rows(&summary.customers).unwrap())
            .unwrap()
            .len() as f64
    });
    let fit = choice
        .model
        .fit_purchase_model(&all, &FitOptions::default())
        .unwrap();
    let detail = format!(
        "\"model\":\"{}\",\"iterations\":{},\"params\":{},",
        choice.model.name(),
        fit.iterations(),
        serde_json::to_string(fit.params()).unwrap()
    );
    report("final_fit", &detail, &mut || {
        choice
            .model
            .fit_purchase_model(&all, &FitOptions::default())
            .unwrap()
            .log_likelihood()
    });
    let spend: Vec<Spend> = summary
        .customers
        .iter()
        .filter(|c| c.frequency > 0.0 && c.monetary_value > 0.0)
        .map(|c| Spend::new(c.frequency, c.monetary_value).unwrap())
        .collect();
    report("gamma_gamma_fit", "", &mut || {
        GammaGamma::fit(&spend, &FitOptions::default())
            .unwrap()
            .log_likelihood()
    });
    let values = vec![30.0; rows.len()];
    let clv = ClvOptions {
        periods_per_month: summary.period.per_month(),
        ..ClvOptions::default()
    };
    report("clv_12_months", "", &mut || {
        customer_lifetime_value(fit.model().as_ref(), &all, &values, &clv)
            .unwrap()
            .iter()
            .sum()
    });
    let params = fit.params();
    let lomax = (choice.model != ModelKind::ParetoNbd).then(|| LomaxWait {
        r: params.get("r").unwrap(),
        alpha: params.get("alpha").unwrap(),
    });
    report("customer_timing", "", &mut || {
        customer_timing(fit.model().as_ref(), lomax, &rows, summary.period)
            .iter()
            .map(|t| t.p_purchase_30d)
            .sum()
    });
    let predict_options = PredictOptions {
        model: choice.model,
        ..PredictOptions::default()
    };
    report("predict", "", &mut || {
        predict(&summary, &predict_options).unwrap().base.total_clv
    });
}

/// This thread's CPU time, `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`.
#[cfg(target_os = "linux")]
fn thread_cpu_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        seconds: i64,
        nanoseconds: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut time = Timespec {
        seconds: 0,
        nanoseconds: 0,
    };
    // SAFETY: `time` is a valid, writable timespec for the call.
    let status = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) };
    assert_eq!(status, 0, "clock_gettime failed");
    time.seconds as f64 + time.nanoseconds as f64 * 1e-9
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_seconds() -> f64 {
    panic!("LTVLAB_BENCH_CPU needs Linux's per-thread CPU clock")
}

fn main() {
    if let Ok(dir) = std::env::var("LTVLAB_BENCH_WRITE") {
        write_summaries(&dir);
        return;
    }
    if let Ok(path) = std::env::var("LTVLAB_BENCH_STAGES") {
        stages(&path);
        return;
    }
    if let Ok(sizes) = std::env::var("LTVLAB_BENCH_CPU") {
        let mut sizes: Vec<usize> = sizes.split(',').filter_map(|n| n.parse().ok()).collect();
        if sizes.iter().all(|&n| n < 1_000) {
            sizes = SIZES.to_vec();
        }
        let models: Vec<ModelKind> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        let models = if models.is_empty() {
            vec![ModelKind::BgNbd]
        } else {
            models
        };
        cpu_times(&models, &sizes);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
