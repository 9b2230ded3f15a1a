"""Golden values for src/models from Python's `lifetimes` package.

Fits lifetimes' BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma and BG/BB on the
simulated fixtures that `cargo test --lib models::tests::write_golden_inputs
-- --ignored` writes, and records the fitted parameters, the log-likelihood
at those parameters on the data's own time scale, and predictions for a
sample of customers. The Rust tests compare against the JSON output and never
need Python.

    python3 -m venv /tmp/ltvvenv
    /tmp/ltvvenv/bin/pip install lifetimes==0.11.3 "numpy<2" "pandas<2.2" "scipy<1.13"
    /tmp/ltvvenv/bin/python scripts/golden_models.py

lifetimes rescales time internally so that max(T) = 1 and reports its
likelihood on that scale; here every log-likelihood is recomputed on the
unscaled data with lifetimes' own likelihood functions.
"""

import json
import pathlib
import warnings

import lifetimes
import numpy as np
import pandas as pd
from lifetimes import (
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)

warnings.simplefilter("ignore")

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "models"
# The tightest tolerance at which lifetimes' BFGS still reports convergence,
# so that its optimum is close to the true maximum.
TOLERANCES = [1e-11, 1e-10, 1e-9, 1e-8, 1e-7]
# Customers whose predictions are recorded: row indices into sim_weekly.csv.
SAMPLE = list(range(0, 2357, 97))
HORIZONS = [1.0, 10.0, 52.0]


def fit_tightly(fitter, *args, **kwargs):
    """Fits with the tightest tolerance that converges; returns (fitter, tol)."""
    for tol in TOLERANCES:
        try:
            return fitter.fit(*args, tol=tol, **kwargs), tol
        except lifetimes.utils.ConvergenceError:
            continue
    raise RuntimeError("lifetimes did not converge at any tolerance")


def floats(values):
    return [float(v) for v in np.asarray(values, dtype=float)]


def purchase_model(name, fitter, weekly, sample, ll_total):
    f, r, t = weekly["frequency"], weekly["recency"], weekly["T"]
    params = {k: float(v) for k, v in fitter.params_.items()}
    out = {
        "params": params,
        "log_likelihood": float(ll_total(np.array(list(params.values())))),
        "sample": {
            "frequency": floats(f.iloc[sample]),
            "recency": floats(r.iloc[sample]),
            "T": floats(t.iloc[sample]),
            "p_alive": floats(fitter.conditional_probability_alive(f.iloc[sample], r.iloc[sample], t.iloc[sample])),
        },
        "expected_purchases": {},
        "expected_purchases_new": {},
    }
    for h in HORIZONS:
        out["expected_purchases"][str(h)] = floats(
            fitter.conditional_expected_number_of_purchases_up_to_time(h, f.iloc[sample], r.iloc[sample], t.iloc[sample])
        )
        out["expected_purchases_new"][str(h)] = float(fitter.expected_number_of_purchases_up_to_time(h))
    if hasattr(fitter, "probability_of_n_purchases_up_to_time"):
        out["p_purchases_t39"] = [float(fitter.probability_of_n_purchases_up_to_time(39.0, n)) for n in range(6)]
    return name, out


def main():
    weekly = pd.read_csv(FIXTURES / "sim_weekly.csv")
    f, r, t, m = weekly["frequency"], weekly["recency"], weekly["T"], weekly["monetary_value"]
    ones = np.ones(len(weekly))
    n = len(weekly)
    golden = {"lifetimes_version": lifetimes.__version__, "source": "sim_weekly.csv, sim_bgbb.csv", "models": {}}

    bgf, tol = fit_tightly(BetaGeoFitter(), f, r, t)
    name, out = purchase_model(
        "bgnbd",
        bgf,
        weekly,
        SAMPLE,
        lambda p: -BetaGeoFitter._negative_log_likelihood(np.log(p), f, r, t, ones, 0.0) * n,
    )
    out["tol"] = tol
    golden["models"][name] = out

    mbgf, tol = fit_tightly(ModifiedBetaGeoFitter(), f, r, t)
    name, out = purchase_model(
        "mbgnbd",
        mbgf,
        weekly,
        SAMPLE,
        lambda p: -ModifiedBetaGeoFitter._negative_log_likelihood(np.log(p), f, r, t, ones, 0.0) * n,
    )
    out["tol"] = tol
    golden["models"][name] = out

    pnbd, tol = fit_tightly(ParetoNBDFitter(), f, r, t)
    name, out = purchase_model(
        "pareto",
        pnbd,
        weekly,
        SAMPLE,
        lambda p: ParetoNBDFitter._conditional_log_likelihood(p, f, r, t).sum(),
    )
    out["tol"] = tol
    golden["models"][name] = out

    repeat = weekly[f > 0]
    ggf, gg_tol = fit_tightly(GammaGammaFitter(), repeat["frequency"], repeat["monetary_value"])
    gg_params = np.array([ggf.params_["p"], ggf.params_["q"], ggf.params_["v"]])
    spend = ggf.conditional_expected_average_profit(f, m.where(f > 0, 0.0))
    clv = ggf.customer_lifetime_value(bgf, f, r, t, m.where(f > 0, 0.0), time=12, discount_rate=0.01, freq="W")
    golden["models"]["gammagamma"] = {
        # lifetimes calls gamma "v".
        "params": {"p": float(gg_params[0]), "q": float(gg_params[1]), "gamma": float(gg_params[2])},
        "log_likelihood": float(
            -GammaGammaFitter._negative_log_likelihood(
                np.log(gg_params), repeat["frequency"], repeat["monetary_value"], np.ones(len(repeat)), 0.0
            )
            * len(repeat)
        ),
        "n": int(len(repeat)),
        "tol": gg_tol,
        "sample_rows": SAMPLE,
        "conditional_expected_spend": floats(spend.iloc[SAMPLE]),
        # lifetimes' customer_lifetime_value with the BG/NBD fit above,
        # 12 months, 1% monthly, freq "W" (4.345 weeks a month), margin 1.
        "clv_bgnbd_12_months": floats(clv.iloc[SAMPLE]),
    }

    discrete = pd.read_csv(FIXTURES / "sim_bgbb.csv")
    grouped = discrete.groupby(["frequency", "recency", "n"]).size().reset_index(name="weights")
    bbf, bb_tol = fit_tightly(
        BetaGeoBetaBinomFitter(), grouped["frequency"], grouped["recency"], grouped["n"], weights=grouped["weights"]
    )
    b_params = np.array([bbf.params_[k] for k in ["alpha", "beta", "gamma", "delta"]])
    gx, gr, gn = grouped["frequency"], grouped["recency"], grouped["n"]
    golden["models"]["bgbb"] = {
        "params": {k: float(v) for k, v in zip(["alpha", "beta", "gamma", "delta"], b_params)},
        "log_likelihood": float(
            -BetaGeoBetaBinomFitter._negative_log_likelihood(np.log(b_params), gx, gr, gn, grouped["weights"], 0.0)
            * grouped["weights"].sum()
        ),
        "tol": bb_tol,
        "patterns": {"frequency": floats(gx), "recency": floats(gr), "n": floats(gn)},
        "p_alive": floats(bbf.conditional_probability_alive(0, gx, gr, gn)),
        "expected_purchases_5": floats(bbf.conditional_expected_number_of_purchases_up_to_time(5, gx, gr, gn)),
    }

    path = FIXTURES / "golden_lifetimes.json"
    path.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
