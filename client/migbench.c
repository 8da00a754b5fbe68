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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"
#include "spec.h"
#include "strict_json.h"

#define PROG "migbench"
#define API "/api/v1"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3,
       EXIT_NOT_FOUND = 4, EXIT_UNAUTHORIZED = 5 };

static struct http_target target;
static char token[512];

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--socket PATH | --url http://HOST:PORT] [--token-file PATH] COMMAND\n"
		"\n"
		"  run [--spec FILE] [--KEY VALUE ...] [--label L] [--tag K=V]... [--repeat N] [--wait]\n"
		"                      queue a dirty-log run; KEY is any spec key (as in\n"
		"                      migbench-dirtylog); --wait follows it to the end\n"
		"  ls [--state S] [--kind K] [--label L] [--kernel RELEASE] [--limit N] [--cursor C]\n"
		"  show ID [--json]    one run: state, kernel, spec and summary\n"
		"  samples ID [--csv]  every sample of a run\n"
		"  cancel ID           cancel a queued run, stop a running one\n"
		"  compare --base SEL --new SEL [--format text|markdown|csv|json] [--alpha A] [--vary KEYS]\n"
		"                      compare two groups of done runs (SEL: a label, kernel:RELEASE,\n"
		"                      tag:KEY=VALUE or runs:1,2,3); text is ready for a cover letter\n"
		"  host                this host as migbenchd sees it\n"
		"  kernels             kernels runs were measured on\n"
		"\n"
		"The default daemon address is migbenchd's own unix socket.  A token is read\n"
		"from --token-file or $MIGBENCH_TOKEN_FILE.\n"
		"Exit codes: 0 ok, 1 run not done or daemon error, 2 usage or refused request,\n"
		"3 daemon unreachable, 4 not found or conflict, 5 unauthorized.\n");
}

static int exit_for_status(int status)
{
	if (status == 401)
		return EXIT_UNAUTHORIZED;
	if (status == 404 || status == 409)
		return EXIT_NOT_FOUND;
	if (status >= 500)
		return EXIT_FAILED;
	return EXIT_USAGE;
}

/* Do a request; on an error reply print its detail and return the exit code. */
static int call(const char *method, const char *path, const char *body,
		struct http_response *resp)
{
	int ret = http_request(&target, method, path, body, resp);

	if (ret) {
		fprintf(stderr, PROG ": cannot reach migbenchd at %s%s%s: %s\n",
			target.unix_path ? target.unix_path : target.host,
			target.unix_path ? "" : ":", target.unix_path ? "" : target.port,
			strerror(-ret));
		return EXIT_UNREACHABLE;
	}
	if (resp->status >= 400) {
		struct json_object *p = json_tokener_parse(resp->body), *d;

		if (p && json_object_object_get_ex(p, "detail", &d))
			fprintf(stderr, PROG ": %s\n", json_object_get_string(d));
		else
			fprintf(stderr, PROG ": HTTP %d\n", resp->status);
		json_object_put(p);
		ret = exit_for_status(resp->status);
		http_response_free(resp);
		return ret;
	}
	return 0;
}

static int get_json(const char *path, struct json_object **out)
{
	struct http_response resp;
	int ret = call("GET", path, NULL, &resp);

	if (ret)
		return ret;
	*out = json_tokener_parse(resp.body);
	http_response_free(&resp);
	if (!*out) {
		fprintf(stderr, PROG ": migbenchd sent something that is not JSON\n");
		return EXIT_FAILED;
	}
	return 0;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "-";
	return json_object_get_string(v);
}

/* ns and page counts: whole numbers are precise enough */
static void print_number(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && v)
		printf(" %14.0f", json_object_get_double(v));
	else
		printf(" %14s", "-");
}

static void print_summary(struct json_object *run)
{
	struct json_object *summary;

	if (!json_object_object_get_ex(run, "summary", &summary) || !summary)
		return;
	printf("  %-24s %5s %14s %14s %14s %14s\n", "metric", "n", "min", "median",
	       "p95", "max");
	json_object_object_foreach(summary, metric, s) {
		printf("  %-24s %5s", metric, str(s, "n"));
		print_number(s, "min");
		print_number(s, "median");
		print_number(s, "p95");
		print_number(s, "max");
		putchar('\n');
	}
}

static bool finished(const char *state)
{
	return strcmp(state, "queued") && strcmp(state, "running");
}

/* Follow runs until each has finished; a bar on a terminal, lines otherwise. */
static int wait_runs(struct json_object *ids)
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

static int cmd_run(int argc, char **argv)
{
	static char names[64][48];
	struct option opts[80];
	struct json_object *req, *tags = json_object_new_object(), *ids, *run;
	struct mb_spec_error err = { "", "" };
	struct http_response resp;
	struct mb_spec spec;
	const char *label = NULL;
	long repeat = 1;
	bool wait = false;
	unsigned int n = 0;
	int c, ret;

	mb_spec_init(&spec);
	for (unsigned int i = 0; mb_spec_key_name(i); i++, n++) {
		const char *k = mb_spec_key_name(i);

		for (size_t j = 0; j <= strlen(k); j++)
			names[i][j] = k[j] == '_' ? '-' : k[j];
		opts[n] = (struct option){ names[i], mb_spec_key_is_bool(k) ?
					   optional_argument : required_argument,
					   NULL, 1000 + (int)i };
	}
	opts[n++] = (struct option){ "spec", required_argument, NULL, 's' };
	opts[n++] = (struct option){ "label", required_argument, NULL, 'l' };
	opts[n++] = (struct option){ "tag", required_argument, NULL, 't' };
	opts[n++] = (struct option){ "repeat", required_argument, NULL, 'r' };
	opts[n++] = (struct option){ "wait", no_argument, NULL, 'w' };
	opts[n] = (struct option){ 0 };
	optind = 0;	/* glibc: 0 starts getopt afresh on this argv */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c >= 1000) {
			if (mb_spec_set_text(&spec, mb_spec_key_name(c - 1000),
					     optarg ? optarg : "true", &err))
				goto bad;
			continue;
		}
		switch (c) {
		case 's': {
			struct json_object *obj;
			char jerr[256];

			if (mb_json_parse_file(optarg, &obj, jerr, sizeof(jerr))) {
				fprintf(stderr, PROG ": --spec %s: %s\n", optarg, jerr);
				json_object_put(tags);
				return EXIT_USAGE;
			}
			ret = mb_spec_from_json(&spec, obj, &err);
			json_object_put(obj);
			if (ret)
				goto bad;
			break;
		}
		case 'l': label = optarg; break;
		case 't':
			if (add_tag(tags, optarg)) {
				json_object_put(tags);
				return EXIT_USAGE;
			}
			break;
		case 'r': repeat = strtol(optarg, NULL, 10); break;
		case 'w': wait = true; break;
		default:
			json_object_put(tags);
			return EXIT_USAGE;
		}
	}
	req = mb_spec_to_json(&spec);
	json_object_object_add(req, "kind", json_object_new_string("dirtylog"));
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
	for (size_t i = 0; i < json_object_array_length(ids); i++)
		printf("queued run %s\n", json_object_get_string(json_object_array_get_idx(ids, i)));
	fflush(stdout);
	ret = wait ? wait_runs(ids) : 0;
	json_object_put(run);
	return ret;
bad:
	fprintf(stderr, PROG ": %s\n", err.message);
	json_object_put(tags);
	return EXIT_USAGE;
}

/* Append ?name=value (or &name=value), the value percent-encoded. */
static void add_query(char *path, size_t size, const char *name, const char *value)
{
	snprintf(path + strlen(path), size - strlen(path), "%c%s=",
		 strchr(path, '?') ? '&' : '?', name);
	for (const char *p = value; *p; p++)
		snprintf(path + strlen(path), size - strlen(path),
			 strchr("-._~", *p) || (*p >= '0' && *p <= '9') ||
			 ((*p | 32) >= 'a' && (*p | 32) <= 'z') ? "%c" : "%%%02X",
			 (unsigned char)*p);
}

static int cmd_ls(int argc, char **argv)
{
	static const char *const filters[] = { "state", "kind", "label", "kernel",
					       "limit", "cursor" };
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 0 }, { "kind", required_argument, NULL, 1 },
		{ "label", required_argument, NULL, 2 }, { "kernel", required_argument, NULL, 3 },
		{ "limit", required_argument, NULL, 4 }, { "cursor", required_argument, NULL, 5 },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *page, *runs;
	char path[1024] = API "/runs";
	int c, ret;

	optind = 0;	/* glibc: 0 starts getopt afresh on this argv */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c < 0 || c > 5)
			return EXIT_USAGE;
		add_query(path, sizeof(path), filters[c], optarg);
	}
	ret = get_json(path, &page);
	if (ret)
		return ret;
	json_object_object_get_ex(page, "runs", &runs);
	printf("%6s  %-11s %-16s %-16s %-24s %s\n", "ID", "STATE", "RESULT", "LABEL",
	       "KERNEL", "CREATED");
	for (size_t i = 0; i < json_object_array_length(runs); i++) {
		struct json_object *r = json_object_array_get_idx(runs, i), *k;

		json_object_object_get_ex(r, "kernel", &k);
		printf("%6s  %-11s %-16s %-16s %-24s %s\n", str(r, "id"), str(r, "state"),
		       str(r, "result"), str(r, "label"), k ? str(k, "release") : "-",
		       str(r, "created_at"));
	}
	if (strcmp(str(page, "next_cursor"), "-"))
		printf("more: " PROG " ls --cursor %s\n", str(page, "next_cursor"));
	json_object_put(page);
	return 0;
}

static int run_id_arg(int argc, char **argv, long long *id)
{
	char *end;

	if (optind >= argc) {
		fprintf(stderr, PROG ": %s needs a run ID\n", argv[0]);
		return EXIT_USAGE;
	}
	*id = strtoll(argv[optind], &end, 10);
	if (*end || *id < 1) {
		fprintf(stderr, PROG ": '%s' is not a run ID\n", argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
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
			return EXIT_USAGE;
		*set = true;
	}
	return run_id_arg(argc, argv, id);
}

static int cmd_show(int argc, char **argv)
{
	struct json_object *run, *k;
	char path[64];
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
		puts(json_object_to_json_string_ext(run, JSON_C_TO_STRING_PRETTY));
	} else {
		json_object_object_get_ex(run, "kernel", &k);
		printf("run %s (%s), label %s, tags %s\n", str(run, "id"), str(run, "kind"),
		       str(run, "label"), str(run, "tags"));
		printf("  state %s, result %s%s%s\n", str(run, "state"), str(run, "result"),
		       strcmp(str(run, "error"), "-") ? ", error: " : "",
		       strcmp(str(run, "error"), "-") ? str(run, "error") : "");
		printf("  kernel %s, created %s, started %s, finished %s\n",
		       k ? str(k, "release") : "-", str(run, "created_at"),
		       str(run, "started_at"), str(run, "finished_at"));
		printf("  spec %s\n", str(run, "spec"));
		print_summary(run);
	}
	json_object_put(run);
	return 0;
}

static int cmd_samples(int argc, char **argv)
{
	struct http_response resp;
	char path[96];
	long long id;
	bool csv;
	int ret;

	ret = id_and_flag(argc, argv, "csv", &csv, &id);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), API "/runs/%lld/samples%s", id, csv ? "?format=csv" : "");
	ret = call("GET", path, NULL, &resp);
	if (ret)
		return ret;
	fwrite(resp.body, 1, resp.body_len, stdout);
	http_response_free(&resp);
	return 0;
}

static int cmd_cancel(int argc, char **argv)
{
	struct http_response resp;
	char path[96];
	long long id;
	int ret;

	optind = 1;	/* no options: the ID is argv[1] */
	ret = run_id_arg(argc, argv, &id);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), API "/runs/%lld/cancel", id);
	ret = call("POST", path, NULL, &resp);
	if (ret)
		return ret;
	printf("run %lld %s\n", id, resp.status == 202 ? "is being stopped" : "cancelled");
	http_response_free(&resp);
	return 0;
}

static int cmd_compare(int argc, char **argv)
{
	static const char *const names[] = { "base", "new", "format", "alpha", "vary" };
	static const struct option opts[] = {
		{ "base", required_argument, NULL, 0 }, { "new", required_argument, NULL, 1 },
		{ "format", required_argument, NULL, 2 }, { "alpha", required_argument, NULL, 3 },
		{ "vary", required_argument, NULL, 4 }, { NULL, 0, NULL, 0 },
	};
	const char *values[5] = { NULL, NULL, "text", NULL, NULL };
	char path[2048] = API "/compare";
	struct http_response resp;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c < 0 || c > 4)
			return EXIT_USAGE;
		values[c] = optarg;
	}
	for (int i = 0; i < 5; i++) {
		if (!values[i])
			continue;
		add_query(path, sizeof(path), names[i], values[i]);
	}
	ret = call("GET", path, NULL, &resp);
	if (ret)
		return ret;
	fwrite(resp.body, 1, resp.body_len, stdout);
	http_response_free(&resp);
	return 0;
}

static int cmd_get_pretty(const char *path)
{
	struct json_object *o;
	int ret = get_json(path, &o);

	if (!ret)
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return ret;
}

static int read_token(const char *file)
{
	FILE *f = fopen(file, "re");

	if (!f || !fgets(token, sizeof(token), f)) {
		fprintf(stderr, PROG ": --token-file %s: %s\n", file,
			f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	token[strcspn(token, "\r\n")] = '\0';
	target.token = token;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "url", required_argument, NULL, 'u' },
		{ "token-file", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char default_socket[256];
	const char *token_file = getenv("MIGBENCH_TOKEN_FILE"), *cmd;
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	int c;

	snprintf(default_socket, sizeof(default_socket), "%s/migbench/migbenchd.sock",
		 geteuid() == 0 || !runtime ? "/run" : runtime);
	target.unix_path = default_socket;
	argv[0] = PROG;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			target.unix_path = optarg;
			break;
		case 'u':
			if (http_parse_url(optarg, &target)) {
				fprintf(stderr, PROG ": --url wants http://HOST:PORT\n");
				return EXIT_USAGE;
			}
			break;
		case 't':
			token_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (token_file && read_token(token_file))
		return EXIT_USAGE;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv);
	if (!strcmp(cmd, "ls"))
		return cmd_ls(argc, argv);
	if (!strcmp(cmd, "show"))
		return cmd_show(argc, argv);
	if (!strcmp(cmd, "samples"))
		return cmd_samples(argc, argv);
	if (!strcmp(cmd, "cancel"))
		return cmd_cancel(argc, argv);
	if (!strcmp(cmd, "compare"))
		return cmd_compare(argc, argv);
	if (!strcmp(cmd, "host"))
		return cmd_get_pretty(API "/host");
	if (!strcmp(cmd, "kernels"))
		return cmd_get_pretty(API "/kernels");
	fprintf(stderr, PROG ": unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
