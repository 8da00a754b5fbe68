/* SPDX-License-Identifier: MIT */
/*
 * A run's summary: n, min, median, mean, p95, max and stdev per metric,
 * from samples in memory (a command's own run) or from the store's values
 * (a run migbenchd kept).
 */
#ifndef MIGBENCH_SUMMARY_H
#define MIGBENCH_SUMMARY_H

#include <stddef.h>
#include <json-c/json.h>

#include "samples.h"

/* {"<metric>": {n, min, median, mean, p95, max, stdev}, ...} */
struct json_object *mb_samples_summary_json(const struct mb_samples *s);

/* Add metric's summary of n values (reordered) to out; nothing for n 0. */
void mb_summary_add(struct json_object *out, const char *metric,
		    double *values, size_t n);

/*
 * A run as one document: {"spec", "environment", "samples", "summary"},
 * and "missing" ({"metric": "why"}) when the run names metrics it did not
 * measure (missing not NULL).
 */
struct json_object *mb_result_json(struct json_object *spec,
				   struct json_object *environment,
				   const struct mb_samples *samples,
				   struct json_object *missing);

#endif
