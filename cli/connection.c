// SPDX-License-Identifier: MIT
#include "connection.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usage.h"

struct http_target target;
static char token[512];

static int exit_for_status(int status)
{
	if (status == 401 || status == 403)
		return EXIT_UNAUTHORIZED;
	if (status == 404 || status == 409)
		return EXIT_NOT_FOUND;
	if (status >= 500)
		return EXIT_FAILED;
	return EXIT_USAGE;
}

/* Do a request; on an error reply print its detail and return the exit code. */
int call(const char *method, const char *path, const char *body,
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

int get_json(const char *path, struct json_object **out)
{
	struct http_response resp;
	int ret;

	*out = NULL;
	ret = call("GET", path, NULL, &resp);
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

const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "-";
	return json_object_get_string(v);
}

int read_token(const char *file)
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

void add_query(char *path, size_t size, const char *name, const char *value)
{
	snprintf(path + strlen(path), size - strlen(path), "%c%s=",
		 strchr(path, '?') ? '&' : '?', name);
	for (const char *p = value; *p; p++)
		snprintf(path + strlen(path), size - strlen(path),
			 strchr("-._~", *p) || (*p >= '0' && *p <= '9') ||
			 ((*p | 32) >= 'a' && (*p | 32) <= 'z') ? "%c" : "%%%02X",
			 (unsigned char)*p);
}

int id_arg(int argc, char **argv, const char *what, long long *id)
{
	char *end;

	if (optind >= argc) {
		fprintf(stderr, "%s: a %s ID is needed\n", argv[0], what);
		return usage_wrong();
	}
	*id = strtoll(argv[optind], &end, 10);
	if (*end || *id < 1) {
		fprintf(stderr, PROG ": '%s' is not a %s ID\n", argv[optind], what);
		return usage_wrong();
	}
	return 0;
}

int query_options(int argc, char **argv, const char *const *names, const char **values,
		  char *path, size_t size)
{
	struct option opts[9] = { { NULL, 0, NULL, 0 } };
	int n, c;

	for (n = 0; names[n] && n < 8; n++)
		opts[n] = (struct option){ names[n], required_argument, NULL, n };
	optind = 0;	/* glibc: 0 starts getopt afresh on this argv */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c < 0 || c >= n)
			return usage_wrong();
		values[c] = optarg;
	}
	for (int i = 0; i < n; i++)
		if (values[i])
			add_query(path, size, names[i], values[i]);
	return 0;
}

void print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int get_listing(const char *path, const char *key, bool json, struct json_object **page,
		struct json_object **list)
{
	int ret = get_json(path, page);

	*list = NULL;
	if (ret)
		return ret;
	if (json) {	/* the API's document: nothing left for the caller */
		print_json(*page);
		json_object_put(*page);
		*page = NULL;
		return 0;
	}
	/* json-c asserts on the length of what is not an array */
	if (!json_object_object_get_ex(*page, key, list) || !json_object_is_type(*list, json_type_array)) {
		fprintf(stderr, PROG ": migbenchd sent a reply with no \"%s\" list\n", key);
		json_object_put(*page);
		*page = *list = NULL;
		return EXIT_FAILED;
	}
	return 0;
}

bool take_flag(int *argc, char **argv, const char *flag)
{
	bool seen = false;
	int out = 0, i;

	for (i = 0; i < *argc && strcmp(argv[i], "--"); i++) {
		if (strcmp(argv[i], flag))
			argv[out++] = argv[i];
		else
			seen = true;
	}
	while (i < *argc)
		argv[out++] = argv[i++];
	argv[out] = NULL;
	*argc = out;
	return seen;
}

int print_body(const char *path)
{
	struct http_response resp;
	int ret = call("GET", path, NULL, &resp);

	if (ret)
		return ret;
	fwrite(resp.body, 1, resp.body_len, stdout);
	http_response_free(&resp);
	return 0;
}
