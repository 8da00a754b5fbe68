/* SPDX-License-Identifier: MIT */
/*
 * One row of a comparison: a metric's values on the two sides described
 * (n, median, mean, spread) and, over runs (one value per run), tested:
 * the median's 95% CI, Mann-Whitney U, Welch's t for the means, and the
 * delta of the medians with the Hodges-Lehmann shift's 95% CI.  Over
 * iterations it is described only.  Its verdict, adjusted p and
 * detectable change are the family's (compare_family.h).
 */
#ifndef MIGBENCH_COMPARE_ROW_H
#define MIGBENCH_COMPARE_ROW_H

#include <stddef.h>
#include <json-c/json.h>

/* The row of metric over "runs" or "iterations", with its label; verdict null until judged. */
struct json_object *compare_row_make(const char *metric, const char *over,
				     const double *base, size_t nb,
				     const double *new, size_t nn);

/* What a metric measures, in a few words (samples.h); null for a name migbench does not know. */
struct json_object *compare_label(const char *metric);
/* A number as JSON: an integer when it is one, null when not finite. */
struct json_object *compare_number(double v);
/* o[key] as a number; NaN when o has none. */
double compare_get_number(struct json_object *o, const char *key);

#endif
