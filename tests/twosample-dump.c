// SPDX-License-Identifier: MIT
/*
 * Helper for test-twosample.py: runs the library's two-sample statistics
 * on the data sets of a JSON file and prints the results as JSON, so the
 * test can check them against SciPy, ministat and its own definitions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "stats.h"
#include "strict_json.h"
#include "twosample.h"

static struct json_object *num(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static double *values(struct json_object *arr, size_t *n)
{
	double *v;

	*n = json_object_array_length(arr);
	v = malloc(*n * sizeof(double));
	for (size_t i = 0; v && i < *n; i++)
		v[i] = json_object_get_double(json_object_array_get_idx(arr, i));
	return v;
}

static struct json_object *side(double *v, size_t n)
{
	struct json_object *o = json_object_new_object();
	double *sorted = malloc(n * sizeof(double)), lo, hi;
	struct mb_summary s;

	for (size_t i = 0; i < n; i++)
		sorted[i] = v[i];
	mb_summarize(sorted, n, &s);
	json_object_object_add(o, "n", json_object_new_int((int)n));
	json_object_object_add(o, "min", num(s.min));
	json_object_object_add(o, "max", num(s.max));
	json_object_object_add(o, "mean", num(s.mean));
	json_object_object_add(o, "median", num(s.median));
	json_object_object_add(o, "stdev", num(s.stdev));
	json_object_object_add(o, "p95", num(s.p95));
	json_object_object_add(o, "p99", num(mb_quantile_sorted(sorted, n, 0.99)));
	if (mb_median_ci(sorted, n, 0.95, &lo, &hi)) {
		json_object_object_add(o, "median_ci_lo", num(lo));
		json_object_object_add(o, "median_ci_hi", num(hi));
	}
	free(sorted);
	return o;
}

int main(int argc, char **argv)
{
	struct json_object *sets, *out = json_object_new_array();
	char err[256];

	if (argc < 2 || mb_json_parse_file(argv[1], &sets, err, sizeof(err))) {
		fprintf(stderr, "usage: twosample-dump FILE.json (%s)\n", argc < 2 ? "" : err);
		return 2;
	}
	for (size_t i = 0; i < json_object_array_length(sets); i++) {
		struct json_object *set = json_object_array_get_idx(sets, i), *jx, *jy, *r;
		struct mb_utest u;
		struct mb_welch w;
		double est, lo, hi, *x, *y;
		size_t nx, ny;

		json_object_object_get_ex(set, "x", &jx);
		json_object_object_get_ex(set, "y", &jy);
		x = values(jx, &nx);
		y = values(jy, &ny);
		r = json_object_new_object();
		json_object_object_add(r, "x", side(x, nx));
		json_object_object_add(r, "y", side(y, ny));
		mb_mann_whitney(x, nx, y, ny, &u);
		json_object_object_add(r, "u", num(u.u));
		json_object_object_add(r, "u_p", num(u.p));
		json_object_object_add(r, "u_exact", json_object_new_boolean(u.exact));
		json_object_object_add(r, "u_min_p", num(u.min_p));
		mb_welch_t(x, nx, y, ny, &w);
		json_object_object_add(r, "welch_t", num(w.t));
		json_object_object_add(r, "welch_df", num(w.df));
		json_object_object_add(r, "welch_p", num(w.p));
		json_object_object_add(r, "welch_diff_lo", num(w.diff_lo));
		json_object_object_add(r, "welch_diff_hi", num(w.diff_hi));
		if (mb_shift_ci(x, nx, y, ny, 0.95, &est, &lo, &hi)) {
			json_object_object_add(r, "shift_lo", num(lo));
			json_object_object_add(r, "shift_hi", num(hi));
		}
		json_object_object_add(r, "shift", num(est));
		json_object_array_add(out, r);
		free(x);
		free(y);
	}
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	json_object_put(sets);
	return 0;
}
