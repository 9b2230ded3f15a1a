-- ltvlab's repeat funnel in SQL: the same numbers as the `repeat_funnel`
-- section of `ltvlab analyze --json` (see src/funnel.rs):
--
--   purchase         an order with a customer id (one row of `orders`)
--   F1 … F5          customers with at least k purchases
--   share            F_k / F1
--   conversion       F_{k+1} / F_k (NULL for F5 or when F_k is 0); the
--                    conversion of step 1 is the F2 rate (F2転換率)
--   within w days    w = 30, 90, 180, 365: only purchases at most w days
--                    after the customer's first purchase count (same-day
--                    orders included), and only customers whose first
--                    purchase is at least w days before the observation end
--                    are in the funnel at all
--   by month         the same funnels per acquisition month (YYYY-MM of the
--                    first purchase)
--   distribution     customers with exactly k purchases, k = 1 … 9, and
--                    with 10 or more (購入回数分布), with their share
--   observation end  the latest order_date in the table, guest orders
--                    included
--
-- Input: the table orders(customer_id, order_date, amount) of
-- docs/summary.sql: one row per purchase order, customer_id NULL for guest
-- orders, returns netted and fully reversed orders removed. (ltvlab also
-- leaves out purchases dated decades away from the bulk of the data, a typo
-- in a year; this SQL assumes there are none.)
--
-- Output, one row per number, in a long table:
--
--   section            'funnel' or 'distribution'
--   acquisition_month  NULL for the whole shop, else 'YYYY-MM'
--   window_days        NULL for every purchase to the observation end, else
--                      30, 90, 180 or 365 ('funnel' only)
--   orders             k: the step F_k, or the distribution's bucket (10 is
--                      "10 or more")
--   customers          F_k, or the customers in the bucket
--   share              F_k / F1, or the bucket's share of all customers
--   conversion         F_{k+1} / F_k ('funnel' only)
--
-- A window with no customer observed that long has no rows (ltvlab reports
-- it with zero customers and no rates).
--
-- Written for DuckDB. Dialect differences:
--
--   day difference   DuckDB DATE_DIFF('day', a, b); BigQuery
--                    DATE_DIFF(b, a, DAY); Spark SQL DATEDIFF(b, a)
--   month text       DuckDB STRFTIME(d, '%Y-%m'); BigQuery
--                    FORMAT_DATE('%Y-%m', d); Spark SQL
--                    DATE_FORMAT(d, 'yyyy-MM')
--   small tables     DuckDB and Spark SQL (VALUES (1), (2)) AS t(k);
--                    BigQuery has no VALUES table: UNNEST([1, 2]) AS k, and
--                    UNNEST([30, 90, 180, 365]) for the windows (the NULL
--                    "overall" row then comes from a UNION ALL)
--   division         `/` of integers is a DOUBLE in the three (Spark SQL
--                    with ANSI mode off too)
--
-- Unverified: the Spark SQL form was written from its documentation, not
-- run; the BigQuery rewrite of the VALUES tables likewise.
--
-- scripts/test_sql_summary.sh runs this file in DuckDB on a generated shop
-- and compares it with ltvlab's `repeat_funnel`.

WITH observation AS (
    SELECT MAX(CAST(order_date AS DATE)) AS observation_end
    FROM orders
),
purchases AS (
    SELECT customer_id, CAST(order_date AS DATE) AS purchase_day
    FROM orders
    WHERE customer_id IS NOT NULL
),
firsts AS (
    SELECT customer_id, MIN(purchase_day) AS first_day
    FROM purchases
    GROUP BY customer_id
),
windows AS (
    SELECT * FROM (VALUES (CAST(NULL AS INTEGER)), (30), (90), (180), (365)) AS w(days)
),
-- Each customer's purchases in each window they are observed for.
counted AS (
    SELECT
        f.customer_id,
        STRFTIME(f.first_day, '%Y-%m') AS acquisition_month,
        w.days,
        COUNT(*) AS purchases
    FROM firsts AS f
    CROSS JOIN observation AS o
    CROSS JOIN windows AS w
    JOIN purchases AS p ON p.customer_id = f.customer_id
    WHERE w.days IS NULL
        OR (DATE_DIFF('day', f.first_day, o.observation_end) >= w.days
            AND DATE_DIFF('day', f.first_day, p.purchase_day) <= w.days)
    GROUP BY f.customer_id, f.first_day, w.days
),
steps AS (
    SELECT * FROM (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10)) AS s(k)
),
-- F_k for the whole shop and for each acquisition month.
funnel AS (
    SELECT CAST(NULL AS VARCHAR) AS acquisition_month, c.days, s.k,
        SUM(CASE WHEN c.purchases >= s.k THEN 1 ELSE 0 END) AS customers
    FROM counted AS c CROSS JOIN steps AS s
    WHERE s.k <= 5
    GROUP BY c.days, s.k
    UNION ALL
    SELECT c.acquisition_month, c.days, s.k,
        SUM(CASE WHEN c.purchases >= s.k THEN 1 ELSE 0 END) AS customers
    FROM counted AS c CROSS JOIN steps AS s
    WHERE s.k <= 5
    GROUP BY c.acquisition_month, c.days, s.k
),
overall AS (
    SELECT purchases FROM counted WHERE days IS NULL
)
SELECT
    'funnel' AS section,
    acquisition_month,
    days AS window_days,
    k AS orders,
    customers,
    customers / FIRST_VALUE(customers) OVER (
        PARTITION BY acquisition_month, days ORDER BY k
    ) AS share,
    LEAD(customers) OVER (PARTITION BY acquisition_month, days ORDER BY k)
        / NULLIF(customers, 0) AS conversion
FROM funnel
UNION ALL
SELECT
    'distribution',
    NULL,
    NULL,
    s.k,
    COUNT(o.purchases),
    COUNT(o.purchases) / (SELECT COUNT(*) FROM overall),
    NULL
FROM steps AS s
LEFT JOIN overall AS o ON LEAST(o.purchases, 10) = s.k
GROUP BY s.k
ORDER BY section, acquisition_month NULLS FIRST, window_days NULLS FIRST, orders;
