// SPDX-License-Identifier: MIT
/*
 * migbench: the command-line client of migbenchd's REST API.
 *
 * Exit codes: 0 success; 1 a waited-for run did not end done, or the
 * daemon failed (5xx); 2 usage, or a request the daemon refused (400,
 * 413, 415); 3 the daemon cannot be reached; 4 no such run, or a
 * conflict (404, 409); 5 the token is missing or wrong (401).
 */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"
#include "compare.h"
#include "connection.h"
#include "engine.h"
#include "follow.h"
#include "sample_export.h"
#include "host_view.h"
#include "spec_flags.h"
#include "strict_json.h"
#include "units.h"
#include "usage.h"

static int add_tag(struct json_object *tags, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[128];

	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
		fprintf(stderr, PROG ": --tag wants KEY=VALUE, got '%s'\n", kv);
		return -1;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
	json_object_object_add(tags, key, json_object_new_string(eq + 1));
	return 0;
}

/* The engine --kind names (before getopt: its keys are the flags); NULL if unknown. */
static const struct mb_engine *engine_of_args(int argc, char **argv)
{
	const char *kind = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--kind") && i + 1 < argc)
			kind = argv[++i];
		else if (!strncmp(argv[i], "--kind=", 7))
			kind = argv[i] + 7;
	}
	if (!kind)
		return mb_engine_default();
	return mb_engine_find(kind);
}

static void run_usage(FILE *out, const struct mb_engine *engine)
{
	const struct mb_engine *e;

	fprintf(out, "usage: " PROG " run [--kind KIND] [--spec FILE] [--KEY VALUE ...] [--label L]\n"
		     "                   [--tag K=V]... [--repeat N] [--wait] [--raw | --json]\n\n");
	for (unsigned int i = 0; (e = mb_engine_at(i)); i++) {
		if (engine && e != engine)
			continue;
		fprintf(out, "--kind %s: %s%s\n", e->kind, e->title,
			e == mb_engine_default() ? " (the default)" : "");
		spec_flags_usage(out, e);
		fputc('\n', out);
	}
	fprintf(out, "A VALUE of values separated by commas (--vcpus 1,2,4 --backing hugetlb-2m,\n"
		     "hugetlb-1g) sweeps the key: a group of --repeat runs per combination,\n"
		     "interleaved; a CPU list (--pin 0,1) or free text is one value, swept as a\n"
		     "list of lists or of strings in a --spec file.\n"
		     "--wait follows the runs and prints their summaries, times in ns/us/ms/s;\n"
		     "--raw prints them as stored numbers, --json prints each run as JSON.\n");
}

enum { RUN_KEY_BASE = 1000 };

/* "queued run 7", and for a sweep's runs their values: "queued run 7 (vcpus=2)". */
static void print_queued(struct json_object *run, struct json_object *ids)
{
	struct json_object *groups = NULL;

	if (!json_object_object_get_ex(run, "sweep_groups", &groups) ||
	    !json_object_is_type(groups, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(ids); i++)
			printf("queued run %s\n", json_object_get_string(json_object_array_get_idx(ids, i)));
		return;
	}
	for (size_t g = 0; g < json_object_array_length(groups); g++) {
		struct json_object *group = json_object_array_get_idx(groups, g), *point, *gids;
		char values[256] = "";

		if (!json_object_object_get_ex(group, "point", &point) ||
		    !json_object_is_type(point, json_type_object) ||
		    !json_object_object_get_ex(group, "run_ids", &gids))
			continue;
		json_object_object_foreach(point, key, value)
			snprintf(values + strlen(values), sizeof(values) - strlen(values), "%s%s=%s",
				 values[0] ? ", " : "", key, json_object_get_string(value));
		for (size_t i = 0; i < json_object_array_length(gids); i++)
			printf("queued run %s (%s)\n",
			       json_object_get_string(json_object_array_get_idx(gids, i)), values);
	}
}

static int cmd_run(int argc, char **argv)
{
	const struct mb_engine *engine = engine_of_args(argc, argv);
	struct option opts[80];
	struct json_object *req, *spec, *tags = json_object_new_object(), *ids, *run;
	struct mb_error err = { 0 };
	struct http_response resp;
	const char *label = NULL;
	long repeat = 1;
	bool wait = false;
	unsigned int n = 0;
	int c, ret;

	if (!engine) {
		char kinds[128];

		mb_engine_kinds(kinds, sizeof(kinds));
		fprintf(stderr, PROG ": --kind must be %s\n", kinds);
		json_object_put(tags);
		return EXIT_USAGE;
	}
	spec = json_object_new_object();
	n = spec_flags_options(engine, opts, 70, RUN_KEY_BASE);
	opts[n++] = (struct option){ "kind", required_argument, NULL, 'k' };
	opts[n++] = (struct option){ "spec", required_argument, NULL, 's' };
	opts[n++] = (struct option){ "label", required_argument, NULL, 'l' };
	opts[n++] = (struct option){ "tag", required_argument, NULL, 't' };
	opts[n++] = (struct option){ "repeat", required_argument, NULL, 'r' };
	opts[n++] = (struct option){ "wait", no_argument, NULL, 'w' };
	opts[n++] = (struct option){ "raw", no_argument, NULL, 'R' };
	opts[n++] = (struct option){ "json", no_argument, NULL, 'J' };
	opts[n] = (struct option){ 0 };
	optind = 0;	/* glibc: 0 starts getopt afresh on this argv */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c >= RUN_KEY_BASE) {
			if (spec_flags_set_sweep(engine, spec, spec_flags_key(engine, c, RUN_KEY_BASE),
						 optarg, &err))
				goto bad;
			continue;
		}
		switch (c) {
		case 'k': break;	/* read before getopt */
		case 's': {
			struct json_object *obj;
			char jerr[256];

			if (mb_json_parse_file(optarg, &obj, jerr, sizeof(jerr))) {
				fprintf(stderr, PROG ": --spec %s: %s\n", optarg, jerr);
				goto usage;
			}
			if (!json_object_is_type(obj, json_type_object)) {
				fprintf(stderr, PROG ": --spec %s: must be a JSON object\n", optarg);
				json_object_put(obj);
				goto usage;
			}
			/* flags given before --spec still win */
			json_object_object_foreach(obj, key, val)
				if (!json_object_object_get_ex(spec, key, NULL))
					json_object_object_add(spec, key, json_object_get(val));
			json_object_put(obj);
			break;
		}
		case 'l': label = optarg; break;
		case 't':
			if (add_tag(tags, optarg))
				goto usage;
			break;
		case 'r': repeat = strtol(optarg, NULL, 10); break;
		case 'w': wait = true; break;
		case 'R': output = OUTPUT_RAW; break;
		case 'J': output = OUTPUT_JSON; break;
		default:
			json_object_put(tags);
			json_object_put(spec);
			return usage_wrong();
		}
	}
	req = spec;
	json_object_object_add(req, "kind", json_object_new_string(engine->kind));
	if (label)
		json_object_object_add(req, "label", json_object_new_string(label));
	json_object_object_add(req, "tags", tags);
	json_object_object_add(req, "repeat", json_object_new_int64(repeat));
	ret = call("POST", API "/runs", json_object_to_json_string(req), &resp);
	json_object_put(req);
	if (ret)
		return ret;
	run = json_tokener_parse(resp.body);
	http_response_free(&resp);
	if (!run || !json_object_object_get_ex(run, "run_ids", &ids)) {
		json_object_put(run);
		fprintf(stderr, PROG ": migbenchd sent an unexpected reply\n");
		return EXIT_FAILED;
	}
	print_queued(run, ids);
	fflush(stdout);
	ret = wait ? wait_runs(ids) : 0;
	json_object_put(run);
	return ret;
bad:
	fprintf(stderr, PROG ": %s\n", err.message);
	json_object_put(tags);
	json_object_put(spec);
	return EXIT_USAGE;
usage:
	json_object_put(tags);
	json_object_put(spec);
	return EXIT_USAGE;
}

/* The run's headline median with its metric: "clear_dirty_log_ns 1.02ms"; "-" for none. */
static void headline_cell(struct json_object *r, char *out, size_t len)
{
	struct json_object *h = NULL, *median;
	char figure[32];

	if (!json_object_object_get_ex(r, "headline", &h) || !h ||
	    !json_object_object_get_ex(h, "median", &median)) {
		snprintf(out, len, "-");
		return;
	}
	mb_format_metric(str(h, "metric"), json_object_get_double(median), figure, sizeof(figure));
	snprintf(out, len, "%s %s", str(h, "metric"), figure);
}

/* Seconds as "850ms", "12.3s", "4m05s"; "-" for none. */
static void duration_cell(struct json_object *r, char *out, size_t len)
{
	struct json_object *d = NULL;
	double s;

	if (!json_object_object_get_ex(r, "duration_s", &d) || !d) {
		snprintf(out, len, "-");
		return;
	}
	s = json_object_get_double(d);
	if (s * 1000 < 999.5)	/* what would print as 1000ms is 1.00s */
		snprintf(out, len, "%.0fms", s * 1000);
	else if (s < 59.95)
		snprintf(out, len, s < 9.995 ? "%.2fs" : "%.1fs", s);
	else
		snprintf(out, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
}

/* A run's tags as "k=v,k2=v2"; "" for none. */
static void tags_text(struct json_object *r, char *out, size_t len)
{
	struct json_object *tags = NULL;

	out[0] = '\0';
	if (!json_object_object_get_ex(r, "tags", &tags) || !json_object_is_type(tags, json_type_object))
		return;
	json_object_object_foreach(tags, k, v)
		snprintf(out + strlen(out), len - strlen(out), "%s%s=%s", out[0] ? "," : "", k,
			 v ? json_object_get_string(v) : "null");
}

static int cmd_ls(int argc, char **argv)
{
	static const char *const filters[] = { "state", "kind", "label", "kernel", "sweep",
					       "since", "limit", "cursor", NULL };
	const char *values[8] = { NULL };
	struct json_object *page, *runs;
	char path[1024] = API "/runs";
	bool json = take_flag(&argc, argv, "--json");
	int ret = query_options(argc, argv, filters, values, path, sizeof(path));
	size_t n;

	if (ret)
		return ret;
	if (optind < argc) {
		fprintf(stderr, PROG " ls: '%s' is not an option of ls\n", argv[optind]);
		return usage_wrong();
	}
	ret = get_listing(path, "runs", json, &page, &runs);
	if (ret || !page)
		return ret;
	n = json_object_array_length(runs);
	if (!n)
		printf("no runs%s\n", strchr(path, '?') ? " match" : " yet");
	else
		printf("%6s  %-9s %-11s %-14s %-22s %-16s %8s  %-30s %s\n", "ID", "STATE", "RESULT",
		       "LABEL", "KERNEL", "CREATED (UTC)", "DURATION", "HEADLINE (MEDIAN)", "SPEC, TAGS");
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(runs, i), *k;
		char headline[96], duration[32], tags[512], created[17];

		json_object_object_get_ex(r, "kernel", &k);
		/* to the minute, as --since takes it: "2026-12-06 20:47" */
		snprintf(created, sizeof(created), "%s", str(r, "created_at"));
		if (strlen(created) > 10 && created[10] == 'T')
			created[10] = ' ';
		headline_cell(r, headline, sizeof(headline));
		duration_cell(r, duration, sizeof(duration));
		tags_text(r, tags, sizeof(tags));
		printf("%6s  %-9s %-11s %-14s %-22s %-16s %8s  %-30s %s%s%s\n", str(r, "id"),
		       str(r, "state"), str(r, "result"), str(r, "label"),
		       k ? str(k, "release") : "-", created, duration, headline, str(r, "description"),
		       tags[0] ? ", " : "", tags);
	}
	if (strcmp(str(page, "next_cursor"), "-"))
		printf("more: " PROG " ls --cursor %s\n", str(page, "next_cursor"));
	json_object_put(page);
	return 0;
}

static int run_id_arg(int argc, char **argv, long long *id)
{
	return id_arg(argc, argv, "run", id);
}

/* "COMMAND ID [--FLAG]": the run ID, and whether the one flag was given. */
static int id_and_flag(int argc, char **argv, const char *flag, bool *set,
		       long long *id)
{
	const struct option opts[] = { { flag, no_argument, NULL, 'f' },
				       { NULL, 0, NULL, 0 } };
	int c;

	*set = false;
	optind = 0;	/* glibc: 0 starts getopt afresh on this argv */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f')
			return usage_wrong();
		*set = true;
	}
	return run_id_arg(argc, argv, id);
}

/* The spec as migbench's command line, and the kernel selftest's or why there is none. */
static void print_commands(struct json_object *run)
{
	struct json_object *selftest = NULL;

	if (strcmp(str(run, "command"), "-"))
		printf("  command %s\n", str(run, "command"));
	if (!json_object_object_get_ex(run, "selftest", &selftest) || !selftest)
		return;
	if (strcmp(str(selftest, "command"), "-"))
		printf("  selftest %s\n", str(selftest, "command"));
	else
		printf("  selftest: no %s equivalent (%s)\n", str(selftest, "name"),
		       str(selftest, "reason"));
}

/* A spec value as a flag takes it: lists comma-separated. */
static void value_text(struct json_object *v, char *out, size_t len)
{
	out[0] = '\0';
	if (!json_object_is_type(v, json_type_array)) {
		snprintf(out, len, "%s", v ? json_object_get_string(v) : "null");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *item = json_object_array_get_idx(v, i);

		snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? "," : "",
			 item ? json_object_get_string(item) : "null");
	}
}

/* The spec in its engine's words, then every key (resolved once the run started) as key=value. */
static void print_spec(struct json_object *run)
{
	struct json_object *spec = NULL;
	size_t col = 0;

	printf("  spec %s\n", str(run, "description"));
	if ((!json_object_object_get_ex(run, "resolved_spec", &spec) || !spec) &&
	    !json_object_object_get_ex(run, "spec", &spec))
		return;
	if (!json_object_is_type(spec, json_type_object))
		return;
	json_object_object_foreach(spec, key, v) {
		char value[512], item[640];
		int len;

		value_text(v, value, sizeof(value));
		len = snprintf(item, sizeof(item), "%s=%s", key, value);
		if (col && col + 1 + (size_t)len > 78) {
			putchar('\n');
			col = 0;
		}
		col += (size_t)printf("%s%s", col ? " " : "    ", item);
	}
	if (col)
		putchar('\n');
}

static int cmd_show(int argc, char **argv)
{
	struct json_object *run, *k;
	char path[64], tags[512];
	long long id;
	bool json;
	int ret;

	ret = id_and_flag(argc, argv, "json", &json, &id);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), API "/runs/%lld", id);
	ret = get_json(path, &run);
	if (ret)
		return ret;
	if (json) {
		print_json(run);
	} else {
		json_object_object_get_ex(run, "kernel", &k);
		tags_text(run, tags, sizeof(tags));
		printf("run %s (%s), label %s, %s%s\n", str(run, "id"), str(run, "kind"),
		       str(run, "label"), tags[0] ? "tags " : "no tags", tags);
		printf("  state %s, result %s%s%s\n", str(run, "state"), str(run, "result"),
		       strcmp(str(run, "error"), "-") ? ", error: " : "",
		       strcmp(str(run, "error"), "-") ? str(run, "error") : "");
		printf("  kernel %s, created %s, started %s, finished %s\n",
		       k ? str(k, "release") : "-", str(run, "created_at"),
		       str(run, "started_at"), str(run, "finished_at"));
		print_spec(run);
		if (json_object_object_get_ex(run, "sweep", &k) && k)
			printf("  sweep %s: %s\n", str(k, "id"), str(k, "point"));
		print_dirtylog_facts(run);
		print_commands(run);
		print_summary(run);
	}
	json_object_put(run);
	return 0;
}

/*
 * METHOD /runs/ID/WHAT with a JSON body or none; the reply in *resp, or
 * the exit code.  The daemon takes every POST as JSON only, so a POST
 * with nothing to say sends {}.
 */
static int call_run(const char *method, long long id, const char *what,
		    const char *json_body, struct http_response *resp)
{
	char path[96];

	snprintf(path, sizeof(path), API "/runs/%lld/%s", id, what);
	return call(method, path, json_body, resp);
}

static int cmd_cancel(int argc, char **argv)
{
	struct http_response resp;
	long long id;
	int ret;

	optind = 1;	/* no options: the ID is argv[1] */
	ret = run_id_arg(argc, argv, &id);
	if (!ret)
		ret = call_run("POST", id, "cancel", "{}", &resp);
	if (ret)
		return ret;
	printf("run %lld %s\n", id, resp.status == 202 ? "is being stopped" : "cancelled");
	http_response_free(&resp);
	return 0;
}

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "run", cmd_run },
	{ "ls", cmd_ls },
	{ "show", cmd_show },
	{ "samples", cmd_samples },
	{ "cancel", cmd_cancel },
	{ "compare", cmd_compare },
	{ "campaign", cmd_campaign },
	{ "host", cmd_host },
	{ "kernels", cmd_kernels },
	{ "help", cmd_help },
	{ NULL, NULL },
};

/* A command's usage on stdout (run's with its engines' keys); false if there is no such command. */
static bool command_usage(const char *cmd)
{
	if (!strcmp(cmd, "run")) {
		run_usage(stdout, NULL);
		return true;
	}
	return usage_of(stdout, cmd);
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage_all(stdout);
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, PROG " help: one command at a time\n");
		return usage_wrong();
	}
	if (!command_usage(argv[1])) {
		fprintf(stderr, PROG " help: '%s' is not a command\n", argv[1]);
		return usage_wrong();
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "url", required_argument, NULL, 'u' },
		{ "token-file", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char default_socket[256], prog_name[64];
	const char *token_file = getenv("MIGBENCH_TOKEN_FILE"), *cmd;
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	int c;

	snprintf(default_socket, sizeof(default_socket), "%s/migbench/migbenchd.sock",
		 geteuid() == 0 || !runtime ? "/run" : runtime);
	/* a user's own migbenchd if one runs, else the system's */
	if (access(default_socket, F_OK))
		snprintf(default_socket, sizeof(default_socket), "/run/migbench/migbenchd.sock");
	target.unix_path = default_socket;
	argv[0] = PROG;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			target.unix_path = optarg;
			break;
		case 'u':
			if (http_parse_url(optarg, &target)) {
				fprintf(stderr, PROG ": --url wants http://HOST:PORT\n");
				return usage_wrong();
			}
			break;
		case 't':
			token_file = optarg;
			break;
		case 'h':
			usage_all(stdout);
			return 0;
		case 'V':
			usage_version(stdout, PROG);
			return 0;
		default:
			return usage_wrong();
		}
	}
	if (optind >= argc) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(c->name, cmd))
			continue;
		if (usage_asked(argc, argv))
			return command_usage(cmd) ? 0 : EXIT_USAGE;
		/* help reaches no daemon: a token it would not send cannot stop it */
		if (token_file && c->run != cmd_help && read_token(token_file))
			return EXIT_USAGE;
		/* getopt's messages and the pointer after them name the command */
		usage_command(c->name);
		snprintf(prog_name, sizeof(prog_name), PROG " %s", c->name);
		argv[0] = prog_name;
		return c->run(argc, argv);
	}
	fprintf(stderr, PROG ": '%s' is not a command\n", cmd);
	return usage_wrong();
}
