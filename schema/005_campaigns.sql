-- Version 5: kernel campaigns.  A campaign boots each of its kernels in
-- turn (steps, in the order of its rounds), makes its runs there, and ends
-- with their comparison.  Every step's state is written before the host
-- is rebooted into it, so that the migbenchd that comes up after the boot
-- knows what it expected to find.
CREATE TABLE campaigns (
	id INTEGER PRIMARY KEY,
	spec TEXT NOT NULL,			-- JSON, as checked and resolved
	state TEXT NOT NULL CHECK (state IN ('active', 'aborting', 'done',
		'failed', 'aborted')),
	reason TEXT,				-- why it failed or was aborted
	created_at TEXT NOT NULL,
	finished_at TEXT
);
CREATE INDEX campaigns_state ON campaigns (state);

CREATE TABLE campaign_steps (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,			-- 1.., the order of the boots
	round INTEGER NOT NULL,			-- 1..rounds
	kernel INTEGER NOT NULL,		-- index in spec.kernels
	state TEXT NOT NULL CHECK (state IN ('pending', 'booting', 'running',
		'done', 'boot-failed', 'skipped')),
	attempts INTEGER NOT NULL DEFAULT 0,	-- boots into it so far
	restarts INTEGER NOT NULL DEFAULT 0,	-- migbenchd or the host restarted in it
	token TEXT,				-- migbench.step=... on its command line
	expect_release TEXT,			-- from the image's version string
	expect_version TEXT,
	booted_from TEXT,			-- boot_id of the boot that rebooted into it
	boot_id TEXT,				-- the boot it runs in, once it came up
	reason TEXT,				-- what came up instead, why it stopped
	booted_at TEXT,
	finished_at TEXT,
	UNIQUE (campaign_id, seq)
);

-- The timeline a campaign view draws: boots, what came up, runs, the end.
CREATE TABLE campaign_events (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
	step_id INTEGER REFERENCES campaign_steps (id),
	at TEXT NOT NULL,
	kind TEXT NOT NULL,
	message TEXT NOT NULL
);
CREATE INDEX campaign_events_campaign ON campaign_events (campaign_id, id);

-- A campaign's runs: the step that made them, and which of the campaign's
-- run requests each one is (an index in spec.runs).
ALTER TABLE runs ADD COLUMN campaign_step INTEGER REFERENCES campaign_steps (id);
ALTER TABLE runs ADD COLUMN campaign_request INTEGER;
CREATE INDEX runs_campaign_step ON runs (campaign_step, campaign_request);
