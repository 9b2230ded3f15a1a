//! Why a section of the report is missing or what to keep in mind when
//! reading it: a stable code (the page translates it) and an English message
//! with the details (the CLI prints it). A note that stands for an error
//! carries that error's code and parameters too, so the page can give the
//! details in its own language.

use serde::Serialize;

use crate::{Error, ErrorDetails};

/// Every note the report can carry. The page looks up `note.<code>` in its
/// dictionaries and falls back to the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteCode {
    /// Baskets without customers or dates, or no row with a customer id.
    NoCustomers,
    /// A summary file that does not say its period unit.
    SummaryPeriodNeeded,
    /// No purchase model could be fitted (nobody bought twice, …).
    PredictFailed,
    /// The what-if model (and its baseline simulation) could not be fitted.
    WhatifFailed,
    /// Purchases dated decades away from the bulk were left out of cohorts
    /// and segments.
    OutlyingDatesLeftOut,
    /// The acquisition cohorts could not be computed.
    CohortsFailed,
    /// The RFM segments could not be computed.
    SegmentsFailed,
    /// A summary file has no orders or dates for cohorts and segments.
    NoOrderHistory,
    /// No holdout validation (a summary file, or too little data).
    ValidationFailed,
    /// Nothing to recommend (a summary file, or no item column).
    NoItems,
    /// The recommendations' holdout evaluation could not run.
    EvaluateFailed,
    /// The groups by channel and first product could not be computed.
    GroupsFailed,
    /// The models with the channel as a covariate could not be fitted (the
    /// descriptive table stays).
    GroupEffectsFailed,
    /// The models with the first product as a covariate could not be fitted
    /// (the descriptive table stays).
    ProductEffectsFailed,
    /// The shop has more customers than
    /// [`super::ReportOptions::product_effects_max_customers`]: the model by
    /// first product is not fitted.
    ProductEffectsSkipped,
    /// No 定期 (subscription) evidence: no flagged order, or too few
    /// customers at regular intervals.
    NoSubscriptions,
    /// The sBG model could not be fitted on the subscribers (nobody churned,
    /// too few of them); the observed table stays.
    SubscriptionFitFailed,
    /// The orders span less than [`super::SHORT_HISTORY_DAYS`]: churn, the
    /// formula LTV and the 12-month predictions extrapolate from that span.
    ShortHistory,
    /// A long stretch without an order inside the history
    /// ([`super::OrderGap`]): a closure, a season off or months missing from
    /// the export.
    OrderGap,
    /// Orders of 20 times the median order or more make a sizeable share of
    /// the revenue ([`super::LargeOrders`]): company or wholesale orders
    /// among private customers.
    LargeOrders,
}

impl NoteCode {
    /// Every code, in declaration order.
    pub const ALL: [NoteCode; 20] = [
        NoteCode::NoCustomers,
        NoteCode::SummaryPeriodNeeded,
        NoteCode::PredictFailed,
        NoteCode::WhatifFailed,
        NoteCode::OutlyingDatesLeftOut,
        NoteCode::CohortsFailed,
        NoteCode::SegmentsFailed,
        NoteCode::NoOrderHistory,
        NoteCode::ValidationFailed,
        NoteCode::NoItems,
        NoteCode::EvaluateFailed,
        NoteCode::GroupsFailed,
        NoteCode::GroupEffectsFailed,
        NoteCode::ProductEffectsFailed,
        NoteCode::ProductEffectsSkipped,
        NoteCode::NoSubscriptions,
        NoteCode::SubscriptionFitFailed,
        NoteCode::ShortHistory,
        NoteCode::OrderGap,
        NoteCode::LargeOrders,
    ];

    /// The code as the page and the JSON spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            NoteCode::NoCustomers => "no_customers",
            NoteCode::SummaryPeriodNeeded => "summary_period_needed",
            NoteCode::PredictFailed => "predict_failed",
            NoteCode::WhatifFailed => "whatif_failed",
            NoteCode::OutlyingDatesLeftOut => "outlying_dates_left_out",
            NoteCode::CohortsFailed => "cohorts_failed",
            NoteCode::SegmentsFailed => "segments_failed",
            NoteCode::NoOrderHistory => "no_order_history",
            NoteCode::ValidationFailed => "validation_failed",
            NoteCode::NoItems => "no_items",
            NoteCode::EvaluateFailed => "evaluate_failed",
            NoteCode::GroupsFailed => "groups_failed",
            NoteCode::GroupEffectsFailed => "group_effects_failed",
            NoteCode::ProductEffectsFailed => "product_effects_failed",
            NoteCode::ProductEffectsSkipped => "product_effects_skipped",
            NoteCode::NoSubscriptions => "no_subscriptions",
            NoteCode::SubscriptionFitFailed => "subscription_fit_failed",
            NoteCode::ShortHistory => "short_history",
            NoteCode::OrderGap => "order_gap",
            NoteCode::LargeOrders => "large_orders",
        }
    }
}

/// One note: its code and the message with the details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    /// What kind of note.
    pub code: NoteCode,
    /// The details, in plain English, lower case.
    pub message: String,
    /// The error behind the note, if it stands for one.
    pub error: Option<ErrorDetails>,
}

impl Note {
    /// A note with its message.
    pub fn new(code: NoteCode, message: impl Into<String>) -> Note {
        Note {
            code,
            message: message.into(),
            error: None,
        }
    }

    /// A note that stands for `err`: its message is the error's, and it
    /// carries the error's code and parameters.
    pub fn from_error(code: NoteCode, err: &Error) -> Note {
        Note {
            code,
            message: err.to_string(),
            error: Some(ErrorDetails::from(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serialized code is `as_str` for every code (the page's
    /// dictionaries key on it).
    #[test]
    fn codes_serialize_as_their_names() {
        for code in NoteCode::ALL {
            let json = serde_json::to_value(code).ok();
            assert_eq!(json, Some(serde_json::json!(code.as_str())));
        }
    }
}
