/* SPDX-License-Identifier: MIT */
/* Runs: their states, events and environment, listings, and the kernels they ran on. */
#ifndef MIGBENCH_STORE_RUNS_H
#define MIGBENCH_STORE_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "store/store.h"

struct run_filter {
	const char *state, *kind, *label, *kernel;	/* NULL: any */
	const char *since;	/* created at or after this stored time; NULL: any */
	int64_t sweep;		/* 0: any */
	int64_t cursor;		/* list ids below this; 0: from the newest */
	unsigned int limit;
};

/*
 * The next queued run, groups interleaved; 0 when none.  While a campaign
 * owns the host only its runs go, and only those of the step that is
 * running in this boot (boot_id).
 */
int store_next_queued(struct store *st, const char *boot_id, int64_t *id);
/* queued -> running; -EALREADY if it is no longer queued. */
int store_run_start(struct store *st, int64_t id);
/* The worker process running the run, once it exists. */
int store_run_set_worker(struct store *st, int64_t id, int pid);
int store_run_finish(struct store *st, int64_t id, const char *state,
		     const char *result, const char *error,
		     const char *summary);
/*
 * What the worker's R line says: the resolved spec, the environment (its
 * kernel recorded), and the metrics not measured ({"metric": "why"} as
 * JSON text; NULL: not known).
 */
int store_run_set_environment(struct store *st, int64_t id,
			      const char *resolved_spec,
			      struct json_object *environment, const char *missing);
int store_add_event(struct store *st, int64_t id, const char *message);
/* queued -> cancelled.  -EBUSY: it is running; -EALREADY: finished. */
int store_cancel_queued(struct store *st, int64_t id, const char **state);
/* Worker pids of the runs marked running (up to max). */
int store_running_pids(struct store *st, int *pids, int max);
/* Runs left 'running' become 'interrupted'; returns how many. */
int store_interrupt_running(struct store *st, const char *reason);
int store_run_state(struct store *st, int64_t id, char *state, size_t len,
		    int *pid);
/* The kernel a run ran on (GET /kernels adds its counts). */
struct store_kernel {
	int64_t id;
	char *release, *version, *cmdline, *boot_id, *hostname, *cpu_model, *first_seen;
	struct json_object *kvm_parameters;
	int64_t runs, runs_done;	/* store_kernels() only */
};

/*
 * A run as stored: text columns copied, JSON columns parsed strictly once
 * (NULL where the column is NULL).  The store reads and writes these;
 * what a reply makes of them is the presenter's (api/present.h).
 */
struct store_run {
	int64_t id;
	char *kind, *label, *state, *result, *error, *progress;
	struct json_object *tags, *spec, *resolved_spec, *summary, *missing;
	struct json_object *environment;	/* store_run_get() only */
	int64_t group_id, group_index;
	bool adaptive;				/* the next two are set */
	double target_ci_percent;
	int64_t max_repeat;
	int64_t sweep_id;			/* 0: not a sweep's */
	struct json_object *sweep_point;	/* its values of the swept keys */
	char *created_at, *started_at, *finished_at;
	bool has_kernel;			/* it recorded its environment */
	struct store_kernel kernel;
};

/* One run; -ENOENT if there is none, -EIO etc. on failure. */
int store_run_get(struct store *st, int64_t id, struct store_run *run);
void store_run_clear(struct store_run *run);

/* A page of runs, newest first; next_cursor 0 on the last page. */
struct store_run_page {
	struct store_run *runs;
	size_t n;
	int64_t next_cursor;
};
int store_list_runs(struct store *st, const struct run_filter *f, struct store_run_page *page);
void store_run_page_clear(struct store_run_page *page);

/* Changes whenever anything a listing shows may have changed. */
uint64_t store_generation(struct store *st);
/*
 * Bumped by every write that may change a finished run (done, failed,
 * cancelled, interrupted) or its kernel: all but a queued or running
 * run's progress.  What was read of a finished run is current while it
 * is unchanged, whatever runs go meanwhile.
 */
uint64_t store_settled(struct store *st);
/* Every kernel runs were recorded on, oldest first, with its run counts. */
int store_kernels(struct store *st, struct store_kernel **kernels, size_t *n);
void store_kernels_free(struct store_kernel *kernels, size_t n);
/* Run counts per state, for /metrics. */
int store_count_states(struct store *st, const char *const *states,
		       long *counts, unsigned int n);

#endif
