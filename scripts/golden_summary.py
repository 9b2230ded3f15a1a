"""Golden per-customer summaries from Python's `lifetimes` for tests/summary_golden.rs.

Runs lifetimes' `summary_data_from_transaction_data` on the real UCI Online
Retail II sample in tests/data (line value = Quantity x Price, daily and
weekly periods) and writes tests/fixtures/summary/golden_online_retail.json.
The Rust test compares ltvlab's own summary with it and never needs Python.

    python3 -m venv /tmp/ltvvenv
    /tmp/ltvvenv/bin/pip install lifetimes==0.11.3 "numpy<2" "pandas<2.2" "scipy<1.13"
    /tmp/ltvvenv/bin/python scripts/golden_summary.py

Monthly periods are not compared: lifetimes divides day differences by
numpy's average month (30.436875 days), while ltvlab counts calendar months.
"""

import json
import pathlib

import lifetimes
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "online_retail_II_sample.csv"
OUT = ROOT / "tests" / "fixtures" / "summary" / "golden_online_retail.json"

df = pd.read_csv(DATA, dtype={"Invoice": str, "StockCode": str, "Customer ID": float})
df["amount"] = df["Quantity"] * df["Price"]
df["customer_id"] = df["Customer ID"].astype(int).astype(str)
df["date"] = pd.to_datetime(df["InvoiceDate"])

result = {"source": f"lifetimes {lifetimes.__version__} summary_data_from_transaction_data", "periods": {}}
for freq, name in [("D", "day"), ("W", "week")]:
    summary = summary_data_from_transaction_data(
        df, "customer_id", "date", monetary_value_col="amount", freq=freq
    )
    result["periods"][name] = {
        cid: [float(row["frequency"]), float(row["recency"]), float(row["T"]), float(row["monetary_value"])]
        for cid, row in summary.iterrows()
    }
OUT.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
print(f"wrote {OUT}: {len(result['periods']['day'])} customers")
