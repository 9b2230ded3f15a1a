-- ltvlab's decile analysis (デシル分析) in SQL: the same numbers as the
-- `deciles` section of `ltvlab analyze --json` (see src/deciles.rs):
--
--   revenue     a customer's purchases summed, each order's net value
--               floored at 0
--   orders      the customer's purchases (orders with a customer id)
--   rank        customers by revenue, highest first; ties in the order the
--               customers first appear in the file (here: the smallest
--               line_number of their orders)
--   decile      1 + FLOOR(10 · rank / n) for the customer at 0-based rank
--               `rank` of `n`: decile 1 is the top tenth, sizes differ by at
--               most one, and customers who spent the same may fall on both
--               sides of a cut
--   shares      of the shop's customers, revenue and orders (0 when the
--               shop's total is 0), and cumulative from decile 1
--
-- Input: the table orders(customer_id, order_date, amount, line_number) of
-- docs/summary.sql with one more column, line_number: the position of the
-- order's first line in the export ltvlab reads (a load sequence or any
-- number increasing in file order will do). It only breaks ties of equal
-- revenue, and only a decile's orders (and order shares) can depend on it:
-- customers, revenue, mean, lowest and highest revenue do not. Without such
-- a column use customer_id: the same deciles up to those ties.
--
-- A revenue is a sum of floating-point amounts; ltvlab adds a customer's
-- orders in day order, a warehouse in an order of its own, so two customers
-- whose revenues are equal to the cent can compare as different in one and
-- equal in the other, in the last bits. With DECIMAL amounts the warehouse's
-- sums are exact.
--
-- Output: one row per decile that has customers (fewer than ten customers
-- leave some deciles empty; ltvlab lists them with zeros).
--
-- Written for DuckDB. Dialect differences: none beyond the table name in
-- the three (FLOOR, ROW_NUMBER, window SUMs and GREATEST are the same in
-- BigQuery and Spark SQL); in BigQuery and Spark SQL with a DECIMAL amount,
-- CAST it AS FLOAT64 / DOUBLE before the divisions so that the shares are
-- floating point as in ltvlab.
--
-- scripts/test_sql_summary.sh runs this file in DuckDB on a generated shop
-- and compares it with ltvlab's `deciles`.

WITH customer_spend AS (
    SELECT
        customer_id,
        SUM(GREATEST(amount, 0)) AS revenue,
        COUNT(*) AS orders,
        MIN(line_number) AS first_seen
    FROM orders
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id
),
ranked AS (
    SELECT
        revenue,
        orders,
        -- Exact: 10·rank/n is never within a rounding of the next integer
        -- below 2^40 customers.
        1 + CAST(FLOOR(CAST(ROW_NUMBER() OVER (ORDER BY revenue DESC, first_seen) - 1 AS DOUBLE)
            * 10 / COUNT(*) OVER ()) AS INTEGER) AS decile
    FROM customer_spend
),
totals AS (
    SELECT COUNT(*) AS customers, SUM(revenue) AS revenue, SUM(orders) AS orders
    FROM customer_spend
),
deciles AS (
    SELECT
        decile,
        COUNT(*) AS customers,
        SUM(revenue) AS revenue,
        SUM(orders) AS orders,
        AVG(revenue) AS mean_revenue,
        MIN(revenue) AS min_revenue,
        MAX(revenue) AS max_revenue
    FROM ranked
    GROUP BY decile
)
SELECT
    d.decile,
    d.customers,
    d.revenue,
    d.orders,
    d.mean_revenue,
    d.min_revenue,
    d.max_revenue,
    CAST(d.customers AS DOUBLE) / t.customers AS customer_share,
    CASE WHEN t.revenue > 0 THEN d.revenue / t.revenue ELSE 0 END AS revenue_share,
    CASE WHEN t.orders > 0 THEN CAST(d.orders AS DOUBLE) / t.orders ELSE 0 END AS order_share,
    CAST(SUM(d.customers) OVER (ORDER BY d.decile) AS DOUBLE) / t.customers
        AS cumulative_customer_share,
    CASE WHEN t.revenue > 0
        THEN SUM(d.revenue) OVER (ORDER BY d.decile) / t.revenue ELSE 0 END
        AS cumulative_revenue_share,
    CASE WHEN t.orders > 0
        THEN CAST(SUM(d.orders) OVER (ORDER BY d.decile) AS DOUBLE) / t.orders ELSE 0 END
        AS cumulative_order_share
FROM deciles AS d
CROSS JOIN totals AS t
ORDER BY d.decile;
