-- Merging Parquet staging batches written by scale-out workers (see warehouse/staging.py).

-- name: merged_fetches
-- How many of a staged batch's fetch rows the warehouse already holds: all of them when the batch
-- was merged before (its fetch rows commit in the same transaction as the rest of it).
SELECT count(*) FROM fetches WHERE fetch_id IN (SELECT unnest($ids::VARCHAR[]));
