#!/usr/bin/env python3
"""Reference values for the recommendation tests, computed with mlxtend.

Writes tests/fixtures/recommend/golden_*.json from the files in tests/data:
frequent itemsets (mlxtend.frequent_patterns.fpgrowth) and rule measures
(mlxtend.frequent_patterns.association_rules). The Rust tests compare
against these files with named tolerances and never need Python.

Setup (once):
    python3 -m venv /tmp/venv-mlx && /tmp/venv-mlx/bin/pip install mlxtend pandas
Run from the repository root:
    /tmp/venv-mlx/bin/python scripts/golden_recommend.py

Conventions, to match ltvlab's ingest: items are trimmed of surrounding
spaces (the Groceries file has "cream cheese " with a trailing space), and
each basket counts an item once. Cosine is not among mlxtend's measures; it is
computed here from mlxtend's supports as support / sqrt(s(A) * s(C)).
Conviction is infinite for confidence 1 in mlxtend; it is written as null.
"""

import json
import math
import os
import sys

import mlxtend
import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth
from mlxtend.preprocessing import TransactionEncoder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
OUT = os.path.join(ROOT, "tests", "fixtures", "recommend")


def baskets(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        rows = [[x.strip() for x in line.rstrip("\r\n").split(",")] for line in f]
    return [sorted(set(x for x in r if x)) for r in rows if any(r)]


def one_hot(tx):
    te = TransactionEncoder()
    return pd.DataFrame(te.fit(tx).transform(tx), columns=te.columns_)


def num(x):
    x = float(x)
    return None if math.isinf(x) else x


def mine(df, min_support, max_len=None):
    return fpgrowth(df, min_support=min_support, use_colnames=True, max_len=max_len)


def rules_of(itemsets, n, min_confidence):
    r = association_rules(itemsets, num_itemsets=n, metric="confidence", min_threshold=min_confidence)
    r = r[r["consequents"].apply(len) == 1]
    out = []
    for row in r.to_dict("records"):
        s, sa, sc = row["support"], row["antecedent support"], row["consequent support"]
        out.append(
            {
                "antecedent": sorted(row["antecedents"]),
                "consequent": next(iter(row["consequents"])),
                "count": round(s * n),
                "support": num(s),
                "confidence": num(row["confidence"]),
                "lift": num(row["lift"]),
                "leverage": num(row["leverage"]),
                "conviction": num(row["conviction"]),
                "jaccard": num(row["jaccard"]),
                "cosine": num(s / math.sqrt(sa * sc)),
            }
        )
    out.sort(key=lambda x: (x["antecedent"], x["consequent"]))
    return out


def itemset_list(itemsets, n, min_len):
    out = [
        {"items": sorted(s), "count": round(sup * n), "support": num(sup)}
        for s, sup in zip(itemsets["itemsets"], itemsets["support"])
        if len(s) >= min_len
    ]
    out.sort(key=lambda x: (len(x["items"]), x["items"]))
    return out


def by_length(itemsets):
    counts = itemsets["itemsets"].apply(len).value_counts()
    return [int(counts.get(k, 0)) for k in range(1, int(counts.index.max()) + 1)]


def write(name, doc):
    path = os.path.join(OUT, name)
    # One record per line: small diffs when a value moves.
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n")
        keys = list(doc)
        for i, k in enumerate(keys):
            v = doc[k]
            f.write(f"  {json.dumps(k)}: ")
            if isinstance(v, list) and v and isinstance(v[0], dict):
                f.write("[\n")
                f.write(",\n".join("    " + json.dumps(x, ensure_ascii=False) for x in v))
                f.write("\n  ]")
            else:
                f.write(json.dumps(v, ensure_ascii=False))
            f.write(",\n" if i + 1 < len(keys) else "\n")
        f.write("}\n")
    print(f"wrote {os.path.relpath(path, ROOT)}", file=sys.stderr)


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"tool": f"mlxtend {mlxtend.__version__}, pandas {pd.__version__}"}

    tx = baskets("groceries_baskets.csv")
    df = one_hot(tx)
    n = len(df)
    fi = mine(df, 0.001)
    rules = rules_of(fi, n, 0.8)
    fi_pairs = mine(df, 0.005, max_len=2)
    write(
        "golden_groceries.json",
        {
            **meta,
            "file": "groceries_baskets.csv",
            "baskets": n,
            "items": int(df.shape[1]),
            "itemsets_min_support": 0.001,
            "itemsets_by_length": by_length(fi),
            "rules_min_confidence": 0.8,
            "rules": rules,
            "pairs_min_support": 0.005,
            "pairs": rules_of(fi_pairs, n, 0.0),
            "itemsets_3plus_min_support": 0.002,
            "itemsets_3plus": itemset_list(mine(df, 0.002), n, 3),
        },
    )

    tx = baskets("online_retail_baskets.txt")
    df = one_hot(tx)
    n = len(df)
    fi = mine(df, 0.01)
    write(
        "golden_online_retail.json",
        {
            **meta,
            "file": "online_retail_baskets.txt",
            "baskets": n,
            "items": int(df.shape[1]),
            "frequent_pairs_at_0.02": int((mine(df, 0.02, max_len=2)["itemsets"].apply(len) == 2).sum()),
            "itemsets_min_support": 0.01,
            "itemsets_by_length": by_length(fi),
            "itemsets": itemset_list(fi, n, 1),
            "pairs_min_support": 0.01,
            "pairs": rules_of(mine(df, 0.01, max_len=2), n, 0.0),
        },
    )


if __name__ == "__main__":
    main()
