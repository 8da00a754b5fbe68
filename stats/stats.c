// SPDX-License-Identifier: MIT
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int mb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* An order-preserving key: IEEE 754 sign and magnitude to an unsigned
 * integer that compares as the double does (-0.0 just below +0.0; NaNs at
 * the ends, where qsort would have left them anywhere). */
static uint64_t sort_key(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b >> 63 ? ~b : b | (1ULL << 63);
}

static double from_key(uint64_t k)
{
	uint64_t b = k >> 63 ? k & ~(1ULL << 63) : ~k;
	double v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

#define RADIX_BITS 11
#define RADIX_PASSES ((64 + RADIX_BITS - 1) / RADIX_BITS)
#define RADIX (1u << RADIX_BITS)
/* below this qsort wins: the histograms cost more than the comparisons */
#define RADIX_MIN 1024

/*
 * A run's summary sorts every value of each metric, a million and more
 * for a long run: with qsort's callback per comparison that was a sixth
 * of the daemon's time ingesting one.  An LSD radix sort on order-
 * preserving keys takes a histogram pass and one scatter per digit that
 * varies: integer-valued samples leave their low mantissa digits zero,
 * and a digit every key shares costs no pass.
 */
void mb_sort_doubles(double *values, size_t n)
{
	size_t (*count)[RADIX] = NULL;
	uint64_t *a = NULL, *b = NULL;

	if (n >= RADIX_MIN) {
		count = calloc(RADIX_PASSES, sizeof(*count));
		a = malloc(n * sizeof(*a));
		b = malloc(n * sizeof(*b));
	}
	if (!count || !a || !b) {	/* small, or no memory for the keys */
		free(count);
		free(a);
		free(b);
		qsort(values, n, sizeof(*values), mb_cmp_double);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		a[i] = sort_key(values[i]);
		for (int p = 0; p < RADIX_PASSES; p++)
			count[p][(a[i] >> (p * RADIX_BITS)) & (RADIX - 1)]++;
	}
	for (int p = 0; p < RADIX_PASSES; p++) {
		unsigned shift = p * RADIX_BITS;
		size_t sum = 0;
		uint64_t *t;

		if (count[p][(a[0] >> shift) & (RADIX - 1)] == n)
			continue;	/* every key has this digit: the order stands */
		for (unsigned d = 0; d < RADIX; d++) {
			size_t c = count[p][d];

			count[p][d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[count[p][(a[i] >> shift) & (RADIX - 1)]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < n; i++)
		values[i] = from_key(a[i]);
	free(count);
	free(a);
	free(b);
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
	mb_sort_doubles(values, n);
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
