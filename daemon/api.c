// SPDX-License-Identifier: MIT
/* Routing, authentication and the checks every request gets. */
#include "api.h"
#include "web.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct route api_routes[] = {
	{ "GET", "/health", false, api_health },
	{ "GET", "/host", false, api_host },
	{ "POST", "/runs", true, api_runs_create },
	{ "GET", "/runs", false, api_runs_list },
	{ "GET", "/runs/{id}", false, api_run_get },
	{ "GET", "/runs/{id}/samples", false, api_run_samples },
	{ "POST", "/runs/{id}/cancel", true, api_run_cancel },
	{ "GET", "/kernels", false, api_kernels },
	{ "GET", "/compare", false, api_compare },
	{ "GET", "/metrics", false, api_metrics },
	{ "GET", "/openapi.json", false, api_openapi },
	{ NULL, NULL, false, NULL },
};

/* Match path against a pattern; "{id}" takes a positive decimal id. */
static bool path_matches(const char *pattern, const char *path, int64_t *id)
{
	while (*pattern && *path) {
		if (!strncmp(pattern, "{id}", 4)) {
			int64_t v = 0;
			int digits = 0;

			for (; *path >= '0' && *path <= '9' && digits < 15; path++, digits++)
				v = v * 10 + (*path - '0');
			if (!digits || v == 0 || (*path && *path != '/'))
				return false;
			*id = v;
			pattern += 4;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return !*pattern && !*path;
}

/* Constant time in the length of the configured token. */
static bool token_matches(const char *given, const char *token)
{
	size_t n = strlen(token), g = strlen(given);
	unsigned char diff = (unsigned char)(g != n);

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(token[i] ^ (i < g ? given[i] : 0));
	return diff == 0;
}

static bool authorized(struct http_request *r)
{
	struct app *app = r->app;
	const char *auth = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);

	if (!app->token)
		return true;
	if (!auth || strncmp(auth, "Bearer ", 7))
		return false;
	return token_matches(auth + 7, app->token);
}

struct query_check {
	const char *const *allowed;
	const char *unknown;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	struct query_check *q = cls;

	(void)kind;
	(void)value;
	for (const char *const *a = q->allowed; *a; a++)
		if (!strcmp(*a, key))
			return MHD_YES;
	q->unknown = key;
	return MHD_NO;
}

bool api_check_query(struct http_request *r, const char *const *allowed,
		     enum MHD_Result *reply)
{
	static const char *const none[] = { NULL };
	struct query_check q = { allowed ? allowed : none, NULL };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &q);
	if (!q.unknown)
		return true;
	*reply = http_reply_problem(r, 400, q.unknown,
				    "unknown query parameter \"%.64s\"", q.unknown);
	return false;
}

enum MHD_Result api_dispatch(struct http_request *r)
{
	const char *path = r->url;
	char allow[64] = "";
	int64_t id = 0;

	if (strncmp(path, "/api/", 5))
		return web_serve(r);	/* the dashboards */
	if (strncmp(path, API_PREFIX "/", sizeof(API_PREFIX)))
		return http_reply_problem(r, 404, NULL, "no such resource: %.200s", r->url);
	path += sizeof(API_PREFIX) - 1;
	for (const struct route *rt = api_routes; rt->method; rt++) {
		if (!path_matches(rt->path, path, &id))
			continue;
		if (strcmp(rt->method, r->method)) {
			snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow),
				 "%s%s", allow[0] ? ", " : "", rt->method);
			continue;
		}
		if (rt->changes_state && !authorized(r))
			return http_reply_problem_headers(r, 401,
				(const char *const[]){ "WWW-Authenticate",
						       "Bearer realm=\"migbench\"", NULL },
				"%s %s needs the bearer token configured in migbenchd",
				r->method, r->url);
		return rt->handler(r, id);
	}
	if (allow[0])
		return http_reply_problem_headers(r, 405,
			(const char *const[]){ "Allow", allow, NULL },
			"%s is not allowed on %.200s; use %s", r->method, r->url, allow);
	return http_reply_problem(r, 404, NULL, "no such resource: %.200s", r->url);
}

enum MHD_Result api_reply_failure(struct http_request *r, int code, const char *what)
{
	fprintf(stderr, "migbenchd: %s %s: %s failed: %s\n", r->method, r->url, what,
		strerror(code < 0 ? -code : code));
	/* a full disk or a database another process holds: it may pass */
	if (code == -ENOSPC || code == -EBUSY)
		return http_reply_problem_headers(r, 503,
			(const char *const[]){ "Retry-After", "30", NULL },
			"migbenchd failed %s: the database cannot be written (%s)", what,
			store_strerror(code));
	return http_reply_problem(r, code == -ENOMEM ? 503 : 500, NULL,
				  "migbenchd failed %s; its log says why", what);
}

enum MHD_Result api_reply_error(struct http_request *r, const struct mb_error *err,
				const char *what)
{
	if (err->code == -EINVAL || err->code == -ENOENT)
		return http_reply_problem(r, 400, err->field[0] ? err->field : NULL, "%s",
					  err->message);
	fprintf(stderr, "migbenchd: %s %s: %s: %s\n", r->method, r->url, what, err->message);
	return http_reply_problem(r, 500, NULL, "migbenchd failed %s; its log says why", what);
}
