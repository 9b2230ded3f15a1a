#!/usr/bin/env bash
# Checks that the SQL in docs/ computes exactly what ltvlab computes, in
# DuckDB, on a generated shop:
#
#   docs/summary.sql   against `ltvlab summary` (and the Rust summary at full
#                      precision)
#   docs/funnel.sql    against the `repeat_funnel` of `ltvlab analyze --json`
#   docs/deciles.sql   against its `deciles`
#   docs/pairs.sql     against the pairs of `ltvlab recommend --json`
#   docs/patterns.sql  `ltvlab fit` on its patterns against `ltvlab fit` on
#                      the summary
#
#   scripts/test_sql_summary.sh [--lines N]   (default 10,000,000 lines: CI;
#                                             about 75 s, BENCHMARKS.md)
#
# The shop is `ltvlab generate --lines N --seed 42 --guest-share 0.05`; its
# order-level rows (orders.csv: customer_id, order_id, order_date, amount,
# line_number) come from the Rust fixture in tests/sql_summary.rs, and the
# line-level sale lines (order_id, item_id) straight from the generated file.
# Counts must match exactly; values to 1e-9 relative (sums in another order),
# ratios of counts to 1e-12 (and, against the printed CLI summary, within its
# 6-decimal rounding, 1e-6 absolute). Each step's wall time is printed.
#
# DuckDB comes from PyPI into a venv under ~/.cache/ltvlab (once).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LINES=10000000
while [ $# -gt 0 ]; do
    case "$1" in
    --lines)
        LINES=${2:?--lines needs a number}
        shift 2
        ;;
    *)
        echo "error: unknown argument \"$1\" (scripts/test_sql_summary.sh [--lines N])" >&2
        exit 2
        ;;
    esac
done
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
DUCKDB_VERSION=2.0.0
VENV=$HOME/.cache/ltvlab/venv-sql
if ! "$VENV/bin/python" -c "import duckdb, sys; sys.exit(duckdb.__version__ != \"$DUCKDB_VERSION\")" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "duckdb==$DUCKDB_VERSION"
fi

DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
# One release build for the fixture and the binary: `cargo test` builds both
# (a separate `cargo build --release` would rebuild the library each time,
# the two commands' feature sets differing).
cargo test --quiet --release --test sql_summary --no-run 2>/dev/null
BIN=$TARGET_DIR/release/ltvlab

# Runs a step and prints its wall time.
timed() {
    local what=$1
    shift
    local start=$EPOCHREALTIME
    "$@"
    printf '  %-34s %7.2f s\n' "$what" "$(echo "$EPOCHREALTIME - $start" | bc)"
}
echo "SQL checks on a generated shop of $LINES lines:"
timed "generate" sh -c "\"$BIN\" generate --lines $LINES --seed 42 --guest-share 0.05 >\"$DIR/shop.csv\""
timed "fixture (orders.csv, Rust summary)" sh -c "LTVLAB_SQL_FIXTURE_DIR=\"$DIR\" cargo test --quiet --release --test sql_summary -- --ignored >/dev/null"
timed "ltvlab summary" sh -c "\"$BIN\" summary \"$DIR/orders.csv\" >\"$DIR/cli.csv\""
timed "ltvlab analyze --json" sh -c "\"$BIN\" analyze \"$DIR/orders.csv\" --json --model bgnbd >\"$DIR/analyze.json\""
timed "ltvlab recommend --json (pairs)" sh -c "\"$BIN\" recommend \"$DIR/shop.csv\" --json --min-count 1 --max-rules 0 --max-basket 1000 >\"$DIR/pairs.json\""
timed "ltvlab fit (summary)" sh -c "\"$BIN\" fit \"$DIR/cli.csv\" --period day --json >\"$DIR/fit.json\""

"$VENV/bin/python" - "$DIR" "$BIN" <<'PY'
import csv, json, math, subprocess, sys, time
import duckdb

fixture, ltvlab = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(
    "CREATE TABLE orders AS SELECT * FROM read_csv(?, header = true, "
    "columns = {'customer_id': 'VARCHAR', 'order_id': 'VARCHAR', "
    "'order_date': 'DATE', 'amount': 'DOUBLE', 'line_number': 'BIGINT'})",
    [f"{fixture}/orders.csv"],
)
# The generated file's sale lines (it has no returns): order and item.
con.execute(
    "CREATE TABLE order_lines AS SELECT order_id, item_id FROM read_csv(?, header = true, "
    "all_varchar = true)",
    [f"{fixture}/shop.csv"],
)
failures = []

def run(name):
    start = time.perf_counter()
    rows = con.execute(open(f"docs/{name}").read()).fetchall()
    print(f"  {'duckdb docs/' + name:<34} {time.perf_counter() - start:7.2f} s")
    return rows

def sql_statements(name):
    """The statements of docs/NAME, comment lines left out."""
    text = "\n".join(l for l in open(f"docs/{name}") if not l.lstrip().startswith("--"))
    return [s for s in text.split(";") if s.strip()]

def close(a, b, rel, abs_tol=0.0):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)

def check(what, got, want, rel=1e-12):
    if isinstance(want, float) or isinstance(got, float):
        if not close(got, want, rel):
            failures.append(f"{what}: sql {got!r} vs ltvlab {want!r}")
    elif got != want:
        failures.append(f"{what}: sql {got!r} vs ltvlab {want!r}")

# --- summary -------------------------------------------------------------
got = {row[0]: row[1:] for row in run("summary.sql")}

def read(name):
    with open(f"{fixture}/{name}") as f:
        return {r["customer_id"]: r for r in csv.DictReader(f)}

for name, rel, abs_tol in [("expected.csv", 1e-9, 0.0), ("cli.csv", 1e-9, 1e-6)]:
    want = read(name)
    if set(want) != set(got):
        failures.append(f"summary {name}: customers differ: {len(want)} vs {len(got)} from SQL")
        continue
    for cid, w in want.items():
        f, r, t, m = got[cid]
        for col, g in [("frequency", f), ("recency", r), ("T", t)]:
            if int(g) != float(w[col]):
                failures.append(f"summary {name}: {cid} {col}: sql {g} vs ltvlab {w[col]}")
        if not close(float(m), float(w["monetary_value"]), rel, abs_tol):
            failures.append(f"summary {name}: {cid} monetary_value: sql {m!r} vs ltvlab {w['monetary_value']}")
customers = len(got)

# --- funnel --------------------------------------------------------------
analysis = json.load(open(f"{fixture}/analyze.json"))
funnel = analysis["repeat_funnel"]
rows = run("funnel.sql")
sql_funnel = {(r[1], r[2], r[3]): r[4:] for r in rows if r[0] == "funnel"}
sql_dist = {r[3]: r[4:6] for r in rows if r[0] == "distribution"}
want_funnel = {}
def add(month, days, f):
    for s in f["steps"]:
        want_funnel[(month, days, s["orders"])] = (s["customers"], s["share"], s["conversion"])
add(None, None, funnel["overall"])
for w in funnel["within"]:
    add(None, w["days"], w["funnel"])
for m in funnel["by_month"]:
    add(m["month"], None, m["overall"])
    for w in m["within"]:
        add(m["month"], w["days"], w["funnel"])
# ltvlab lists a window nobody is observed for with zero customers; SQL has no rows.
want_funnel = {k: v for k, v in want_funnel.items() if want_funnel[(k[0], k[1], 1)][0] > 0}
if set(want_funnel) != set(sql_funnel):
    failures.append(f"funnel: rows differ: {sorted(set(want_funnel) ^ set(sql_funnel), key=str)[:5]}")
for key, (c, share, conv) in want_funnel.items():
    if key in sql_funnel:
        g = sql_funnel[key]
        check(f"funnel {key} customers", int(g[0]), c)
        check(f"funnel {key} share", g[1], share)
        check(f"funnel {key} conversion", g[2], conv)
for b in funnel["distribution"]:
    g = sql_dist.get(b["orders"])
    check(f"distribution {b['orders']} customers", int(g[0]), b["customers"])
    check(f"distribution {b['orders']} share", g[1], b["share"])

# --- deciles -------------------------------------------------------------
deciles = analysis["deciles"]
sql_deciles = {r[0]: r for r in run("deciles.sql")}
fields = ["decile", "customers", "revenue", "orders", "mean_revenue", "min_revenue",
          "max_revenue", "customer_share", "revenue_share", "order_share",
          "cumulative_customer_share", "cumulative_revenue_share", "cumulative_order_share"]
# A cut between deciles d and d + 1 with customers of equal revenue on both
# sides: which of them is in d depends on the last bits of two sums of the
# same cents, added in another order (docs/deciles.sql), so only the orders
# next to it can differ. The totals cannot.
listed = deciles["deciles"]
tied = {
    a["decile"]: a["customers"] > 0 and b["customers"] > 0
    and math.isclose(a["min_revenue"], b["max_revenue"], rel_tol=1e-9)
    for a, b in zip(listed, listed[1:])
}
ties = sum(tied.values())
check("deciles total orders", sum(int(r[3]) for r in sql_deciles.values()), deciles["orders"])
for d in listed:
    g = sql_deciles.get(d["decile"])
    if d["customers"] == 0:
        if g is not None:
            failures.append(f"decile {d['decile']}: empty in ltvlab, not in SQL")
        continue
    at_tie = tied.get(d["decile"], False) or tied.get(d["decile"] - 1, False)
    for i, name in enumerate(fields):
        if at_tie and name in ("orders", "order_share"):
            continue
        if tied.get(d["decile"], False) and name == "cumulative_order_share":
            continue
        want = d[name]
        # Sums of amounts in another order: 1e-9; counts exact; ratios of counts 1e-12.
        rel = 1e-9 if "revenue" in name else 1e-12
        check(f"decile {d['decile']} {name}", float(g[i]) if isinstance(want, float) else int(g[i]), want, rel)

# --- pairs ---------------------------------------------------------------
pairs = json.load(open(f"{fixture}/pairs.json"))
sql_pairs = {(r[0], r[1]): r for r in run("pairs.sql")}
if pairs["baskets"]["capped_baskets"] != 0:
    failures.append("pairs: ltvlab cut baskets (raise --max-basket)")
want_pairs = {(p["antecedent"], p["consequent"]): p for p in pairs["pairs"]}
if len(want_pairs) != pairs["baskets"]["rules"]:
    failures.append(f"pairs: ltvlab printed {len(want_pairs)} of {pairs['baskets']['rules']} rules")
if set(want_pairs) != set(sql_pairs):
    failures.append(f"pairs: {len(want_pairs)} from ltvlab vs {len(sql_pairs)} from SQL")
for key, p in want_pairs.items():
    g = sql_pairs.get(key)
    if g is None:
        continue
    _, _, both, n_a, n_c, n, support, confidence, lift = g
    check(f"pair {key} count", int(both), p["count"])
    check(f"pair {key} baskets", int(n), pairs["baskets"]["baskets"])
    # The measures are one rounding from the same ratio of counts: the same bits.
    check(f"pair {key} support", support, p["support"], 0.0)
    check(f"pair {key} confidence", confidence, p["confidence"], 0.0)
    check(f"pair {key} lift", lift, p["lift"], 0.0)

# --- patterns: a weighted summary fits as the summary --------------------
con.execute(
    "CREATE TABLE summary AS SELECT * FROM read_csv(?, header = true, "
    "columns = {'customer_id': 'VARCHAR', 'frequency': 'BIGINT', 'recency': 'BIGINT', "
    "'T': 'BIGINT', 'monetary_value': 'DOUBLE', 'first_purchase': 'VARCHAR', "
    "'last_purchase': 'VARCHAR', 'orders': 'BIGINT', 'total_spend': 'DOUBLE'})",
    [f"{fixture}/cli.csv"],
)
start = time.perf_counter()
con.execute(
    f"COPY ({sql_statements('patterns.sql')[0]}) "
    f"TO '{fixture}/patterns.csv' (HEADER)"
)
n_patterns = con.execute(f"SELECT COUNT(*) FROM read_csv('{fixture}/patterns.csv')").fetchone()[0]
print(f"  {'duckdb docs/patterns.sql':<34} {time.perf_counter() - start:7.2f} s")
start = time.perf_counter()
weighted = json.loads(subprocess.run(
    [ltvlab, "fit", f"{fixture}/patterns.csv", "--period", "day", "--json"],
    check=True, capture_output=True).stdout)
print(f"  {'ltvlab fit (patterns)':<34} {time.perf_counter() - start:7.2f} s")
plain = json.load(open(f"{fixture}/fit.json"))
check("patterns fit n", weighted["n"], plain["n"])
check("patterns fit log_likelihood", weighted["log_likelihood"], plain["log_likelihood"], 1e-9)
for name, value in plain["params"].items():
    check(f"patterns fit {name}", weighted["params"][name], value, 1e-9)

if failures:
    print("\n".join(failures[:20]), file=sys.stderr)
    print(f"{len(failures)} differences", file=sys.stderr)
    sys.exit(1)
repeat = sum(1 for v in got.values() if v[0] > 0)
print(f"docs/*.sql match ltvlab: {customers} customers ({repeat} repeat), "
      f"{len(sql_funnel)} funnel steps, {len(sql_deciles)} deciles ({ties} cuts between equal revenues), "
      f"{len(sql_pairs)} pair rules, "
      f"{n_patterns} (frequency, recency, T) patterns")
PY
