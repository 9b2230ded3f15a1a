//! The page's options, strict: an unknown field is an error naming it, not
//! silently ignored (`AnalysisOptions` in TypeScript).

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::plain::Plain;
use super::{js_error, strict_from_js};
use crate::ingest::IngestOptions;
use crate::models::{FitOptions, ModelKind};
use crate::predict::PredictOptions;
use crate::report::{self, ListOptions, ReportOptions};
use crate::summary::Period;

/// The options as the page passes them (`AnalysisOptions` in TypeScript).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct AnalysisOptionsDto {
    #[serde(deserialize_with = "strict_ingest_options")]
    ingest: IngestOptions,
    summary: SummaryOptionsDto,
    predict: PredictOptionsDto,
    recommend: ListOptions,
    /// `None` computes every section; benchmarks time one at a time.
    sections: Option<Vec<Section>>,
}

/// A section the page can ask for on its own: the report's sections but the
/// what-if baseline, which the page runs itself (`WhatIf.run`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Section {
    Summary,
    Predictions,
    Recommendations,
    Cohorts,
    Segments,
    RepeatFunnel,
    Deciles,
    RfmRanks,
    Subscription,
    Validation,
    Whatif,
    Groups,
}

impl From<Section> for report::Section {
    fn from(s: Section) -> report::Section {
        match s {
            Section::Summary => report::Section::Summary,
            Section::Predictions => report::Section::Predictions,
            Section::Recommendations => report::Section::Recommendations,
            Section::Cohorts => report::Section::Cohorts,
            Section::Segments => report::Section::Segments,
            Section::RepeatFunnel => report::Section::RepeatFunnel,
            Section::Deciles => report::Section::Deciles,
            Section::RfmRanks => report::Section::RfmRanks,
            Section::Subscription => report::Section::Subscription,
            Section::Validation => report::Section::Validation,
            Section::Whatif => report::Section::Whatif,
            Section::Groups => report::Section::Groups,
        }
    }
}

/// Every section the page can ask for.
const ALL_SECTIONS: [Section; 12] = [
    Section::Summary,
    Section::Predictions,
    Section::Recommendations,
    Section::Cohorts,
    Section::Segments,
    Section::RepeatFunnel,
    Section::Deciles,
    Section::RfmRanks,
    Section::Subscription,
    Section::Validation,
    Section::Whatif,
    Section::Groups,
];

/// The options of one analysis: how to read the file and the report's.
#[derive(Debug)]
pub(super) struct AnalysisOptions {
    pub(super) ingest: IngestOptions,
    pub(super) report: ReportOptions,
}

impl AnalysisOptionsDto {
    fn into_options(self) -> AnalysisOptions {
        let d = ReportOptions::default();
        let sections = self.sections.unwrap_or_else(|| ALL_SECTIONS.to_vec());
        AnalysisOptions {
            ingest: self.ingest,
            report: ReportOptions {
                period: self.summary.period,
                observation_end: self.summary.observation_end,
                model: self.predict.model,
                horizon_months: self.predict.horizon_months.unwrap_or(d.horizon_months),
                monthly_discount_rate: self
                    .predict
                    .monthly_discount_rate
                    .unwrap_or(d.monthly_discount_rate),
                margin: self.predict.margin.unwrap_or(d.margin),
                lists: self.recommend,
                sections: Some(sections.into_iter().map(report::Section::from).collect()),
                ..d
            },
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SummaryOptionsDto {
    /// Day for transactions when absent; a summary file needs it.
    period: Option<Period>,
    observation_end: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct PredictOptionsDto {
    model: Option<ModelKind>,
    horizon_months: Option<u32>,
    monthly_discount_rate: Option<f64>,
    margin: Option<f64>,
}

impl PredictOptionsDto {
    pub(super) fn to_core(&self) -> Result<PredictOptions, JsError> {
        let d = PredictOptions::default();
        Ok(PredictOptions {
            model: self.model.unwrap_or(d.model),
            horizon_months: self.horizon_months.unwrap_or(d.horizon_months),
            monthly_discount_rate: self
                .monthly_discount_rate
                .unwrap_or(d.monthly_discount_rate),
            margin: self.margin.unwrap_or(d.margin),
            fit: FitOptions::default(),
        })
    }
}

/// The fields of `ltvlab::ingest::IngestOptions`, which accepts unknown ones:
/// here a misspelt option is an error rather than silently ignored.
const INGEST_FIELDS: [&str; 10] = [
    "mapping",
    "date_format",
    "date_order",
    "returns",
    "encoding",
    "delimiter",
    "has_header",
    "decimal",
    "today",
    "large_orders",
];

fn strict_ingest_options<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<IngestOptions, D::Error> {
    let plain = Plain::deserialize(deserializer)?;
    if let Plain::Object(entries) = &plain {
        if let Some((key, _)) = entries
            .iter()
            .find(|(key, _)| !INGEST_FIELDS.contains(&key.as_str()))
        {
            return Err(serde::de::Error::custom(format!(
                "unknown field `{key}` in ingest, expected one of {}",
                INGEST_FIELDS.map(|f| format!("`{f}`")).join(", ")
            )));
        }
    }
    IngestOptions::deserialize(plain).map_err(serde::de::Error::custom)
}

pub(super) fn analysis_options(options: JsValue) -> Result<AnalysisOptions, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(AnalysisOptionsDto::default().into_options());
    }
    // No "what: " prefix: these are the top-level options.
    strict_from_js::<AnalysisOptionsDto>(options)
        .map(AnalysisOptionsDto::into_options)
        .map_err(|err| js_error(crate::Error::options(err)))
}
