//! `ltvlab recommend`: pair rules, per-item and per-customer lists, frequent
//! itemsets and the holdout test, as text, JSON or flat CSV.

use std::io::Write;

use clap::{Args, ValueEnum};
use serde::Serialize;

use ltvlab::days::format_day;
use ltvlab::export::safe_cell;
use ltvlab::recommend::{
    evaluate_both, DueOptions, EvaluateOptions, IntervalSource, ItemsetOptions, NextBasket,
    NextBasketEvaluation, NextBasketOptions, NextItem, PairRule, Ranking, RecommendOptions,
    Recommendation, Recommender, Replenishment, Rule, RuleMetrics,
};
use ltvlab::transactions::Transactions;

use super::caps;
use super::error::{CliError, CliResult};
use super::input::{read_input, InputArgs};

/// Arguments of `ltvlab recommend`.
#[derive(Args)]
pub struct RecommendArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Items per list (at most 1,000).
    #[arg(long, value_name = "K", default_value_t = 10, value_parser = caps::at_most::<{ caps::TOP }, usize>)]
    top: usize,
    /// Minimum baskets a pair must share.
    #[arg(long, value_name = "N", default_value_t = 2)]
    min_count: u64,
    /// Minimum support of pairs and itemsets (default 0 for pairs, 0.01 for itemsets).
    #[arg(long, value_name = "S")]
    min_support: Option<f64>,
    /// Minimum confidence of rules (default 0 for pairs, 0.8 for itemset rules).
    #[arg(long, value_name = "C")]
    min_confidence: Option<f64>,
    /// Ranking of pairs.
    #[arg(long, value_enum, default_value = "jaccard")]
    rank: RankArg,
    /// Show the lists of this customer (an unknown id gets best-sellers).
    #[arg(
        long = "customer-id",
        visible_alias = "for-customer",
        value_name = "ID"
    )]
    customer_id: Option<String>,
    /// Show "frequently bought together" for this item (id or name).
    #[arg(long = "item-id", visible_alias = "for-item", value_name = "ID")]
    item_id: Option<String>,
    /// Hold out each customer's last order and compare with best-sellers.
    #[arg(long)]
    evaluate: bool,
    /// With --evaluate: hold out every order after this ISO date instead.
    #[arg(long, value_name = "DATE", requires = "evaluate")]
    cutoff: Option<String>,
    /// Mine frequent itemsets and their rules.
    #[arg(long)]
    itemsets: bool,
    /// With --itemsets: longest itemset (at most 100).
    #[arg(long, value_name = "L", requires = "itemsets", value_parser = caps::at_most::<{ caps::ITEMSET_LENGTH }, usize>)]
    max_len: Option<usize>,
    /// Cut baskets to their N most popular items (at most 1,000; 0: the hard cap of 1,000).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = caps::at_most::<{ caps::BASKET }, usize>)]
    max_basket: usize,
    /// Pair rules to print, best first (at most 1,000,000; 0: all, up to the cap).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = caps::at_most::<{ caps::RULES }, usize>)]
    max_rules: usize,
    /// Half-life in days of the recency weight.
    #[arg(long, value_name = "DAYS", default_value_t = 90.0)]
    half_life: f64,
    /// With --csv due-soon or --json-list due-soon: days ahead that count as soon.
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    due_within: i32,
    /// Write one flat list as CSV instead: per-item, per-customer or due-soon.
    #[arg(long, value_enum, value_name = "LIST", conflicts_with = "json_list")]
    csv: Option<ListArg>,
    /// Write one flat list as a JSON array instead: per-item, per-customer or due-soon.
    #[arg(long, value_enum, value_name = "LIST")]
    json_list: Option<ListArg>,
}

#[derive(Clone, Copy, ValueEnum)]
enum RankArg {
    Jaccard,
    Cosine,
    Confidence,
    Lift,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ListArg {
    PerItem,
    PerCustomer,
    /// Items due again soon, per customer (replenishment timing).
    DueSoon,
}

/// Runs the command, writing to `out`.
pub fn run(args: &RecommendArgs, out: &mut impl Write) -> CliResult<()> {
    let ingested = read_input(&args.input)?;
    let options = RecommendOptions {
        max_basket: (args.max_basket > 0).then_some(args.max_basket),
        min_count: args.min_count,
        min_support: args.min_support.unwrap_or(0.0),
        min_confidence: args.min_confidence.unwrap_or(0.0),
        ranking: match args.rank {
            RankArg::Jaccard => Ranking::Jaccard,
            RankArg::Cosine => Ranking::Cosine,
            RankArg::Confidence => Ranking::Confidence,
            RankArg::Lift => Ranking::Lift,
        },
        neighbours: args.top.max(20),
        max_rules: Some(if args.max_rules > 0 {
            args.max_rules
        } else {
            caps::RULES as usize
        }),
        half_life_days: args.half_life,
        ..RecommendOptions::default()
    };
    let rec = Recommender::new(&ingested.data, &options)?;
    let capped = rec.stats().capped_baskets;
    if options.max_basket.is_none() && capped > 0 {
        // --max-basket 0 still keeps the pair work bounded: say so.
        let _ = writeln!(
            std::io::stderr(),
            "note: {capped} baskets have more than {} items and were cut to their {} most popular for the pairs (the hard cap: a basket of k items costs k(k-1) pair counts)",
            caps::BASKET,
            caps::BASKET
        );
    }
    let t = rec.transactions();

    if let Some(list) = args.csv.or(args.json_list) {
        if list == ListArg::DueSoon {
            return write_due_soon(&rec, args, out);
        }
        return write_list(&rec, list, args, out);
    }

    let item = match &args.item_id {
        Some(id) => Some(
            find_item(t, id).ok_or_else(|| CliError::Usage(format!("unknown item \"{id}\"")))?,
        ),
        None => None,
    };
    let next_options = NextBasketOptions::default();
    let (evaluation, next_basket) = if args.evaluate {
        let eval = EvaluateOptions {
            k: args.top,
            cutoff: args.cutoff.clone(),
        };
        // One training recommender for both holdouts (same cutoff).
        let (e, n) = evaluate_both(&ingested.data, &options, &eval, &next_options);
        (Some(e?), Some(n?))
    } else {
        (None, None)
    };
    let itemsets = if args.itemsets {
        let o = ItemsetOptions {
            min_support: args.min_support.unwrap_or(0.01),
            max_len: args.max_len,
            min_confidence: args.min_confidence.unwrap_or(0.8),
            ..ItemsetOptions::default()
        };
        Some((rec.itemsets(&o)?, o))
    } else {
        None
    };

    let report = Report {
        baskets: rec.stats(),
        ranking: options.ranking.name(),
        pairs: rec.rules().iter().map(|r| PairDto::new(t, r)).collect(),
        popular: rec
            .popular()
            .iter()
            .take(args.top)
            .map(|&i| PopularDto {
                item_id: t.items().name(i),
                item_name: t.item_name(i),
                baskets: rec.item_count(i),
                support: rec.item_count(i) as f64 / rec.stats().baskets as f64,
            })
            .collect(),
        item: item.map(|i| ItemDto {
            item_id: t.items().name(i),
            item_name: t.item_name(i),
            baskets: rec.item_count(i),
            bought_together: rec
                .bought_together(i)
                .iter()
                .take(args.top)
                .map(|r| PairDto::new(t, r))
                .collect(),
        }),
        customer: match args.customer_id.as_deref() {
            Some(id) => {
                let r = rec.for_customer(id, args.top);
                let nb = NextBasket::new(&rec, &next_options)?;
                let dto = |v: &[Recommendation]| v.iter().map(|x| RecDto::new(&rec, x)).collect();
                Some(CustomerDto {
                    customer_id: id,
                    known: r.known,
                    buy_again: dto(&r.buy_again),
                    also_like: dto(&r.also_like),
                    next_basket: nb
                        .for_customer(id, args.top)
                        .iter()
                        .map(|x| RecDto::next(&nb, t, x))
                        .collect(),
                })
            }
            None => None,
        },
        evaluation,
        next_basket,
        itemsets: itemsets.as_ref().map(|(s, o)| {
            let mut by_length = Vec::new();
            for set in &s.itemsets {
                if by_length.len() < set.items.len() {
                    by_length.resize(set.items.len(), 0);
                }
                by_length[set.items.len() - 1] += 1;
            }
            ItemsetsDto {
                min_support: o.min_support,
                min_count: s.min_count,
                max_len: o.max_len,
                min_confidence: o.min_confidence,
                itemsets_by_length: by_length,
                itemsets: s
                    .itemsets
                    .iter()
                    .filter(|x| x.items.len() >= 3)
                    .map(|x| ItemsetDto {
                        items: x.items.iter().map(|&i| t.items().name(i)).collect(),
                        names: x.items.iter().map(|&i| t.item_name(i)).collect(),
                        count: x.count,
                        support: x.support,
                    })
                    .collect(),
                rules: s.rules.iter().map(|r| RuleDto::new(t, r)).collect(),
            }
        }),
    };
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        write_text(out, &report, args.top)?;
    }
    Ok(())
}

/// An item by id, else by display name.
fn find_item(t: &Transactions, id: &str) -> Option<u32> {
    t.items()
        .get(id)
        .or_else(|| (0..t.items().len() as u32).find(|&i| t.item_name(i) == id))
}

fn write_list(
    rec: &Recommender<'_>,
    list: ListArg,
    args: &RecommendArgs,
    out: &mut impl Write,
) -> CliResult<()> {
    let t = rec.transactions();
    let next = match list {
        ListArg::PerCustomer => Some(NextBasket::new(rec, &NextBasketOptions::default())?),
        _ => None,
    };
    let rows = |i: u32| match (list, &next) {
        (ListArg::PerCustomer, Some(nb)) => {
            let mut rows = rec.customer_rows(i, args.top);
            rows.extend(nb.customer_rows(i, args.top));
            rows
        }
        (ListArg::PerCustomer, None) => rec.customer_rows(i, args.top),
        _ => rec.item_rows(i, args.top),
    };
    let n = match list {
        ListArg::PerCustomer => t.customers().len(),
        _ => t.items().len(),
    } as u32;
    if args.json_list.is_some() {
        // Streamed: one list at a time, so memory stays at one list.
        let mut first = true;
        write!(out, "[")?;
        for i in 0..n {
            for row in rows(i) {
                write!(out, "{}\n  ", if first { "" } else { "," })?;
                serde_json::to_writer(&mut *out, &row)?;
                first = false;
            }
        }
        writeln!(out, "{}]", if first { "" } else { "\n" })?;
        return Ok(());
    }
    let mut w = csv::Writer::from_writer(out);
    let per_customer = list == ListArg::PerCustomer;
    let mut header = vec![
        "item_id",
        "item_name",
        "rank",
        "recommended_item_id",
        "recommended_item_name",
        "score",
        "reason",
    ];
    if per_customer {
        header.splice(0..0, ["customer_id", "list"]);
    }
    w.write_record(&header)?;
    for i in 0..n {
        for row in rows(i) {
            let score = row.score.to_string();
            let rank = row.rank.to_string();
            let mut record = vec![
                safe_cell(&row.item_id),
                safe_cell(&row.item_name),
                rank.as_str().into(),
                safe_cell(&row.recommended_item_id),
                safe_cell(&row.recommended_item_name),
                score.as_str().into(),
                safe_cell(&row.reason),
            ];
            if per_customer {
                let c = row.customer_id.as_deref().unwrap_or("");
                record.splice(0..0, [safe_cell(c), row.list.unwrap_or("").into()]);
            }
            w.write_record(record.iter().map(|c| c.as_ref()))?;
        }
    }
    Ok(w.flush()?)
}

/// One row of the due-soon list: whom to mail, about what, and when.
#[derive(Serialize)]
struct DueRow<'a> {
    customer_id: &'a str,
    item_id: &'a str,
    item_name: &'a str,
    purchase_days: u32,
    last_date: String,
    interval_days: f64,
    interval_from: IntervalSource,
    interval_customers: u32,
    next_due: String,
}

fn write_due_soon(
    rec: &Recommender<'_>,
    args: &RecommendArgs,
    out: &mut impl Write,
) -> CliResult<()> {
    let t = rec.transactions();
    let due = Replenishment::new(rec).due_soon(&DueOptions {
        as_of: None,
        within_days: args.due_within,
    })?;
    let rows = due.iter().map(|x| DueRow {
        customer_id: t.customers().name(x.customer),
        item_id: t.items().name(x.item),
        item_name: t.item_name(x.item),
        purchase_days: x.purchase_days,
        last_date: format_day(x.last_day),
        interval_days: x.interval_days,
        interval_from: x.source,
        interval_customers: x.interval_customers,
        next_due: format_day(x.next_due_day),
    });
    if args.json_list.is_some() {
        serde_json::to_writer_pretty(&mut *out, &rows.collect::<Vec<_>>())?;
        writeln!(out)?;
        return Ok(());
    }
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "customer_id",
        "item_id",
        "item_name",
        "purchase_days",
        "last_date",
        "interval_days",
        "interval_from",
        "interval_customers",
        "next_due",
    ])?;
    for r in rows {
        let from = match r.interval_from {
            IntervalSource::Own => "own",
            IntervalSource::Item => "item",
        };
        let record = [
            safe_cell(r.customer_id),
            safe_cell(r.item_id),
            safe_cell(r.item_name),
            r.purchase_days.to_string().into(),
            r.last_date.into(),
            r.interval_days.to_string().into(),
            from.into(),
            r.interval_customers.to_string().into(),
            r.next_due.into(),
        ];
        w.write_record(record.iter().map(|c| c.as_ref()))?;
    }
    Ok(w.flush()?)
}

#[derive(Serialize)]
struct Report<'a> {
    baskets: ltvlab::recommend::BasketStats,
    ranking: &'static str,
    pairs: Vec<PairDto<'a>>,
    popular: Vec<PopularDto<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<ItemDto<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: Option<CustomerDto<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluation: Option<ltvlab::recommend::Evaluation>,
    /// The next-basket holdout (with `--evaluate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    next_basket: Option<NextBasketEvaluation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    itemsets: Option<ItemsetsDto<'a>>,
}

#[derive(Serialize)]
pub(crate) struct PairDto<'a> {
    pub(crate) antecedent: &'a str,
    pub(crate) antecedent_name: &'a str,
    pub(crate) consequent: &'a str,
    pub(crate) consequent_name: &'a str,
    #[serde(flatten)]
    pub(crate) metrics: RuleMetrics,
}

impl<'a> PairDto<'a> {
    pub(crate) fn new(t: &'a Transactions, r: &PairRule) -> PairDto<'a> {
        PairDto {
            antecedent: t.items().name(r.antecedent),
            antecedent_name: t.item_name(r.antecedent),
            consequent: t.items().name(r.consequent),
            consequent_name: t.item_name(r.consequent),
            metrics: r.metrics,
        }
    }
}

#[derive(Serialize)]
struct RuleDto<'a> {
    antecedent: Vec<&'a str>,
    antecedent_names: Vec<&'a str>,
    consequent: &'a str,
    consequent_name: &'a str,
    #[serde(flatten)]
    metrics: RuleMetrics,
}

impl<'a> RuleDto<'a> {
    fn new(t: &'a Transactions, r: &Rule) -> RuleDto<'a> {
        RuleDto {
            antecedent: r.antecedent.iter().map(|&i| t.items().name(i)).collect(),
            antecedent_names: r.antecedent.iter().map(|&i| t.item_name(i)).collect(),
            consequent: t.items().name(r.consequent),
            consequent_name: t.item_name(r.consequent),
            metrics: r.metrics,
        }
    }
}

#[derive(Serialize)]
struct PopularDto<'a> {
    item_id: &'a str,
    item_name: &'a str,
    baskets: u64,
    support: f64,
}

#[derive(Serialize)]
struct ItemDto<'a> {
    item_id: &'a str,
    item_name: &'a str,
    baskets: u64,
    bought_together: Vec<PairDto<'a>>,
}

#[derive(Serialize)]
struct CustomerDto<'a> {
    customer_id: &'a str,
    known: bool,
    buy_again: Vec<RecDto<'a>>,
    also_like: Vec<RecDto<'a>>,
    next_basket: Vec<RecDto<'a>>,
}

#[derive(Serialize)]
struct RecDto<'a> {
    item_id: &'a str,
    item_name: &'a str,
    score: f64,
    reason: String,
}

impl<'a> RecDto<'a> {
    fn new(rec: &Recommender<'a>, r: &Recommendation) -> RecDto<'a> {
        let t = rec.transactions();
        RecDto {
            item_id: t.items().name(r.item),
            item_name: t.item_name(r.item),
            score: r.score,
            reason: rec.reason_text(&r.reason),
        }
    }

    fn next(nb: &NextBasket<'_>, t: &'a Transactions, x: &NextItem) -> RecDto<'a> {
        RecDto {
            item_id: t.items().name(x.item),
            item_name: t.item_name(x.item),
            score: x.score,
            reason: nb.reason_text(&x.reason),
        }
    }
}

#[derive(Serialize)]
struct ItemsetsDto<'a> {
    min_support: f64,
    min_count: u64,
    max_len: Option<usize>,
    min_confidence: f64,
    /// Number of frequent itemsets of 1, 2, 3, ... items.
    itemsets_by_length: Vec<u64>,
    /// Itemsets of three or more items (pairs are in `pairs`).
    itemsets: Vec<ItemsetDto<'a>>,
    rules: Vec<RuleDto<'a>>,
}

#[derive(Serialize)]
struct ItemsetDto<'a> {
    items: Vec<&'a str>,
    names: Vec<&'a str>,
    count: u64,
    support: f64,
}

fn write_text(out: &mut impl Write, r: &Report<'_>, top: usize) -> std::io::Result<()> {
    let b = &r.baskets;
    writeln!(
        out,
        "baskets     {} ({} items, {:.1} items per basket, largest {})",
        b.baskets, b.items, b.mean_basket, b.largest_basket
    )?;
    if let Some(max) = b.max_basket {
        writeln!(
            out,
            "capped      {} baskets cut to their {max} most popular items",
            b.capped_baskets
        )?;
    }
    writeln!(
        out,
        "rules       {} pass the filters, ranked by {}",
        b.rules, r.ranking
    )?;
    let pair = |p: &PairDto<'_>| {
        format!(
            "{} → {}  count {}  support {:.4}  confidence {:.3}  lift {:.2}  jaccard {:.3}",
            p.antecedent_name,
            p.consequent_name,
            p.metrics.count,
            p.metrics.support,
            p.metrics.confidence,
            p.metrics.lift,
            p.metrics.jaccard
        )
    };
    writeln!(out, "top pairs")?;
    for p in r.pairs.iter().take(top) {
        writeln!(out, "  {}", pair(p))?;
    }
    writeln!(out, "best-sellers")?;
    for p in &r.popular {
        writeln!(out, "  {}  in {} baskets", p.item_name, p.baskets)?;
    }
    if let Some(item) = &r.item {
        writeln!(out, "bought together with {}", item.item_name)?;
        for p in &item.bought_together {
            writeln!(out, "  {}", pair(p))?;
        }
    }
    if let Some(c) = &r.customer {
        let known = if c.known {
            ""
        } else {
            " (unknown: best-sellers)"
        };
        writeln!(out, "customer {}{known}", c.customer_id)?;
        for (title, list) in [
            ("buy again", &c.buy_again),
            ("you might also like", &c.also_like),
            ("next basket", &c.next_basket),
        ] {
            writeln!(out, "  {title}")?;
            for x in list {
                writeln!(out, "    {}  {:.4}  {}", x.item_name, x.score, x.reason)?;
            }
        }
    }
    if let Some(s) = &r.itemsets {
        writeln!(
            out,
            "itemsets    {:?} by length at support {} (count {}), {} rules at confidence {}",
            s.itemsets_by_length,
            s.min_support,
            s.min_count,
            s.rules.len(),
            s.min_confidence
        )?;
        for rule in s.rules.iter().take(top) {
            writeln!(
                out,
                "  {{{}}} → {}  count {}  confidence {:.3}  lift {:.2}",
                rule.antecedent_names.join(", "),
                rule.consequent_name,
                rule.metrics.count,
                rule.metrics.confidence,
                rule.metrics.lift
            )?;
        }
    }
    if let Some(e) = &r.evaluation {
        writeln!(out, "evaluation  {}", e.verdict)?;
        for (name, m) in [
            ("recommended", &e.recommender),
            ("best-sellers", &e.popular),
        ] {
            writeln!(
                out,
                "  {name:<12} hit rate {:.3}  precision {:.3}  recall {:.3}  MAP {:.3}  NDCG {:.3}",
                m.hit_rate, m.precision, m.recall, m.map, m.ndcg
            )?;
        }
    }
    if let Some(e) = &r.next_basket {
        writeln!(out, "next basket {}", e.verdict)?;
        writeln!(
            out,
            "  held out {}: {} customers{} ({} repeat an item, {} buy a new one); decays {} and {}, alpha {} (tuned on the training orders)",
            e.holdout,
            e.customers,
            if e.customers < e.held_out_customers {
                format!(" (an evenly spread sample of {})", e.held_out_customers)
            } else {
                String::new()
            },
            e.customers_with_repeat, e.customers_with_new, e.decay.within, e.decay.group, e.alpha
        )?;
        for m in &e.methods {
            for s in &m.at {
                writeln!(
                    out,
                    "  {:<12} @{:<2}  recall {:.3}  NDCG {:.3}  hit rate {:.3}  precision {:.3}  repeat recall {:.3}  new recall {:.3}",
                    m.method, s.k, s.all.recall, s.all.ndcg, s.all.hit_rate, s.all.precision, s.repeat.recall, s.new.recall
                )?;
            }
        }
    }
    Ok(())
}
