#!/usr/bin/env python3
"""Golden values for BG/NBD at extreme parameters (tests in src/models/bgnbd.rs,
`extreme_parameters_match_mpmath`), by mpmath at 60 digits, independent of the
crate's series and quadrature:

- E[X(t)] of a customer alive now with rate shape `s`, scale `c` and dropout
  Beta(a, b): FHL 2005 eq. 9/10's bracket, `(a+b-1)/(a-1) · [1 - (c/(c+t))^s
  2F1(s, b; a+b-1; t/(c+t))]`, with mpmath's hyp2f1 (which picks its own
  transformations near z = 1);
- P(X(t) = n) of a new customer, FHL 2005 eq. 8, with mpmath's beta and
  regularized incomplete beta.

The parameter sets are the ones the stress tests in tests/model_stress.rs found:
b = 0.0093 (bug 1) and the two degenerate fits (heavy buyers, all T equal).

Run: python3 -m venv /tmp/venv-mp && /tmp/venv-mp/bin/pip install mpmath &&
/tmp/venv-mp/bin/python scripts/golden_bgnbd_extreme.py
"""
from mpmath import mp, mpf, hyp2f1, beta, betainc, loggamma, exp, log

mp.dps = 60


def expected(s, c, a, b, t):
    s, c, a, b, t = map(mpf, (s, c, a, b, t))
    z = t / (c + t)
    return (a + b - 1) / (a - 1) * (1 - (c / (c + t)) ** s * hyp2f1(s, b, a + b - 1, z))


def p_purchases(n, r, alpha, a, b, t):
    r, alpha, a, b, t = map(mpf, (r, alpha, a, b, t))
    nb = exp(loggamma(r + n) - loggamma(r) - loggamma(n + 1)
             + r * log(alpha / (alpha + t)) + n * log(t / (alpha + t)))
    p = beta(a, b + n) / beta(a, b) * nb
    if n > 0:
        p += beta(a + 1, b + n - 1) / beta(a, b) * betainc(n, r, 0, t / (alpha + t), regularized=True)
    return p


SMALL_B = (1.0, 1.0, 35.49789014751859, 0.009309186447062521)
HEAVY = (80197190.75254881, 29315864.130691595, 1.2532493635437373e-08, 25.27451812227536)
EQUAL_T = (1.2412112021350257, 17.968968574516847, 30289416.155621666, 48819141.02768504)

print("// (shape, scale, a, b, t, E): scripts/golden_bgnbd_extreme.py")
for (r, alpha, a, b), x, T, horizons in [
    (SMALL_B, 0, 0, [3652.0, 36520.0]),
    # Longer horizons of HEAVY did not finish in 5 minutes in mpmath.
    (HEAVY, 0, 0, [30.0, 365.0]),
    (EQUAL_T, 0, 0, [1.0, 30.0, 365.0]),
    (EQUAL_T, 2, 100.0, [30.0, 365.0]),
]:
    for t in horizons:
        e = expected(r + x, alpha + T, a, b + x, t)
        print(f"({r + x!r}, {alpha + T!r}, {a!r}, {b + x!r}, {t!r}, {float(e)!r}),")
print("// (model, n, t, P(X(t) = n)): scripts/golden_bgnbd_extreme.py")
for name, params in [("HEAVY", HEAVY), ("EQUAL_T", EQUAL_T)]:
    for n, t in [(0, 1.0), (1, 1.0), (2, 1.0), (0, 30.0), (3, 30.0)]:
        print(f"({name}, {n}, {t!r}, {float(p_purchases(n, *params, t))!r}),")
