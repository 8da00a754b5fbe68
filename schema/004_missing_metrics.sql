-- Version 4: the metrics a run should have and did not measure, each with
-- why: a JSON object {"metric": "reason"}, as the worker reported it after
-- the run ({} when nothing is missing).  NULL when it is not known: the run
-- never started, or it was recorded before version 4.  Such a metric has
-- no samples; it is never stored as 0.
ALTER TABLE runs ADD COLUMN missing TEXT;
