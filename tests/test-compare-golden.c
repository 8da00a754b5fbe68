// SPDX-License-Identifier: MIT
/*
 * The comparison reports without a daemon: tests/data/compare-runs.json
 * fed to stats/ through struct compare_source (the engines describe the
 * spec as they do for migbenchd), each format checked byte for byte
 * against its golden file in tests/data/.  tests/test-compare.py checks
 * the same files through a running migbenchd and its store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "api/app.h"
#include "api/comparisons.h"
#include "compare.h"
#include "compare_report.h"
#include "strict_json.h"
#include "tap.h"

#define MAX_RUNS 16

struct fixture {
	size_t n;
	struct json_object *runs[MAX_RUNS];	/* as the API shows a run */
	struct json_object *samples[MAX_RUNS];	/* {"metric": [value per iteration]} */
};

/* A host as the golden reports name it: only the release and eager_page_split differ. */
static struct json_object *environment(const char *release, const char *eager)
{
	char text[1024];
	struct json_object *env;
	char why[128];

	snprintf(text, sizeof(text),
		 "{\"kernel\": {\"release\": \"%s\", \"version\": \"#1 SMP PREEMPT_DYNAMIC\", "
		 "\"machine\": \"x86_64\"}, \"hostname\": \"lab1\", \"cmdline\": \"ro quiet\", "
		 "\"boot_id\": \"%s-boot\", \"cpu_model\": \"AMD EPYC 7B13\", \"online_cpus\": 96, "
		 "\"mem_total_bytes\": 412316860416, \"kvm_parameters\": {\"kvm\": "
		 "{\"eager_page_split\": \"%s\", \"tdp_mmu\": \"Y\"}}}", release, release, eager);
	return mb_json_parse(text, strlen(text), &env, why, sizeof(why)) ? NULL : env;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* Runs 1.. in the file's order, each labelled with its side's label. */
static int load(const char *path, struct fixture *f)
{
	struct json_object *data, *sides;
	char why[256];

	if (mb_json_parse_file(path, &data, why, sizeof(why))) {
		tap_diag("%s: %s", path, why);
		return -EINVAL;
	}
	sides = get(data, "sides");
	for (size_t s = 0; s < json_object_array_length(sides); s++) {
		struct json_object *side = json_object_array_get_idx(sides, s);
		struct json_object *runs = get(side, "runs");

		for (size_t i = 0; i < json_object_array_length(runs) && f->n < MAX_RUNS; i++) {
			struct json_object *run = json_object_new_object();
			struct json_object *values = json_object_array_get_idx(runs, i);
			struct json_object *dirty = json_object_new_array();

			json_object_object_add(run, "id", json_object_new_int64((int64_t)f->n + 1));
			json_object_object_add(run, "kind", json_object_new_string("dirtylog"));
			json_object_object_add(run, "label", json_object_new_string(get_str(side, "label")));
			json_object_object_add(run, "tags", json_object_get(get(side, "tags")));
			json_object_object_add(run, "spec", json_object_get(get(data, "spec")));
			json_object_object_add(run, "resolved_spec", json_object_get(get(data, "spec")));
			json_object_object_add(run, "environment",
					       environment(get_str(side, "release"),
							   get_str(side, "eager_page_split")));
			for (int it = 0; it < 3; it++)
				json_object_array_add(dirty, json_object_new_int64(262144));
			f->samples[f->n] = json_object_get(values);
			json_object_object_add(f->samples[f->n], "dirty_pages", dirty);
			f->runs[f->n++] = run;
		}
	}
	json_object_put(data);
	return 0;
}

/* Selectors are the labels: every run of that label, oldest first. */
static int fixture_select(void *ctx, const char *what, const char *selector, int64_t *ids,
			  size_t max, size_t *n, bool *truncated, struct mb_error *err)
{
	struct fixture *f = ctx;

	*n = 0;
	*truncated = false;
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(get_str(f->runs[i], "label"), selector))
			continue;
		if (*n == max) {
			*truncated = true;
			break;
		}
		ids[(*n)++] = (int64_t)i + 1;
	}
	return *n ? 0 : mb_error_set(err, -ENOENT, what, "no done runs match \"%s\"", selector);
}

static struct json_object *fixture_run(void *ctx, int64_t id)
{
	struct fixture *f = ctx;

	return id >= 1 && (size_t)id <= f->n ? json_object_get(f->runs[id - 1]) : NULL;
}

/* The samples ordered by metric, as the store gives them. */
static int fixture_samples(void *ctx, int64_t id,
			   int (*fn)(void *fctx, const char *metric, uint32_t iteration, double value),
			   void *fctx)
{
	struct fixture *f = ctx;
	static const char *const metrics[] = {
		"clear_dirty_log_ns", "dirty_pages", "disable_dirty_log_ns",
	};
	int ret = 0;

	if (id < 1 || (size_t)id > f->n)
		return -ENOENT;
	for (size_t m = 0; !ret && m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		struct json_object *v = get(f->samples[id - 1], metrics[m]);

		if (json_object_is_type(v, json_type_array)) {
			for (size_t i = 0; !ret && i < json_object_array_length(v); i++)
				ret = fn(fctx, metrics[m], (uint32_t)i + 1,
					 json_object_get_double(json_object_array_get_idx(v, i)));
		} else if (v) {
			ret = fn(fctx, metrics[m], 0, json_object_get_double(v));
		}
	}
	return ret;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, fp) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

/* The first line where they part, for the diagnostic. */
static void show_difference(const char *got, const char *want)
{
	int line = 1;

	while (*got && *got == *want) {
		line += *got == '\n';
		got++;
		want++;
	}
	tap_diag("line %d: got \"%.*s\", want \"%.*s\"", line, (int)strcspn(got, "\n"), got,
		 (int)strcspn(want, "\n"), want);
}

int main(int argc, char **argv)
{
	static const char *const formats[][2] = {
		{ "text", "compare-report.txt" },
		{ "markdown", "compare-report.md" },
		{ "csv", "compare-report.csv" },
	};
	struct compare_request req = { .base = "base", .new = "patched", .alpha = 0.05 };
	struct fixture f = { 0 };
	struct app app = { 0 };
	struct compare_source src;
	struct mb_error err = { 0 };
	struct json_object *model;
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: %s TESTS_DATA_DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/compare-runs.json", argv[1]);
	if (load(path, &f) || !tap_ok(f.n == 10, "read the data set (%zu runs)", f.n))
		return tap_done();
	/* the engines describe the spec exactly as they do for migbenchd */
	api_compare_source(&app, &src);
	src.ctx = &f;
	src.select = fixture_select;
	src.run = fixture_run;
	src.samples = fixture_samples;
	model = compare_build(&src, &req, &err);
	if (!tap_ok(model != NULL, "the comparison is built (%s)", model ? "" : err.message))
		return tap_done();
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		size_t len = 0, want_len = 0;
		char *got = compare_report(model, formats[i][0], &len), *want;

		snprintf(path, sizeof(path), "%s/%s", argv[1], formats[i][1]);
		want = read_file(path, &want_len);
		if (!tap_ok(got && want && len == want_len && !memcmp(got, want, len),
			    "the %s report is tests/data/%s byte for byte", formats[i][0], formats[i][1]) &&
		    got && want)
			show_difference(got, want);
		free(got);
		free(want);
	}
	{
		struct compare_request self = { .base = "base", .new = "missing", .alpha = 0.05 };
		struct json_object *none = compare_build(&src, &self, &err);

		tap_ok(!none && err.code == -ENOENT && !strcmp(err.field, "new"),
		       "a side with no runs is refused naming it (%s)", err.message);
		json_object_put(none);
	}
	json_object_put(model);
	for (size_t i = 0; i < f.n; i++) {
		json_object_put(f.runs[i]);
		json_object_put(f.samples[i]);
	}
	return tap_done();
}
