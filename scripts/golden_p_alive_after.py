#!/usr/bin/env python3
"""Golden values for P(alive at T + t) of a customer with history (tests in
src/models/timing.rs, `p_alive_after_matches_bayes_by_quadrature`), by mpmath
at 40 digits, independent of the crate's hypergeometric series, of its
P(alive) formulas and of the "posterior given alive" argument: Bayes' rule
over the prior, the numerator and the likelihood integrated directly.

With x repeat purchases, the last at t_x, observed until T:

- BG/NBD (Fader, Hardie & Lee 2005a): given (λ, p) the customer is alive at
  T with likelihood (1-p)^x λ^x e^(-λT) and then alive at T+t with
  probability e^(-λpt) (no purchase in (T, T+t] followed by a dropout).
  Integrating λ ~ Gamma(r, α) in closed form leaves one quadrature over
  p ~ Beta(a, b):
  N(t) = Γ(r+x) α^r / Γ(r) · ∫ (1-p)^x (α+T+pt)^(-(r+x)) dBeta(p; a, b);
  the likelihood L is paper eq. 6; P = N(t) / L.
- MBG/NBD (Batislam, Denizel & Filiztekin 2007): (1-p)^(x+1) (the dropout
  chance at the first purchase as well) and its likelihood,
  B(a, b+x+1)/B(a, b) · NB-part(T) + B(a+1, b+x)/B(a, b) · NB-part(t_x).
- Pareto/NBD (Schmittlein, Morrison & Colombo 1987): N(t) = Γ(r+x) α^r /
  Γ(r) (α+T)^(-(r+x)) · (β/(β+T+t))^s; L = N(0) + ∫_{t_x}^T Γ(r+x) α^r /
  Γ(r) (α+τ)^(-(r+x)) · s β^s (β+τ)^(-(s+1)) dτ (death at τ after the last
  purchase), by quadrature.

Run: python3 scripts/golden_p_alive_after.py (mpmath 1.3)
"""
from mpmath import mp, mpf, quad, beta, loggamma, exp, log

mp.dps = 40

BG = (mpf("0.243"), mpf("4.414"), mpf("0.793"), mpf("2.426"))
MBG = (mpf("0.525"), mpf("6.183"), mpf("0.891"), mpf("1.614"))
PARETO = (mpf("0.553"), mpf("10.578"), mpf("0.606"), mpf("11.669"))
CUSTOMERS = [(0, 0, 30), (2, 30, 38), (6, 20, 38), (1, 2, 39), (20, 70, 71)]
HORIZONS = ["0", "4.5", "13", "52"]


def nb_part(r, alpha, x, y):
    """Γ(r+x) α^r / (Γ(r) (α+y)^(r+x))."""
    return exp(loggamma(r + x) - loggamma(r) + r * log(alpha) - (r + x) * log(alpha + y))


def bg_like(params, x, tx, T, shift):
    r, alpha, a, b = params
    alive = beta(a, b + x + shift) / beta(a, b) * nb_part(r, alpha, x, T)
    if x + shift > 0:
        dead = beta(a + 1, b + x + shift - 1) / beta(a, b) * nb_part(r, alpha, x, tx)
    else:
        dead = 0
    return alive + dead


def bg_numerator(params, x, T, t, shift):
    r, alpha, a, b = params
    dens = lambda p: p ** (a - 1) * (1 - p) ** (b - 1) / beta(a, b)
    # (α+T+pt)^(-(r+x)) = (α+T)^(-(r+x)) (1 + pt/(α+T))^(-(r+x)): the
    # integrand kept near 1, as quad's tolerance is absolute.
    c = nb_part(r, alpha, x, T)
    ratio = t / (alpha + T)
    return c * quad(lambda p: dens(p) * (1 - p) ** (x + shift) * (1 + p * ratio) ** (-(r + x)), [0, mpf("0.5"), 1])


def pareto(params, x, tx, T, t):
    r, alpha, s, b = params
    num = lambda h: nb_part(r, alpha, x, T) * (b / (b + T + h)) ** s
    # Relative to the alive part, so that quad's absolute tolerance is
    # relative to the answer.
    dead = quad(lambda tau: nb_part(r, alpha, x, tau) / num(0) * s * b ** s * (b + tau) ** (-(s + 1)), [tx, T])
    return num(t) / num(0) / (1 + dead)


for name in ["bgnbd", "mbgnbd", "pareto"]:
    for (x, tx, T) in CUSTOMERS:
        x, tx, T = mpf(x), mpf(tx), mpf(T)
        row = []
        for h in HORIZONS:
            t = mpf(h)
            if name == "pareto":
                v = pareto(PARETO, x, tx, T, t)
            else:
                shift = 0 if name == "bgnbd" else 1
                params = BG if name == "bgnbd" else MBG
                v = bg_numerator(params, x, T, t, shift) / bg_like(params, x, tx, T, shift)
            row.append(repr(float(v)))
        print(name, (int(x), int(tx), int(T)), ", ".join(row))
