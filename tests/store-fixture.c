// SPDX-License-Identifier: MIT
/*
 * store-fixture: done runs written into a store through the store's own
 * calls, in the order migbenchd makes them (a group or sweep queued, each
 * run started, its environment and samples stored, finished with its
 * summary), so that a Python test's runs have the columns, kernels and
 * summaries a worker's would and no test knows the schema.
 *
 *   store-fixture DB GROUPS.json
 *
 * GROUPS.json is a list of groups, each
 *   {"kind", "label", "tags": {}, "spec": {} | "sweep": [{"point", "spec"}],
 *    "campaign_step": id, "campaign_request": n,          (both optional)
 *    "runs": [{"environment": {}, "missing": {},
 *              "samples": [[metric, iteration, seq, value]]}]}
 * where a sweep's runs go to its points in turn.  It prints one JSON line
 * per group: {"ids": [...], "sweep_id": n | null}.  Run it while no
 * migbenchd has the store open: a daemon would start the queued runs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "runs/summaries.h"
#include "store/campaigns.h"
#include "store/groups.h"
#include "store/runs.h"
#include "store/sample_rows.h"
#include "store/store.h"
#include "samples.h"
#include "strict_json.h"

#define MAX_POINTS	64

static const char *text(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static const char *plain(struct json_object *o)
{
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
}

static int fail(const char *what, int ret)
{
	fprintf(stderr, "store-fixture: %s: %s\n", what, strerror(-ret));
	return ret;
}

static int add_samples(struct store *st, int64_t id, struct json_object *rows)
{
	struct mb_samples set = { 0 };
	size_t n = json_object_is_type(rows, json_type_array) ? json_object_array_length(rows) : 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < n; i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);
		bool row = json_object_is_type(r, json_type_array) && json_object_array_length(r) == 4;
		const char *name = row ? json_object_get_string(json_object_array_get_idx(r, 0)) : NULL;
		int metric = name ? mb_metric_from_name(name) : -1;

		if (!row || metric < 0) {
			fprintf(stderr, "store-fixture: sample %zu of run %lld: not [metric, "
				"iteration, seq, value] of a known metric\n", i, (long long)id);
			ret = -EINVAL;
			break;
		}
		ret = mb_samples_add(&set, metric,
				     (uint32_t)json_object_get_int64(json_object_array_get_idx(r, 1)),
				     (uint32_t)json_object_get_int64(json_object_array_get_idx(r, 2)),
				     (uint64_t)json_object_get_int64(json_object_array_get_idx(r, 3)));
	}
	if (!ret && set.len)
		ret = store_add_samples(st, id, &set, set.rows, set.len);
	mb_samples_free(&set);
	return ret;
}

/* One queued run of the fixture taken through what a worker reports. */
static int finish_run(struct store *st, int64_t id, const char *spec, struct json_object *run)
{
	struct json_object *env = NULL, *missing = NULL, *samples = NULL, *summary;
	int ret;

	json_object_object_get_ex(run, "environment", &env);
	json_object_object_get_ex(run, "missing", &missing);
	json_object_object_get_ex(run, "samples", &samples);
	ret = store_run_start(st, id);
	if (!ret)
		ret = store_run_set_environment(st, id, spec, env, missing ? plain(missing) : "{}");
	if (!ret)
		ret = add_samples(st, id, samples);
	if (ret)
		return ret;
	summary = summary_of_run(st, id);
	if (!summary)
		return -EIO;
	ret = store_run_finish(st, id, "done", "ok", NULL, plain(summary));
	json_object_put(summary);
	return ret;
}

/* The group's runs queued as migbenchd queues them; their ids in ids[]. */
static int queue_group(struct store *st, struct json_object *g, size_t nr_runs,
		       int64_t *ids, const char **specs)
{
	struct json_object *sweep = NULL, *step = NULL, *request = NULL;
	const char *kind = text(g, "kind"), *label = text(g, "label");
	const char *tags = plain(json_object_object_get(g, "tags")) ?: "{}";
	int ret;

	if (json_object_object_get_ex(g, "sweep", &sweep) && json_object_is_type(sweep, json_type_array)) {
		struct store_sweep_point points[MAX_POINTS];
		int64_t first[MAX_POINTS];
		size_t n = json_object_array_length(sweep);

		if (!n || n > MAX_POINTS || nr_runs % n)
			return -EINVAL;
		for (size_t i = 0; i < n; i++) {
			struct json_object *p = json_object_array_get_idx(sweep, i);

			points[i].spec = plain(json_object_object_get(p, "spec"));
			points[i].point = plain(json_object_object_get(p, "point"));
		}
		ret = store_create_sweep(st, kind, points, n, label, tags,
					 (unsigned int)(nr_runs / n), 0, 0, first);
		for (size_t i = 0; !ret && i < nr_runs; i++) {
			ids[i] = first[i / (nr_runs / n)] + (int64_t)(i % (nr_runs / n));
			specs[i] = points[i / (nr_runs / n)].spec;
		}
		return ret;
	}
	specs[0] = plain(json_object_object_get(g, "spec"));
	if (json_object_object_get_ex(g, "campaign_step", &step)) {
		json_object_object_get_ex(g, "campaign_request", &request);
		ret = store_step_runs_create(st, json_object_get_int64(step),
					     json_object_get_int(request), kind, specs[0],
					     label, tags, (unsigned int)nr_runs, ids);
	} else {
		ret = store_create_runs(st, kind, specs[0], label, tags,
					(unsigned int)nr_runs, 0, 0, ids);
	}
	for (size_t i = 1; i < nr_runs; i++) {	/* a group's ids follow one another */
		ids[i] = ids[0] + (int64_t)i;
		specs[i] = specs[0];
	}
	return ret;
}

static int write_group(struct store *st, struct json_object *g)
{
	struct json_object *runs = json_object_object_get(g, "runs"), *out, *list;
	size_t n = json_object_is_type(runs, json_type_array) ? json_object_array_length(runs) : 0;
	int64_t *ids = calloc(n ?: 1, sizeof(*ids));
	const char **specs = calloc(n ?: 1, sizeof(*specs));
	struct store_run first = { 0 };
	int ret = ids && specs ? 0 : -ENOMEM;

	if (!ret && (!n || !text(g, "kind") || !text(g, "label")))
		ret = -EINVAL;
	if (!ret)
		ret = queue_group(st, g, n, ids, specs);
	for (size_t i = 0; !ret && i < n; i++)
		ret = finish_run(st, ids[i], specs[i], json_object_array_get_idx(runs, i));
	if (!ret)
		ret = store_run_get(st, ids[0], &first);
	if (!ret) {
		out = json_object_new_object();
		list = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(list, json_object_new_int64(ids[i]));
		json_object_object_add(out, "ids", list);
		json_object_object_add(out, "sweep_id", first.sweep_id ?
				       json_object_new_int64(first.sweep_id) : NULL);
		puts(plain(out));
		json_object_put(out);
		store_run_clear(&first);
	}
	free(ids);
	free(specs);
	return ret;
}

int main(int argc, char **argv)
{
	struct json_object *groups = NULL;
	struct store *st = NULL;
	char err[256];
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: store-fixture DB GROUPS.json\n");
		return 2;
	}
	if (mb_json_parse_file(argv[2], &groups, err, sizeof(err)) ||
	    !json_object_is_type(groups, json_type_array)) {
		fprintf(stderr, "store-fixture: %s: %s\n", argv[2],
			groups ? "not a list of groups" : err);
		json_object_put(groups);
		return 1;
	}
	ret = store_open(argv[1], &st, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "store-fixture: %s: %s\n", argv[1], err);
		json_object_put(groups);
		return 1;
	}
	for (size_t i = 0; !ret && i < json_object_array_length(groups); i++) {
		ret = write_group(st, json_object_array_get_idx(groups, i));
		if (ret)
			fail(text(json_object_array_get_idx(groups, i), "label") ?: "a group", ret);
	}
	store_close(st);
	json_object_put(groups);
	fflush(stdout);
	return ret ? 1 : 0;
}
