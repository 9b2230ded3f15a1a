//! The `Analysis` class: the file's bytes in chunks, then the one report
//! ([`crate::report`]) converted into JavaScript values.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::dto::{AnalysisResult, ModelsResult, PredictionsDto, SegmentsDto, SummaryDto};
use super::options::{analysis_options, AnalysisOptions};
use super::split::{FileSplit, RangeReader};
use super::whatif::WhatIf;
use super::{js_error, to_js};
use crate::ingest::{Dataset, Ingested, Ingester};
use crate::report::{
    describe, fit_models, most_valuable, recommendations, Dashboard, Descriptive, Note,
    RecommendStage, RecommendationsReport, Section, Stage,
};

/// One analysis of one file: construct it with options, `push` the file's
/// bytes in chunks, then `finish`.
#[wasm_bindgen]
pub struct Analysis {
    /// `None` once `finishDashboard` has ended the input, or when the file
    /// was read in ranges (`fromRanges`).
    ingester: Option<Ingester>,
    /// The file as read in ranges and merged, until `finishDashboard`.
    ingested: Option<Ingested>,
    options: AnalysisOptions,
    /// What `recommend` needs after `finishDashboard`.
    deferred: Option<DeferredRecommendations>,
}

/// The recommendations' inputs kept between `finishDashboard` and
/// `recommend`: the ingested data itself (not a copy) and the ids of the
/// customers to list, chosen while the summary and predictions existed.
struct DeferredRecommendations {
    data: Dataset,
    customers: Vec<String>,
}

/// What `Analysis.recommend()` returns.
#[derive(Serialize)]
struct DeferredResult {
    recommendations: Option<RecommendationsReport>,
    notes: Vec<Note>,
}

#[wasm_bindgen]
impl Analysis {
    /// Starts an analysis. `options` may be `undefined` for all defaults.
    ///
    /// # Errors
    ///
    /// If the options do not have the `AnalysisOptions` shape or the ingest
    /// options are invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "AnalysisOptions | undefined")] options: JsValue,
    ) -> Result<Analysis, JsError> {
        let options = analysis_options(options)?;
        Ok(Analysis {
            ingester: Some(Ingester::new(options.ingest.clone()).map_err(js_error)?),
            ingested: None,
            options,
            deferred: None,
        })
    }

    /// An analysis of a file read in byte ranges: `own` read the first
    /// range (in this worker), `others` are the later ranges' parts as
    /// range workers posted them (`RangeReader.finishBytes`), in file
    /// order. `finishDashboard` and `recommend` then go on as after
    /// `push`. `undefined` when the ranges cannot be merged into exactly
    /// the one-go reading (a range met an error, started inside a quoted
    /// field or an order, or its bytes do not decode): read the file in one
    /// go with `new Analysis` instead. Frees `own`.
    ///
    /// # Errors
    ///
    /// If the options do not have the `AnalysisOptions` shape, or the file
    /// read in one go ends in the same error (no usable rows, ...).
    #[wasm_bindgen(js_name = fromRanges)]
    pub fn from_ranges(
        #[wasm_bindgen(unchecked_param_type = "AnalysisOptions | undefined")] options: JsValue,
        split: &FileSplit,
        own: RangeReader,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] others: js_sys::Array,
    ) -> Result<Option<Analysis>, JsError> {
        let options = analysis_options(options)?;
        let split = split.split();
        let mut parts = vec![own.into_ingester().finish()];
        for bytes in others.iter() {
            let Ok(bytes) = bytes.dyn_into::<js_sys::Uint8Array>() else {
                return Ok(None);
            };
            // One copy into this instance's memory, freed once decoded.
            parts.push(split.part_from_bytes(&bytes.to_vec()));
        }
        let Some(merged) = split.merge(parts) else {
            return Ok(None);
        };
        Ok(Some(Analysis {
            ingester: None,
            ingested: Some(merged.map_err(js_error)?),
            options,
            deferred: None,
        }))
    }

    /// Tells the analysis the file's size in bytes before the first `push`,
    /// so the ingested columns are sized once instead of grown by doubling
    /// (less peak memory on large files; results do not depend on it).
    #[wasm_bindgen(js_name = expectBytes)]
    pub fn expect_bytes(&mut self, total: f64) {
        if let Some(ingester) = &mut self.ingester {
            if total.is_finite() && total > 0.0 {
                ingester.expect_bytes(total as u64);
            }
        }
    }

    /// Feeds the next chunk of the file's bytes; chunks may split anywhere.
    ///
    /// # Errors
    ///
    /// If the bytes so far cannot be a CSV file (binary, undecodable, ...).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        match &mut self.ingester {
            Some(ingester) => ingester.push(chunk).map_err(js_error),
            None => Err(JsError::new("cannot push after the input has ended")),
        }
    }

    /// Ends the input and returns `{ report, summary, predictions,
    /// recommendations, notes }`. Frees this object.
    ///
    /// A section that cannot be computed for this data is `null`, with a note
    /// saying why; only ingest and summary errors are errors.
    ///
    /// # Errors
    ///
    /// If the file is empty, has no usable columns or rows, or the summary
    /// options do not fit the data.
    #[wasm_bindgen(unchecked_return_type = "AnalysisResult")]
    pub fn finish(mut self) -> Result<JsValue, JsError> {
        self.analyze(false, None, None)
    }

    /// Ends the input and returns the result without its recommendations
    /// (`recommendations: null` and `recommendations_pending: true` when they
    /// were asked for), keeping the ingested data in this object for
    /// `recommend()`. The page draws the dashboard while the recommender runs.
    ///
    /// `progress`, when given, is called as `progress(stage, done, total)`
    /// as each stage starts (see `AnalysisStage`; `done` stages of `total`
    /// are behind it), so a worker can tell its page how far this one
    /// synchronous call has come. What it returns or throws is ignored.
    ///
    /// # Errors
    ///
    /// As `finish`; also if the input has already ended.
    #[wasm_bindgen(js_name = finishDashboard, unchecked_return_type = "AnalysisResult")]
    pub fn finish_dashboard(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Progress<AnalysisStage> | undefined")]
        progress: Option<js_sys::Function>,
    ) -> Result<JsValue, JsError> {
        self.analyze(true, progress.as_ref(), None)
    }

    /// `finishDashboard` in its two phases: calls `firstFigures(first)` as
    /// soon as the figures that need no model are computed (`first` is an
    /// `AnalysisResult` with `models_pending: true` and the model sections
    /// null: predictions, model choice, segments, 許容CPO, groups,
    /// validation, what-if), then fits the models and returns only what
    /// they add (`ModelsResult`). `first` with the returned value's fields
    /// and its notes appended is what `finishDashboard` returns; nothing
    /// crosses twice. The recommendations are left for `recommend()` as
    /// after `finishDashboard`.
    ///
    /// An error thrown after `firstFigures` was called is the models
    /// phase's: the first figures stand. What `firstFigures` returns or
    /// throws is ignored.
    ///
    /// # Errors
    ///
    /// As `finishDashboard`.
    #[wasm_bindgen(js_name = finishInPhases, unchecked_return_type = "ModelsResult")]
    pub fn finish_in_phases(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Progress<AnalysisStage> | undefined")]
        progress: Option<js_sys::Function>,
        #[wasm_bindgen(unchecked_param_type = "(first: AnalysisResult) => void")]
        first_figures: js_sys::Function,
    ) -> Result<JsValue, JsError> {
        self.analyze(true, progress.as_ref(), Some(&first_figures))
    }

    /// After `finishDashboard`: `{ recommendations, notes }`, the section
    /// and its notes exactly as `finish` would have included them. Frees this
    /// object (and with it the ingested data). `progress`, when given, is
    /// called as `progress(stage, done, total)` as each `RecommendStage`
    /// starts, as in `finishDashboard`.
    ///
    /// # Errors
    ///
    /// If `finishDashboard` has not returned a result with
    /// `recommendations_pending`.
    #[wasm_bindgen(unchecked_return_type = "DeferredRecommendationsResult")]
    pub fn recommend(
        self,
        #[wasm_bindgen(unchecked_param_type = "Progress<RecommendStage> | undefined")]
        progress: Option<js_sys::Function>,
    ) -> Result<JsValue, JsError> {
        let Some(deferred) = self.deferred else {
            return Err(JsError::new(
                "no pending recommendations: call finishDashboard first",
            ));
        };
        let mut notes = Vec::new();
        let customers: Vec<&str> = deferred.customers.iter().map(String::as_str).collect();
        let recommendations = recommendations(
            &deferred.data,
            &customers,
            &self.options.report.lists,
            &mut notes,
            &mut |stage| recommend_progress(progress.as_ref(), stage),
        );
        to_js(&DeferredResult {
            recommendations,
            notes,
        })
    }
}

impl Analysis {
    /// `finish`, `finishDashboard` and `finishInPhases`: with `defer`, the
    /// recommendations are left for `recommend` and the ingested data moves
    /// into `self.deferred`; with `first_figures`, the first phase's result
    /// goes to it and the value returned is the second phase's only.
    fn analyze(
        &mut self,
        defer: bool,
        progress: Option<&js_sys::Function>,
        first_figures: Option<&js_sys::Function>,
    ) -> Result<JsValue, JsError> {
        let options = &self.options.report;
        stage_progress(progress, Stage::Ingest);
        let ingested = match (self.ingested.take(), self.ingester.take()) {
            (Some(ingested), _) => ingested,
            (None, Some(ingester)) => ingester.finish().map_err(js_error)?,
            (None, None) => return Err(JsError::new("the input has already ended")),
        };
        let wants_recommendations = options.wants(Section::Recommendations);
        let mut on_stage = |stage| stage_progress(progress, stage);
        let first = describe(&ingested.data, options, &mut on_stage).map_err(js_error)?;
        let first_notes = match first_figures {
            Some(callback) => {
                let value = first_result(&ingested.report, &first, options, wants_recommendations)?;
                // Only reports: what it returns or throws does not stop the work.
                let _ = callback.call1(&JsValue::NULL, &value);
                first.notes.len()
            }
            None => 0,
        };
        let mut d = fit_models(first, options, &mut on_stage).map_err(js_error)?;
        let customers: Vec<String> = if wants_recommendations {
            most_valuable(
                d.summary.as_ref(),
                d.predictions.as_ref(),
                options.lists.customers,
            )
            .into_iter()
            .map(str::to_owned)
            .collect()
        } else {
            Vec::new()
        };
        let recommendations = if wants_recommendations && !defer {
            let ids: Vec<&str> = customers.iter().map(String::as_str).collect();
            recommendations(
                &ingested.data,
                &ids,
                &options.lists,
                &mut d.notes,
                &mut |_| {},
            )
        } else {
            None
        };
        stage_progress(progress, Stage::Result);
        let pending = wants_recommendations && defer;
        let value = if first_figures.is_some() {
            to_js(&ModelsResult {
                predictions: d.predictions.as_ref().map(PredictionsDto::new),
                model_choice: d.model_choice.as_ref(),
                recommendations_pending: pending,
                segments: d
                    .segments
                    .as_ref()
                    .map(|s| SegmentsDto::new(s, d.summary.as_ref())),
                allowable_cpo: d.allowable_cpo.as_ref(),
                groups: d.groups.as_ref(),
                validation: d.validation.as_ref(),
                order_gap: d.order_gap.as_ref(),
                large_orders: d.large_orders.as_ref(),
                notes: d.notes.get(first_notes..).unwrap_or_default(),
            })?
        } else {
            to_js(&AnalysisResult {
                report: &ingested.report,
                summary: d
                    .summary
                    .as_ref()
                    .filter(|_| options.wants(Section::Summary))
                    .map(SummaryDto::new),
                predictions: d.predictions.as_ref().map(PredictionsDto::new),
                model_choice: d.model_choice.as_ref(),
                recommendations: recommendations.as_ref(),
                recommendations_pending: pending,
                models_pending: false,
                cohorts: d.cohorts.as_ref(),
                segments: d
                    .segments
                    .as_ref()
                    .map(|s| SegmentsDto::new(s, d.summary.as_ref())),
                allowable_cpo: d.allowable_cpo.as_ref(),
                repeat_funnel: d.repeat_funnel.as_ref(),
                deciles: d.deciles.as_ref(),
                rfm_ranks: d.rfm_ranks.as_ref(),
                groups: d.groups.as_ref(),
                subscription: d.subscription.as_ref(),
                validation: d.validation.as_ref(),
                order_gap: d.order_gap.as_ref(),
                large_orders: d.large_orders.as_ref(),
                notes: &d.notes,
            })?
        };
        set_whatif(&value, d)?;
        if pending {
            self.deferred = Some(DeferredRecommendations {
                data: ingested.data,
                customers,
            });
        }
        Ok(value)
    }
}

/// The first phase's result for `finishInPhases`: an `AnalysisResult` with
/// the model sections null and `models_pending`.
fn first_result(
    report: &crate::ingest::IngestReport,
    first: &Descriptive<'_>,
    options: &crate::report::ReportOptions,
    wants_recommendations: bool,
) -> Result<JsValue, JsError> {
    let value = to_js(&AnalysisResult {
        report,
        summary: first
            .summary
            .as_ref()
            .filter(|_| options.wants(Section::Summary))
            .map(SummaryDto::new),
        predictions: None,
        model_choice: None,
        recommendations: None,
        recommendations_pending: wants_recommendations,
        models_pending: true,
        cohorts: first.cohorts.as_ref(),
        segments: None,
        allowable_cpo: None,
        repeat_funnel: first.repeat_funnel.as_ref(),
        deciles: first.deciles.as_ref(),
        rfm_ranks: first.rfm_ranks.as_ref(),
        groups: None,
        subscription: first.subscription.as_ref(),
        validation: None,
        order_gap: first.order_gap.as_ref(),
        large_orders: first.large_orders.as_ref(),
        notes: &first.notes,
    })?;
    js_sys::Reflect::set(&value, &JsValue::from_str("whatif"), &JsValue::NULL)
        .map_err(|_| JsError::new("cannot pass the result to JavaScript: whatif"))?;
    Ok(value)
}

/// Joins the what-if simulator to the serialized result: it is a wasm
/// object that keeps the model and the summary, so it is a property, not a
/// serialized field. The channel effects go with it, for the channel shift.
fn set_whatif(value: &JsValue, d: Dashboard) -> Result<(), JsError> {
    let effects = d
        .groups
        .as_ref()
        .and_then(|g| g.by_channel.as_ref())
        .and_then(|b| b.effects.clone());
    let whatif = match (d.shop, d.summary) {
        (Some(model), Some(summary)) => JsValue::from(WhatIf::new(model, summary, effects)),
        _ => JsValue::NULL,
    };
    js_sys::Reflect::set(value, &JsValue::from_str("whatif"), &whatif)
        .map_err(|_| JsError::new("cannot pass the result to JavaScript: whatif"))?;
    Ok(())
}

/// `progress(stage, done, total)` for a dashboard stage.
fn stage_progress(progress: Option<&js_sys::Function>, stage: Stage) {
    report_progress(progress, stage.name(), stage as u32, Stage::COUNT);
}

/// `progress(stage, done, total)` for a recommendations stage.
fn recommend_progress(progress: Option<&js_sys::Function>, stage: RecommendStage) {
    report_progress(progress, stage.name(), stage as u32, RecommendStage::COUNT);
}

/// Calls `progress(stage, done, total)`; the callback only reports, so an
/// exception in it does not stop the work.
fn report_progress(progress: Option<&js_sys::Function>, stage: &str, done: u32, total: u32) {
    if let Some(callback) = progress {
        let _ = callback.call3(
            &JsValue::NULL,
            &JsValue::from_str(stage),
            &JsValue::from(done),
            &JsValue::from(total),
        );
    }
}
