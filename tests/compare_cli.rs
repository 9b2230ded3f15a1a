//! `ltvlab compare A.csv B.csv`: two files, each a group, end to end on
//! generated shops; the same as one file with a group column.

use std::path::{Path, PathBuf};

mod common;

use common::{bgnbd_shop, ltvlab};
use ltvlab::generate::generate;

/// The names of a comparison's groups, in its order.
fn group_names(report: &serde_json::Value) -> Vec<&str> {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect()
}

/// A generated shop whose customers survive each repeat purchase with
/// probability `b/(a+b)`; ids prefixed so two shops share no customer or order.
fn shop_csv(seed: u64, b: f64, prefix: &str) -> Vec<String> {
    let config = bgnbd_shop(1500, seed, b);
    let mut bytes = Vec::new();
    generate(&config, &mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("order_id,customer_id,"), "{header}");
    std::iter::once(header.to_owned())
        .chain(lines.map(|l| {
            // order_id and customer_id are the first two fields, unquoted.
            let (order, rest) = l.split_once(',').unwrap();
            let (customer, rest) = rest.split_once(',').unwrap();
            format!("{prefix}{order},{prefix}{customer},{rest}")
        }))
        .collect()
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn two_files_compare_like_one_file_with_a_group_column() {
    let dir = std::env::temp_dir().join(format!("ltvlab-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A keeps 75 % of customers at each repeat purchase, B 90 %.
    let a = shop_csv(31, 2.4, "a");
    let b = shop_csv(32, 7.2, "b");
    let path_a = write(&dir, "A.csv", &a);
    let path_b = write(&dir, "B.csv", &b);
    let mut combined = vec![format!("{},arm", a[0])];
    combined.extend(a[1..].iter().map(|l| format!("{l},A.csv")));
    combined.extend(b[1..].iter().map(|l| format!("{l},B.csv")));
    let path_ab = write(&dir, "AB.csv", &combined);
    let (pa, pb, pab) = (
        path_a.to_str().unwrap(),
        path_b.to_str().unwrap(),
        path_ab.to_str().unwrap(),
    );

    let two = json(&ltvlab(&[
        "compare",
        pa,
        pb,
        "--baseline",
        "A.csv",
        "--json",
    ]));
    let one = json(&ltvlab(&[
        "compare",
        pab,
        "--group",
        "arm",
        "--baseline",
        "A.csv",
        "--json",
    ]));
    // Same shape and the same numbers: the files are the groups.
    assert_eq!(two, one);
    let names = group_names(&two);
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"A.csv") && names.contains(&"B.csv"));
    let contrast = &two["contrasts"][0];
    assert_eq!(contrast["group"], "B.csv");
    assert_eq!(contrast["baseline"], "A.csv");
    let metric = |name: &str| {
        contrast["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == name)
            .unwrap()
            .clone()
    };
    for m in [
        "repeat_rate",
        "aov",
        "orders_per_customer",
        "formula_ltv",
        "model_ltv",
    ] {
        let m = metric(m);
        assert!(m["low"].as_f64().unwrap() <= m["high"].as_f64().unwrap());
        assert!(!m["verdict"].as_str().unwrap().is_empty());
    }
    // B's customers survive more repeat purchases, so they place more orders.
    let orders = metric("orders_per_customer");
    assert!(orders["low"].as_f64().unwrap() > 0.0, "{orders}");

    // --names renames the groups.
    let named = json(&ltvlab(&[
        "compare",
        pa,
        pb,
        "--names",
        "control,treatment",
        "--json",
    ]));
    let names = group_names(&named);
    assert!(names.contains(&"control") && names.contains(&"treatment"));

    // The table output works too.
    let table = ltvlab(&["compare", pa, pb]);
    assert!(table.status.success());
    assert!(String::from_utf8_lossy(&table.stdout).contains("B.csv vs A.csv"));

    // Errors are one line naming the problem.
    for (args, want) in [
        (vec!["compare", pa], "--group COL, or two files"),
        (
            vec!["compare", pa, pb, "--group", "arm"],
            "each file is a group",
        ),
        (vec!["compare", pa, pa], "same group name"),
        (vec!["compare", pa, pb, "--names", "x"], "two names"),
    ] {
        let out = ltvlab(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
