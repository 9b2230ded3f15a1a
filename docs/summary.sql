-- ltvlab's daily per-customer summary in SQL: the same numbers as
-- `ltvlab summary orders.csv` (the default --period day), with lifetimes'
-- definitions (see src/summary.rs):
--
--   frequency       purchase days minus one (repeat purchase days)
--   recency         days from the first to the last purchase day
--   T               days from the first purchase day to the observation end
--   monetary_value  mean value of the repeat purchase days (the first day is
--                   excluded; several orders on one day are summed); 0 when
--                   frequency is 0
--   observation end the latest order_date in the table, guest orders included
--
-- Input: a table orders(customer_id, order_date, amount) with one row per
-- purchase order: customer_id NULL for guest orders (left out, but their
-- dates count for the observation end), order_date a DATE, amount the
-- order's net value. Returns must already be netted into their orders, and
-- orders fully reversed (net value <= 0 because of returns) removed: ltvlab
-- does both during ingest, from the line-level file.
--
-- Written for DuckDB. Dialect differences, all in the day differences:
--
--   DuckDB     DATE_DIFF('day', first_day, last_day)
--   BigQuery   DATE_DIFF(last_day, first_day, DAY)
--   Spark SQL  DATEDIFF(last_day, first_day)
--
-- Everything else (CAST AS DATE, window MIN, NULLIF, CROSS JOIN of a
-- one-row CTE, DOUBLE division of a SUM by an integer) is the same in the
-- three. In BigQuery qualify the table (`project.dataset.orders`); in Spark
-- use CAST(amount AS DOUBLE) if amount is a DECIMAL, so that the mean is a
-- double as in ltvlab.
--
-- scripts/test_sql_summary.sh runs this file in DuckDB on a generated shop
-- and compares it with ltvlab's own summary.

WITH observation AS (
    SELECT MAX(CAST(order_date AS DATE)) AS observation_end
    FROM orders
),
purchase_days AS (
    -- One row per customer and day: the day's orders summed.
    SELECT
        customer_id,
        CAST(order_date AS DATE) AS purchase_day,
        SUM(amount) AS day_value
    FROM orders
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id, CAST(order_date AS DATE)
),
with_first AS (
    SELECT
        customer_id,
        purchase_day,
        day_value,
        MIN(purchase_day) OVER (PARTITION BY customer_id) AS first_day
    FROM purchase_days
)
SELECT
    w.customer_id,
    COUNT(*) - 1 AS frequency,
    DATE_DIFF('day', MIN(w.purchase_day), MAX(w.purchase_day)) AS recency,
    DATE_DIFF('day', MIN(w.purchase_day), MAX(o.observation_end)) AS T,
    COALESCE(
        SUM(CASE WHEN w.purchase_day > w.first_day THEN w.day_value END)
            / NULLIF(COUNT(*) - 1, 0),
        0
    ) AS monetary_value
FROM with_first AS w
CROSS JOIN observation AS o
GROUP BY w.customer_id
ORDER BY w.customer_id;
