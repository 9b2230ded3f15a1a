#!/usr/bin/env bash
# Checks that docs/summary.sql computes exactly ltvlab's daily summary: runs
# it in DuckDB on a generated shop's order-level rows and compares with
# ltvlab's summary of the same file, both at full precision (the Rust
# fixture writer) and as `ltvlab summary` prints it (6 decimals).
# Counts must match exactly; values to 1e-9 relative (and, against the
# printed CLI output, within its 6-decimal rounding, 1e-6 absolute).
#
# DuckDB comes from PyPI into a venv under ~/.cache/ltvlab (once).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
DUCKDB_VERSION=2.0.0
VENV=$HOME/.cache/ltvlab/venv-sql
if ! "$VENV/bin/python" -c "import duckdb, sys; sys.exit(duckdb.__version__ != \"$DUCKDB_VERSION\")" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "duckdb==$DUCKDB_VERSION"
fi

DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
LTVLAB_SQL_FIXTURE_DIR=$DIR cargo test --quiet --test sql_summary -- --ignored >/dev/null
cargo build --quiet --bin ltvlab
"$TARGET_DIR/debug/ltvlab" summary "$DIR/orders.csv" >"$DIR/cli.csv"

"$VENV/bin/python" - "$DIR" docs/summary.sql <<'PY'
import csv, math, sys
import duckdb

fixture, sql_path = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(
    "CREATE TABLE orders AS SELECT * FROM read_csv(?, header = true, "
    "columns = {'customer_id': 'VARCHAR', 'order_id': 'VARCHAR', "
    "'order_date': 'DATE', 'amount': 'DOUBLE'})",
    [f"{fixture}/orders.csv"],
)
got = {row[0]: row[1:] for row in con.execute(open(sql_path).read()).fetchall()}

def read(name):
    with open(f"{fixture}/{name}") as f:
        return {r["customer_id"]: r for r in csv.DictReader(f)}

def close(a, b, rel, abs_tol=0.0):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)

failures = []
for name, rel, abs_tol in [("expected.csv", 1e-9, 0.0), ("cli.csv", 1e-9, 1e-6)]:
    want = read(name)
    if set(want) != set(got):
        failures.append(f"{name}: customers differ: {len(want)} vs {len(got)} from SQL")
        continue
    for cid, w in want.items():
        f, r, t, m = got[cid]
        for col, g in [("frequency", f), ("recency", r), ("T", t)]:
            if int(g) != float(w[col]):
                failures.append(f"{name}: {cid} {col}: sql {g} vs ltvlab {w[col]}")
        if not close(float(m), float(w["monetary_value"]), rel, abs_tol):
            failures.append(f"{name}: {cid} monetary_value: sql {m!r} vs ltvlab {w['monetary_value']}")
if failures:
    print("\n".join(failures[:20]), file=sys.stderr)
    sys.exit(1)
repeat = sum(1 for v in got.values() if v[0] > 0)
print(f"docs/summary.sql matches ltvlab summary: {len(got)} customers ({repeat} repeat)")
PY
