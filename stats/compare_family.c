// SPDX-License-Identifier: MIT
#include "compare_family.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compare_model.h"
#include "compare_row.h"
#include "twosample.h"

struct member {
	struct json_object *row;
	double p;
};

static int by_p(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;	/* ties: any order gives the same p */
}

double compare_detectable_pct(double se, double df, double median, double level)
{
	if (!isfinite(median) || median == 0)
		return NAN;
	if (se == 0)
		return 0;
	if (!(df > 0))
		return NAN;
	return (mb_student_t_quantile(1.0 - level / 2.0, df) +
		mb_student_t_quantile(COMPARE_POWER, df)) * se / fabs(median) * 100.0;
}

/* A row's detectable change, from its per-run values' spread; NaN with one run on a side. */
static double detectable(struct json_object *row, double level)
{
	struct json_object *b = model_get(row, "base"), *n = model_get(row, "new");
	double nb = model_num(b, "n"), nn = model_num(n, "n"), sb = model_num(b, "stdev"),
	       sn = model_num(n, "stdev");

	if (!(nb >= 2 && nn >= 2) || !isfinite(sb) || !isfinite(sn))
		return NAN;
	return compare_detectable_pct(sqrt(sb * sb / nb + sn * sn / nn), model_num(row, "welch_df"),
				      model_num(b, "median"), level);
}

static const char *verdict(struct json_object *row, double p_adjusted, double seen,
			   double min_p, double level, double alpha)
{
	bool lower_better = !strcmp(model_str(row, "better"), "lower");
	double mb = model_num(model_get(row, "base"), "median"),
	       mn = model_num(model_get(row, "new"), "median");

	if (p_adjusted < alpha)
		return !lower_better ? "changed" : mn < mb ? "improved" : "regressed";
	/*
	 * no runs enough to reach the corrected level, or to see a small
	 * change; a smallest p not known (groups too large to tabulate)
	 * is no bar
	 */
	if ((isfinite(min_p) && min_p >= level) || !(seen <= COMPARE_DETECTABLE_PCT))
		return "could not tell";
	return "~";
}

size_t compare_family_judge(struct json_object *rows, double alpha)
{
	size_t n = json_object_array_length(rows), m = 0;
	struct member *f = calloc(n ? n : 1, sizeof(*f));
	double running = 0, level;

	if (!f)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);

		if (!strcmp(model_str(row, "over"), "runs") && isfinite(model_num(row, "u_p")))
			f[m++] = (struct member){ row, model_num(row, "u_p") };
	}
	qsort(f, m, sizeof(*f), by_p);
	level = m ? alpha / (double)m : alpha;	/* what the first of Holm's steps needs */
	for (size_t k = 0; k < m; k++) {
		/* Holm: the k-th smallest p times the tests left, never below the one before */
		double adjusted = fmin(1.0, (double)(m - k) * f[k].p), seen;

		running = fmax(running, adjusted);
		seen = detectable(f[k].row, level);
		json_object_object_add(f[k].row, "p_adjusted", compare_number(running));
		json_object_object_add(f[k].row, "detectable_pct", compare_number(seen));
		json_object_object_add(f[k].row, "verdict", json_object_new_string(
			verdict(f[k].row, running, seen, model_num(f[k].row, "u_min_p"), level, alpha)));
	}
	free(f);
	return m;
}
