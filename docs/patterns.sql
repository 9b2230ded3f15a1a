-- A per-customer summary collapsed into patterns, for `ltvlab fit` and
-- `ltvlab predict` on a customer base too large to export row by row: each
-- row is one (frequency, recency, T) with the number of customers who share
-- it in the column `customers` (see src/weighted.rs). The purchase models
-- (BG/NBD, MBG/NBD, Pareto/NBD) see only these three numbers, so the fit on
-- the patterns is the fit on the customers; a base of 100M customers has at
-- most a few hundred thousand daily patterns (BENCHMARKS.md).
--
-- Input: the output of docs/summary.sql as a table summary(customer_id,
-- frequency, recency, T, monetary_value).
--
--   ltvlab fit patterns.csv --period day                 (any purchase model)
--   ltvlab predict value_patterns.csv --period day       (see below)
--
-- Spend: Gamma-Gamma needs each repeat customer's monetary_value, which is
-- nearly unique per customer. For `predict` (or `fit --model gammagamma`)
-- group by monetary_value too (the second query below): one-time buyers
-- (frequency 0, monetary_value 0) still collapse into a few rows per T,
-- repeat customers mostly stay one row each. Rounding monetary_value (say
-- to whole currency units) makes far fewer rows but changes the spend fit
-- by the rounding; ltvlab takes the rows as they come.
--
-- Weights are whole numbers of customers, 1 to 2^53; a row with 0, a
-- negative or a fractional weight is refused with its line and value.
--
-- Written for DuckDB; the same in BigQuery and Spark SQL (in BigQuery
-- quote T as `T` if your summary names it in lower case: column names are
-- case-insensitive there and in ltvlab's header match).

SELECT frequency, recency, T, COUNT(*) AS customers
FROM summary
GROUP BY frequency, recency, T
ORDER BY frequency, recency, T;

-- The same with spend, for `ltvlab predict` (run on its own):
--
-- SELECT frequency, recency, T, monetary_value, COUNT(*) AS customers
-- FROM summary
-- GROUP BY frequency, recency, T, monetary_value
-- ORDER BY frequency, recency, T, monetary_value;
