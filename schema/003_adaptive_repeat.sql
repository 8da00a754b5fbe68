-- Version 3: adaptive repetition.  A group with a target keeps getting runs
-- until the 95% CI of each headline metric's median is within
-- target_ci_percent of the median, or the group has max_repeat runs.
ALTER TABLE runs ADD COLUMN target_ci_percent REAL;
ALTER TABLE runs ADD COLUMN max_repeat INTEGER;
CREATE INDEX runs_group ON runs (group_id, group_index);
