// SPDX-License-Identifier: MIT
#include "compare_row.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "samples.h"
#include "stats.h"
#include "summary.h"
#include "twosample.h"
#include "units.h"

struct json_object *compare_number(double v)
{
	if (!isfinite(v))
		return NULL;
	if (v == floor(v) && fabs(v) < 9e15)
		return json_object_new_int64((int64_t)v);
	return json_object_new_double(v);
}

static struct json_object *pair(double lo, double hi)
{
	struct json_object *a;

	if (!isfinite(lo) || !isfinite(hi))
		return NULL;
	a = json_object_new_array();
	json_object_array_add(a, compare_number(lo));
	json_object_array_add(a, compare_number(hi));
	return a;
}

/* n, min, median, mean, p95, max, stdev, p99, cv; the median's 95% CI only of independent values */
static struct json_object *describe(const double *v, size_t n, bool independent)
{
	double *sorted = malloc(n * sizeof(double)), lo, hi;
	struct json_object *o;
	struct mb_summary s;

	memcpy(sorted, v, n * sizeof(double));
	mb_summarize(sorted, n, &s);
	o = mb_summary_to_json(&s);	/* n, min, median, mean, p95, max, stdev */
	json_object_object_add(o, "p99", compare_number(mb_quantile_sorted(sorted, s.n, 0.99)));
	json_object_object_add(o, "cv", compare_number(s.mean != 0 ? s.stdev / s.mean : NAN));
	if (!independent || !mb_median_ci(sorted, s.n, 0.95, &lo, &hi))
		lo = hi = NAN;
	json_object_object_add(o, "median_ci", pair(lo, hi));
	if (s.n <= 1000) {	/* for plots of the distributions; bounded */
		struct json_object *values = json_object_new_array_ext((int)s.n);

		for (size_t i = 0; i < n; i++)
			json_object_array_add(values, compare_number(v[i]));
		json_object_object_add(o, "values", values);
	}
	free(sorted);
	return o;
}

struct json_object *compare_label(const char *metric)
{
	const char *label = mb_metric_label_of(metric);

	return label ? json_object_new_string(label) : NULL;
}

double compare_get_number(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_double(v) : NAN;
}

struct json_object *compare_row_make(const char *name, const char *over,
				     const double *base, size_t nb,
				     const double *new, size_t nn)
{
	struct json_object *row = json_object_new_object(), *b, *n;
	bool lower_better = mb_metric_ends(name, "_ns") || mb_metric_ends(name, "_ms");
	bool tested = !strcmp(over, "runs");	/* iterations: described only */
	double est, lo = NAN, hi = NAN, mb, mn, delta;
	struct mb_utest u = { .p = NAN, .min_p = NAN };
	struct mb_welch w = { .t = NAN, .df = NAN, .p = NAN };

	b = describe(base, nb, tested);
	n = describe(new, nn, tested);
	mb = compare_get_number(b, "median");
	mn = compare_get_number(n, "median");
	if (tested) {
		mb_mann_whitney(base, nb, new, nn, &u);
		mb_welch_t(base, nb, new, nn, &w);
		mb_shift_ci(base, nb, new, nn, 0.95, &est, &lo, &hi);
	}
	delta = mb != 0 ? (mn - mb) / mb * 100.0 : NAN;
	json_object_object_add(row, "metric", json_object_new_string(name));
	json_object_object_add(row, "label", compare_label(name));
	json_object_object_add(row, "unit", json_object_new_string(mb_unit_name(mb_metric_unit(name))));
	json_object_object_add(row, "over", json_object_new_string(over));
	json_object_object_add(row, "better", json_object_new_string(lower_better ? "lower" : "none"));
	json_object_object_add(row, "base", b);
	json_object_object_add(row, "new", n);
	json_object_object_add(row, "delta_pct", compare_number(delta));
	json_object_object_add(row, "delta_pct_ci",
			       mb != 0 ? pair(lo / mb * 100.0, hi / mb * 100.0) : NULL);
	json_object_object_add(row, "u_p", compare_number(u.p));
	json_object_object_add(row, "u_min_p", compare_number(u.min_p));
	json_object_object_add(row, "welch_t", compare_number(w.t));
	json_object_object_add(row, "welch_df", compare_number(w.df));
	json_object_object_add(row, "welch_p", compare_number(w.p));
	/* the family's (compare_family.c), over every per-run row */
	json_object_object_add(row, "p_adjusted", NULL);
	json_object_object_add(row, "detectable_pct", NULL);
	json_object_object_add(row, "verdict", NULL);
	return row;
}
