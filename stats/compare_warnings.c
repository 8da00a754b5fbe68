// SPDX-License-Identifier: MIT
#include "compare_warnings.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_model.h"
#include "compare_sweep.h"
#include "textbuf.h"

#define MAX_GROUPS 16

static const char *metric(struct json_object *row)
{
	return model_str(row, "metric");
}

static bool per_run(struct json_object *row)
{
	return !strcmp(model_str(row, "over"), "runs");
}

/* " at vcpus=2, backing=hugetlb-1g": a sweep's row's point, as its label; "" for others. */
static void point_of(struct json_object *row, char *out, size_t len)
{
	struct json_object *point = model_get(row, "point");
	size_t at = 0;

	out[0] = '\0';
	if (!json_object_is_type(point, json_type_object))
		return;
	json_object_object_foreach(point, key, value) {
		char v[128];

		compare_sweep_value_text(value, v, sizeof(v));
		if (at < len)
			at += (size_t)snprintf(out + at, len - at, "%s%s=%s", at ? ", " : " at ",
					       key, v);
	}
}

static void add(struct json_object *warnings, struct textbuf *b)
{
	size_t len;
	char *text = textbuf_take(b, &len);

	if (text)
		json_object_array_add(warnings, json_object_new_string(text));
	free(text);
}

/* "a (new 12%), b over iterations (base 15%, new 11%)", "c at vcpus=2 (base 14%)" */
static void high_spread(struct json_object *rows, struct json_object *warnings)
{
	static const char *const sides[] = { "base", "new" };
	struct textbuf b = { 0 };
	size_t listed = 0;

	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		bool open = false;
		char where[300];

		point_of(row, where, sizeof(where));
		for (int sd = 0; sd < 2; sd++) {
			double cv = model_num(model_get(row, sides[sd]), "cv");

			if (!(cv > COMPARE_HIGH_CV))
				continue;
			if (!open)
				textbuf_printf(&b, "%s%s%s%s (", listed++ ? ", " : "coefficient of "
					       "variation over 10%, which can hide a change: ", metric(row),
					       per_run(row) ? "" : " over iterations", where);
			textbuf_printf(&b, "%s%s %.0f%%", open ? ", " : "", sides[sd], cv * 100.0);
			open = true;
		}
		if (open)
			textbuf_printf(&b, ")");
	}
	if (listed)
		add(warnings, &b);
}

/* Per-run rows alike in their numbers of runs, and so in the smallest p. */
struct few {
	double base, new, min_p;
	size_t rows;
};

static struct few *group_of(struct few *g, size_t *n, double base, double new, double min_p)
{
	for (size_t i = 0; i < *n; i++)
		if (g[i].base == base && g[i].new == new)
			return &g[i];
	if (*n == MAX_GROUPS)
		return NULL;
	g[*n] = (struct few){ base, new, min_p, 0 };
	return &g[(*n)++];
}

/*
 * A per-run row whose runs cannot reach level: its smallest possible
 * U-test p is not below it, and it was not called changed (with ties the
 * U test's normal approximation can go below the exact smallest p).
 */
static bool weak_row(struct json_object *row, double level, double alpha)
{
	return model_num(row, "u_min_p") >= level && !(model_num(row, "p_adjusted") < alpha);
}

/*
 * The per-run rows whose smallest possible U-test p is not below the
 * level the first of Holm's steps needs (alpha over the family's size):
 * with every row alike, one sentence; otherwise each number of runs with
 * its rows (in a sweep, each with its point).
 */
static void too_few_runs(struct json_object *rows, double alpha, size_t family,
			 struct json_object *warnings)
{
	struct few groups[MAX_GROUPS];
	struct textbuf b = { 0 };
	size_t n = 0, per_run_rows = 0, weak = 0;
	double level = family ? alpha / (double)family : alpha;
	char why[160];

	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		struct few *g;

		if (!per_run(row))
			continue;
		per_run_rows++;
		if (!weak_row(row, level, alpha))
			continue;
		g = group_of(groups, &n, model_num(model_get(row, "base"), "n"),
			     model_num(model_get(row, "new"), "n"), model_num(row, "u_min_p"));
		if (g)
			g->rows++;
		weak++;
	}
	if (!weak)
		return;
	if (family > 1)
		snprintf(why, sizeof(why), "%.2g (alpha %g over %zu per-run rows, Holm's first step)",
			 level, alpha, family);
	else
		snprintf(why, sizeof(why), "%g", alpha);
	if (n == 1 && weak == per_run_rows) {
		textbuf_printf(&b, "with %.0f base and %.0f new runs the smallest possible U-test p is "
			       "%.3f, not below %s: the per-run rows cannot be significant",
			       groups[0].base, groups[0].new, groups[0].min_p, why);
		add(warnings, &b);
		return;
	}
	textbuf_printf(&b, "too few runs for the U test to reach p < %s in these per-run rows:", why);
	for (size_t k = 0; k < n; k++) {
		bool first = true;

		textbuf_printf(&b, "%s %.0f base and %.0f new runs (smallest possible p %.3f): ",
			       k ? ";" : "", groups[k].base, groups[k].new, groups[k].min_p);
		for (size_t i = 0; i < json_object_array_length(rows); i++) {
			struct json_object *row = json_object_array_get_idx(rows, i);
			char where[300];

			if (!per_run(row) || !weak_row(row, level, alpha) ||
			    model_num(model_get(row, "base"), "n") != groups[k].base ||
			    model_num(model_get(row, "new"), "n") != groups[k].new)
				continue;
			point_of(row, where, sizeof(where));
			textbuf_printf(&b, "%s%s%s", first ? "" : ", ", metric(row), where);
			first = false;
		}
	}
	add(warnings, &b);
}

void compare_warn_rows(struct json_object *rows, double alpha, size_t family,
		       struct json_object *warnings)
{
	high_spread(rows, warnings);
	too_few_runs(rows, alpha, family, warnings);
}
