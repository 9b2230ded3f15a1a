//! `ltvlab recommend` as a user runs it: JSON with the documented fields, flat
//! CSV that spreadsheets cannot run, and one-line errors.

use std::path::{Path, PathBuf};

mod common;
use common::{ltvlab, ok_stdout};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/recommend")
        .join(name)
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok_stdout(args)).unwrap()
}

#[test]
fn json_pairs_carry_every_measure_and_names() {
    let orders = fixture("orders.csv");
    let v = json(&[
        "recommend",
        orders.to_str().unwrap(),
        "--json",
        "--min-count",
        "1",
    ]);
    assert_eq!(v["ranking"], "jaccard");
    assert_eq!(v["baskets"]["baskets"], 4);
    let pair = &v["pairs"][0];
    let keys: Vec<&str> = pair
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "antecedent",
        "antecedent_name",
        "consequent",
        "consequent_name",
        "count",
        "support",
        "confidence",
        "lift",
        "leverage",
        "conviction",
        "jaccard",
        "cosine",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    // A → B: 2 of 3 A baskets; B → A: 2 of 2, conviction infinite → null.
    assert_eq!(pair["antecedent"], "A");
    assert_eq!(pair["antecedent_name"], "=Apple");
    assert_eq!(pair["consequent"], "B");
    assert_eq!(pair["count"], 2);
    let back = &v["pairs"][1];
    assert_eq!(
        (back["antecedent"].as_str(), back["confidence"].as_f64()),
        (Some("B"), Some(1.0))
    );
    assert!(back["conviction"].is_null());
}

#[test]
fn customer_and_item_lists() {
    let orders = fixture("orders.csv");
    let file = orders.to_str().unwrap();
    let v = json(&[
        "recommend",
        file,
        "--json",
        "--min-count",
        "1",
        "--customer-id",
        "c2",
        "--item-id",
        "C",
    ]);
    let c = &v["customer"];
    assert_eq!(c["known"], true);
    assert_eq!(c["buy_again"].as_array().unwrap().len(), 2);
    assert_eq!(c["also_like"][0]["item_id"], "C");
    assert_eq!(
        c["also_like"][0]["reason"],
        "bought together with =Apple in 1 basket"
    );
    assert_eq!(v["item"]["item_id"], "C");
    assert_eq!(v["item"]["bought_together"][0]["consequent"], "A");
    let unknown = json(&["recommend", file, "--json", "--customer-id", "zz"]);
    assert_eq!(unknown["customer"]["known"], false);
    assert_eq!(unknown["customer"]["also_like"][0]["item_id"], "A");
}

#[test]
fn csv_cells_cannot_run_as_formulas() {
    let orders = fixture("orders.csv");
    let file = orders.to_str().unwrap();
    let per_item = ok_stdout(&["recommend", file, "--csv", "per-item", "--min-count", "1"]);
    let mut lines = per_item.lines();
    assert_eq!(
        lines.next(),
        Some("item_id,item_name,rank,recommended_item_id,recommended_item_name,score,reason")
    );
    assert!(per_item.contains("A,'=Apple,1,B,Banana,"), "{per_item}");
    assert!(!per_item.contains(",=Apple"), "{per_item}");
    let per_customer = ok_stdout(&[
        "recommend",
        file,
        "--csv",
        "per-customer",
        "--min-count",
        "1",
    ]);
    assert!(per_customer.starts_with(
        "customer_id,list,item_id,item_name,rank,recommended_item_id,recommended_item_name,score,reason\n"
    ));
    assert!(
        per_customer.contains("c2,also_like,A,'=Apple,1,C,Cherry,"),
        "{per_customer}"
    );
    let rows: serde_json::Value = serde_json::from_str(&ok_stdout(&[
        "recommend",
        file,
        "--json-list",
        "per-customer",
        "--min-count",
        "1",
    ]))
    .unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), per_customer.lines().count() - 1);
    assert_eq!(rows[0]["customer_id"], "c1");
    // JSON keeps the text as it is: escaping is for spreadsheets.
    assert!(rows.iter().any(|r| r["item_name"] == "=Apple"));
}

#[test]
fn groceries_itemsets_and_rules() {
    let file = data("groceries_baskets.csv");
    let v = json(&[
        "recommend",
        file.to_str().unwrap(),
        "--json",
        "--itemsets",
        "--min-support",
        "0.001",
        "--min-confidence",
        "0.8",
        "--max-basket",
        "0",
    ]);
    let s = &v["itemsets"];
    assert_eq!(s["rules"].as_array().unwrap().len(), 410);
    assert_eq!(
        s["itemsets_by_length"],
        serde_json::json!([157, 2981, 6831, 3137, 376, 10])
    );
    assert_eq!(
        s["itemsets"].as_array().unwrap().len(),
        6831 + 3137 + 376 + 10
    );
}

#[test]
fn evaluation_and_errors() {
    let file = data("online_retail_II_sample.csv");
    let text = ok_stdout(&["recommend", file.to_str().unwrap(), "--evaluate"]);
    assert!(
        text.contains("evaluation  on your data the recommendations find"),
        "{text}"
    );
    for (args, want) in [
        (
            vec!["--rank", "support"],
            "error: invalid value 'support' for '--rank <RANK>'",
        ),
        (
            vec!["--min-support", "2"],
            "error: invalid option: minimum support must be in [0, 1], got 2",
        ),
        (vec!["--item-id", "nope"], "error: unknown item \"nope\""),
    ] {
        let mut all = vec!["recommend", file.to_str().unwrap()];
        all.extend(args);
        let out = ltvlab(&all);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with(want), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// `recommend --max-basket 0 --min-count 1` on a generated file of one
/// 100,000-line order (issue #13): it finishes with the basket cut to the
/// hard cap of 1,000 items, says so on stderr, and reports the cap.
#[test]
fn one_huge_order_is_cut_to_the_hard_cap_with_a_note() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("recommend_huge_basket");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("one_order.csv");
    let mut text = String::from("order_id,customer_id,order_date,item_id,amount\n");
    for i in 0..100_000 {
        text.push_str(&format!("1,c1,2024-01-01,SKU{i},1.00\n"));
    }
    text.push_str("2,c2,2024-01-02,SKU1,1.00\n2,c2,2024-01-02,SKU2,1.00\n");
    std::fs::write(&path, text).unwrap();
    let file = path.display().to_string();
    let out = ltvlab(&[
        "recommend",
        &file,
        "--max-basket",
        "0",
        "--min-count",
        "1",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr,
        "note: 1 baskets have more than 1000 items and were cut to their 1000 most popular for the pairs (the hard cap: a basket of k items costs k(k-1) pair counts)\n"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &v["baskets"];
    assert_eq!(b["max_basket"], 1000, "{b}");
    assert_eq!(b["capped_baskets"], 1, "{b}");
    assert_eq!(b["largest_basket"], 1000, "{b}");
}

/// `--evaluate --json` carries the next-basket holdout: three lists at
/// k = 5, 10, 20 with repeat and new items apart, and the ordering the
/// library test checks holds through the CLI too.
#[test]
fn evaluation_json_has_the_next_basket_holdout() {
    let file = data("online_retail_II_sample.csv");
    let v = json(&["recommend", file.to_str().unwrap(), "--evaluate", "--json"]);
    let nb = &v["next_basket"];
    assert_eq!(nb["holdout"], "last_order", "{nb}");
    let methods = nb["methods"].as_array().unwrap();
    let names: Vec<&str> = methods
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["g_top_freq", "p_top_freq", "next_basket"]);
    let recall10 = |m: usize| {
        let at = methods[m]["at"].as_array().unwrap();
        let ks: Vec<u64> = at.iter().map(|s| s["k"].as_u64().unwrap()).collect();
        assert_eq!(ks, [5, 10, 20]);
        for part in ["all", "repeat", "new"] {
            for measure in ["recall", "ndcg", "hit_rate", "precision"] {
                let x = at[1][part][measure].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&x), "{part} {measure} {x}");
            }
        }
        at[1]["all"]["recall"].as_f64().unwrap()
    };
    assert!(recall10(2) >= recall10(1), "{nb}");
    assert!(recall10(1) > recall10(0), "{nb}");
    let alpha = nb["alpha"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&alpha), "{nb}");
}

#[test]
fn per_customer_csv_has_a_next_basket_list() {
    let file = data("online_retail_II_sample.csv");
    let csv = ok_stdout(&[
        "recommend",
        file.to_str().unwrap(),
        "--csv",
        "per-customer",
        "--top",
        "5",
    ]);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    let next: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[1] == "next_basket").collect();
    let customers: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[0]).collect();
    // Every customer gets five next-basket rows, ranked 1 to 5.
    assert_eq!(next.len(), 5 * customers.len());
    for (k, r) in next.iter().enumerate() {
        assert_eq!(r[4], (k % 5 + 1).to_string(), "{r:?}");
    }
}

/// `--csv due-soon`: whom to mail about what and when. Every row is due by
/// the last order day plus the window and late by at most its interval.
#[test]
fn due_soon_csv_lists_items_due_within_the_window() {
    let file = data("online_retail_II_sample.csv");
    let csv = ok_stdout(&[
        "recommend",
        file.to_str().unwrap(),
        "--csv",
        "due-soon",
        "--due-within",
        "14",
    ]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "customer_id",
            "item_id",
            "item_name",
            "purchase_days",
            "last_date",
            "interval_days",
            "interval_from",
            "interval_customers",
            "next_due"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(!rows.is_empty());
    // The sample's last order day is 2010-12-08: due by 2010-12-22, nearest
    // that day first (either way), then the earlier date.
    let as_of = day("2010-12-08");
    let mut previous = (0, String::new());
    for r in &rows {
        assert!(&r[8] <= "2010-12-22", "{r:?}");
        let key = ((day(&r[8]) - as_of).abs(), r[8].to_owned());
        assert!(key >= previous, "nearest the last order day first: {r:?}");
        previous = key;
        let own = &r[6] == "own";
        let days: u32 = r[3].parse().unwrap();
        assert_eq!(own, days >= 2, "{r:?}");
        // An item's interval comes from two customers or more; one's own is one.
        let customers: u32 = r[7].parse().unwrap();
        assert!(if own { customers == 1 } else { customers >= 2 }, "{r:?}");
    }
}

/// Days from 1970-01-01 to an ISO date.
fn day(iso: &str) -> i64 {
    let date = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").unwrap();
    (date - chrono::NaiveDate::default()).num_days()
}
