//! What a model fit or a prediction noticed about the data: a stable code
//! and named values (the page words it in its own language) and the English
//! sentence (the CLI prints it).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::{Error, ErrorDetails, Param};

/// Every kind of diagnostic. The page looks up `diagnostic.<code>` in its
/// dictionaries; each variant names the parameters its sentence may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticCode {
    /// A parameter's logarithm reached the optimiser's bound (`param`,
    /// `bound`): the data do not identify it.
    ParamAtBound,
    /// The optimiser stopped before the gradient tolerance (`iterations`,
    /// `gradient`).
    NotConverged,
    /// Under the weak prior, the likelihood's Hessian is not positive
    /// definite: the prior sets the estimates along some direction.
    PriorSetsDirection,
    /// Under the weak prior, one parameter's log-likelihood curvature is
    /// below the prior's (`param`, `value`).
    PriorDominated,
    /// No standard errors (the Hessian is not positive definite): the data
    /// do not pin down dropout, so P(alive) near 100% is no evidence of
    /// leaving rather than certainty.
    NoStandardErrors,
    /// The data show no customer leaving: P(alive) cannot say who churned.
    DropoutNotIdentified,
    /// The data (a short history, few repeat customers) do not show how
    /// fast customers leave: the weak prior sets the dropout, and P(alive)
    /// and the values follow it.
    DropoutFromPrior,
    /// No repeat customer has a positive spend: every expected order value
    /// is the observed mean (`mean_order_value`).
    SpendNoPositiveRepeat,
    /// Gamma-Gamma could not be fitted (the error in
    /// [`Diagnostic::error`]): every expected order value is the observed
    /// mean (`mean_order_value`).
    SpendFitFailed,
    /// Repeat customers with a negative monetary value were left out of the
    /// observed mean order value (`count`).
    NegativeSpendLeftOut,
    /// Repeat customers with a monetary value of 0 or less were left out of
    /// the Gamma-Gamma fit (`count`).
    NonPositiveSpendLeftOut,
    /// Bootstrap resamples whose purchase model could not be fitted were
    /// left out (`failed`, `samples`; the first failure in
    /// [`Diagnostic::error`]).
    ResamplesFailed,
    /// Bootstrap resamples whose Gamma-Gamma could not be fitted were left
    /// out (`failed`, `samples`).
    SpendResamplesFailed,
    /// A group of a covariate fit has too few customers or repeat customers
    /// to read its effects from (`group`, `customers`, `repeaters`).
    CovariateGroupSmall,
    /// The spend model with group effects could not be fitted (the error in
    /// [`Diagnostic::error`]): the groups have no spend effects or values.
    CovariateSpendFailed,
    /// The covariate fit's Hessian is not positive definite: the group
    /// effects have no intervals.
    CovariateNoIntervals,
}

impl DiagnosticCode {
    /// Every code, in declaration order.
    pub const ALL: [DiagnosticCode; 16] = [
        DiagnosticCode::ParamAtBound,
        DiagnosticCode::NotConverged,
        DiagnosticCode::PriorSetsDirection,
        DiagnosticCode::PriorDominated,
        DiagnosticCode::NoStandardErrors,
        DiagnosticCode::DropoutNotIdentified,
        DiagnosticCode::DropoutFromPrior,
        DiagnosticCode::SpendNoPositiveRepeat,
        DiagnosticCode::SpendFitFailed,
        DiagnosticCode::NegativeSpendLeftOut,
        DiagnosticCode::NonPositiveSpendLeftOut,
        DiagnosticCode::ResamplesFailed,
        DiagnosticCode::SpendResamplesFailed,
        DiagnosticCode::CovariateGroupSmall,
        DiagnosticCode::CovariateSpendFailed,
        DiagnosticCode::CovariateNoIntervals,
    ];

    /// The code as the page and the JSON spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticCode::ParamAtBound => "param_at_bound",
            DiagnosticCode::NotConverged => "not_converged",
            DiagnosticCode::PriorSetsDirection => "prior_sets_direction",
            DiagnosticCode::PriorDominated => "prior_dominated",
            DiagnosticCode::NoStandardErrors => "no_standard_errors",
            DiagnosticCode::DropoutNotIdentified => "dropout_not_identified",
            DiagnosticCode::DropoutFromPrior => "dropout_from_prior",
            DiagnosticCode::SpendNoPositiveRepeat => "spend_no_positive_repeat",
            DiagnosticCode::SpendFitFailed => "spend_fit_failed",
            DiagnosticCode::NegativeSpendLeftOut => "negative_spend_left_out",
            DiagnosticCode::NonPositiveSpendLeftOut => "non_positive_spend_left_out",
            DiagnosticCode::ResamplesFailed => "resamples_failed",
            DiagnosticCode::SpendResamplesFailed => "spend_resamples_failed",
            DiagnosticCode::CovariateGroupSmall => "covariate_group_small",
            DiagnosticCode::CovariateSpendFailed => "covariate_spend_failed",
            DiagnosticCode::CovariateNoIntervals => "covariate_no_intervals",
        }
    }
}

/// One diagnostic. Serializes as
/// `{"code": "param_at_bound", "model": "bgnbd", "params": {…}, "message": "…"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// What kind of diagnostic.
    pub code: DiagnosticCode,
    /// The model that noticed it (e.g. `"bgnbd"`, `"gammagamma"`), when one
    /// did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'static str>,
    /// The named values of its sentence.
    pub params: BTreeMap<&'static str, Param>,
    /// The error behind it, when it stands for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetails>,
    /// The details in plain English, lower case, without the model's name.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic with its English message and no parameters.
    pub fn new(code: DiagnosticCode, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            model: None,
            params: BTreeMap::new(),
            error: None,
            message: message.into(),
        }
    }

    /// The same diagnostic with one more named value.
    pub fn param(mut self, name: &'static str, value: impl Into<Param>) -> Diagnostic {
        self.params.insert(name, value.into());
        self
    }

    /// The same diagnostic, said by `model` (a name it already has is kept:
    /// the fit that noticed it knows best).
    pub fn model(mut self, model: &'static str) -> Diagnostic {
        self.model.get_or_insert(model);
        self
    }

    /// The same diagnostic, standing for `err`.
    pub fn error(mut self, err: &Error) -> Diagnostic {
        self.error = Some(ErrorDetails::from(err));
        self
    }
}

/// `model: message`, as the CLI prints it.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.model {
            Some(model) => write!(f, "{model}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serialized code is `as_str` for every code (the page's
    /// dictionaries key on it), and `ALL` has each once.
    #[test]
    fn codes_serialize_as_their_names() {
        let mut seen = std::collections::HashSet::new();
        for code in DiagnosticCode::ALL {
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::json!(code.as_str()))
            );
            assert!(seen.insert(code.as_str()), "{code:?} twice");
        }
    }

    #[test]
    fn display_names_the_model_and_params_serialize() {
        let d = Diagnostic::new(DiagnosticCode::NegativeSpendLeftOut, "2 left out")
            .param("count", 2usize)
            .model("gammagamma")
            .model("bgnbd");
        assert_eq!(d.to_string(), "gammagamma: 2 left out");
        let json = serde_json::to_value(&d).ok();
        assert_eq!(
            json,
            Some(serde_json::json!({
                "code": "negative_spend_left_out",
                "model": "gammagamma",
                "params": {"count": 2.0},
                "message": "2 left out"
            }))
        );
    }
}
