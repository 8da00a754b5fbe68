// SPDX-License-Identifier: MIT
/*
 * migbench compare: the report as the daemon writes it, and an exit
 * status a script or `git bisect run` can act on: 1 when a metric it
 * fails on regressed (per run, as the report's verdict says), 0 when
 * none did.
 */
#include "compare.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connection.h"
#include "engine.h"
#include "samples.h"

#define EXIT_REGRESSED	1
#define MAX_FAIL_ON	32

/* --fail-on's metrics, or none given: the engine's headline ones. */
struct fail_on {
	const char *metrics[MAX_FAIL_ON];
	size_t n;
	char text[1024];	/* every list given, one after another */
	size_t used;
};

/*
 * argv[*i] as --NAME LIST or --NAME=LIST: 1 with the list in *list (NULL
 * when NAME ends argv, said), *i past what it took; 0 for another word.
 */
static int list_option(int argc, char **argv, int *i, const char *name, const char **list)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len) || (argv[*i][len] && argv[*i][len] != '='))
		return 0;
	*list = argv[*i][len] ? argv[*i] + len + 1 : *i + 1 < argc ? argv[++*i] : NULL;
	if (!*list)
		fprintf(stderr, PROG ": %s wants a list of metrics\n", name);
	return 1;
}

/*
 * Take --fail-on LIST (or --fail-on=LIST) out of argv, so that the rest
 * are the report's own query options; 0 or EXIT_USAGE, said.
 */
static int take_fail_on(int *argc, char **argv, struct fail_on *f)
{
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		const char *list = NULL;

		if (!list_option(*argc, argv, &i, "--fail-on", &list)) {
			argv[out++] = argv[i];
			continue;
		}
		if (!list)
			return EXIT_USAGE;
		if (strlen(list) >= sizeof(f->text) - f->used)
			return fprintf(stderr, PROG ": --fail-on: too long\n"), EXIT_USAGE;
		strcpy(f->text + f->used, list);
		list = f->text + f->used;
		f->used += strlen(list) + 1;
		for (char *save, *m = strtok_r((char *)list, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
			if (!mb_metric_label_of(m)) {	/* unknown, or a kvm_stat.* one */
				fprintf(stderr, PROG ": --fail-on: %s is not a metric migbench compares\n", m);
				return EXIT_USAGE;
			}
			if (f->n == MAX_FAIL_ON)
				return fprintf(stderr, PROG ": --fail-on: at most %d metrics\n",
					       MAX_FAIL_ON), EXIT_USAGE;
			f->metrics[f->n++] = m;
		}
		if (!f->n)
			return fprintf(stderr, PROG ": --fail-on wants a list of metrics\n"), EXIT_USAGE;
	}
	*argc = out;
	return 0;
}

/* --metric=LIST is taken as --metric LIST; the daemon checks the names. */
int compare_take_metrics(int *argc, char **argv, char *metrics, size_t size)
{
	size_t used = 0;
	bool all = false;
	int out = 0;

	metrics[0] = '\0';
	for (int i = 0; i < *argc; i++) {
		const char *list = NULL;

		if (!strcmp(argv[i], "--all")) {
			all = true;
			continue;
		}
		if (!list_option(*argc, argv, &i, "--metric", &list)) {
			argv[out++] = argv[i];
			continue;
		}
		if (!list)
			return EXIT_USAGE;
		if (!*list || strlen(list) + 2 > size - used)
			return fprintf(stderr, PROG ": --metric wants a list of metrics, not too long\n"),
			       EXIT_USAGE;
		used += (size_t)snprintf(metrics + used, size - used, "%s%s", used ? "," : "", list);
	}
	if (all && used)
		return fprintf(stderr, PROG ": --all and --metric: one or the other\n"), EXIT_USAGE;
	if (all)
		snprintf(metrics, size, "all");
	*argc = out;
	return 0;
}

static bool has_row(void *rows, const char *metric)
{
	for (size_t i = 0; i < json_object_array_length(rows); i++)
		if (!strcmp(str(json_object_array_get_idx(rows, i), "metric"), metric))
			return true;
	return false;
}

/* Whether metric is one the comparison fails on: given, or the kind's headline. */
static bool fails_on(const struct fail_on *f, const struct mb_engine *e, struct json_object *rows,
		     const char *metric)
{
	const struct mb_headline *lead = e ? e->headline : NULL;
	size_t n = 0;

	if (f->n) {
		for (size_t i = 0; i < f->n; i++)
			if (!strcmp(f->metrics[i], metric))
				return true;
		return false;
	}
	while (lead && lead[n].metric)
		n++;
	/* a headline metric, or its fallback where the runs have no row of it */
	return mb_headline_rank(lead, metric, has_row, rows) < n;
}

/* The model's verdicts: EXIT_REGRESSED (each regressed metric said) or 0. */
static int verdicts(struct json_object *model, const struct fail_on *f)
{
	struct json_object *rows = NULL, *left;
	const struct mb_engine *e;
	int regressed = 0;

	e = mb_engine_find(str(model, "kind"));
	json_object_object_get_ex(model, "metrics", &rows);
	/* a metric it fails on (given, or the headline) that the report left out: no verdict */
	if (json_object_object_get_ex(model, "left_out", &left) &&
	    json_object_is_type(left, json_type_array))
		for (size_t j = 0; j < json_object_array_length(left); j++) {
			const char *metric = json_object_get_string(json_object_array_get_idx(left, j));

			if (!fails_on(f, e, rows, metric))
				continue;
			fprintf(stderr, PROG ": %s%s: the report leaves it out; add --metric %s, or "
				"--all\n", f->n ? "--fail-on " : "headline metric ", metric, metric);
			return EXIT_USAGE;
		}
	for (size_t i = 0; json_object_is_type(rows, json_type_array) &&
			   i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		const char *metric = str(row, "metric");

		const char *verdict = str(row, "verdict");

		/*
		 * Runs are the unit of replication: only their rows decide.  A
		 * metric with no better direction (dirty_pages) is never called
		 * regressed: a change of it fails.
		 */
		if (strcmp(str(row, "over"), "runs") ||
		    (strcmp(verdict, "regressed") && strcmp(verdict, "changed")) ||
		    !fails_on(f, e, rows, metric))
			continue;
		fprintf(stderr, PROG ": %s %s (%+.1f%%)\n", metric, verdict,
			json_object_get_double(json_object_object_get(row, "delta_pct")));
		regressed = 1;
	}
	return regressed ? EXIT_REGRESSED : 0;
}

/* Both sides' run ids, as text: what a comparison was made of. */
static void run_ids(struct json_object *model, char *out, size_t len)
{
	struct json_object *side, *ids;

	snprintf(out, len, "%s", "");
	for (int sd = 0; sd < 2; sd++)
		if (json_object_object_get_ex(model, sd ? "new" : "base", &side) &&
		    json_object_object_get_ex(side, "runs", &ids))
			snprintf(out + strlen(out), len - strlen(out), "%s|",
				 json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN));
}

/*
 * The report, and the verdicts of the same runs: a run that ends between
 * the two requests would add to a side, so the model is asked again
 * after the report and both made anew until they agree (done runs only
 * ever join a selection).
 */
static int report_and_verdicts(const char *path, const char *model_path, const struct fail_on *f)
{
	static char before[16384], after[16384];
	struct json_object *model = NULL, *again = NULL;
	struct http_response resp;
	int ret;

	for (int tries = 0; ; tries++) {
		ret = get_json(model_path, &model);
		if (!ret)
			ret = call("GET", path, NULL, &resp);
		if (ret) {
			json_object_put(model);
			return ret;
		}
		ret = get_json(model_path, &again);
		if (!ret) {
			run_ids(model, before, sizeof(before));
			run_ids(again, after, sizeof(after));
		}
		json_object_put(again);
		if (ret || !strcmp(before, after) || tries == 2)
			break;
		http_response_free(&resp);
		json_object_put(model);
	}
	if (!ret) {
		fwrite(resp.body, 1, resp.body_len, stdout);
		fflush(stdout);
		ret = verdicts(model, f);
	}
	http_response_free(&resp);
	json_object_put(model);
	return ret;
}

int cmd_compare(int argc, char **argv)
{
	static const char *const names[] = { "base", "new", "format", "alpha", "vary", NULL };
	const char *values[5] = { NULL, NULL, "text", NULL, NULL };
	char path[2048] = API "/compare", model[2048] = API "/compare";
	struct fail_on f = { .n = 0 };
	char metrics[1024];
	int ret = take_fail_on(&argc, argv, &f);

	if (!ret)
		ret = compare_take_metrics(&argc, argv, metrics, sizeof(metrics));
	if (!ret)
		ret = query_options(argc, argv, names, values, path, sizeof(path));
	if (ret)
		return ret;
	for (int i = 0; names[i]; i++)	/* the same comparison, as its model */
		if (values[i])
			add_query(model, sizeof(model), names[i], i == 2 ? "json" : values[i]);
	if (metrics[0]) {	/* and the same rows: Holm's family is the rows shown */
		add_query(path, sizeof(path), "metrics", metrics);
		add_query(model, sizeof(model), "metrics", metrics);
	}
	/* a query cut short would compare other runs or rows than asked */
	if (strlen(path) >= sizeof(path) - 1 || strlen(model) >= sizeof(model) - 1)
		return fprintf(stderr, PROG ": compare: the options are too long\n"), EXIT_USAGE;
	return report_and_verdicts(path, model, &f);
}
