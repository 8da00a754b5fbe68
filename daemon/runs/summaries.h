/* SPDX-License-Identifier: MIT */
/*
 * Statistics of what the store keeps: a finished run's summary, and one
 * median per done run of a group.  The store reads the values; stats/
 * computes.
 */
#ifndef MIGBENCH_SUMMARIES_H
#define MIGBENCH_SUMMARIES_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "store/store.h"

/* {"<metric>": {n, min, median, mean, p95, max, stdev}}; NULL on a store error. */
struct json_object *summary_of_run(struct store *st, int64_t id);

/* One value per done run of the group: its median of metric; caller frees. */
int summary_group_medians(struct store *st, int64_t group_id, const char *metric,
			  double **values, size_t *n);

#endif
