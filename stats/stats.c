// SPDX-License-Identifier: MIT
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

int mb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double mb_quantile_sorted(const double *sorted, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)pos;
	double frac = pos - (double)lo;

	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

int mb_summarize(double *values, size_t n, struct mb_summary *out)
{
	double sum = 0, sq = 0, mean;

	if (!n)
		return -EINVAL;
	qsort(values, n, sizeof(*values), mb_cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += values[i];
	mean = sum / (double)n;
	/* two passes: the deviations are small next to ns-sized values */
	for (size_t i = 0; i < n; i++)
		sq += (values[i] - mean) * (values[i] - mean);
	out->n = n;
	out->min = values[0];
	out->max = values[n - 1];
	out->mean = mean;
	out->median = mb_quantile_sorted(values, n, 0.5);
	out->p95 = mb_quantile_sorted(values, n, 0.95);
	out->stdev = n > 1 ? sqrt(sq / (double)(n - 1)) : NAN;
	return 0;
}

static struct json_object *number(double v)
{
	if (!isfinite(v))
		return NULL;	/* json-c writes NULL as null */
	if (v == floor(v) && fabs(v) < 9e15)
		return json_object_new_int64((int64_t)v);
	return json_object_new_double(v);
}

struct json_object *mb_summary_to_json(const struct mb_summary *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "n", json_object_new_int64((int64_t)s->n));
	json_object_object_add(o, "min", number(s->min));
	json_object_object_add(o, "median", number(s->median));
	json_object_object_add(o, "mean", number(s->mean));
	json_object_object_add(o, "p95", number(s->p95));
	json_object_object_add(o, "max", number(s->max));
	json_object_object_add(o, "stdev", number(s->stdev));
	return o;
}
