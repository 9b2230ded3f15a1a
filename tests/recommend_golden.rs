//! ltvlab against mlxtend on the public data in tests/data: the reference values in
//! `tests/fixtures/recommend/golden_*.json` come from
//! `scripts/golden_recommend.py` (mlxtend `fpgrowth` + `association_rules`).
//! Counts and itemsets must match exactly, measures within named tolerances.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ltvlab::ingest::{ingest, Dataset, IngestOptions};
use ltvlab::recommend::{ItemsetOptions, RecommendOptions, Recommender, RuleMetrics};
use serde_json::Value;

/// Relative difference allowed between ltvlab's measures (one ratio of
/// counts) and mlxtend's (ratios of supports): a few ulps (seen: 2e-15).
const MEASURE_REL: f64 = 1e-14;
/// Absolute difference allowed for leverage, which is a difference of
/// nearly equal numbers and can be close to zero.
const LEVERAGE_ABS: f64 = 1e-17;

fn read(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn golden(name: &str) -> Value {
    serde_json::from_slice(&read(&format!("tests/fixtures/recommend/{name}"))).unwrap()
}

fn dataset(file: &str) -> Dataset {
    ingest(
        &read(&format!("tests/data/{file}")),
        &IngestOptions::default(),
    )
    .unwrap()
    .data
}

/// Largest relative difference seen per measure.
#[derive(Default, Debug)]
struct MaxDiff(BTreeMap<&'static str, f64>);

impl MaxDiff {
    fn check(&mut self, what: &str, got: &RuleMetrics, want: &Value) {
        assert_eq!(got.count, want["count"].as_u64().unwrap(), "{what}: count");
        let measures = [
            ("support", got.support),
            ("confidence", got.confidence),
            ("lift", got.lift),
            ("jaccard", got.jaccard),
            ("cosine", got.cosine),
        ];
        for (name, g) in measures {
            let w = want[name].as_f64().unwrap();
            let rel = (g - w).abs() / w.abs();
            assert!(rel <= MEASURE_REL, "{what}: {name} {g} vs mlxtend {w}");
            self.note(name, rel);
        }
        let w = want["leverage"].as_f64().unwrap();
        let abs = (got.leverage - w).abs();
        assert!(
            abs <= LEVERAGE_ABS,
            "{what}: leverage {} vs mlxtend {w}",
            got.leverage
        );
        self.note("leverage (abs)", abs);
        match (got.conviction, want["conviction"].as_f64()) {
            (None, None) => {}
            (Some(g), Some(w)) => {
                let rel = (g - w).abs() / w.abs();
                assert!(rel <= MEASURE_REL, "{what}: conviction {g} vs mlxtend {w}");
                self.note("conviction", rel);
            }
            (g, w) => panic!("{what}: conviction {g:?} vs mlxtend {w:?}"),
        }
    }

    fn note(&mut self, name: &'static str, d: f64) {
        let e = self.0.entry(name).or_insert(0.0);
        *e = e.max(d);
    }
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

/// Every pair rule mlxtend finds at the golden's minimum support, and no other.
fn check_pairs(data: &Dataset, g: &Value, diff: &mut MaxDiff) {
    let options = RecommendOptions {
        max_basket: None,
        min_count: 1,
        min_support: g["pairs_min_support"].as_f64().unwrap(),
        max_rules: None,
        ..RecommendOptions::default()
    };
    let rec = Recommender::new(data, &options).unwrap();
    assert_eq!(rec.stats().baskets, g["baskets"].as_u64().unwrap());
    assert_eq!(rec.stats().items, g["items"].as_u64().unwrap());
    let t = rec.transactions();
    let ours: BTreeMap<(String, String), RuleMetrics> = rec
        .rules()
        .iter()
        .map(|r| {
            let a = t.items().name(r.antecedent).to_owned();
            let c = t.items().name(r.consequent).to_owned();
            ((a, c), r.metrics)
        })
        .collect();
    let want = g["pairs"].as_array().unwrap();
    assert_eq!(ours.len(), want.len(), "number of pair rules");
    for w in want {
        let a = names(&w["antecedent"]).remove(0);
        let c = w["consequent"].as_str().unwrap().to_owned();
        let what = format!("{a} -> {c}");
        let got = ours
            .get(&(a, c))
            .unwrap_or_else(|| panic!("{what} missing"));
        diff.check(&what, got, w);
    }
}

fn itemsets_by_name(rec: &Recommender<'_>, o: &ItemsetOptions) -> ltvlab::recommend::Itemsets {
    rec.itemsets(o).unwrap()
}

#[test]
fn groceries_matches_mlxtend() {
    let g = golden("golden_groceries.json");
    let data = dataset("groceries_baskets.csv");
    let mut diff = MaxDiff::default();
    check_pairs(&data, &g, &mut diff);

    let options = RecommendOptions {
        max_basket: None,
        ..RecommendOptions::default()
    };
    let rec = Recommender::new(&data, &options).unwrap();
    let t = rec.transactions();
    let sets = itemsets_by_name(
        &rec,
        &ItemsetOptions {
            min_support: g["itemsets_min_support"].as_f64().unwrap(),
            min_confidence: g["rules_min_confidence"].as_f64().unwrap(),
            ..ItemsetOptions::default()
        },
    );
    let mut by_len = vec![0u64; 6];
    for s in &sets.itemsets {
        by_len[s.items.len() - 1] += 1;
    }
    assert_eq!(Value::from(by_len), g["itemsets_by_length"]);
    // The 410 rules, each with every measure.
    let ours: BTreeMap<(Vec<String>, String), &RuleMetrics> = sets
        .rules
        .iter()
        .map(|r| {
            let mut a: Vec<String> = r
                .antecedent
                .iter()
                .map(|&i| t.items().name(i).to_owned())
                .collect();
            a.sort();
            ((a, t.items().name(r.consequent).to_owned()), &r.metrics)
        })
        .collect();
    let want = g["rules"].as_array().unwrap();
    assert_eq!(want.len(), 410);
    assert_eq!(ours.len(), 410);
    for w in want {
        let key = (
            names(&w["antecedent"]),
            w["consequent"].as_str().unwrap().to_owned(),
        );
        let what = format!("{key:?}");
        diff.check(
            &what,
            ours.get(&key).unwrap_or_else(|| panic!("{what} missing")),
            w,
        );
    }

    // Itemsets of 3+ items at the higher support, with exact counts.
    let sets = itemsets_by_name(
        &rec,
        &ItemsetOptions {
            min_support: g["itemsets_3plus_min_support"].as_f64().unwrap(),
            ..ItemsetOptions::default()
        },
    );
    check_itemsets(&rec, &sets, &g["itemsets_3plus"], 3, &mut diff);
    eprintln!("groceries: largest differences from mlxtend {diff:?}");
}

fn check_itemsets(
    rec: &Recommender<'_>,
    sets: &ltvlab::recommend::Itemsets,
    want: &Value,
    min_len: usize,
    diff: &mut MaxDiff,
) {
    let t = rec.transactions();
    let ours: BTreeMap<Vec<String>, (u64, f64)> = sets
        .itemsets
        .iter()
        .filter(|s| s.items.len() >= min_len)
        .map(|s| {
            let mut names: Vec<String> = s
                .items
                .iter()
                .map(|&i| t.items().name(i).to_owned())
                .collect();
            names.sort();
            (names, (s.count, s.support))
        })
        .collect();
    let want = want.as_array().unwrap();
    assert_eq!(ours.len(), want.len(), "number of itemsets");
    for w in want {
        let key = names(&w["items"]);
        let (count, support) = ours.get(&key).unwrap_or_else(|| panic!("{key:?} missing"));
        assert_eq!(*count, w["count"].as_u64().unwrap(), "{key:?}");
        let ws = w["support"].as_f64().unwrap();
        let rel = (support - ws).abs() / ws;
        assert!(rel <= MEASURE_REL, "{key:?}: support {support} vs {ws}");
        diff.note("itemset support", rel);
    }
}

#[test]
fn online_retail_matches_mlxtend() {
    let g = golden("golden_online_retail.json");
    let data = dataset("online_retail_baskets.txt");
    let mut diff = MaxDiff::default();
    check_pairs(&data, &g, &mut diff);
    let options = RecommendOptions {
        max_basket: None,
        ..RecommendOptions::default()
    };
    let rec = Recommender::new(&data, &options).unwrap();
    let sets = itemsets_by_name(
        &rec,
        &ItemsetOptions {
            min_support: g["itemsets_min_support"].as_f64().unwrap(),
            ..ItemsetOptions::default()
        },
    );
    check_itemsets(&rec, &sets, &g["itemsets"], 1, &mut diff);
    assert_eq!(g["frequent_pairs_at_0.02"], 11);
    eprintln!("online retail: largest differences from mlxtend {diff:?}");
}
