-- Version 6: sweeps.  A run request whose spec keys hold lists ("vcpus":
-- [1, 2, 4]) makes one group of runs per combination of their values;
-- every run keeps a plain spec, and the runs of one request share a sweep
-- id and carry their combination, so that they can be found together and
-- compared value by value.
ALTER TABLE runs ADD COLUMN sweep_id INTEGER;		-- NULL: not a sweep's
ALTER TABLE runs ADD COLUMN sweep_point TEXT;		-- JSON {"key": value} of the swept keys
CREATE INDEX runs_sweep ON runs (sweep_id, id);
