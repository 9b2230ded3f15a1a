//! Every model stage of `analyze` on small shops stays within a fixed work
//! budget, counted (likelihood evaluations, 2F1 series terms, quadrature
//! nodes: `ltvlab::models::work`), not timed.
//!
//! The shops are `ltvlab::generate::small_shop(seed)` for seeds 1 to 25:
//! 20 to 2,000 order lines, most customers buying once, spans of 2 months to
//! 2 years, often almost no evidence of dropout. Before the weak priors and
//! the concentrated-dropout limit, 4 of these took 18 s to over 60 s in
//! `ltvlab analyze` (fits at the parameter bound, every prediction by
//! quadrature).

use ltvlab::cohorts::Histories;
use ltvlab::generate::small_shop;
use ltvlab::ingest::{ingest, Dataset, IngestOptions};
use ltvlab::models::work::{self, Work};
use ltvlab::models::{FitOptions, ModelKind};
use ltvlab::predict::{predict, PredictOptions};
use ltvlab::simulate::{simulate, ShopModel, SimulationOptions};
use ltvlab::summary::{summarize, SummaryOptions};
use ltvlab::validate::{validate, ValidateOptions};

/// Seeds of the 25 shops.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=25;
/// Of the 25 shops, at least this many have repeat customers and so get
/// fitted models (the others are refused before any work: nobody bought
/// twice): the test must exercise the fits, not only the refusals.
const FITTED_SHOPS: usize = 18;

/// The work of each model stage of `analyze` on one file, with whether the
/// stage produced a result; `fit` is how every stage that takes options
/// fits, `models` the purchase models validated and predicted with (all
/// three, as `analyze --model auto` does, when it is `None`).
fn stages(
    bytes: &[u8],
    fit: &FitOptions,
    models: Option<&[ModelKind]>,
) -> Vec<(String, Work, bool)> {
    let ingested = ingest(bytes, &IngestOptions::default()).unwrap();
    let summary = summarize(&ingested.data, &SummaryOptions::default()).unwrap();
    let mut out = Vec::new();

    // Customer sections: the shop model, its simulation and the segments'
    // model values.
    work::reset();
    let model = ShopModel::fit(&summary).ok();
    let mut ok = model.is_some();
    if let Some(m) = &model {
        ok &= simulate(
            m,
            &summary,
            &Default::default(),
            &SimulationOptions::default(),
        )
        .is_ok();
        if let Dataset::Transactions(t) = &ingested.data {
            let histories = Histories::new(t).unwrap();
            ok &=
                ltvlab::segments::segments_with(&histories, &summary, Some(m), &Default::default())
                    .is_ok();
        }
    }
    out.push(("simulation and segments".to_owned(), work::snapshot(), ok));

    // Validation: every candidate model fitted on the calibration period,
    // with its tracking curve.
    let all = [ModelKind::BgNbd, ModelKind::MbgNbd, ModelKind::ParetoNbd];
    let chosen: Vec<Option<ModelKind>> = match models {
        None => vec![None],
        Some(list) => list.iter().copied().map(Some).collect(),
    };
    for model in chosen {
        work::reset();
        let options = ValidateOptions {
            fit: fit.clone(),
            model,
            ..ValidateOptions::default()
        };
        let ok = validate(&ingested.data, &options).is_ok();
        out.push((format!("validation {model:?}"), work::snapshot(), ok));
    }

    // Predictions (with their bootstrap) under each purchase model.
    for &model in models.unwrap_or(&all) {
        work::reset();
        let options = PredictOptions {
            model,
            fit: fit.clone(),
            ..PredictOptions::default()
        };
        let ok = predict(&summary, &options).is_ok();
        out.push((format!("predict {}", model.name()), work::snapshot(), ok));
    }
    out
}

/// Runs every stage on every shop and checks each against its budget
/// (`budget` of the stage's name); returns how many shops had a fitted
/// stage.
fn check_shops(
    fit: &FitOptions,
    models: Option<&[ModelKind]>,
    budget: impl Fn(&str) -> Work,
) -> usize {
    let mut fitted = 0;
    let mut largest = Work::default();
    for seed in SEEDS {
        let shop = small_shop(seed);
        let mut csv = Vec::new();
        let truth = shop.generate(&mut csv).unwrap();
        assert!(
            (20..=2_100).contains(&truth.lines),
            "seed {seed}: {}",
            truth.lines
        );
        let results = stages(&csv, fit, models);
        if results.iter().any(|(_, _, ok)| *ok) {
            fitted += 1;
        }
        for (stage, used, _) in results {
            let budget = budget(&stage);
            assert!(
                used.within(&budget),
                "seed {seed} ({} lines), {stage}: {used:?} exceeds {budget:?}",
                truth.lines,
            );
            largest.likelihood_evaluations = largest
                .likelihood_evaluations
                .max(used.likelihood_evaluations);
            largest.series_terms = largest.series_terms.max(used.series_terms);
            largest.quadrature_nodes = largest.quadrature_nodes.max(used.quadrature_nodes);
        }
    }
    eprintln!("{:?}: largest work of one stage {largest:?}", fit.prior);
    fitted
}

/// The Pareto/NBD's prediction stage under the weak priors: the stage
/// budget, but for up to 40 million quadrature nodes. Since session 7 the
/// stage also gives each customer their next-order timing, whose Pareto/NBD
/// percentiles and pace are root searches over a numerically integrated
/// distribution (`ltvlab::customers::timing`). Over about 600 random small
/// shops of the property test below the most was 14.1 million nodes; the
/// shop at 10.8 million (`generate --small-shop --seed 404179039`, 1,062
/// lines) takes 0.26 s wall for `ltvlab predict --model pareto`.
const PARETO_PREDICTION: Work = Work {
    quadrature_nodes: 40_000_000,
    ..Work::STAGE_BUDGET
};

/// The budget of one stage under the weak priors.
fn map_budget(stage: &str) -> Work {
    if stage == "predict pareto" {
        PARETO_PREDICTION
    } else {
        Work::STAGE_BUDGET
    }
}

#[test]
fn twenty_five_small_shops_stay_within_the_work_budget() {
    let fitted = check_shops(&FitOptions::default(), None, map_budget);
    assert!(fitted >= FITTED_SHOPS, "only {fitted} shops were fitted");
}

/// The Pareto/NBD's prediction stage under plain maximum likelihood: the
/// stage budget, but for up to 60 million series terms. Its fit's
/// central-difference derivatives of long 2F1 series cost seven
/// evaluations a tail; one shop of the 25 takes about 46 million terms
/// there (a few seconds of one core), the others at most 20 million.
const PARETO_MLE_PREDICTION: Work = Work {
    series_terms: 60_000_000,
    ..Work::STAGE_BUDGET
};

/// Plain maximum likelihood runs the fits to the parameter bounds on these
/// shops: BG/NBD and MBG/NBD `a, b -> ∞`, Pareto/NBD `s -> 0, β -> ∞` or
/// `r, α -> ∞`. The concentrated-dropout limit keeps the first two within
/// the budget, and the connection formula of 2F1 near `z = 1` the
/// Pareto/NBD (before it, its likelihood near `z = 1` integrated: 13
/// million quadrature nodes on seed 1, 152 million on seed 25), all three
/// models validated and predicted with, as under the weak priors.
#[test]
fn small_shops_stay_within_the_budget_under_plain_likelihood() {
    let all = [ModelKind::BgNbd, ModelKind::MbgNbd, ModelKind::ParetoNbd];
    let fitted = check_shops(&FitOptions::mle(), Some(&all), |stage| {
        if stage == "predict pareto" {
            PARETO_MLE_PREDICTION
        } else {
            Work::STAGE_BUDGET
        }
    });
    assert!(fitted >= FITTED_SHOPS, "only {fitted} shops were fitted");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Random small shops beyond the 25 seeds, under the default weak
    /// priors and all three purchase models: every stage within the budget.
    #[test]
    fn random_small_shops_stay_within_the_work_budget(seed in 26u64..1_000_000_000) {
        let shop = small_shop(seed);
        let mut csv = Vec::new();
        shop.generate(&mut csv).unwrap();
        for (stage, used, _) in stages(&csv, &FitOptions::default(), None) {
            proptest::prop_assert!(
                used.within(&map_budget(&stage)),
                "seed {}, {}: {:?}",
                seed,
                stage,
                used
            );
        }
    }
}
