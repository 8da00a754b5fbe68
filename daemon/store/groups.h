/* SPDX-License-Identifier: MIT */
/* Groups of runs: a repeat, a sweep's points, adaptive repetition. */
#ifndef MIGBENCH_STORE_GROUPS_H
#define MIGBENCH_STORE_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

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
/* Each done run of the group: its values of metric (key: the run id). */
int store_group_values(struct store *st, int64_t group_id, const char *metric,
		       store_values_fn fn, void *ctx);
/* Queue one more run in the group, a copy of its first; its id in *id. */
int store_extend_group(struct store *st, int64_t group_id, int64_t *id);

#endif
