/* SPDX-License-Identifier: MIT */
/* Descriptive statistics of one metric's values. */
#ifndef MIGBENCH_STATS_H
#define MIGBENCH_STATS_H

#include <stddef.h>
#include <json-c/json.h>

struct mb_summary {
	size_t n;
	double min, median, mean, p95, max;
	double stdev;		/* sample (n - 1); NAN when n < 2 */
};

/* Summarise n values (reordered in place).  -EINVAL when n == 0. */
int mb_summarize(double *values, size_t n, struct mb_summary *out);

/* Sort doubles ascending, in place; a radix sort for many (NaNs last if
 * positive, first if negative). */
void mb_sort_doubles(double *values, size_t n);

/* qsort comparator for doubles, ascending. */
int mb_cmp_double(const void *a, const void *b);

/* Quantile of sorted values, linear interpolation between order stats. */
double mb_quantile_sorted(const double *sorted, size_t n, double q);

/* {n, min, median, mean, p95, max, stdev}; non-finite values as null. */
struct json_object *mb_summary_to_json(const struct mb_summary *s);

#endif
