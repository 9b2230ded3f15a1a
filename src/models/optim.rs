//! A small box-constrained BFGS minimiser and the numerical Hessian.
//!
//! Why hand-written rather than `argmin`: the models have two to four
//! parameters, optimised in log space inside a fixed box, and need only
//! BFGS with a backtracking Armijo line search. That is ~150 lines with
//! tests, where `argmin` + `argmin-math` would add a dependency tree, a
//! generic executor and its own state types for the same few lines of
//! algebra (Nocedal & Wright 2006, algorithm 6.1 with backtracking 3.1).

/// What [`minimize`] found.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    /// The best point.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Largest absolute gradient component there, ignoring components
    /// pushing against an active bound.
    pub gradient_norm: f64,
    /// BFGS iterations taken.
    pub iterations: usize,
    /// Whether the gradient norm fell below the tolerance, or the line search
    /// stalled at numerical precision with a gradient norm below `1e-4`.
    pub converged: bool,
}

/// Settings for [`minimize`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub max_iterations: usize,
    pub gradient_tolerance: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Minimises `f` (which returns the value and writes the gradient) from `x0`
/// inside the box `[lower, upper]^d`.
///
/// `f` may return a non-finite value for points where it is undefined; the
/// line search then shortens the step.
pub(crate) fn minimize(
    f: &mut dyn FnMut(&[f64], &mut [f64]) -> f64,
    x0: &[f64],
    settings: Settings,
) -> Minimum {
    let d = x0.len();
    let mut x: Vec<f64> = x0
        .iter()
        .map(|v| v.clamp(settings.lower, settings.upper))
        .collect();
    let mut g = vec![0.0; d];
    let mut value = f(&x, &mut g);
    if !value.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Minimum {
            x,
            value: f64::INFINITY,
            gradient_norm: f64::INFINITY,
            iterations: 0,
            converged: false,
        };
    }
    // Inverse Hessian approximation, row-major.
    let mut h = identity(d);
    let mut trial = vec![0.0; d];
    let mut g_trial = vec![0.0; d];
    let mut direction = vec![0.0; d];
    let mut iterations = 0;
    let mut stalled = false;
    while iterations < settings.max_iterations {
        if projected_norm(&x, &g, settings) <= settings.gradient_tolerance {
            break;
        }
        iterations += 1;
        for i in 0..d {
            direction[i] = -(0..d).map(|j| h[i * d + j] * g[j]).sum::<f64>();
        }
        if dot(&direction, &g) >= 0.0 {
            h = identity(d);
            direction.iter_mut().zip(&g).for_each(|(p, gi)| *p = -gi);
        }
        // Never move a log-parameter by more than 5 (a factor e^5) in one step.
        let longest = direction.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let mut step = if longest > 5.0 { 5.0 / longest } else { 1.0 };
        let mut accepted = None;
        for _ in 0..60 {
            for i in 0..d {
                trial[i] = (x[i] + step * direction[i]).clamp(settings.lower, settings.upper);
            }
            let moved: f64 = (0..d).map(|i| g[i] * (trial[i] - x[i])).sum();
            let v = f(&trial, &mut g_trial);
            if v.is_finite() && g_trial.iter().all(|t| t.is_finite()) && v <= value + 1e-4 * moved {
                accepted = Some(v);
                break;
            }
            step *= 0.5;
        }
        let Some(new_value) = accepted else {
            stalled = true;
            break;
        };
        let s: Vec<f64> = (0..d).map(|i| trial[i] - x[i]).collect();
        let y: Vec<f64> = (0..d).map(|i| g_trial[i] - g[i]).collect();
        let previous = value;
        value = new_value;
        x.copy_from_slice(&trial);
        g.copy_from_slice(&g_trial);
        let sy = dot(&s, &y);
        if sy > 1e-12 * norm(&s) * norm(&y) {
            if iterations == 1 {
                // Scale the initial matrix (Nocedal & Wright eq. 6.20).
                let scale = sy / dot(&y, &y);
                h.iter_mut().for_each(|v| *v *= scale);
            }
            bfgs_update(&mut h, &s, &y, sy);
        }
        if (previous - value).abs() <= 1e-15 * value.abs().max(1.0)
            && s.iter().all(|v| v.abs() < 1e-12)
        {
            stalled = true;
            break;
        }
    }
    let gradient_norm = projected_norm(&x, &g, settings);
    let converged =
        gradient_norm <= settings.gradient_tolerance || (stalled && gradient_norm <= 1e-4);
    Minimum {
        x,
        value,
        gradient_norm,
        iterations,
        converged,
    }
}

/// Largest gradient component, ignoring components that push against an
/// active bound (their minimum is on the bound).
fn projected_norm(x: &[f64], g: &[f64], settings: Settings) -> f64 {
    x.iter()
        .zip(g)
        .map(|(&xi, &gi)| {
            let at_lower = xi <= settings.lower && gi > 0.0;
            let at_upper = xi >= settings.upper && gi < 0.0;
            if at_lower || at_upper {
                0.0
            } else {
                gi.abs()
            }
        })
        .fold(0.0, f64::max)
}

/// `H <- (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ`, `ρ = 1 / sᵀy`.
fn bfgs_update(h: &mut [f64], s: &[f64], y: &[f64], sy: f64) {
    let d = s.len();
    let rho = 1.0 / sy;
    let hy: Vec<f64> = (0..d)
        .map(|i| (0..d).map(|j| h[i * d + j] * y[j]).sum())
        .collect();
    let yhy = dot(y, &hy);
    for i in 0..d {
        for j in 0..d {
            h[i * d + j] +=
                -rho * (s[i] * hy[j] + hy[i] * s[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

fn identity(d: usize) -> Vec<f64> {
    let mut m = vec![0.0; d * d];
    (0..d).for_each(|i| m[i * d + i] = 1.0);
    m
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// The inverse of a symmetric positive definite matrix by Cholesky
/// factorisation, or `None` if it is not positive definite.
pub(crate) fn inverse_spd(m: &[f64], d: usize) -> Option<Vec<f64>> {
    // Cholesky: m = L Lᵀ.
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s = m[i * d + j] - (0..j).map(|k| l[i * d + k] * l[j * d + k]).sum::<f64>();
            if i == j {
                if s.is_nan() || s <= 0.0 || s.is_infinite() {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    // Solve L Lᵀ X = I column by column.
    let mut inv = vec![0.0; d * d];
    for col in 0..d {
        let mut y = vec![0.0; d];
        for i in 0..d {
            let e = if i == col { 1.0 } else { 0.0 };
            y[i] = (e - (0..i).map(|k| l[i * d + k] * y[k]).sum::<f64>()) / l[i * d + i];
        }
        for i in (0..d).rev() {
            let v = (y[i]
                - (i + 1..d)
                    .map(|k| l[k * d + i] * inv[k * d + col])
                    .sum::<f64>())
                / l[i * d + i];
            inv[i * d + col] = v;
        }
    }
    inv.iter().all(|v| v.is_finite()).then_some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: Settings = Settings {
        max_iterations: 500,
        gradient_tolerance: 1e-10,
        lower: -20.0,
        upper: 20.0,
    };

    #[test]
    fn minimizes_rosenbrock() {
        let mut f = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = minimize(&mut f, &[-1.2, 1.0], SETTINGS);
        assert!(m.converged, "{m:?}");
        assert!(
            (m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] - 1.0).abs() < 1e-8,
            "{m:?}"
        );
    }

    #[test]
    fn stops_on_an_active_bound() {
        // Minimum of (x + 30)² lies outside the box at -30; the answer is the bound.
        let mut f = |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * (x[0] + 30.0);
            (x[0] + 30.0).powi(2)
        };
        let m = minimize(&mut f, &[0.0], SETTINGS);
        assert_eq!(m.x[0], -20.0);
        assert!(m.converged);
    }

    #[test]
    fn inverts_spd_and_rejects_indefinite() {
        let m = [4.0, 2.0, 2.0, 3.0];
        let inv = inverse_spd(&m, 2).unwrap();
        let want = [3.0 / 8.0, -2.0 / 8.0, -2.0 / 8.0, 4.0 / 8.0];
        for (a, b) in inv.iter().zip(want) {
            assert!((a - b).abs() < 1e-15);
        }
        assert!(inverse_spd(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
        assert!(inverse_spd(&[f64::NAN], 1).is_none());
    }
}
