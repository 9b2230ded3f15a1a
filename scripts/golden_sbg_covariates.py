"""Golden log-likelihoods of the sBG with a categorical covariate
(src/models/covariates/sbg.rs) from PyMC-Marketing's ShiftedBetaGeoModel
with dropout_covariate_cols.

Evaluates the log-density of a small seeded three-group data set's censored
lifetimes at fixed parameters (not a fit: the priors differ), the groups as
dummy columns with "web" the baseline, checks it against the closed forms of
Fader & Hardie (2007) with scipy, and writes
tests/fixtures/models/golden_sbg_covariates.json. PyMC-Marketing 0.19.2
writes alpha_i = alpha_scale * exp(-x_i . coefficient_alpha) (a minus sign),
so ltvlab's gamma is minus its coefficient. The Rust test never needs Python.

    python3 -m venv ~/.cache/ltvlab/venv-pymc
    ~/.cache/ltvlab/venv-pymc/bin/pip install pymc-marketing==0.19.2
    ~/.cache/ltvlab/venv-pymc/bin/python scripts/golden_sbg_covariates.py
"""
import pathlib
import warnings
warnings.filterwarnings("ignore")
import numpy as np, pandas as pd, pymc as pm
from pymc_marketing.clv import ShiftedBetaGeoModel
try:
    from pymc_extras.prior import Prior
except ImportError:
    from pymc_marketing.prior import Prior
OUT = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/models/golden_sbg_covariates.json"
rng = np.random.default_rng(7)
rows=[]
T=8
for g,n in [("web",40),("instagram",25),("coupon",15)]:
    for i in range(n):
        life = rng.integers(1, 11)
        if life >= T: rows.append((f"{g}{i}", T, T, g))   # censored: recency == T
        else: rows.append((f"{g}{i}", int(life), T, g))
df=pd.DataFrame(rows, columns=["customer_id","recency","T","group"])
df["cohort"]="c"
df["instagram"]=(df.group=="instagram").astype(float)
df["coupon"]=(df.group=="coupon").astype(float)
m=ShiftedBetaGeoModel(data=df[["customer_id","recency","T","cohort","instagram","coupon"]],
    model_config={"alpha":Prior("HalfFlat",dims="cohort"),"beta":Prior("HalfFlat",dims="cohort"),
                  "dropout_coefficient":Prior("Flat"), "dropout_covariate_cols":["instagram","coupon"]})
m.build_model(df[["customer_id","recency","T","cohort","instagram","coupon"]])
model=m.model
from scipy.special import betaln
import json
f = model.compile_logp(vars=[model["dropout"]], sum=True)
groups=["web","instagram","coupon"]
points=[]
for (a,b,ca,cb) in [(0.9,2.5,[0.3,-0.5],[-0.2,0.4]), (2.0,6.0,[-0.7,0.2],[0.5,-0.1]), (0.35,1.2,[0.0,0.0],[0.0,0.0])]:
    pt={"alpha_scale_log__":np.log([a]),"beta_scale_log__":np.log([b]),
        "dropout_coefficient_alpha":np.array(ca),"dropout_coefficient_beta":np.array(cb)}
    ll=float(f(pt))
    # closed form, PyMC's sign: alpha_i = a*exp(-x.ca)
    tot=0.0
    for _,r in df.iterrows():
        x=np.array([r.instagram,r.coupon])
        ai=a*np.exp(-x@np.array(ca)); bi=b*np.exp(-x@np.array(cb))
        if r.recency < r["T"]:
            tot+=betaln(ai+1,bi+r.recency-1)-betaln(ai,bi)
        else:
            tot+=betaln(ai,bi+r["T"]-1)-betaln(ai,bi)
    assert abs(ll - tot) < 1e-9 * abs(tot), (ll, tot)
    points.append({"alpha":a,"beta":b,"coefficient_alpha":ca,"coefficient_beta":cb,"log_likelihood":ll})
life=[[int(r.recency) if r.recency < r["T"] else int(r["T"]) - 1, bool(r.recency < r["T"]), r.group] for _,r in df.iterrows()]
import pymc_marketing
json.dump({"source":f"PyMC-Marketing {pymc_marketing.__version__} ShiftedBetaGeoModel with dropout_covariate_cols [instagram, coupon] (dummy columns, web the baseline): the log-density of the censored observed recency at fixed alpha_scale, beta_scale and coefficients; alpha_i = alpha_scale*exp(-x_i.coefficient_alpha), beta_i likewise; a lifetime [periods, churned, group]: churned at renewal periods (recency = periods < T: P(lifetime = periods)), else active after periods = T - 1 renewals (recency = T: PyMC's censored term, P(lifetime >= T) = S(T - 1)).",
 "groups":groups, "lifetimes":life, "points":points}, open(OUT,"w"), indent=1)
