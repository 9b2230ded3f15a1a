-- ltvlab's "also bought" pair counts in SQL: the same counts and measures as
-- the `pairs` of `ltvlab recommend --json` (see src/recommend/baskets.rs,
-- pairs.rs and metrics.rs):
--
--   basket        one order (order_id over the whole table, guests'
--                 orders included) with at least one sale line that has an
--                 item; its items are distinct: an item on two lines of an
--                 order counts once
--   sale line     return, refund and cancellation lines are left out (not
--                 netted: an order's sale lines count even if a later
--                 return takes them back)
--   rule A → C    for every pair of distinct items sharing a basket, in both
--                 directions
--   both_baskets  n_AC, baskets holding A and C
--   antecedent_baskets, consequent_baskets   n_A, n_C
--   baskets       n, every basket
--   support       n_AC / n
--   confidence    n_AC / n_A
--   lift          (n_AC · n) / (n_A · n_C), as one ratio of the counts
--                 (ltvlab computes it so, in double precision: the same
--                 bits)
--
-- Input: a table order_lines(order_id, item_id) with the sale lines only
-- (ltvlab's item is item_id, or the item name in a file without one).
--
-- ltvlab's `recommend` cuts a basket of more than --max-basket items
-- (default 50) to its most popular items before counting, and keeps pairs
-- in at least --min-count baskets (default 2): this SQL counts every pair of
-- every basket, as `recommend --max-basket 1000 --min-count 1 --max-rules 0`
-- does for baskets up to 1,000 items. Add `HAVING COUNT(*) >= 2` to the
-- pairs for the default.
--
-- The self-join costs Σ k(k − 1) rows over baskets of k items, as ltvlab's
-- count does.
--
-- Written for DuckDB. Dialect differences: none in the three (COUNT,
-- self-join, CAST AS DOUBLE; BigQuery spells DOUBLE as FLOAT64). In
-- BigQuery qualify the table (`project.dataset.order_lines`).
--
-- scripts/test_sql_summary.sh runs this file in DuckDB on a generated shop
-- and compares it with ltvlab's pairs.

WITH baskets AS (
    SELECT DISTINCT order_id, item_id
    FROM order_lines
    WHERE item_id IS NOT NULL
),
basket_count AS (
    SELECT COUNT(DISTINCT order_id) AS baskets FROM baskets
),
items AS (
    SELECT item_id, COUNT(*) AS item_baskets
    FROM baskets
    GROUP BY item_id
),
pairs AS (
    SELECT a.item_id AS antecedent, c.item_id AS consequent, COUNT(*) AS both_baskets
    FROM baskets AS a
    JOIN baskets AS c ON a.order_id = c.order_id AND a.item_id <> c.item_id
    GROUP BY a.item_id, c.item_id
)
SELECT
    p.antecedent,
    p.consequent,
    p.both_baskets,
    ia.item_baskets AS antecedent_baskets,
    ic.item_baskets AS consequent_baskets,
    n.baskets,
    CAST(p.both_baskets AS DOUBLE) / n.baskets AS support,
    CAST(p.both_baskets AS DOUBLE) / ia.item_baskets AS confidence,
    (CAST(p.both_baskets AS DOUBLE) * n.baskets)
        / (CAST(ia.item_baskets AS DOUBLE) * ic.item_baskets) AS lift
FROM pairs AS p
JOIN items AS ia ON ia.item_id = p.antecedent
JOIN items AS ic ON ic.item_id = p.consequent
CROSS JOIN basket_count AS n
ORDER BY p.antecedent, p.consequent;
