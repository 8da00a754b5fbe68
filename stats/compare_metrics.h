/* SPDX-License-Identifier: MIT */
/*
 * The metrics of a comparison as its runs are read (compare_metrics.c):
 * per metric and side, one value per run and every sample, and why runs
 * did not measure it.  compare.c fills one set for all the runs and, in a
 * sweep, one per point.
 */
#ifndef MIGBENCH_COMPARE_METRICS_H
#define MIGBENCH_COMPARE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

struct compare_values {
	double *v;
	size_t n, cap;
};

/*
 * One metric on one side: one value per run, and every sample; runs[].n
 * is how many runs have it.  why[]: the reasons runs gave for not
 * measuring it, {"reason": runs}, NULL until one does.
 */
struct compare_metric {
	char name[64];
	size_t rank;			/* in the report: the engine's lead first */
	bool per_iteration;
	struct compare_values runs[2];	/* [side] */
	struct compare_values samples[2];
	struct json_object *why[2];
};

struct compare_metrics {
	struct compare_metric *m;
	size_t nm;
};

/* v appended; 0 or -ENOMEM. */
int compare_values_push(struct compare_values *vals, double v);
/* The metric of that name in the set; NULL where it has none. */
struct compare_metric *compare_metrics_find(struct compare_metrics *set, const char *name);
/* The metric of that name, added empty where the set has none; NULL: no memory. */
struct compare_metric *compare_metrics_get(struct compare_metrics *set, const char *name);
void compare_metrics_free(struct compare_metrics *set);

#endif
