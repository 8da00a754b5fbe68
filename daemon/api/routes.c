// SPDX-License-Identifier: MIT
/* Routing, and the checks every request gets (http/access.c decides who may). */

#include "api/routes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/app.h"
#include "api/campaigns.h"
#include "api/comparisons.h"
#include "api/engines.h"
#include "api/host.h"
#include "api/runs.h"
#include "http/access.h"
#include "http/reply.h"
#include "http/request.h"
#include "http/web.h"

const struct route api_routes[] = {
	{ "GET", "/health", false, api_health },
	{ "GET", "/host", false, api_host },
	{ "POST", "/runs", true, api_runs_create },
	{ "GET", "/runs", false, api_runs_list },
	{ "GET", "/runs/{id}", false, api_run_get },
	{ "GET", "/runs/{id}/samples", false, api_run_samples },
	{ "POST", "/runs/{id}/cancel", true, api_run_cancel },
	{ "GET", "/kernels", false, api_kernels },
	{ "GET", "/engines", false, api_engines },
	{ "POST", "/campaigns", true, api_campaigns_create },
	{ "GET", "/campaigns", false, api_campaigns_list },
	{ "GET", "/campaigns/{id}", false, api_campaign_get },
	{ "POST", "/campaigns/{id}/abort", true, api_campaign_abort },
	{ "GET", "/campaigns/{id}/report", false, api_campaign_report },
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

static bool is_json_content(const char *ct)
{
	size_t n = strlen("application/json");

	return ct && !strncasecmp(ct, "application/json", n) &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/*
 * Every POST is JSON: a form or text/plain is what a page on another
 * site can send without asking the browser first (no CORS preflight).
 */
static bool check_change(struct http_request *r, const struct access_policy *p)
{
	if (!access_check_change(r, p))
		return false;
	if (is_json_content(http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE)))
		return true;
	http_reply_problem(r, 415, NULL, "send %s %s as Content-Type: application/json",
			   r->method, r->url);
	return false;
}

enum MHD_Result api_dispatch(struct http_request *r)
{
	struct app *app = r->app;
	const char *path = r->url;
	char allow[64] = "";
	int64_t id = 0;

	if (!access_check_host(r, &app->access))
		return MHD_YES;
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
		if (rt->changes_state && !check_change(r, &app->access))
			return MHD_YES;
		return rt->handler(r, id);
	}
	if (allow[0])
		return http_reply_problem_headers(r, 405,
			(const char *const[]){ "Allow", allow, NULL },
			"%s is not allowed on %.200s; use %s", r->method, r->url, allow);
	return http_reply_problem(r, 404, NULL, "no such resource: %.200s", r->url);
}
