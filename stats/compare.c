// SPDX-License-Identifier: MIT
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_family.h"
#include "compare_metrics.h"
#include "compare_missing.h"
#include "compare_row.h"
#include "compare_select.h"
#include "compare_specs.h"
#include "compare_sweep.h"
#include "compare_warnings.h"
#include "samples.h"
#include "stats.h"
#include "textbuf.h"

#define MAX_SIDE_RUNS 1000

struct side {
	const char *name;		/* "base" / "new" */
	const char *selector;
	int64_t ids[MAX_SIDE_RUNS];
	size_t n;
	struct json_object *specs[MAX_SIDE_RUNS];	/* resolved, owned */
	struct json_object *envs[MAX_SIDE_RUNS];	/* owned */
	char label[80];
	char kind[16];			/* of the first run */
	struct json_object *tags;	/* of the first run, owned */
	bool truncated;			/* more than MAX_SIDE_RUNS matched */
};

struct comparison {
	struct side s[2];
	struct compare_metrics all;		/* every run of a side */
	struct compare_sweep *sweep;	/* NULL: each side's specs agree */
	struct compare_metrics *at;		/* a sweep: the runs of each point */
	struct json_object *warnings;
	struct compare_select shown;		/* which metrics get rows */
	size_t lead;				/* entries of the engine's report_first */
};

static double median_of(double *v, size_t n)
{
	mb_sort_doubles(v, n);
	return mb_quantile_sorted(v, n, 0.5);
}

static void warn(struct comparison *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct comparison *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_array_add(c->warnings, json_object_new_string(msg));
}

/*
 * One run's samples as they come, grouped by metric, into the metrics of
 * its side and, in a sweep, of its point.
 */
struct run_loader {
	struct comparison *c;
	int side;
	struct compare_metrics *point;	/* NULL: not a sweep */
	struct compare_metric *m, *pm;	/* the metric being read, and at the point */
	struct compare_values run;	/* its values in this run */
};

/* The metric of a run is read: its median goes into runs[]. */
static void end_metric(struct run_loader *l)
{
	if (l->m && l->run.n) {
		double median = median_of(l->run.v, l->run.n);

		compare_values_push(&l->m->runs[l->side], median);
		if (l->pm)
			compare_values_push(&l->pm->runs[l->side], median);
	}
	l->run.n = 0;
}

static int load_sample(void *ctx, const char *name, uint32_t iteration, double value)
{
	struct run_loader *l = ctx;

	/* KVM's statistics are counts per phase, shown by the run, not compared */
	if (!strncmp(name, MB_KVM_STAT_PREFIX, strlen(MB_KVM_STAT_PREFIX)))
		return 0;
	if (!l->m || strcmp(name, l->m->name)) {
		end_metric(l);
		l->m = compare_metrics_get(&l->c->all, name);
		l->pm = l->point ? compare_metrics_get(l->point, name) : NULL;
		if (!l->m || (l->point && !l->pm))
			return -ENOMEM;
	}
	if (iteration > 0)
		l->m->per_iteration = true;
	if (compare_values_push(&l->run, value) || compare_values_push(&l->m->samples[l->side], value))
		return -ENOMEM;
	if (l->pm) {
		l->pm->per_iteration = l->m->per_iteration;
		if (compare_values_push(&l->pm->samples[l->side], value))
			return -ENOMEM;
	}
	return 0;
}

static const char *run_str(struct json_object *run, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(run, key, &v) && v ? json_object_get_string(v) : "";
}

/* The run's {"metric": "reason"} for what it did not measure, counted by reason. */
static int load_missing(struct comparison *c, int side, struct json_object *missing)
{
	json_object_object_foreach(missing, name, why) {
		struct compare_metric *m = compare_metrics_get(&c->all, name);

		if (!m)
			return -ENOMEM;
		compare_missing_count(&m->why[side], json_object_get_string(why));
	}
	return 0;
}

/* Each run: its spec and environment, what it did not measure. */
static int load_runs(const struct compare_source *src, struct comparison *c, int side_index,
		     struct mb_error *err)
{
	struct side *side = &c->s[side_index];

	for (size_t r = 0; r < side->n; r++) {
		struct json_object *run = src->run(src->ctx, side->ids[r]), *v;

		if (!run)
			return mb_error_set(err, -EIO, NULL, "run %lld cannot be read",
					    (long long)side->ids[r]);
		if (json_object_object_get_ex(run, "resolved_spec", &v))
			side->specs[r] = json_object_get(v);
		if (json_object_object_get_ex(run, "environment", &v))
			side->envs[r] = json_object_get(v);
		if (json_object_object_get_ex(run, "missing", &v) &&
		    json_object_is_type(v, json_type_object) && load_missing(c, side_index, v)) {
			json_object_put(run);
			return mb_error_set(err, -ENOMEM, NULL, "out of memory");
		}
		if (r == 0) {
			snprintf(side->label, sizeof(side->label), "%s", run_str(run, "label"));
			snprintf(side->kind, sizeof(side->kind), "%s", run_str(run, "kind"));
			if (json_object_object_get_ex(run, "tags", &v))
				side->tags = json_object_get(v);
		}
		json_object_put(run);
	}
	return 0;
}

/* Each run's samples; each run's median of each metric into runs[]. */
static int load_samples(const struct compare_source *src, struct comparison *c, int side_index,
			struct mb_error *err)
{
	struct side *side = &c->s[side_index];

	for (size_t r = 0; r < side->n; r++) {
		struct run_loader l = { .c = c, .side = side_index };
		int ret;

		if (c->sweep)
			l.point = &c->at[compare_sweep_point_of(c->sweep, side_index, r)];
		ret = src->samples(src->ctx, side->ids[r], load_sample, &l);
		end_metric(&l);
		free(l.run.v);
		if (ret)
			return mb_error_set(err, ret, NULL, "the samples of run %lld cannot be read",
					    (long long)side->ids[r]);
	}
	return 0;
}

static void free_comparison(struct comparison *c)
{
	for (int sd = 0; sd < 2; sd++) {
		for (size_t r = 0; r < c->s[sd].n; r++) {
			json_object_put(c->s[sd].specs[r]);
			json_object_put(c->s[sd].envs[r]);
		}
		json_object_put(c->s[sd].tags);
	}
	compare_metrics_free(&c->all);
	for (size_t p = 0; c->sweep && p < compare_sweep_points(c->sweep); p++)
		compare_metrics_free(&c->at[p]);
	free(c->at);
	compare_sweep_free(c->sweep);
	json_object_put(c->warnings);
	free(c);
}

static struct json_object *side_json(struct side *s)
{
	struct json_object *o = json_object_new_object(), *ids = json_object_new_array();
	struct json_object *kernel = json_object_new_object(), *e = s->envs[0];

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(ids, json_object_new_int64(s->ids[i]));
	json_object_object_add(o, "selector", json_object_new_string(s->selector));
	json_object_object_add(o, "label", json_object_new_string(s->label));
	json_object_object_add(o, "tags", json_object_get(s->tags));
	json_object_object_add(o, "runs", ids);
	json_object_object_add(kernel, "release", json_object_new_string(compare_env_str(e, "kernel", "release")));
	json_object_object_add(kernel, "version", json_object_new_string(compare_env_str(e, "kernel", "version")));
	json_object_object_add(o, "kernel", kernel);
	json_object_object_add(o, "hostname", json_object_new_string(compare_env_str(e, "hostname", NULL)));
	json_object_object_add(o, "cpu_model", json_object_new_string(compare_env_str(e, "cpu_model", NULL)));
	json_object_object_add(o, "online_cpus", compare_number(compare_get_number(e, "online_cpus")));
	json_object_object_add(o, "mem_total_bytes", compare_number(compare_get_number(e, "mem_total_bytes")));
	/* an aging run's sentence on whether its aging reached KVM: the first run's */
	if (compare_env_str(e, "aging", "statement")[0]) {
		json_object_object_add(o, "aging", json_object_new_string(compare_env_str(e, "aging",
											"statement")));
		json_object_object_add(o, "aging_run", json_object_new_int64(s->ids[0]));
	}
	return o;
}

static bool shown(const struct comparison *c, const struct compare_metric *m)
{
	return compare_select_has(&c->shown, m->name, m->rank, c->lead);
}

/*
 * Each metric some runs of a side lack, with why (compare_missing.h): a
 * metric without a row, or with fewer runs, is not silently absent.
 */
static struct json_object *missing_json(struct comparison *c)
{
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; i < c->all.nm; i++) {
		if (!shown(c, &c->all.m[i]))
			continue;
		for (int sd = 0; sd < 2; sd++) {
			struct compare_metric *m = &c->all.m[i];
			struct json_object *e;

			/*
			 * nothing to say of a metric no run measured and none of
			 * this side named: it does not apply (a dirty ring's
			 * metric without a dirty ring)
			 */
			if (!m->why[sd] && !m->runs[0].n && !m->runs[1].n)
				continue;
			e = compare_missing_entry(m->name, c->s[sd].name, c->s[sd].n,
						  m->runs[sd].n, m->why[sd]);
			if (!e)
				continue;
			json_object_object_add(e, "label", compare_label(m->name));
			json_object_array_add(list, e);
		}
	}
	return list;
}

/* A metric the report has a row of: some runs of each side measured it. */
static bool has_row(void *ctx, const char *name)
{
	struct compare_metric *m = compare_metrics_find(&((struct comparison *)ctx)->all, name);

	return m && m->runs[0].n && m->runs[1].n;
}

/* The engine's lead first (a maintainer reads those), then the rest by name. */
static int cmp_metric(const void *a, const void *b)
{
	const struct compare_metric *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The metrics in report order; a sweep's points list their rows in the same order. */
static void order_metrics(struct comparison *c, const struct mb_headline *lead)
{
	while (lead && lead[c->lead].metric)
		c->lead++;
	for (size_t i = 0; i < c->all.nm; i++)
		c->all.m[i].rank = mb_headline_rank(lead, c->all.m[i].name, has_row, c);
	qsort(c->all.m, c->all.nm, sizeof(*c->all.m), cmp_metric);
}

/*
 * Figures to compare: the job statistics are a time series, guest_t_ms
 * and migration_iteration_t_ms its clock.
 */
static bool comparable(const struct compare_metric *m)
{
	return m->runs[0].n && m->runs[1].n && strncmp(m->name, "job_", 4) &&
	       strcmp(m->name, "guest_t_ms") && strcmp(m->name, "migration_iteration_t_ms");
}

/*
 * Per metric, the rows over runs then over iterations; in a sweep each
 * of them once per point (with its values), in the points' order.
 */
static void add_rows(struct comparison *c, struct json_object *rows)
{
	size_t points = c->sweep ? compare_sweep_points(c->sweep) : 1;

	for (size_t i = 0; i < c->all.nm; i++) {
		if (!comparable(&c->all.m[i]) || !shown(c, &c->all.m[i]))
			continue;
		for (int over = 0; over < 2; over++) {
			for (size_t p = 0; p < points; p++) {
				struct compare_metric *m = c->sweep ?
					compare_metrics_find(&c->at[p], c->all.m[i].name) : &c->all.m[i];
				struct compare_values *v;
				struct json_object *row;

				if (!m || !m->runs[0].n || !m->runs[1].n || (over && !m->per_iteration))
					continue;
				v = over ? m->samples : m->runs;
				row = compare_row_make(m->name, over ? "iterations" : "runs", v[0].v,
						       v[0].n, v[1].v, v[1].n);
				if (c->sweep)
					json_object_object_add(row, "point",
							       compare_sweep_values(c->sweep, p));
				json_object_array_add(rows, row);
			}
		}
	}
}

/* The metrics with rows to show that the selection left out, in report order. */
static struct json_object *left_out(const struct comparison *c)
{
	struct json_object *names = json_object_new_array();

	for (size_t i = 0; i < c->all.nm; i++)
		if (comparable(&c->all.m[i]) && !shown(c, &c->all.m[i]))
			json_object_array_add(names, json_object_new_string(c->all.m[i].name));
	return names;
}

/* Split both sides by the keys that differ within one; the points one side lacks, said. */
static int make_sweep(struct comparison *c, const char *keys, struct mb_error *err)
{
	struct json_object *const *const specs[2] = { c->s[0].specs, c->s[1].specs };
	const size_t n[2] = { c->s[0].n, c->s[1].n };
	int ret = compare_sweep_make(keys, specs, n, &c->sweep, err);

	if (ret)
		return ret;
	c->at = calloc(compare_sweep_points(c->sweep), sizeof(*c->at));
	if (!c->at)
		return mb_error_set(err, -ENOMEM, NULL, "out of memory");
	for (size_t p = 0; p < compare_sweep_points(c->sweep); p++)
		for (int sd = 0; sd < 2; sd++)
			if (!compare_sweep_runs(c->sweep, p, sd))
				warn(c, "%s: only the %s side has runs there; not compared",
				     compare_sweep_label(c->sweep, p), c->s[!sd].name);
	return 0;
}

/*
 * What the engine says of the runs' spec; in a sweep, of the spec without
 * the swept keys (the report's sweep line has them), and the selftest's
 * line only where it can run every point.
 */
static void describe(const struct compare_source *src, struct comparison *c,
		     struct compare_description *desc)
{
	struct json_object *spec = c->s[0].specs[0], *plain = NULL;

	if (c->sweep)
		spec = plain = compare_sweep_spec(c->sweep, spec, false);
	src->describe(src->ctx, c->s[0].kind, spec, desc);
	json_object_put(plain);
	for (size_t p = 0; c->sweep && p < compare_sweep_points(c->sweep); p++) {
		for (int sd = 0; sd < 2; sd++) {
			size_t r = 0;

			while (r < c->s[sd].n && compare_sweep_point_of(c->sweep, sd, r) != p)
				r++;
			if (r == c->s[sd].n)
				continue;
			if (compare_selftest_check(src, c->s[0].kind, c->s[sd].specs[r],
						   compare_sweep_label(c->sweep, p), desc))
				return;
			break;
		}
	}
}

/* The spec the report shows (a sweep's with each swept key's values as a list), and desc's. */
static void add_spec(struct comparison *c, struct compare_description *desc,
		     struct json_object *out)
{
	char *command_text;
	size_t command_len;

	if (c->sweep) {
		const int64_t *const ids[2] = { c->s[0].ids, c->s[1].ids };

		json_object_object_add(out, "spec", compare_sweep_spec(c->sweep, c->s[0].specs[0], true));
		json_object_object_add(out, "sweep", compare_sweep_json(c->sweep, ids));
	} else {
		json_object_object_add(out, "spec", json_object_get(c->s[0].specs[0]));
	}
	command_text = textbuf_take(&desc->command, &command_len);
	json_object_object_add(out, "title", json_object_new_string(desc->title));
	json_object_object_add(out, "command", json_object_new_string(command_text ? command_text : ""));
	free(command_text);
	json_object_object_add(out, "selftest", compare_selftest_json(desc));
}

/*
 * A run on both sides would be compared with itself, and every test of
 * it would be of samples shared by both: refused, naming the selectors.
 */
static int shared_run(const struct comparison *c, struct mb_error *err)
{
	for (size_t i = 0; i < c->s[0].n; i++)
		for (size_t j = 0; j < c->s[1].n; j++)
			if (c->s[0].ids[i] == c->s[1].ids[j])
				return mb_error_set(err, -EINVAL, "new",
					"\"%.100s\" shares run %lld with base \"%.100s\": a comparison "
					"needs two groups of runs with none in common",
					c->s[1].selector, (long long)c->s[0].ids[i], c->s[0].selector);
	return 0;
}

struct json_object *compare_build(const struct compare_source *src,
				  const struct compare_request *req, struct mb_error *err)
{
	struct comparison *c = calloc(1, sizeof(*c));
	struct json_object *out = NULL, *rows;
	double alpha = req->alpha > 0 ? req->alpha : COMPARE_ALPHA;
	struct compare_description desc = { .title = "" };
	char split[400] = "", test[300];
	struct json_object *const *specs[2];
	size_t family;
	size_t n[2];

	if (!c) {
		mb_error_set(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	c->warnings = json_object_new_array();
	if (compare_select_parse(req->metrics, &c->shown, err))
		goto done;
	c->s[0] = (struct side){ .name = "base", .selector = req->base };
	c->s[1] = (struct side){ .name = "new", .selector = req->new };
	for (int sd = 0; sd < 2; sd++) {
		struct side *side = &c->s[sd];

		if (src->select(src->ctx, side->name, side->selector, side->ids, MAX_SIDE_RUNS,
				&side->n, &side->truncated, err) ||
		    load_runs(src, c, sd, err)) {
			snprintf(err->field, sizeof(err->field), "%s", side->name);
			goto done;
		}
		specs[sd] = side->specs;
		n[sd] = side->n;
	}
	if (shared_run(c, err))
		goto done;
	if (!specs[0][0]) {
		mb_fail(err, "base", "run %lld has no recorded spec", (long long)c->s[0].ids[0]);
		goto done;
	}
	if (compare_check_specs(specs, n, req->vary, split, sizeof(split), err) ||
	    (split[0] && make_sweep(c, split, err))) {
		if (!err->field[0])
			snprintf(err->field, sizeof(err->field), "vary");
		goto done;
	}
	for (int sd = 0; sd < 2; sd++)
		if (load_samples(src, c, sd, err)) {
			snprintf(err->field, sizeof(err->field), "%s", c->s[sd].name);
			goto done;
		}
	compare_environment_warnings((struct json_object *const *const[2]){ c->s[0].envs,
				     c->s[1].envs }, n, req->vary, c->warnings);
	if (c->s[0].truncated || c->s[1].truncated)
		warn(c, "more than %d runs match on the %s; the oldest %d of a side are compared",
		     MAX_SIDE_RUNS, c->s[0].truncated && c->s[1].truncated ? "base and new sides" :
		     c->s[0].truncated ? "base side" : "new side", MAX_SIDE_RUNS);
	describe(src, c, &desc);
	order_metrics(c, desc.lead);
	rows = json_object_new_array();
	add_rows(c, rows);
	family = compare_family_judge(rows, alpha);
	compare_warn_rows(rows, alpha, family, c->warnings);	/* one line per kind of warning */
	out = json_object_new_object();
	json_object_object_add(out, "base", side_json(&c->s[0]));
	json_object_object_add(out, "new", side_json(&c->s[1]));
	json_object_object_add(out, "kind", json_object_new_string(c->s[0].kind));
	add_spec(c, &desc, out);
	json_object_object_add(out, "vary", json_object_new_string(req->vary ? req->vary : ""));
	snprintf(test, sizeof(test), "Mann-Whitney U, two-sided, over per-run medians, "
		 "Holm-adjusted over %zu per-run rows; Welch's t for means, unadjusted; "
		 "detectable: Welch's t at alpha/%zu with %.0f%% power; iterations described, "
		 "not tested", family, family ? family : 1, COMPARE_POWER * 100);
	json_object_object_add(out, "test", json_object_new_string(test));
	json_object_object_add(out, "family", json_object_new_int64((int64_t)family));
	json_object_object_add(out, "alpha", json_object_new_double(alpha));
	json_object_object_add(out, "metrics", rows);
	json_object_object_add(out, "metrics_shown", json_object_new_string(
		compare_select_name(&c->shown, req->metrics)));
	json_object_object_add(out, "left_out", left_out(c));
	json_object_object_add(out, "missing", missing_json(c));
	json_object_object_add(out, "warnings", json_object_get(c->warnings));
done:
	compare_description_free(&desc);
	free_comparison(c);
	return out;
}
