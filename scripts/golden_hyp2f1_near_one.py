#!/usr/bin/env python3
"""Golden values of ln 2F1(a, b; a+1; 1-w) near z = 1 (tests in
src/models/special.rs, `hyp2f1_a_a1_near_one_matches_mpmath`), by mpmath's
hyp2f1 at 60 digits, independent of the crate's series, connection formula
and quadrature.

2F1(a, b; a+1; z) is the Pareto/NBD's likelihood and P(alive) function
(src/models/pareto_nbd.rs): a = r+s+x, b = s+1 (alpha >= beta) or r+x
(alpha < beta), 1 - w = |alpha-beta|/(max(alpha,beta)+y). The cases are the
degenerate fits plain maximum likelihood reaches on small shops (s -> 0,
beta -> ∞: w tiny, b at or near an integer) and a spread of a, b and w.

Run: python3 scripts/golden_hyp2f1_near_one.py (needs mpmath: pip install mpmath)
"""
from mpmath import mp, mpf, hyp2f1, log

mp.dps = 60

CASES = []
# b an integer, within 1e-9 and 1e-3 of one, and away from one; small and
# moderate a; w from 1e-2 down to 1e-14.
for a, b in [
    (1e-8, 1e-9),
    (1e-6, 1.0),
    (0.3, 0.25),
    (0.9, 1.0),
    (1.0 + 1e-9, 1.0),
    (1.5, 1.0 + 1e-9),
    (2.0, 1.001),
    (2.5, 2.0),
    (3.2, 3.0 - 1e-7),
    (7.0, 2.5),
    (12.3, 12.3 - 1e-6),
    (40.0, 4.0),
    (50.5, 50.0),
    (300.4, 300.0),
    (5000.2, 5000.0),
]:
    for w in [1e-2, 1e-5, 1e-9, 1e-14]:
        CASES.append((a, b, w))

# Large a with w between about 1/a and 0.02, where the continued fraction
# answers: the fits of plain maximum likelihood that run to r, alpha -> ∞.
for a, b, w in [
    (81.5, 6.6, 0.0124),
    (300.4, 1.3, 0.01),
    (5000.2, 0.5, 2e-3),
    (8319.3, 5.45, 1.2e-4),
    (24000.3, 12.4, 1e-4),
    (1e5, 1.5, 1e-3),
    (1e5, 1.0, 2e-5),
]:
    CASES.append((a, b, w))

print("// (a, b, w, ln 2F1(a, b; a+1; 1-w)): scripts/golden_hyp2f1_near_one.py")
for a, b, w in CASES:
    # z is the double nearest 1 - w and w is taken back as 1 - z, exact in
    # binary: the crate is called with these two doubles, so its answer is
    # not blurred by the rounding of z (which moves ln F by about 1e-16/w
    # times its derivative).
    z = 1.0 - w
    w = 1.0 - z
    value = log(hyp2f1(mpf(a), mpf(b), mpf(a) + 1, mpf(z)))
    print(f"({a!r}, {b!r}, {w!r}, {float(value)!r}),")
