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
#include "strict_json.h"

const struct route api_routes[] = {
	{ "GET", "/health", false, BODY_NONE, api_health },
	{ "GET", "/host", false, BODY_NONE, api_host },
	{ "POST", "/runs", true, BODY_JSON, api_runs_create },
	{ "GET", "/runs", false, BODY_NONE, api_runs_list },
	{ "GET", "/runs/{id}", false, BODY_NONE, api_run_get },
	{ "GET", "/runs/{id}/samples", false, BODY_NONE, api_run_samples },
	{ "POST", "/runs/{id}/cancel", true, BODY_EMPTY, api_run_cancel },
	{ "GET", "/kernels", false, BODY_NONE, api_kernels },
	{ "GET", "/engines", false, BODY_NONE, api_engines },
	{ "POST", "/campaigns", true, BODY_JSON, api_campaigns_create },
	{ "GET", "/campaigns", false, BODY_NONE, api_campaigns_list },
	{ "GET", "/campaigns/{id}", false, BODY_NONE, api_campaign_get },
	{ "POST", "/campaigns/{id}/abort", true, BODY_EMPTY, api_campaign_abort },
	{ "GET", "/campaigns/{id}/report", false, BODY_NONE, api_campaign_report },
	{ "GET", "/compare", false, BODY_NONE, api_compare },
	{ "GET", "/metrics", false, BODY_NONE, api_metrics },
	{ "GET", "/openapi.json", false, BODY_NONE, api_openapi },
	{ NULL, NULL, false, BODY_NONE, NULL },
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

/*
 * The body, parsed strictly once for the handler (r->json, freed after
 * it): a JSON document where the route takes one, else nothing or {}.
 */
static enum MHD_Result call_route(struct http_request *r, const struct route *rt, int64_t id)
{
	enum MHD_Result reply;
	char why[256];

	if (rt->body != BODY_NONE && (r->body_len || rt->body == BODY_JSON) &&
	    mb_json_parse(r->body, r->body_len, &r->json, why, sizeof(why))) {
		if (rt->body == BODY_JSON)
			return http_reply_problem(r, 400, NULL, "%s", why);
		r->json = NULL;
	}
	if (rt->body == BODY_EMPTY && r->body_len &&
	    !(json_object_is_type(r->json, json_type_object) && !json_object_object_length(r->json))) {
		json_object_put(r->json);
		r->json = NULL;
		return http_reply_problem(r, 400, NULL, "%s takes no request body, or {}",
					  strrchr(rt->path, '/') + 1);
	}
	reply = rt->handler(r, id);
	json_object_put(r->json);
	r->json = NULL;
	return reply;
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
		return call_route(r, rt, id);
	}
	if (allow[0])
		return http_reply_problem_headers(r, 405,
			(const char *const[]){ "Allow", allow, NULL },
			"%s is not allowed on %.200s; use %s", r->method, r->url, allow);
	return http_reply_problem(r, 404, NULL, "no such resource: %.200s", r->url);
}
