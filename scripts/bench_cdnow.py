#!/usr/bin/env python3
"""The CDNOW pipeline end to end, ltvlab against Python's lifetimes (issue #17).

    python3 scripts/bench_cdnow.py --binary target/release/ltvlab [--runs 7]
    python3 scripts/bench_cdnow.py --prepare     # only the venv and the CSV; prints its path

Both sides run the same pipeline as whole processes, from the orders CSV to
a per-customer CSV: read the 69,659 CDNOW order lines, the weekly summary
(weeks starting on Monday: lifetimes' `freq="W"`), BG/NBD and Gamma-Gamma
fits, and each of the 23,570 customers' 12-month CLV at 1% a month, written
out. ltvlab: `ltvlab predict FILE --model bgnbd --period week` (which also
writes P(alive), expected purchases and order values). lifetimes:
`summary_data_from_transaction_data` + `BetaGeoFitter` + `GammaGammaFitter`
+ `customer_lifetime_value`, then `DataFrame.to_csv` (this script run with
`--lifetimes-run`). The two are alternated, `--runs` times each; the
figures are medians of wall time and of CPU time (user + system, from the
child's rusage), and the ratios lifetimes / ltvlab of each. The load
average is printed before and after: on a shared machine the CPU-time
ratio is the one to read.

CDNOW is Fader & Hardie's CDNOW_master.txt as shipped in the lifetimes
0.11.3 wheel (not committed: its licence is not stated). The orders CSV is
~/.cache/ltvlab/cdnow/cdnow_orders.csv, the file scripts/check-cdnow
writes; when missing it is written here from the installed lifetimes
package. The venv is scripts/bench_models.py's (lifetimes 0.11.3 and the
pins it needs).

Output: a Markdown table, then one `{"cdnow": ...}` JSON line for
scripts/perf-suite.
"""

import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = pathlib.Path.home() / ".cache" / "ltvlab" / "venv-lifetimes"
PINS = ["lifetimes==0.11.3", "numpy==1.26.4", "pandas==2.1.4", "scipy==1.12.0"]
CSV = pathlib.Path.home() / ".cache" / "ltvlab" / "cdnow" / "cdnow_orders.csv"
HORIZON_MONTHS = 12
MONTHLY_DISCOUNT = 0.01


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


def ensure_csv():
    """Writes CDNOW as an orders CSV (as scripts/check-cdnow does) when missing."""
    if CSV.exists():
        return
    import lifetimes

    master = pathlib.Path(lifetimes.__file__).parent / "datasets" / "CDNOW_master.txt"
    lines = master.read_text().splitlines()
    CSV.parent.mkdir(parents=True, exist_ok=True)
    with open(CSV, "w") as f:
        f.write("customer_id,order_date,quantity,amount\n")
        for line in lines[1:]:
            customer, day, cds, dollars = line.split()
            f.write(f"{customer},{day[:4]}-{day[4:6]}-{day[6:]},{cds},{dollars}\n")


def lifetimes_run(path, out):
    """The lifetimes side of the pipeline, in this process (timed from outside)."""
    import warnings

    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    warnings.simplefilter("ignore")
    orders = pd.read_csv(path, dtype={"customer_id": str})
    summary = summary_data_from_transaction_data(
        orders, "customer_id", "order_date", monetary_value_col="amount", freq="W"
    )
    f, r, t, m = summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"]
    bgf = BetaGeoFitter().fit(f, r, t)
    # As ltvlab's Gamma-Gamma: repeat customers with a positive mean spend
    # (CDNOW has orders of $0).
    repeat = (f > 0) & (m > 0)
    ggf = GammaGammaFitter().fit(f[repeat], m[repeat])
    summary["clv"] = ggf.customer_lifetime_value(
        bgf, f, r, t, m, time=HORIZON_MONTHS, discount_rate=MONTHLY_DISCOUNT, freq="W"
    )
    summary.to_csv(out)
    print(json.dumps({"customers": len(summary), "total_clv": float(summary["clv"].sum()),
                      "params": {k: float(v) for k, v in bgf.params_.items()}}))


def timed(cmd, out_path):
    """Wall and CPU (user + system) seconds of one child process, its stdout to `out_path`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(out_path, "wb") as out:
        subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def total_clv(path):
    import pandas as pd

    return float(pd.read_csv(path)["clv"].sum())


def loadavg():
    return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--lifetimes-run":
        lifetimes_run(sys.argv[2], sys.argv[3])
        return
    ensure_venv()
    args = sys.argv[1:]
    if args == ["--prepare"]:
        # The venv and the orders CSV only (for the ingest bench's CDNOW input).
        ensure_csv()
        print(CSV)
        return
    binary = ROOT / "target" / "release" / "ltvlab"
    runs = 7
    while args:
        flag = args.pop(0)
        if flag == "--binary":
            binary = pathlib.Path(args.pop(0))
        elif flag == "--runs":
            runs = int(args.pop(0))
        else:
            sys.exit(f"usage: {sys.argv[0]} [--binary PATH] [--runs N]")
    ensure_csv()
    work = pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / "ltvlab-bench-cdnow"
    work.mkdir(exist_ok=True)
    ltv_out, lt_out = work / "ltvlab.csv", work / "lifetimes.csv"
    ltv_cmd = [str(binary), "predict", str(CSV), "--model", "bgnbd", "--period", "week",
               "--horizon", str(HORIZON_MONTHS), "--discount-rate", str(MONTHLY_DISCOUNT)]
    lt_cmd = [sys.executable, __file__, "--lifetimes-run", str(CSV), str(lt_out)]
    load_before = loadavg()
    # One untimed run each: the file and both programs in the page cache.
    timed(ltv_cmd, ltv_out)
    timed(lt_cmd, work / "lifetimes.json")
    ltv, lt = [], []
    for _ in range(runs):
        ltv.append(timed(ltv_cmd, ltv_out))
        lt.append(timed(lt_cmd, work / "lifetimes.json"))
    load_after = loadavg()
    med = lambda xs, k: statistics.median(x[k] for x in xs)  # noqa: E731
    ltv_wall, ltv_cpu, lt_wall, lt_cpu = med(ltv, 0), med(ltv, 1), med(lt, 0), med(lt, 1)
    fitted = json.loads((work / "lifetimes.json").read_text())
    ltv_total, lt_total = total_clv(ltv_out), total_clv(lt_out)
    customers = sum(1 for _ in open(ltv_out)) - 1
    print("| runs (alternated) | ltvlab wall | ltvlab CPU | lifetimes wall | lifetimes CPU "
          "| lifetimes / ltvlab (wall) | lifetimes / ltvlab (CPU) | customers | total CLV (ltvlab / lifetimes) "
          "| load before | load after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {runs} | {ltv_wall * 1000:.1f} ms | {ltv_cpu * 1000:.1f} ms | {lt_wall * 1000:.0f} ms "
          f"| {lt_cpu * 1000:.0f} ms | {lt_wall / ltv_wall:.1f}× | {lt_cpu / ltv_cpu:.1f}× "
          f"| {customers:,} / {fitted['customers']:,} | {ltv_total:,.0f} / {lt_total:,.0f} "
          f"| {load_before} | {load_after} |")
    print(json.dumps({"cdnow": {
        "runs": runs, "ltvlab_wall_s": ltv_wall, "ltvlab_cpu_s": ltv_cpu,
        "lifetimes_wall_s": lt_wall, "lifetimes_cpu_s": lt_cpu,
        "ratio_wall": lt_wall / ltv_wall, "ratio_cpu": lt_cpu / ltv_cpu,
        "customers": customers, "lifetimes_customers": fitted["customers"],
        "total_clv": ltv_total, "lifetimes_total_clv": lt_total,
        "lifetimes_params": fitted["params"], "load_before": load_before, "load_after": load_after,
    }}), flush=True)


if __name__ == "__main__":
    main()
