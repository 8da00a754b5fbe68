// SPDX-License-Identifier: MIT
#include "campaign.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "connection.h"
#include "strict_json.h"
#include "usage.h"

#define MAX_CAMPAIGN_FILE (1 << 20)

/* The campaign's JSON from a file or stdin ("-"), checked before it is sent. */
static char *read_campaign(const char *name)
{
	FILE *f = strcmp(name, "-") ? fopen(name, "re") : stdin;
	struct json_object *obj;
	char *buf, why[256];
	size_t n;

	if (!f) {
		fprintf(stderr, PROG ": %s: cannot read it\n", name);
		return NULL;
	}
	buf = malloc(MAX_CAMPAIGN_FILE + 1);
	n = buf ? fread(buf, 1, MAX_CAMPAIGN_FILE + 1, f) : 0;
	if (f != stdin)
		fclose(f);
	if (!buf || n > MAX_CAMPAIGN_FILE) {
		fprintf(stderr, PROG ": %s: more than 1 MiB\n", name);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (mb_json_parse(buf, n, &obj, why, sizeof(why))) {
		fprintf(stderr, PROG ": %s: %s\n", name, why);
		free(buf);
		return NULL;
	}
	json_object_put(obj);
	return buf;
}

static int campaign_id(int argc, char **argv, long long *id)
{
	return id_arg(argc, argv, "campaign", id);
}

static const char *kernel_label(struct json_object *c, int k)
{
	struct json_object *spec = NULL, *kernels = NULL;

	json_object_object_get_ex(c, "spec", &spec);
	json_object_object_get_ex(spec, "kernels", &kernels);
	return str(json_object_array_get_idx(kernels, (size_t)k), "label");
}

static void print_campaign(struct json_object *c)
{
	struct json_object *steps = NULL, *events = NULL;

	printf("campaign %s: %s%s%s, %s of %s steps done, created %s, finished %s\n",
	       str(c, "id"), str(c, "state"), strcmp(str(c, "reason"), "-") ? ": " : "",
	       strcmp(str(c, "reason"), "-") ? str(c, "reason") : "", str(c, "steps_done"),
	       str(c, "steps"), str(c, "created_at"), str(c, "finished_at"));
	json_object_object_get_ex(c, "step_list", &steps);
	printf("  %-4s %-5s %-16s %-11s %-8s %-24s %s\n", "step", "round", "kernel", "state",
	       "attempts", "expected", "runs");
	for (size_t i = 0; i < json_object_array_length(steps); i++) {
		struct json_object *s = json_object_array_get_idx(steps, i), *runs = NULL;
		char list[256] = "";

		json_object_object_get_ex(s, "runs", &runs);
		for (size_t j = 0; j < json_object_array_length(runs); j++) {
			struct json_object *r = json_object_array_get_idx(runs, j);

			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s %s",
				 j ? ", " : "", str(r, "id"), str(r, "state"));
		}
		printf("  %-4s %-5s %-16s %-11s %-8s %-24s %s\n", str(s, "seq"), str(s, "round"),
		       kernel_label(c, json_object_get_int(json_object_object_get(s, "kernel"))),
		       str(s, "state"), str(s, "attempts"), str(s, "expect_release"), list);
		if (strcmp(str(s, "reason"), "-"))
			printf("       %s\n", str(s, "reason"));
	}
	json_object_object_get_ex(c, "events", &events);
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		struct json_object *e = json_object_array_get_idx(events, i);

		printf("  %s  %-12s %s%s%s\n", str(e, "at"), str(e, "kind"),
		       strcmp(str(e, "step"), "-") ? "step " : "",
		       strcmp(str(e, "step"), "-") ? str(e, "step") : "", "");
		printf("      %s\n", str(e, "message"));
	}
}

static int cmd_start(int argc, char **argv)
{
	struct http_response resp;
	struct json_object *c;
	char *body, why[128];
	int ret;

	if (argc != 2) {
		fprintf(stderr, PROG " campaign start: one FILE, or - for stdin\n");
		return usage_wrong();
	}
	body = read_campaign(argv[1]);
	if (!body)
		return EXIT_USAGE;
	ret = call("POST", API "/campaigns", body, &resp);
	free(body);
	if (ret)
		return ret;
	if (!mb_json_parse(resp.body, resp.body_len, &c, why, sizeof(why))) {
		print_campaign(c);
		json_object_put(c);
	}
	http_response_free(&resp);
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	struct json_object *page, *list = NULL;
	bool json = take_flag(&argc, argv, "--json");
	int ret;

	if (argc > 1) {
		fprintf(stderr, PROG " campaign ls: '%s' is not an option of it\n", argv[1]);
		return usage_wrong();
	}
	ret = get_listing(API "/campaigns", "campaigns", json, &page, &list);
	if (ret || !page)
		return ret;
	if (!json_object_array_length(list))
		printf("no campaigns yet\n");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *c = json_object_array_get_idx(list, i);

		printf("%-5s %-8s %s/%s steps  %s .. %s  %s\n", str(c, "id"), str(c, "state"),
		       str(c, "steps_done"), str(c, "steps"), str(c, "created_at"),
		       str(c, "finished_at"), strcmp(str(c, "reason"), "-") ? str(c, "reason") : "");
	}
	json_object_put(page);
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					       { NULL, 0, NULL, 0 } };
	struct json_object *c;
	char path[64];
	bool json = false;
	long long id;
	int o, ret;

	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'j')
			return usage_wrong();
		json = true;
	}
	ret = campaign_id(argc, argv, &id);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), API "/campaigns/%lld", id);
	ret = get_json(path, &c);
	if (ret)
		return ret;
	if (json)
		print_json(c);
	else
		print_campaign(c);
	json_object_put(c);
	return 0;
}

static int cmd_abort(int argc, char **argv)
{
	struct http_response resp;
	char path[64];
	long long id;
	int ret;

	optind = 1;
	ret = campaign_id(argc, argv, &id);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), API "/campaigns/%lld/abort", id);
	ret = call("POST", path, "{}", &resp);
	if (ret)
		return ret;
	printf("campaign %lld stops after the run going on\n", id);
	http_response_free(&resp);
	return 0;
}

static int cmd_report(int argc, char **argv)
{
	static const char *const names[] = { "format", "alpha", "vary", "request", "kernel", NULL };
	const char *values[5] = { "text", NULL, NULL, NULL, NULL };
	char path[2048], query[1900] = "", metrics[1024];
	long long id;
	int ret = compare_take_metrics(&argc, argv, metrics, sizeof(metrics));

	if (!ret)
		ret = query_options(argc, argv, names, values, query, sizeof(query));
	if (!ret && metrics[0])
		add_query(query, sizeof(query), "metrics", metrics);
	if (!ret && strlen(query) >= sizeof(query) - 1) {
		fprintf(stderr, PROG ": campaign report: the options are too long\n");
		ret = EXIT_USAGE;
	}

	if (!ret)
		ret = campaign_id(argc, argv, &id);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), API "/campaigns/%lld/report%s", id, query);
	return print_body(path);
}

int cmd_campaign(int argc, char **argv)
{
	static const struct { const char *name; int (*run)(int argc, char **argv); } subs[] = {
		{ "start", cmd_start }, { "ls", cmd_ls }, { "show", cmd_show },
		{ "abort", cmd_abort }, { "report", cmd_report },
	};
	static char name[64], prog_name[80];
	const char *sub = argc > 1 ? argv[1] : "";

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(sub, subs[i].name))
			continue;
		/* the subcommand's own argv, named as getopt's messages say it */
		snprintf(name, sizeof(name), "campaign %s", sub);
		usage_command(name);
		snprintf(prog_name, sizeof(prog_name), PROG " campaign %s", sub);
		argv[1] = prog_name;
		return subs[i].run(argc - 1, argv + 1);
	}
	if (sub[0])
		fprintf(stderr, PROG " campaign: '%s' is not start, ls, show, abort or report\n", sub);
	else
		fprintf(stderr, PROG " campaign: start, ls, show, abort or report?\n");
	return usage_wrong();
}
