// SPDX-License-Identifier: MIT
#include "compare_missing.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"

void compare_missing_count(struct json_object **why, const char *reason)
{
	struct json_object *n;

	if (!*why)
		*why = json_object_new_object();
	json_object_object_add(*why, reason, json_object_new_int64(
		json_object_object_get_ex(*why, reason, &n) ? json_object_get_int64(n) + 1 : 1));
}

static void add_reason(struct json_object *reasons, const char *reason, int64_t runs)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "reason", json_object_new_string(reason));
	json_object_object_add(r, "runs", json_object_new_int64(runs));
	json_object_array_add(reasons, r);
}

struct json_object *compare_missing_entry(const char *metric, const char *side, size_t runs,
					  size_t runs_with, struct json_object *why)
{
	struct json_object *e, *reasons;
	size_t without = runs - runs_with, told = 0;

	if (!without)
		return NULL;
	reasons = json_object_new_array();
	if (why) {
		json_object_object_foreach(why, reason, n) {
			add_reason(reasons, reason, json_object_get_int64(n));
			told += (size_t)json_object_get_int64(n);
		}
	}
	/* a run may also lack a metric it did not name: it said nothing why */
	if (told < without)
		add_reason(reasons, "no samples, no reason recorded", (int64_t)(without - told));
	e = json_object_new_object();
	json_object_object_add(e, "metric", json_object_new_string(metric));
	json_object_object_add(e, "side", json_object_new_string(side));
	json_object_object_add(e, "runs_without", json_object_new_int64((int64_t)without));
	json_object_object_add(e, "runs", json_object_new_int64((int64_t)runs));
	json_object_object_add(e, "reasons", reasons);
	return e;
}

/*
 * The report's lines of what was not measured: the model keeps one entry
 * per metric and side (each with its reasons); a reader wants one line per
 * reason, naming the sides and runs it covers and every metric it took,
 * as the warnings are folded.
 */
/* One reason on one side for the same number of runs, and the metrics it took. */
struct fold {
	const char *reason, *side;
	double runs, of;
	const char **metrics;
	size_t n;
	bool merged;		/* into an earlier fold of the same reason and metrics */
};

static const char *text_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

static double number_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_double(v) : 0;
}

static struct fold *fold_for(struct fold **folds, size_t *n, const char *reason, const char *side,
			     double runs, double of)
{
	struct fold *f;

	for (size_t i = 0; i < *n; i++) {
		f = &(*folds)[i];
		if (!strcmp(f->reason, reason) && !strcmp(f->side, side) && f->runs == runs && f->of == of)
			return f;
	}
	f = realloc(*folds, (*n + 1) * sizeof(**folds));
	if (!f)
		return NULL;
	*folds = f;
	f = &f[(*n)++];
	*f = (struct fold){ .reason = reason, .side = side, .runs = runs, .of = of };
	return f;
}

static bool same_metrics(const struct fold *a, const struct fold *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->metrics[i], b->metrics[i]))
			return false;
	return true;
}

static void side_part(struct textbuf *b, const struct fold *f, bool first)
{
	textbuf_printf(b, "%s%s side, %.0f of %.0f run%s", first ? "" : "; ", f->side, f->runs, f->of,
		       f->of == 1 ? "" : "s");
}

struct json_object *compare_missing_lines(struct json_object *missing, const char *quote)
{
	struct json_object *out = json_object_new_array();
	size_t n = json_object_is_type(missing, json_type_array) ? json_object_array_length(missing) : 0;
	struct fold *folds = NULL;
	size_t nf = 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(missing, i), *reasons = NULL;

		json_object_object_get_ex(e, "reasons", &reasons);
		for (size_t r = 0; r < json_object_array_length(reasons); r++) {
			struct json_object *why = json_object_array_get_idx(reasons, r);
			struct fold *f = fold_for(&folds, &nf, text_of(why, "reason"), text_of(e, "side"),
						  number_of(why, "runs"), number_of(e, "runs"));
			const char **m = f ? realloc(f->metrics, (f->n + 1) * sizeof(*m)) : NULL;

			if (!m)
				break;
			f->metrics = m;
			m[f->n++] = text_of(e, "metric");
		}
	}
	for (size_t i = 0; i < nf; i++) {
		struct textbuf b = { 0 };
		size_t len;
		char *line;

		if (folds[i].merged)
			continue;
		textbuf_printf(&b, "%s: ", folds[i].reason);
		side_part(&b, &folds[i], true);
		for (size_t j = i + 1; j < nf; j++)	/* the other side, if the same metrics */
			if (!folds[j].merged && !strcmp(folds[j].reason, folds[i].reason) &&
			    strcmp(folds[j].side, folds[i].side) && same_metrics(&folds[i], &folds[j])) {
				side_part(&b, &folds[j], false);
				folds[j].merged = true;
			}
		textbuf_printf(&b, ": ");
		for (size_t k = 0; k < folds[i].n; k++)
			textbuf_printf(&b, "%s%s%s%s", k ? ", " : "", quote, folds[i].metrics[k], quote);
		line = textbuf_take(&b, &len);
		if (line)
			json_object_array_add(out, json_object_new_string(line));
		free(line);
	}
	for (size_t i = 0; i < nf; i++)
		free(folds[i].metrics);
	free(folds);
	return out;
}
