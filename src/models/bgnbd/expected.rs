//! The BG/NBD's expected purchases of a customer alive now, `E[X(t)]` given
//! the dropout distribution `Beta(a, b)` (Fader, Hardie & Lee 2005a, eq. 10),
//! shared with the MBG/NBD: the Euler-transformed 2F1 series, the
//! quadrature that checks and replaces it, and the fixed-cost limit of a
//! concentrated dropout distribution.

use super::horizon;
use crate::models::special::{integrate, ln_hyp2f1, ln_hyp2f1_with_loss, logistic, Hyp2f1Series};

/// Expected purchases in the next `t` periods of a customer who is alive now,
/// with purchase rate `λ ~ Gamma(shape, scale)` and dropout probability
/// `p ~ Beta(a, b)` after each purchase.
///
/// # Formula
///
/// `E = E_p[(1 - (1 + p t/scale)^(-shape)) / p]
///    = (a+b-1)/(a-1) · [1 - (1-z)^(a-1) 2F1(a+b-1-shape, a-1; a+b-1; z)]`,
/// `z = t/(scale+t)`: FHL 2005 eq. 10's bracket after Euler's transformation,
/// whose series ratio tends to `z` and whose parameters do not grow with `x`.
/// The removable singularities at `a = 1` and `a+b-1 = 0` are bridged by linear
/// interpolation from points `2e-5` away (error `~1e-9` relative); if the
/// series fails, the defining expectation is integrated numerically. When
/// `Beta(a, b)` is concentrated (fits with `a + b -> ∞`, or `a -> 0` with
/// `b` large), [`expected_concentrated`] answers first at a fixed cost.
pub(crate) fn expected_while_alive(shape: f64, scale: f64, a: f64, b: f64, t: f64) -> f64 {
    let t = horizon(t);
    if t == 0.0 {
        return 0.0;
    }
    if let Some(value) = expected_concentrated(shape, t / scale, a, b) {
        return value;
    }
    if (a - 1.0).abs() < BRIDGE {
        let below = bridged_in_b(shape, scale, 1.0 - 2.0 * BRIDGE, b, t);
        let above = bridged_in_b(shape, scale, 1.0 + 2.0 * BRIDGE, b, t);
        return below + (a - 1.0 + 2.0 * BRIDGE) / (4.0 * BRIDGE) * (above - below);
    }
    bridged_in_b(shape, scale, a, b, t)
}

/// Distance from a removable singularity within which [`expected_while_alive`]
/// interpolates instead of evaluating.
const BRIDGE: f64 = 1e-5;

/// [`expected_while_alive_raw`], linearly extrapolated from `a+b-1 = 2·BRIDGE`
/// and `4·BRIDGE` when `a+b-1` is within `BRIDGE` of 0.
fn bridged_in_b(shape: f64, scale: f64, a: f64, b: f64, t: f64) -> f64 {
    let c = a + b - 1.0;
    if c.abs() >= BRIDGE {
        return expected_while_alive_raw(shape, scale, a, b, t);
    }
    let near = expected_while_alive_raw(shape, scale, a, b - c + 2.0 * BRIDGE, t);
    let far = expected_while_alive_raw(shape, scale, a, b - c + 4.0 * BRIDGE, t);
    (near + (c - 2.0 * BRIDGE) * (far - near) / (2.0 * BRIDGE)).max(0.0)
}

/// [`expected_while_alive`] away from its removable singularities.
fn expected_while_alive_raw(shape: f64, scale: f64, a: f64, b: f64, t: f64) -> f64 {
    let c = a + b - 1.0;
    let z = t / (scale + t);
    let hyp2f1 = if !series_usable(scale, t) || series_is_long(c - shape, a - 1.0, c, z) {
        None
    } else if series_may_cancel(shape, a, b) {
        ln_hyp2f1_with_loss(c - shape, a - 1.0, c, z)
    } else {
        ln_hyp2f1(c - shape, a - 1.0, c, z).map(|(ln_f, sign)| (ln_f, sign, 1.0))
    };
    from_hyp2f1(hyp2f1, shape, scale, a, b, t)
}

/// Whether the terms of the Euler-transformed series `2F1(c - shape, a - 1;
/// c; z)` can alternate in sign: only if `c - shape < -1` (with `a > 0` and
/// `c > 0`, every other factor of the term ratios is positive from `k = 1`
/// on). Otherwise the cancellation loss is not tracked (it is 1), which keeps
/// the series' inner loop short.
fn series_may_cancel(shape: f64, a: f64, b: f64) -> bool {
    a + b - 1.0 - shape < -1.0
}

/// Whether the series of `2F1(a, b; c; z)` needs more than ~100,000 terms:
/// its terms grow while `|(a+k)(b+k)/((c+k)(k+1))| z > 1`, for about
/// `|ab/c| z` terms when the parameters are huge (a dropout distribution
/// the data does not identify, as in bootstrap resamples). The quadrature
/// is then both faster and reliable.
fn series_is_long(a: f64, b: f64, c: f64, z: f64) -> bool {
    (a * b / c).abs() * z > 1e5
}

/// Whether the Euler-transformed series is worth summing at `z =
/// t/(scale+t)`: its terms shrink like `z^k`, so beyond `t/scale = 1e4` it
/// needs hundreds of thousands of terms and [`expected_by_quadrature`] is
/// both faster and more accurate.
fn series_usable(scale: f64, t: f64) -> bool {
    t <= 1e4 * scale
}

/// [`expected_while_alive`] at every `horizons[j]` for every
/// `scales[i]`, into `out[i * horizons.len() + j]`, for one `shape` and `b`
/// (one frequency): [`expected_while_alive_pairs`] on the grid's points.
/// Bit-identical to calling [`expected_while_alive`].
pub(crate) fn expected_while_alive_grid(
    shape: f64,
    scales: &[f64],
    a: f64,
    b: f64,
    horizons: &[f64],
    out: &mut [f64],
) {
    let points: Vec<(f64, f64)> = scales
        .iter()
        .flat_map(|&scale| horizons.iter().map(move |&t| (scale, t)))
        .collect();
    let n = points.len().min(out.len());
    expected_while_alive_pairs(shape, a, b, &points[..n], &mut out[..n]);
}

/// [`expected_while_alive`] at every `(scale, t)` of `points`, into `out`
/// (as long as `points`), for one `shape` and `b` (one frequency): the
/// Euler-transformed 2F1's parameters depend on neither the scale nor the
/// horizon, so its coefficients are computed once ([`Hyp2f1Series`]), and
/// four points are summed at a time. Bit-identical to calling
/// [`expected_while_alive`].
pub(crate) fn expected_while_alive_pairs(
    shape: f64,
    a: f64,
    b: f64,
    points: &[(f64, f64)],
    out: &mut [f64],
) {
    let c = a + b - 1.0;
    if (a - 1.0).abs() < BRIDGE || c.abs() < BRIDGE {
        for (&(scale, t), value) in points.iter().zip(out.iter_mut()) {
            *value = expected_while_alive(shape, scale, a, b, t);
        }
        return;
    }
    let mut series = Hyp2f1Series::new(c - shape, a - 1.0, c);
    let track_loss = series_may_cancel(shape, a, b);
    // Four points at a time; a horizon of 0 pads the last four.
    for (chunk, values) in points.chunks(4).zip(out.chunks_mut(4)) {
        let mut t = [0.0; 4];
        let mut scale = [1.0; 4];
        for (lane, &(s, time)) in chunk.iter().enumerate() {
            t[lane] = horizon(time);
            scale[lane] = s;
        }
        // A concentrated dropout distribution takes the limit, at a fixed
        // cost, as in `expected_while_alive`.
        let limit: [Option<f64>; 4] = std::array::from_fn(|lane| {
            if t[lane] == 0.0 {
                None
            } else {
                expected_concentrated(shape, t[lane] / scale[lane], a, b)
            }
        });
        // A point the series is not used at (see `series_usable`) is
        // summed at z = 0 (one term) and its result ignored.
        let usable: [bool; 4] = std::array::from_fn(|lane| {
            let (s, t) = (scale[lane], t[lane]);
            limit[lane].is_none()
                && series_usable(s, t)
                && !series_is_long(c - shape, a - 1.0, c, t / (s + t))
        });
        let z: [f64; 4] = std::array::from_fn(|lane| {
            if usable[lane] {
                t[lane] / (scale[lane] + t[lane])
            } else {
                0.0
            }
        });
        let hyp2f1 = if track_loss {
            series.ln_eval4_with_loss(z)
        } else {
            series
                .ln_eval4(z)
                .map(|r| r.map(|(ln_f, sign)| (ln_f, sign, 1.0)))
        };
        for (lane, value) in values.iter_mut().enumerate() {
            *value = if t[lane] == 0.0 {
                0.0
            } else if let Some(v) = limit[lane] {
                v
            } else {
                let sum = if usable[lane] { hyp2f1[lane] } else { None };
                from_hyp2f1(sum, shape, scale[lane], a, b, t[lane])
            };
        }
    }
}

/// [`expected_while_alive_raw`] given `ln_hyp2f1_with_loss(c - shape, a - 1,
/// c, z)`, or by [`expected_by_quadrature`] when the series failed or its
/// result is not accurate to about `1e-9`: with extreme parameters (fits
/// that run off to `a -> 0`, or to huge `a` and `b`) the series cancels
/// between huge terms of opposite signs, or `(1-z)^(a-1) F` cancels against
/// the 1 it is subtracted from.
fn from_hyp2f1(
    hyp2f1: Option<(f64, f64, f64)>,
    shape: f64,
    scale: f64,
    a: f64,
    b: f64,
    t: f64,
) -> f64 {
    let c = a + b - 1.0;
    let z = t / (scale + t);
    if let Some((ln_f, sign, loss)) = hyp2f1 {
        let ln_power = (a - 1.0) * (-z).ln_1p();
        let ln_term = ln_power + ln_f;
        let bracket = if sign > 0.0 {
            -ln_term.exp_m1()
        } else {
            1.0 + ln_term.exp()
        };
        let value = c / (a - 1.0) * bracket;
        // Absolute error of ln_term: rounding of its two parts plus the
        // series' own relative error; the bracket's relative error is that
        // times (1-z)^(a-1) F / bracket.
        let ln_error = f64::EPSILON * (ln_power.abs() + ln_f.abs() + loss + 1.0);
        // (1-z)^(a-1) F = 1 - bracket if F > 0, bracket - 1 if F < 0.
        let relative_error = ln_error * (1.0 - bracket).abs() / bracket.abs();
        if value.is_finite() && value >= 0.0 && relative_error < 1e-9 {
            return value;
        }
    }
    expected_by_quadrature(shape, scale, a, b, t)
}

/// `E_p[g(p)]`, `g(p) = (1 - (1 + p t/scale)^(-shape)) / p`, over `p ~
/// Beta(a, b)`, by quadrature: the independent route to
/// [`expected_while_alive`] for parameters where the series is not usable.
///
/// # Formula
///
/// In `y = logit p` the Beta density is `∝ w(y) = p^a (1-p)^b`, log-concave
/// with its mode at `ln(a/b)`, tails `e^(a y)` and `e^(-b y)` and no
/// endpoint singularity, so `E = ∫ g w dy / ∫ w dy` needs neither `B(a, b)`
/// (whose logarithm loses digits for huge `a, b`) nor special care when `a`
/// or `b` is small. Between `Y_lo` and `Y_hi`, where `p` (resp. `1 - p`)
/// is so small that `g(p) = g(0)` (resp. `g(1)`) and `(1-p)^b = 1` (resp.
/// `p^a = 1`) to double precision, the integrals are summed by adaptive
/// Gauss–Kronrod on panels that double in width away from the mode, so a
/// narrow peak (huge `a, b`) and a long flat tail (tiny `a` or `b`) are both
/// resolved. Beyond, `w ≈ e^(a y)` (resp. `e^(-b y)`) and the tails are
/// `w(Y_lo)/a` and `w(Y_hi)/b` exactly enough.
fn expected_by_quadrature(shape: f64, scale: f64, a: f64, b: f64, t: f64) -> f64 {
    let u = t / scale;
    if !(u.is_finite() && u > 0.0) {
        return 0.0;
    }
    if let Some(value) = expected_concentrated(shape, u, a, b) {
        return value;
    }
    expected_by_adaptive_quadrature(shape, u, a, b)
}

/// [`expected_by_quadrature`]'s adaptive Gauss–Kronrod route, with `u =
/// t/scale > 0`.
pub(super) fn expected_by_adaptive_quadrature(shape: f64, u: f64, a: f64, b: f64) -> f64 {
    let g = |p: f64| {
        if p * u < 1e-8 {
            shape * u * (1.0 - 0.5 * (shape + 1.0) * p * u)
        } else {
            -(-shape * (p * u).ln_1p()).exp_m1() / p
        }
    };
    // ln σ(y) and ln(1 - σ(y)) without overflow.
    let ln_sigmoid = |y: f64| {
        if y >= 0.0 {
            -(-y).exp().ln_1p()
        } else {
            y - y.exp().ln_1p()
        }
    };
    let mode = (a / b).ln();
    let ln_w0 = a * ln_sigmoid(mode) + b * ln_sigmoid(-mode);
    let w = |y: f64| (a * ln_sigmoid(y) + b * ln_sigmoid(-y) - ln_w0).exp();
    let p_of = |y: f64| logistic(y);
    // Where g and the other factor of w are constant to double precision.
    let lo = (1e-17 / (0.5 * (shape + 1.0) * u).max(b).max(1.0)).ln();
    let hi = -(1e-17 / ((shape + 1.0) * u.min(1.0)).max(a).max(1.0)).ln();
    let center = mode.clamp(lo, hi);
    let width = (1.0 / a + 1.0 / b).sqrt().min(1.0);
    let (mut num, mut den) = (0.0, 0.0);
    let panel = |from: f64, to: f64, num: &mut f64, den: &mut f64| {
        let (x0, x1) = if from < to { (from, to) } else { (to, from) };
        *num += integrate(|y| g(p_of(y)) * w(y), x0, x1, 1e-12);
        *den += integrate(w, x0, x1, 1e-12);
    };
    for side in [-1.0, 1.0] {
        let end = if side < 0.0 { lo } else { hi };
        let mut from = center;
        let mut step = width;
        while (end - from) * side > 0.0 {
            let to = if (end - from - side * step) * side > 0.0 {
                from + side * step
            } else {
                end
            };
            // Past the mode w only falls: a panel whose bound is negligible
            // ends this side.
            let bound = (to - from).abs() * w(from);
            if bound * g(0.0) <= 1e-17 * num && bound <= 1e-17 * den {
                break;
            }
            panel(from, to, &mut num, &mut den);
            from = to;
            step *= 2.0;
        }
    }
    num += g(0.0) * w(lo) / a + g(1.0) * w(hi) / b;
    den += w(lo) / a + w(hi) / b;
    let value = num / den;
    if value.is_finite() {
        value.max(0.0)
    } else {
        0.0
    }
}

/// Largest `ρ` (see [`expected_concentrated`]) at which the moment
/// expansion replaces the series and the quadrature: its truncation error is
/// then about `ρ^5 = 1e-10` relative, and the finite differences' (step
/// `L/40`) below `ρ² (1/40)^4 ≈ 4e-11`.
const CONCENTRATED_RHO: f64 = 1e-2;

/// The limit of [`expected_while_alive`] as the dropout distribution
/// `Beta(a, b)` concentrates (`a + b -> ∞`, dropout probability `p ->
/// m = a/(a+b)` per purchase): `E_p[g(p)] -> g(m)`, with
/// `g(p) = (1 - (1 + p u)^(-shape)) / p`, `u = t/scale`, plus the
/// corrections of the Beta's central moments `μ_2..μ_4`. `None` when the
/// distribution is not concentrated enough for the expansion to be accurate
/// to about `1e-10`; the cost is five evaluations of `g` at any parameters.
///
/// # Formula
///
/// `E ≈ g(m) + g''(m) μ_2/2 + g'''(m) μ_3/6 + g''''(m) μ_4/24` with
/// `μ_2 = ab/((a+b)²(a+b+1))`, `μ_3 = 2(b-a) ab/((a+b)³(a+b+1)(a+b+2))`,
/// `μ_4 = μ_2² (3 + 6((a-b)²(a+b+1) - ab(a+b+2))/(ab(a+b+2)(a+b+3)))` (the
/// Beta's variance, third central moment and excess kurtosis), and the
/// derivatives by central differences of step `h = L/40` (error `O(h⁴)`
/// for the second, `O(h²)` for the others). `g` is analytic for `p > -1/u`
/// and varies on the scale `L = (m + 1/u)/(1 + shape)`; the expansion is
/// used when `ρ = σ/L <= CONCENTRATED_RHO`, with `σ = 1.5 sd + 5/(a+b)` a
/// bound on the fifth absolute central moment's root (the `5/(a+b)` covers
/// a skewed Beta with `a` or `b` small, whose tail is Gamma-like).
pub(super) fn expected_concentrated(shape: f64, u: f64, a: f64, b: f64) -> Option<f64> {
    let n = a + b;
    let m = a / n;
    let variance = a * b / (n * n * (n + 1.0));
    let sigma = 1.5 * variance.sqrt() + 5.0 / n;
    let scale = (m + 1.0 / u) / (1.0 + shape);
    // Written so that a NaN refuses.
    let concentrated = sigma <= CONCENTRATED_RHO * scale;
    if !concentrated {
        return None;
    }
    let g = |p: f64| {
        let pu = p * u;
        if pu.abs() < 1e-8 {
            shape * u * (1.0 - 0.5 * (shape + 1.0) * pu)
        } else {
            -(-shape * pu.ln_1p()).exp_m1() / p
        }
    };
    let h = scale / 40.0;
    let (g0, g1, gm1, g2, gm2) = (g(m), g(m + h), g(m - h), g(m + 2.0 * h), g(m - 2.0 * h));
    let d2 = (-g2 + 16.0 * g1 - 30.0 * g0 + 16.0 * gm1 - gm2) / (12.0 * h * h);
    let d3 = (g2 - 2.0 * g1 + 2.0 * gm1 - gm2) / (2.0 * h * h * h);
    let d4 = (g2 - 4.0 * g1 + 6.0 * g0 - 4.0 * gm1 + gm2) / (h * h * h * h);
    let mu3 = 2.0 * (b - a) * a * b / (n * n * n * (n + 1.0) * (n + 2.0));
    let excess =
        6.0 * ((a - b) * (a - b) * (n + 1.0) - a * b * (n + 2.0)) / (a * b * (n + 2.0) * (n + 3.0));
    let mu4 = variance * variance * (3.0 + excess);
    let value = g0 + d2 * variance / 2.0 + d3 * mu3 / 6.0 + d4 * mu4 / 24.0;
    (value.is_finite() && value >= 0.0).then_some(value)
}
