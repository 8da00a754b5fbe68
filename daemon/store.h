/* SPDX-License-Identifier: MIT */
/*
 * The SQLite store: runs, their samples, events and kernels, and the host
 * resources runs hold.  One writer connection behind a mutex; each thread
 * that reads gets its own connection, so reads go on (WAL) while a run's
 * samples are written.  Functions return 0 or a negative errno.
 */
#ifndef MIGBENCH_STORE_H
#define MIGBENCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "error.h"
#include "samples.h"

#define STORE_SCHEMA_VERSION 6

struct store;

/* A store error (-errno) in words: -EBUSY is another process's lock. */
const char *store_strerror(int code);
int store_open(const char *path, struct store **out, char *err, size_t err_len);
void store_close(struct store *st);
int store_schema_version(struct store *st);
/* PRAGMA integrity_check: 0 when "ok". */
int store_check_integrity(struct store *st, char *err, size_t err_len);

/* Runs */
struct run_filter {
	const char *state, *kind, *label, *kernel;	/* NULL: any */
	int64_t sweep;		/* 0: any */
	int64_t cursor;		/* list ids below this; 0: from the newest */
	unsigned int limit;
};

/* target_ci_percent 0: a fixed group of repeat runs. */
int store_create_runs(struct store *st, const char *kind, const char *spec,
		      const char *label, const char *tags, unsigned int repeat,
		      double target_ci_percent, unsigned int max_repeat,
		      int64_t *first_id);

/* One combination of a sweep: its plain spec, and its values of the swept keys ({"vcpus": 2}). */
struct store_sweep_point {
	const char *spec;
	const char *point;
};
/*
 * A sweep: one group of repeat runs per point, in one transaction, all
 * with one new sweep id; each group's first run id in first_ids[].
 */
int store_create_sweep(struct store *st, const char *kind,
		       const struct store_sweep_point *points, size_t n, const char *label,
		       const char *tags, unsigned int repeat, double target_ci_percent,
		       unsigned int max_repeat, int64_t *first_ids);

/* What adaptive repetition needs to know about a run's group. */
struct group_state {
	int64_t group_id;
	double target_ci_percent;	/* 0: not adaptive */
	unsigned int max_repeat;
	unsigned int runs;		/* in the group, any state */
	unsigned int pending;		/* queued or running */
};

int store_group_state(struct store *st, int64_t run_id, struct group_state *g);
/*
 * Values handed out a group at a time: fn(ctx, key, values, n), values
 * the callee may reorder; a non-zero return stops the walk and is passed on.
 */
typedef int (*store_values_fn)(void *ctx, const char *key, double *values, size_t n);

/* Each done run of the group: its values of metric (key: the run id). */
int store_group_values(struct store *st, int64_t group_id, const char *metric,
		       store_values_fn fn, void *ctx);
/* Queue one more run in the group, a copy of its first; its id in *id. */
int store_extend_group(struct store *st, int64_t group_id, int64_t *id);
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
/* The run as the API returns it; -ENOENT if there is none, -EIO etc. on failure. */
int store_run_json(struct store *st, int64_t id, struct json_object **run);
/*
 * A page of runs as JSON text, {"runs": [...], "next_cursor": N}, built
 * straight from the rows (stored JSON columns are embedded as they are),
 * with a short kernel; *next_cursor is 0 on the last page.
 */
int store_list_runs_text(struct store *st, const struct run_filter *f,
			 int64_t *next_cursor, char **text, size_t *len);
/* Changes whenever anything a listing shows may have changed. */
uint64_t store_generation(struct store *st);
struct json_object *store_kernels_json(struct store *st);
/* Run counts per state, for /metrics. */
int store_count_states(struct store *st, const char *const *states,
		       long *counts, unsigned int n);

/* Samples; set names the kvm_stat rows' statistics (mb_sample_name). */
int store_add_samples(struct store *st, int64_t id, const struct mb_samples *set,
		      const struct mb_sample *rows, size_t n);
/*
 * The run's samples as a JSON document or CSV, read a page at a time as
 * the text is asked for: store_samples_read() fills buf and returns the
 * bytes written, 0 at the end, or -errno.  Each page is a query of its
 * own, on the reading thread's connection.
 */
struct store_samples_cursor;
int store_samples_open(struct store *st, int64_t id, bool csv,
		       struct store_samples_cursor **out);
ssize_t store_samples_read(struct store_samples_cursor *c, char *buf, size_t max);
void store_samples_close(struct store_samples_cursor *c);
/* The run's values, one metric at a time (key: the metric). */
int store_run_values(struct store *st, int64_t id, store_values_fn fn, void *ctx);

/* Comparisons (store_select.c) */
/*
 * The done runs a selector names, oldest first: LABEL, label:L,
 * kernel:RELEASE, tag:KEY=VALUE, sweep:ID or runs:1,2,3.  At most max, *truncated
 * when more match.  -EINVAL for a bad selector, -ENOENT when none match,
 * with the message in err naming what (the request field).
 */
int store_select_runs(struct store *st, const char *what, const char *selector,
		      int64_t *ids, size_t max, size_t *n, bool *truncated,
		      struct mb_error *err);
/* Each sample of the run, ordered by metric; fn's non-zero return stops. */
typedef int (*store_sample_fn)(void *ctx, const char *metric, uint32_t iteration,
			       double value);
int store_each_sample(struct store *st, int64_t id, store_sample_fn fn, void *ctx);

/* Campaigns (store_campaigns.c) */
struct store_step_plan {
	int round;	/* 1.. */
	int kernel;	/* index in the spec's kernels */
};
/* A campaign and its steps, 'active'; -EBUSY while another one is. */
int store_campaign_create(struct store *st, const char *spec,
			  const struct store_step_plan *steps, size_t n, int64_t *id);
/* The active (or aborting) campaign: *id 0 when none; spec to free. */
int store_campaign_active(struct store *st, int64_t *id, char **spec, char *state, size_t len);
/* 'active', 'aborting', or an end ('done', 'failed', 'aborted') with reason. */
int store_campaign_set_state(struct store *st, int64_t campaign_id, const char *state,
			     const char *reason);

struct store_step {
	int64_t id, campaign_id;
	int seq, round, kernel;
	char state[16];		/* pending, booting, running, done, boot-failed, skipped */
	int attempts;		/* boots into it so far */
	int restarts;		/* migbenchd or the host restarted during it */
	char token[96];		/* migbench.step=... */
	char expect_release[128], expect_version[256];
	char booted_from[40];	/* boot_id of the boot that rebooted into it */
	char boot_id[40];	/* the boot it runs in */
	char reason[512];	/* what came up instead, why it stopped */
};
/* The first step not done or skipped; -ENOENT when none is left. */
int store_campaign_next_step(struct store *st, int64_t campaign_id, struct store_step *step);
/* Write the step as it is now; reason (what came up, why it stopped) if not NULL. */
int store_step_update(struct store *st, const struct store_step *step, const char *reason);
int store_campaign_event(struct store *st, int64_t campaign_id, int64_t step_id,
			 const char *kind, const char *message);
/* Of the step's runs for one request: not interrupted, queued or running, interrupted. */
int store_step_run_counts(struct store *st, int64_t step_id, int request,
			  unsigned int *kept, unsigned int *pending, unsigned int *interrupted);
/* n queued runs of the step, one group. */
int store_step_runs_create(struct store *st, int64_t step_id, int request, const char *kind,
			   const char *spec, const char *label, const char *tags, unsigned int n);
/* The done runs of one kernel and request of a campaign, oldest first. */
int store_campaign_run_ids(struct store *st, int64_t campaign_id, int kernel, int request,
			   int64_t *ids, size_t max, size_t *n, bool *truncated);
/* The campaign, its steps with their runs, and its events; -ENOENT if none. */
int store_campaign_json(struct store *st, int64_t id, struct json_object **out);
/* {"campaigns": [...]}, newest first. */
int store_campaigns_json(struct store *st, unsigned int limit, struct json_object **out);

/* Host holdings: written before a resource is taken. */
int store_holding_add(struct store *st, int64_t run_id, uint64_t page_size,
		      long previous_nr, int64_t *holding_id);
int store_holding_release(struct store *st, int64_t holding_id);
/* Call fn for every holding not yet released. */
int store_holdings_open(struct store *st,
			void (*fn)(void *ctx, int64_t id, int64_t run_id,
				   uint64_t page_size, long previous_nr),
			void *ctx);

#endif
