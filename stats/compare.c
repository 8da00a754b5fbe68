// SPDX-License-Identifier: MIT
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_missing.h"
#include "samples.h"
#include "stats.h"
#include "textbuf.h"
#include "twosample.h"

#define MAX_SIDE_RUNS 1000
#define HIGH_CV 0.10

struct values {
	double *v;
	size_t n, cap;
};

/*
 * One metric on one side: one value per run, and every sample; runs[].n
 * is how many runs have it.  why[]: the reasons runs gave for not
 * measuring it, {"reason": runs}, NULL until one does.
 */
struct metric_data {
	char name[64];
	bool per_iteration;
	struct values runs[2];		/* [side] */
	struct values samples[2];
	struct json_object *why[2];
};

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
	struct metric_data *m;
	size_t nm;
	struct json_object *warnings;
};

static int push(struct values *vals, double v)
{
	if (vals->n == vals->cap) {
		size_t cap = vals->cap ? vals->cap * 2 : 16;
		double *p = realloc(vals->v, cap * sizeof(double));

		if (!p)
			return -ENOMEM;
		vals->v = p;
		vals->cap = cap;
	}
	vals->v[vals->n++] = v;
	return 0;
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof(double), mb_cmp_double);
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

static struct metric_data *metric(struct comparison *c, const char *name)
{
	struct metric_data *m;

	for (size_t i = 0; i < c->nm; i++)
		if (!strcmp(c->m[i].name, name))
			return &c->m[i];
	m = realloc(c->m, (c->nm + 1) * sizeof(*m));
	if (!m)
		return NULL;
	c->m = m;
	m = &c->m[c->nm++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	return m;
}

/* One run's samples as they come, grouped by metric. */
struct run_loader {
	struct comparison *c;
	int side;
	struct metric_data *m;		/* the metric being read */
	struct values run;		/* its values in this run */
};

/* The metric of a run is read: its median goes into runs[]. */
static void end_metric(struct run_loader *l)
{
	if (l->m && l->run.n)
		push(&l->m->runs[l->side], median_of(l->run.v, l->run.n));
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
		l->m = metric(l->c, name);
		if (!l->m)
			return -ENOMEM;
	}
	if (iteration > 0)
		l->m->per_iteration = true;
	if (push(&l->run, value) || push(&l->m->samples[l->side], value))
		return -ENOMEM;
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
		struct metric_data *m = metric(c, name);

		if (!m)
			return -ENOMEM;
		compare_missing_count(&m->why[side], json_object_get_string(why));
	}
	return 0;
}

/* Each run: its spec and environment, all samples, each run's median into runs[]. */
static int load_side(const struct compare_source *src, struct comparison *c, int side_index,
		     struct mb_error *err)
{
	struct side *side = &c->s[side_index];

	for (size_t r = 0; r < side->n; r++) {
		struct run_loader l = { .c = c, .side = side_index };
		struct json_object *run = src->run(src->ctx, side->ids[r]), *v;
		int ret;

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
		ret = src->samples(src->ctx, side->ids[r], load_sample, &l);
		end_metric(&l);
		free(l.run.v);
		if (ret)
			return mb_error_set(err, ret, NULL, "the samples of run %lld cannot be read",
					    (long long)side->ids[r]);
	}
	return 0;
}

static bool in_csv(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, word, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* Spec keys that differ between any two runs and are not being varied. */
static int check_specs(struct comparison *c, const char *vary, struct mb_error *err)
{
	struct json_object *ref = c->s[0].specs[0];
	char keys[400] = "";

	if (!ref)
		return mb_fail(err, "base", "run %lld has no recorded spec", (long long)c->s[0].ids[0]);
	for (int sd = 0; sd < 2; sd++) {
		for (size_t r = 0; r < c->s[sd].n; r++) {
			struct json_object *spec = c->s[sd].specs[r];

			json_object_object_foreach(ref, key, val) {
				struct json_object *other = NULL;

				if (spec)
					json_object_object_get_ex(spec, key, &other);
				if (json_object_equal(val, other) || in_csv(vary, key) ||
				    in_csv(keys, key))
					continue;
				snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys),
					 "%s%s", keys[0] ? "," : "", key);
			}
		}
	}
	if (!keys[0])
		return 0;
	{
		char shown[600] = "";	/* "a, b" for people; the list is "a,b" */

		for (const char *k = keys; *k; k++)
			snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown),
				 *k == ',' ? ", " : "%c", *k);
		return mb_fail(err, NULL,
			       "the runs' specs differ in %s; compare like with like, or name the "
			       "key being varied (vary=%s)", shown, keys);
	}
}

static const char *env_str(struct json_object *env, const char *a, const char *b)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(env, a, &v))
		return "";
	if (b && !json_object_object_get_ex(v, b, &v))
		return "";
	return json_object_get_string(v);
}

static void environment_warnings(struct comparison *c, const char *vary)
{
	struct json_object *e0 = c->s[0].envs[0], *p0 = NULL;
	char params[400] = "";
	bool host = false, cpu = false;

	for (int sd = 0; sd < 2; sd++) {
		for (size_t r = 0; r < c->s[sd].n; r++) {
			struct json_object *e = c->s[sd].envs[r], *p = NULL;

			host |= strcmp(env_str(e, "hostname", NULL), env_str(e0, "hostname", NULL)) != 0;
			cpu |= strcmp(env_str(e, "cpu_model", NULL), env_str(e0, "cpu_model", NULL)) != 0;
			json_object_object_get_ex(e0, "kvm_parameters", &p0);
			json_object_object_get_ex(e, "kvm_parameters", &p);
			json_object_object_foreach(p0, module, params0) {
				struct json_object *pm = NULL;

				if (p)
					json_object_object_get_ex(p, module, &pm);
				json_object_object_foreach(params0, name, v0) {
					struct json_object *v = NULL;
					char full[160];

					if (pm)
						json_object_object_get_ex(pm, name, &v);
					snprintf(full, sizeof(full), "%s.%s", module, name);
					if (json_object_equal(v0, v) || in_csv(vary, full) ||
					    in_csv(params, full))
						continue;
					snprintf(params + strlen(params), sizeof(params) - strlen(params),
						 "%s%s", params[0] ? "," : "", full);
				}
			}
		}
	}
	if (host)
		warn(c, "the runs were measured on different hosts");
	if (cpu)
		warn(c, "the runs were measured on different CPU models");
	if (params[0])
		warn(c, "KVM module parameters differ between runs: %s", params);
}

static struct json_object *num(double v)
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
	json_object_array_add(a, num(lo));
	json_object_array_add(a, num(hi));
	return a;
}

static struct json_object *describe(struct values *vals)
{
	double *sorted = malloc(vals->n * sizeof(double)), lo, hi;
	struct json_object *o;
	struct mb_summary s;

	memcpy(sorted, vals->v, vals->n * sizeof(double));
	mb_summarize(sorted, vals->n, &s);
	o = mb_summary_to_json(&s);	/* n, min, median, mean, p95, max, stdev */
	json_object_object_add(o, "p99", num(mb_quantile_sorted(sorted, s.n, 0.99)));
	json_object_object_add(o, "cv", num(s.mean != 0 ? s.stdev / s.mean : NAN));
	mb_median_ci(sorted, s.n, 0.95, &lo, &hi);
	json_object_object_add(o, "median_ci", pair(lo, hi));
	if (s.n <= 1000) {	/* for plots of the distributions; bounded */
		struct json_object *values = json_object_new_array_ext((int)s.n);

		for (size_t i = 0; i < vals->n; i++)
			json_object_array_add(values, num(vals->v[i]));
		json_object_object_add(o, "values", values);
	}
	free(sorted);
	return o;
}

static double get_num(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_double(v) : NAN;
}

/* One row: a metric over runs or over iterations. */
static struct json_object *compare_row(struct comparison *c, const char *name,
				       const char *over, struct values *v, double alpha)
{
	struct json_object *row = json_object_new_object(), *b, *n;
	size_t len = strlen(name);
	bool lower_better = len > 3 && (!strcmp(name + len - 3, "_ns") ||
					!strcmp(name + len - 3, "_ms"));
	double est, lo, hi, mb, mn, delta;
	struct mb_utest u;
	struct mb_welch w;
	const char *verdict = "~";

	b = describe(&v[0]);
	n = describe(&v[1]);
	mb = get_num(b, "median");
	mn = get_num(n, "median");
	mb_mann_whitney(v[0].v, v[0].n, v[1].v, v[1].n, &u);
	mb_welch_t(v[0].v, v[0].n, v[1].v, v[1].n, &w);
	mb_shift_ci(v[0].v, v[0].n, v[1].v, v[1].n, 0.95, &est, &lo, &hi);
	delta = mb != 0 ? (mn - mb) / mb * 100.0 : NAN;
	if (u.p < alpha)
		verdict = !lower_better ? "changed" : mn < mb ? "improved" : "regressed";
	json_object_object_add(row, "metric", json_object_new_string(name));
	json_object_object_add(row, "over", json_object_new_string(over));
	json_object_object_add(row, "better", json_object_new_string(lower_better ? "lower" : "none"));
	json_object_object_add(row, "base", b);
	json_object_object_add(row, "new", n);
	json_object_object_add(row, "delta_pct", num(delta));
	json_object_object_add(row, "delta_pct_ci",
			       mb != 0 ? pair(lo / mb * 100.0, hi / mb * 100.0) : NULL);
	json_object_object_add(row, "u_p", num(u.p));
	json_object_object_add(row, "u_min_p", num(u.min_p));
	json_object_object_add(row, "welch_t", num(w.t));
	json_object_object_add(row, "welch_df", num(w.df));
	json_object_object_add(row, "welch_p", num(w.p));
	json_object_object_add(row, "verdict", json_object_new_string(verdict));
	for (int sd = 0; sd < 2; sd++) {
		double cv = get_num(sd ? n : b, "cv");

		if (cv > HIGH_CV)
			warn(c, "%s (over %s): coefficient of variation %.0f%% on the %s side",
			     name, over, cv * 100.0, c->s[sd].name);
	}
	return row;
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
	for (size_t i = 0; i < c->nm; i++)
		for (int sd = 0; sd < 2; sd++) {
			free(c->m[i].runs[sd].v);
			free(c->m[i].samples[sd].v);
			json_object_put(c->m[i].why[sd]);
		}
	free(c->m);
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
	json_object_object_add(kernel, "release", json_object_new_string(env_str(e, "kernel", "release")));
	json_object_object_add(kernel, "version", json_object_new_string(env_str(e, "kernel", "version")));
	json_object_object_add(o, "kernel", kernel);
	json_object_object_add(o, "hostname", json_object_new_string(env_str(e, "hostname", NULL)));
	json_object_object_add(o, "cpu_model", json_object_new_string(env_str(e, "cpu_model", NULL)));
	json_object_object_add(o, "online_cpus", num(get_num(e, "online_cpus")));
	json_object_object_add(o, "mem_total_bytes", num(get_num(e, "mem_total_bytes")));
	return o;
}

/*
 * Each metric some runs of a side lack, with why (compare_missing.h): a
 * metric without a row, or with fewer runs, is not silently absent.
 */
static struct json_object *missing_json(struct comparison *c)
{
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; i < c->nm; i++) {
		for (int sd = 0; sd < 2; sd++) {
			struct metric_data *m = &c->m[i];
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
			if (e)
				json_object_array_add(list, e);
		}
	}
	return list;
}

static int cmp_metric(const void *a, const void *b)
{
	return strcmp(((const struct metric_data *)a)->name, ((const struct metric_data *)b)->name);
}

struct json_object *compare_build(const struct compare_source *src,
				  const struct compare_request *req, struct mb_error *err)
{
	struct comparison *c = calloc(1, sizeof(*c));
	struct json_object *out = NULL, *rows;
	double alpha = req->alpha > 0 ? req->alpha : 0.05;
	double min_p_runs = 0;
	struct textbuf command = { 0 };
	const char *title = "";
	char *command_text;
	size_t command_len;

	if (!c) {
		mb_error_set(err, -ENOMEM, NULL, "out of memory");
		return NULL;
	}
	c->warnings = json_object_new_array();
	c->s[0] = (struct side){ .name = "base", .selector = req->base };
	c->s[1] = (struct side){ .name = "new", .selector = req->new };
	for (int sd = 0; sd < 2; sd++) {
		struct side *side = &c->s[sd];

		if (src->select(src->ctx, side->name, side->selector, side->ids, MAX_SIDE_RUNS,
				&side->n, &side->truncated, err) ||
		    load_side(src, c, sd, err)) {
			snprintf(err->field, sizeof(err->field), "%s", side->name);
			goto done;
		}
	}
	if (check_specs(c, req->vary, err)) {
		if (!err->field[0])
			snprintf(err->field, sizeof(err->field), "vary");
		goto done;
	}
	environment_warnings(c, req->vary);
	for (int sd = 0; sd < 2; sd++)
		if (c->s[sd].truncated)
			warn(c, "%s: more than %d runs match; the oldest %d are compared",
			     c->s[sd].name, MAX_SIDE_RUNS, MAX_SIDE_RUNS);
	qsort(c->m, c->nm, sizeof(*c->m), cmp_metric);
	rows = json_object_new_array();
	for (size_t i = 0; i < c->nm; i++) {
		struct metric_data *m = &c->m[i];
		struct json_object *row;

		/*
		 * the job statistics are a time series, guest_t_ms and
		 * migration_iteration_t_ms its clock: not figures to compare
		 */
		if (!m->runs[0].n || !m->runs[1].n || !strncmp(m->name, "job_", 4) ||
		    !strcmp(m->name, "guest_t_ms") || !strcmp(m->name, "migration_iteration_t_ms"))
			continue;
		row = compare_row(c, m->name, "runs", m->runs, alpha);
		min_p_runs = fmax(min_p_runs, get_num(row, "u_min_p"));
		json_object_array_add(rows, row);
		if (m->per_iteration)
			json_object_array_add(rows, compare_row(c, m->name, "iterations",
								m->samples, alpha));
	}
	if (json_object_array_length(rows) > 1)
		warn(c, "%zu comparisons at alpha %g: about %.1f would show a significant "
		     "change by chance alone", json_object_array_length(rows), alpha,
		     (double)json_object_array_length(rows) * alpha);
	if (min_p_runs >= alpha)
		warn(c, "with %zu base and %zu new runs the U test cannot reach p < %g "
		     "(smallest possible p %.3f); the per-run rows cannot be significant",
		     c->s[0].n, c->s[1].n, alpha, min_p_runs);
	out = json_object_new_object();
	json_object_object_add(out, "base", side_json(&c->s[0]));
	json_object_object_add(out, "new", side_json(&c->s[1]));
	json_object_object_add(out, "kind", json_object_new_string(c->s[0].kind));
	json_object_object_add(out, "spec", json_object_get(c->s[0].specs[0]));
	src->describe(src->ctx, c->s[0].kind, c->s[0].specs[0], &title, &command);
	command_text = textbuf_take(&command, &command_len);
	json_object_object_add(out, "title", json_object_new_string(title));
	json_object_object_add(out, "command", json_object_new_string(command_text ? command_text : ""));
	free(command_text);
	json_object_object_add(out, "vary", json_object_new_string(req->vary ? req->vary : ""));
	json_object_object_add(out, "test", json_object_new_string(
		"Mann-Whitney U, two-sided; Welch's t for means"));
	json_object_object_add(out, "alpha", json_object_new_double(alpha));
	json_object_object_add(out, "metrics", rows);
	json_object_object_add(out, "missing", missing_json(c));
	json_object_object_add(out, "warnings", json_object_get(c->warnings));
done:
	free_comparison(c);
	return out;
}
