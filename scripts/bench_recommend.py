#!/usr/bin/env python3
"""Benchmark: ltvlab recommend (release binary) against mlxtend fpgrowth +
association_rules on the same baskets, with the same thresholds.

Usage, from the repository root (builds nothing; build first):
    CARGO_TARGET_DIR=/work/target-recs cargo build --release
    python3 scripts/bench_recommend.py [--binary PATH] [--quick]

It makes its own venv (/tmp/venv-bench-recommend, mlxtend + pandas) and
re-runs itself inside it. Each job runs in a child process so its peak RSS
can be read (ru_maxrss); mlxtend jobs get an 8 GiB address-space limit and
a 15-minute timeout, so a one-hot table that does not fit fails fast instead
of swapping the machine.

Timed for mlxtend: TransactionEncoder (one-hot) and fpgrowth +
association_rules, separately, the file already parsed into lists.
Timed for ltvlab: the whole process (read, ingest, count, write JSON).
The speed-up is mlxtend's mining time (without encoding) over ltvlab's whole
run, so it is conservative. Rule counts are compared, and a sample of
measures is checked to 1e-12.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

VENV = "/tmp/venv-bench-recommend"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
WORK = "/tmp/bench-recommend"
MLX_MEMORY = 8 << 30
MLX_TIMEOUT = 900


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "mlxtend", "pandas"], check=True)
    os.execv(py, [py] + sys.argv)


# ---------------------------------------------------------------------------
# mlxtend side (runs in a child: `bench_recommend.py --mlxtend-job JSON`)


def read_baskets(path, kind):
    if kind == "baskets":
        with open(path, encoding="utf-8") as f:
            rows = [[x.strip() for x in line.rstrip("\r\n").split(",")] for line in f]
        return [sorted(set(x for x in r if x)) for r in rows if any(r)]
    # ltvlab generate's plain layout: order_id is the basket, item_id the item.
    import csv

    orders = {}
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        for row in r:
            orders.setdefault(row["order_id"], set()).add(row["item_id"])
    return [sorted(s) for s in orders.values()]


def mlxtend_job(job):
    resource.setrlimit(resource.RLIMIT_AS, (MLX_MEMORY, MLX_MEMORY))
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    from mlxtend.preprocessing import TransactionEncoder

    out = {"items": None}
    try:
        tx = read_baskets(job["file"], job["kind"])
        te = TransactionEncoder().fit(tx)
        out["baskets"], out["items"] = len(tx), len(te.columns_)
        out["one_hot_gb"] = len(tx) * len(te.columns_) / 1e9
        t = time.perf_counter()
        df = pd.DataFrame(te.transform(tx), columns=te.columns_)
        out["encode_s"] = time.perf_counter() - t
        t = time.perf_counter()
        fi = fpgrowth(df, min_support=job["min_support"], use_colnames=True, max_len=job.get("max_len"))
        r = association_rules(fi, num_itemsets=len(df), metric="confidence", min_threshold=job["min_confidence"])
        r = r[r["consequents"].apply(len) == 1]
        out["mine_s"] = time.perf_counter() - t
        out["itemsets"] = len(fi)
        out["rules"] = len(r)
        out["sample"] = [
            {
                "antecedent": sorted(x["antecedents"]),
                "consequent": next(iter(x["consequents"])),
                "confidence": x["confidence"],
                "lift": x["lift"],
                "jaccard": x["jaccard"],
            }
            for x in r.head(50).to_dict("records")
        ]
    except MemoryError as e:
        out["error"] = f"MemoryError {e}".strip()
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def run_mlxtend(job):
    cmd = [sys.executable, os.path.abspath(__file__), "--mlxtend-job", json.dumps(job)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=MLX_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {MLX_TIMEOUT} s"}
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {p.returncode}: {last}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# ltvlab side


def run_ltvlab(binary, job):
    args = [binary, "recommend", job["file"], "--json", "--max-basket", "0", "--min-count", "1"]
    args += ["--min-support", str(job["min_support"]), "--min-confidence", str(job["min_confidence"])]
    if job["task"] == "pairs":
        args += ["--max-rules", "0"]
    else:
        args += ["--itemsets", "--max-rules", "1"]
        if job.get("max_len"):
            args += ["--max-len", str(job["max_len"])]
    cmd = ["/usr/bin/time", "-f", "%e %U %S %M"] + args
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        return {"error": p.stderr.strip()}
    secs, user, system, kb = p.stderr.strip().splitlines()[-1].split()
    doc = json.loads(p.stdout)
    out = {"wall_s": wall, "cpu_s": float(user) + float(system), "peak_rss_mb": int(kb) / 1024}
    if job["task"] == "pairs":
        out["rules"] = doc["baskets"]["rules"]
        out["by_key"] = {
            ((r["antecedent"],), r["consequent"]): r for r in doc["pairs"]
        }
    else:
        out["rules"] = len(doc["itemsets"]["rules"])
        out["itemsets"] = sum(doc["itemsets"]["itemsets_by_length"])
        out["by_key"] = {
            (tuple(sorted(r["antecedent"])), r["consequent"]): r for r in doc["itemsets"]["rules"]
        }
    return out


def compare(m, l):
    worst = 0.0
    for s in m.get("sample", []):
        ours = l["by_key"].get((tuple(s["antecedent"]), s["consequent"]))
        if ours is None:
            return f"rule {s['antecedent']} -> {s['consequent']} missing in ltvlab"
        for k in ("confidence", "lift", "jaccard"):
            worst = max(worst, abs(ours[k] - s[k]) / abs(s[k]))
    return "ok" if worst <= 1e-12 else f"max relative difference {worst:.2e}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "ltvlab"))
    ap.add_argument("--quick", action="store_true", help="skip the 1M-line file")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    generated = []
    for lines in [100_000] + ([] if args.quick else [1_000_000]):
        path = os.path.join(WORK, f"generated_{lines}.csv")
        if not os.path.exists(path):
            subprocess.run(
                [args.binary, "generate", "--lines", str(lines), "--items", "50000", "--english", "--seed", "1", "--out", path],
                check=True,
            )
        generated.append((f"generated {lines // 1000}k lines, 50k items", path))
    g = os.path.join(DATA, "groceries_baskets.csv")
    o = os.path.join(DATA, "online_retail_baskets.txt")
    jobs = [
        {"name": "groceries", "file": g, "kind": "baskets", "task": "pairs", "min_support": 0.001, "min_confidence": 0.0, "max_len": 2},
        {"name": "groceries", "file": g, "kind": "baskets", "task": "rules", "min_support": 0.001, "min_confidence": 0.8},
        {"name": "online retail", "file": o, "kind": "baskets", "task": "pairs", "min_support": 0.005, "min_confidence": 0.0, "max_len": 2},
        {"name": "online retail", "file": o, "kind": "baskets", "task": "rules", "min_support": 0.01, "min_confidence": 0.5},
    ]
    for name, path in generated:
        jobs.append({"name": name, "file": path, "kind": "orders", "task": "pairs", "min_support": 0.0001, "min_confidence": 0.0, "max_len": 2})
        jobs.append({"name": name, "file": path, "kind": "orders", "task": "rules", "min_support": 0.0001, "min_confidence": 0.5})
    print("| data | task | min support / confidence | mlxtend encode s | mlxtend fpgrowth+rules s | mlxtend peak MB | ltvlab wall s (cpu s) | ltvlab peak MB | speed-up | rules (mlxtend / ltvlab) | values |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for job in jobs:
        l = run_ltvlab(args.binary, job)
        m = run_mlxtend(job)
        if "error" in m:
            mine = f"failed: {m['error']}"
            if m.get("items"):
                mine += f" (one-hot {m['baskets']} × {m['items']} = {m['one_hot_gb']:.1f} GB)"
            row = [mine, "-", f"{m.get('peak_rss_mb', 0):.0f}" if "peak_rss_mb" in m else "-"]
            speed, values, rules = "-", "-", f"- / {l.get('rules')}"
        else:
            row = [f"{m['encode_s']:.2f}", f"{m['mine_s']:.2f}", f"{m['peak_rss_mb']:.0f}"]
            speed = f"{m['mine_s'] / l['wall_s']:.0f}×"
            rules = f"{m['rules']} / {l['rules']}"
            values = compare(m, l)
        print(
            f"| {job['name']} | {job['task']} | {job['min_support']} / {job['min_confidence']} | {row[0]} | {row[1]} | {row[2]} "
            f"| {l['wall_s']:.2f} ({l['cpu_s']:.2f}) | {l['peak_rss_mb']:.0f} | {speed} | {rules} | {values} |",
            flush=True,
        )
    print()
    print("ltvlab commands:")
    for job in jobs:
        print(f"    ltvlab {run_ltvlab_cmd(job)}")


def run_ltvlab_cmd(job):
    args = ["recommend", os.path.relpath(job["file"], ROOT), "--json", "--max-basket", "0", "--min-count", "1"]
    args += ["--min-support", str(job["min_support"]), "--min-confidence", str(job["min_confidence"])]
    args += ["--max-rules", "0"] if job["task"] == "pairs" else ["--itemsets", "--max-rules", "1"]
    return " ".join(args)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--mlxtend-job":
        mlxtend_job(json.loads(sys.argv[2]))
    else:
        ensure_venv()
        main()
