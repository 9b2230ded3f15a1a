#!/usr/bin/env python3
"""Times Python's lifetimes on the customers `cargo bench --bench models` times.

    python3 scripts/bench_models.py [N ...]      # default: 10000 100000

For each N it times, on bench-data/models-N.csv (written by the Rust bench
with LTVLAB_BENCH_WRITE when missing), the same work as ltvlab's `predict`:
BetaGeoFitter.fit + GammaGammaFitter.fit on the repeat customers +
customer_lifetime_value for every customer (12 months, 1% a month, daily
periods), best of 3 runs (1 run at 1M), in wall and process CPU time; and
the same with ParetoNBDFitter in place of BetaGeoFitter (one run, up to 100k
customers: it takes over a minute there). CSV reading is not timed.

It creates its own venv under ~/.cache/ltvlab with the pins that
scripts/golden_models.py resolved to (lifetimes 0.11.3 needs numpy < 2,
pandas < 2.2, scipy < 1.13).
"""

import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = pathlib.Path.home() / ".cache" / "ltvlab" / "venv-lifetimes"
PINS = ["lifetimes==0.11.3", "numpy==1.26.4", "pandas==2.1.4", "scipy==1.12.0"]


def ensure_venv():
    python = VENV / "bin" / "python"
    if pathlib.Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = "import lifetimes, numpy, pandas, scipy"
    if subprocess.run([str(python), "-c", probe], capture_output=True).returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PINS], check=True)
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def ensure_data(sizes):
    data = ROOT / "bench-data"
    if all((data / f"models-{n}.csv").exists() for n in sizes):
        return
    data.mkdir(exist_ok=True)
    env = dict(os.environ, LTVLAB_BENCH_WRITE=str(data))
    subprocess.run(["cargo", "bench", "--bench", "models"], cwd=ROOT, env=env, check=True)


def time_lifetimes(path, runs):
    import warnings

    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    warnings.simplefilter("ignore")
    df = pd.read_csv(path)
    f, r, t, m = df["frequency"], df["recency"], df["T"], df["monetary_value"]
    repeat = f > 0
    best = best_cpu = float("inf")
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        bgf = BetaGeoFitter().fit(f, r, t)
        ggf = GammaGammaFitter().fit(f[repeat], m[repeat])
        clv = ggf.customer_lifetime_value(bgf, f, r, t, m, time=12, discount_rate=0.01, freq="D")
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return best, best_cpu, bgf.params_, float(clv.sum())


def time_lifetimes_pareto(path):
    """ParetoNBDFitter + GammaGammaFitter + CLV, one run (tens of seconds at 100k)."""
    import warnings

    import pandas as pd
    from lifetimes import GammaGammaFitter, ParetoNBDFitter

    warnings.simplefilter("ignore")
    df = pd.read_csv(path)
    f, r, t, m = df["frequency"], df["recency"], df["T"], df["monetary_value"]
    repeat = f > 0
    start, start_cpu = time.perf_counter(), time.process_time()
    pnbd = ParetoNBDFitter().fit(f, r, t)
    ggf = GammaGammaFitter().fit(f[repeat], m[repeat])
    clv = ggf.customer_lifetime_value(pnbd, f, r, t, m, time=12, discount_rate=0.01, freq="D")
    return time.perf_counter() - start, time.process_time() - start_cpu, pnbd.params_, float(clv.sum())


def main():
    ensure_venv()
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    ensure_data(sizes)
    print(
        "| customers | lifetimes BG/NBD + Gamma-Gamma + CLV (wall) | CPU | fitted (r, alpha, a, b) | total CLV "
        "| lifetimes Pareto/NBD + Gamma-Gamma + CLV (wall) | CPU | fitted (r, alpha, s, beta) | total CLV |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        path = ROOT / "bench-data" / f"models-{n}.csv"
        seconds, cpu, params, total = time_lifetimes(path, 1 if n >= 1_000_000 else 3)
        fitted = ", ".join(f"{params[k]:.4g}" for k in ["r", "alpha", "a", "b"])
        # lifetimes' Pareto/NBD takes minutes beyond 100k customers.
        if n <= 100_000:
            p_seconds, p_cpu, p_params, p_total = time_lifetimes_pareto(path)
            p_fitted = ", ".join(f"{p_params[k]:.4g}" for k in ["r", "alpha", "s", "beta"])
            pareto = f"{p_seconds * 1000:.0f} ms | {p_cpu * 1000:.0f} ms | {p_fitted} | {p_total:,.0f}"
        else:
            pareto = "not run | - | - | -"
        print(f"| {n:,} | {seconds * 1000:.0f} ms | {cpu * 1000:.0f} ms | {fitted} | {total:,.0f} | {pareto} |", flush=True)


if __name__ == "__main__":
    main()
