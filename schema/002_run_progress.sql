-- Version 2: the latest progress line of a run, kept on the run itself so
-- that listing queued and running runs needs no join over run_events.
ALTER TABLE runs ADD COLUMN progress TEXT;
