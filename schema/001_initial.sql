-- migbench store, version 1.  Applied in one transaction at start-up;
-- PRAGMA user_version records the last migration applied.

-- The environment runs were measured in, one row per distinct kernel boot
-- and configuration.
CREATE TABLE kernels (
	id INTEGER PRIMARY KEY,
	release TEXT NOT NULL,
	version TEXT NOT NULL,
	cmdline TEXT NOT NULL,
	boot_id TEXT NOT NULL,
	hostname TEXT NOT NULL,
	cpu_model TEXT NOT NULL,
	kvm_parameters TEXT NOT NULL,		-- JSON
	first_seen TEXT NOT NULL,
	UNIQUE (boot_id, release, version, cmdline, kvm_parameters)
);
CREATE INDEX kernels_release ON kernels (release);

CREATE TABLE runs (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('dirtylog', 'migration')),
	spec TEXT NOT NULL,			-- JSON, as requested
	resolved_spec TEXT,			-- JSON, as the engine ran it
	label TEXT NOT NULL DEFAULT '',
	tags TEXT NOT NULL DEFAULT '{}',	-- JSON object of strings
	group_id INTEGER NOT NULL,		-- runs of one request (repeat)
	group_index INTEGER NOT NULL,		-- 0 .. repeat-1
	state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done',
		'failed', 'cancelled', 'interrupted')),
	result TEXT,				-- outcome code once finished
	error TEXT,
	kernel_id INTEGER REFERENCES kernels (id),
	environment TEXT,			-- JSON recorded by the run
	summary TEXT,				-- JSON statistics per metric
	worker_pid INTEGER,
	created_at TEXT NOT NULL,
	started_at TEXT,
	finished_at TEXT
);
CREATE INDEX runs_state ON runs (state, group_index, group_id);
CREATE INDEX runs_label ON runs (label, id);
CREATE INDEX runs_kernel ON runs (kernel_id, id);
CREATE INDEX runs_kind ON runs (kind, id);
CREATE INDEX runs_created ON runs (created_at);

CREATE TABLE samples (
	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	metric TEXT NOT NULL,
	iteration INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	value INTEGER NOT NULL,
	PRIMARY KEY (run_id, metric, iteration, seq)
) WITHOUT ROWID;

CREATE TABLE run_events (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	message TEXT NOT NULL
);
CREATE INDEX run_events_run ON run_events (run_id, id);

-- Host resources a run holds, written before they are taken, so that what
-- a crash left behind can be given back at the next start.
CREATE TABLE holdings (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('hugepages')),
	page_size INTEGER,			-- hugepages: bytes
	previous_nr INTEGER,			-- hugepages: nr_hugepages before
	released_at TEXT
);
CREATE INDEX holdings_open ON holdings (released_at);
