// SPDX-License-Identifier: MIT
#include "follow.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "connection.h"
#include "samples.h"
#include "units.h"

enum output output;

static void print_value(struct json_object *o, const char *metric, const char *key)
{
	struct json_object *v;
	char cell[32];

	if (!json_object_object_get_ex(o, key, &v) || !v)
		snprintf(cell, sizeof(cell), "-");
	else if (output == OUTPUT_RAW)
		snprintf(cell, sizeof(cell), "%.0f", json_object_get_double(v));
	else
		mb_format_metric(metric, json_object_get_double(v), cell, sizeof(cell));
	printf(" %12s", cell);
}

/* What the run did not measure, and why: named, where a row would be absent. */
static void print_missing(struct json_object *run)
{
	struct json_object *missing;

	if (!json_object_object_get_ex(run, "missing", &missing) ||
	    !json_object_is_type(missing, json_type_object) || !json_object_object_length(missing))
		return;
	printf("  not measured (no value, not 0):\n");
	json_object_object_foreach(missing, metric, why)
		printf("  %-27s %s\n", metric, json_object_get_string(why));
}

/*
 * One row per metric in the order the daemon gives them (its engine's
 * headline first), numbers right after the name, then what it measures.
 */
void print_summary(struct json_object *run)
{
	struct json_object *summary, *labels = NULL;

	if (output == OUTPUT_JSON) {
		puts(json_object_to_json_string_ext(run, JSON_C_TO_STRING_PRETTY));
		return;
	}
	if (!json_object_object_get_ex(run, "summary", &summary) || !summary) {
		print_missing(run);
		return;
	}
	json_object_object_get_ex(run, "metric_labels", &labels);
	printf("  %-31s %5s %12s %12s %12s %12s  %s\n", "metric", "n", "min", "median",
	       "p95", "max", "what");
	json_object_object_foreach(summary, metric, s) {
		printf("  %-31s %5s", metric, str(s, "n"));
		print_value(s, metric, "min");
		print_value(s, metric, "median");
		print_value(s, metric, "p95");
		print_value(s, metric, "max");
		if (strcmp(str(labels, metric), "-"))
			printf("  %s", str(labels, metric));
		putchar('\n');
	}
	print_missing(run);
}

/* The median of a metric of the summary as "36.0KiB"; false when it has none. */
static bool summary_figure(struct json_object *summary, const char *metric, char *out, size_t len)
{
	struct json_object *s, *median;

	if (!summary || !json_object_object_get_ex(summary, metric, &s) ||
	    !json_object_object_get_ex(s, "median", &median) || !median)
		return false;
	mb_format_metric(metric, json_object_get_double(median), out, len);
	return true;
}

void print_dirtylog_facts(struct json_object *run)
{
	static const struct { const char *what, *total, *per_gib; } memory[] = {
		{ "memslot metadata", "memslot_metadata_bytes", "memslot_metadata_bytes_per_gib" },
		{ "dirty bitmap", "dirty_bitmap_bytes", "dirty_bitmap_bytes_per_gib" },
	};
	struct json_object *env, *huge, *aging, *summary = NULL;
	char total[32], per_gib[32];
	unsigned int shown = 0;

	if (json_object_object_get_ex(run, "environment", &env) && env &&
	    json_object_object_get_ex(env, "huge_mappings", &huge) && huge)
		printf("  huge mappings: %s\n", str(huge, "statement"));
	if (env && json_object_object_get_ex(env, "aging", &aging) && aging)
		printf("  aging: %s\n", str(aging, "statement"));
	json_object_object_get_ex(run, "summary", &summary);
	for (size_t i = 0; i < sizeof(memory) / sizeof(memory[0]); i++) {
		if (!summary_figure(summary, memory[i].total, total, sizeof(total)) ||
		    !summary_figure(summary, memory[i].per_gib, per_gib, sizeof(per_gib)))
			continue;	/* not measured: print_summary() says why */
		printf("%s%s %s (%s)", shown++ ? ", " : "  kernel memory: ", memory[i].what, total,
		       per_gib);
	}
	if (shown)
		putchar('\n');
}

static bool finished(const char *state)
{
	return strcmp(state, "queued") && strcmp(state, "running");
}

/* Follow runs until each has finished; a bar on a terminal, lines otherwise. */
int wait_runs(struct json_object *ids)
{
	size_t n = json_object_array_length(ids);
	bool tty = isatty(STDERR_FILENO);
	char last[512] = "";
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		long long id = json_object_get_int64(json_object_array_get_idx(ids, i));
		char path[64];

		snprintf(path, sizeof(path), API "/runs/%lld", id);
		for (;;) {
			struct json_object *run;
			char line[512];
			int r = get_json(path, &run);

			if (r)
				return r;
			snprintf(line, sizeof(line), "run %lld (%zu/%zu): %s%s%s", id, i + 1, n,
				 str(run, "state"), strcmp(str(run, "progress"), "-") ? ", " : "",
				 strcmp(str(run, "progress"), "-") ? str(run, "progress") : "");
			if (tty)
				fprintf(stderr, "\r\033[K[%.*s%*s] %s", (int)(i * 20 / n),
					"####################", (int)(20 - i * 20 / n), "", line);
			else if (strcmp(line, last))
				fprintf(stderr, "%s\n", line);
			snprintf(last, sizeof(last), "%s", line);
			if (finished(str(run, "state"))) {
				if (tty)
					fputc('\n', stderr);
				if (output != OUTPUT_JSON)
					printf("run %lld: %s%s%s\n", id, str(run, "state"),
					       strcmp(str(run, "error"), "-") ? ": " : "",
					       strcmp(str(run, "error"), "-") ? str(run, "error") : "");
				print_summary(run);
				if (strcmp(str(run, "state"), "done"))
					ret = EXIT_FAILED;
				json_object_put(run);
				break;
			}
			json_object_put(run);
			usleep(300 * 1000);
		}
	}
	return ret;
}
