/* SPDX-License-Identifier: MIT */
/*
 * The REST API under /api/v1: the route table, and the dispatcher that
 * gives every request its checks (http/access.h decides who may) before
 * its handler.
 */
#ifndef MIGBENCH_API_ROUTES_H
#define MIGBENCH_API_ROUTES_H

#include <stdbool.h>
#include <stdint.h>

#include "http/request.h"

/* What a route's body is; the dispatcher parses it, strictly, once. */
enum route_body {
	BODY_NONE,	/* GET: never read */
	BODY_JSON,	/* a JSON document, in r->json */
	BODY_EMPTY,	/* an action: nothing, or {} */
};

struct route {
	const char *method;
	const char *path;	/* after API_PREFIX; "{id}" is a run id */
	bool changes_state;	/* POST: access_check_change() and JSON */
	enum route_body body;
	enum MHD_Result (*handler)(struct http_request *r, int64_t id);
};

/* NULL-terminated; also read by the test that checks the OpenAPI file. */
extern const struct route api_routes[];

enum MHD_Result api_dispatch(struct http_request *r);

#endif
