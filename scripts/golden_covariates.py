"""Golden log-likelihoods of the covariate models (src/models/covariates.rs)
from PyMC-Marketing's BetaGeoModel, ModifiedBetaGeoModel and ParetoNBDModel with
purchase_covariate_cols and dropout_covariate_cols.

Evaluates the log-density of the observed (recency, frequency) of a small
seeded three-group data set at fixed parameters and coefficients (not a
fit: the priors differ), with the group as dummy columns and the largest
group as the baseline, and writes tests/fixtures/models/golden_covariates.json.
The Rust test never needs Python.

    python3 -m venv ~/.cache/ltvlab/venv-pymc
    ~/.cache/ltvlab/venv-pymc/bin/pip install pymc-marketing==0.19.2
    ~/.cache/ltvlab/venv-pymc/bin/python scripts/golden_covariates.py
"""

import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import pymc_marketing
from pymc_marketing.clv import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel

try:
    from pymc_extras.prior import Prior
except ImportError:  # older pymc-marketing
    from pymc_marketing.prior import Prior

warnings.filterwarnings("ignore")

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/models/golden_covariates.json"
GROUPS = [("web", 45), ("instagram", 30), ("coupon", 20)]


def customers():
    """Seeded BG/NBD-like customers, times rounded to 2 decimals."""
    rng = np.random.default_rng(2026)
    rows = []
    for name, n in GROUPS:
        for _ in range(n):
            t = round(float(rng.uniform(10, 60)), 2)
            x = int(rng.poisson(1.5))
            recency = round(float(t * rng.uniform(0.05, 1.0)), 2) if x > 0 else 0.0
            rows.append((float(x), recency, t, name))
    return rows


def frame(rows):
    df = pd.DataFrame(rows, columns=["frequency", "recency", "T", "group"])
    df.insert(0, "customer_id", np.arange(len(df)))
    for name, _ in GROUPS[1:]:
        df[name] = (df["group"] == name).astype(float)
    return df.drop(columns="group")


def observed_logp(model, point):
    """The observed variable's log-density at `point` (natural values)."""
    model.build_model()
    m = model.model
    f = m.compile_logp(vars=[m["recency_frequency"]], sum=True, jacobian=False)
    values = {}
    for var in m.value_vars:
        name = var.name
        if name.endswith("_log__"):
            values[name] = np.log(point[name[: -len("_log__")]])
        else:
            values[name] = np.asarray(point[name], dtype=float)
    return float(f(values))


def main():
    rows = customers()
    df = frame(rows)
    dummies = [name for name, _ in GROUPS[1:]]
    config = dict(purchase_covariate_cols=dummies, dropout_covariate_cols=dummies)
    bg_points = [
        dict(r=0.8, alpha=6.0, a=0.8, b=2.5, purchase=[0.0, 0.0], dropout_a=[0.0, 0.0], dropout_b=[0.0, 0.0]),
        dict(r=0.8, alpha=6.0, a=0.8, b=2.5, purchase=[0.4, -0.3], dropout_a=[-0.5, 0.5], dropout_b=[0.3, -0.2]),
        dict(r=2.1, alpha=15.0, a=0.3, b=7.0, purchase=[-1.2, 0.9], dropout_a=[1.1, -0.7], dropout_b=[-0.4, 1.5]),
    ]
    bg, mbg = [], []
    for p in bg_points:
        point = {
            "r": p["r"],
            "alpha_scale": p["alpha"],
            "a_scale": p["a"],
            "b_scale": p["b"],
            "purchase_coefficient_alpha": p["purchase"],
            "dropout_coefficient_a": p["dropout_a"],
            "dropout_coefficient_b": p["dropout_b"],
        }
        for cls, out in [(BetaGeoModel, bg), (ModifiedBetaGeoModel, mbg)]:
            model = cls(
                data=df,
                model_config=dict(a=Prior("HalfNormal", sigma=10), b=Prior("HalfNormal", sigma=10), **config),
            )
            out.append(dict(p, log_likelihood=observed_logp(model, point)))
    pareto_points = [
        dict(r=0.8, alpha=6.0, s=0.9, beta=30.0, purchase=[0.0, 0.0], dropout=[0.0, 0.0]),
        dict(r=0.8, alpha=6.0, s=0.9, beta=30.0, purchase=[-0.4, 0.2], dropout=[0.6, -0.3]),
        dict(r=1.7, alpha=12.0, s=0.4, beta=8.0, purchase=[1.0, -0.8], dropout=[-1.3, 0.7]),
    ]
    pareto = []
    for p in pareto_points:
        model = ParetoNBDModel(data=df, model_config=config)
        point = {
            "r": p["r"],
            "alpha_scale": p["alpha"],
            "s": p["s"],
            "beta_scale": p["beta"],
            "purchase_coefficient": p["purchase"],
            "dropout_coefficient": p["dropout"],
        }
        pareto.append(dict(p, log_likelihood=observed_logp(model, point)))
    OUT.write_text(
        json.dumps(
            dict(
                source=f"pymc-marketing {pymc_marketing.__version__}: log-density of the observed "
                "recency_frequency of BetaGeoModel, ModifiedBetaGeoModel and ParetoNBDModel with purchase_covariate_cols "
                "and dropout_covariate_cols (scripts/golden_covariates.py)",
                groups=[name for name, _ in GROUPS],
                customers=[list(r) for r in rows],
                bgnbd=bg,
                mbgnbd=mbg,
                pareto=pareto,
            ),
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
