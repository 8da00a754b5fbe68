/* SPDX-License-Identifier: MIT */
/* The REST API under /api/v1: the route table and its handlers. */
#ifndef MIGBENCH_API_H
#define MIGBENCH_API_H

#include <stdbool.h>

#include "access.h"
#include "cache.h"
#include "campaign.h"
#include "error.h"
#include "http.h"
#include "run_limits.h"
#include "queue.h"
#include "store.h"

#define API_PREFIX "/api/v1"

struct app {
	struct store *st;
	struct queue *queue;
	struct access_policy access;
	const struct limits *limits;
	const struct mb_site_policy *site;	/* what runs may use */
	struct response_cache *runs_cache;	/* GET /runs pages */
	struct campaigns *campaigns;
	const struct campaign_policy *campaign_policy;
};

struct route {
	const char *method;
	const char *path;	/* after API_PREFIX; "{id}" is a run id */
	bool changes_state;	/* POST: access_check_change() and JSON */
	enum MHD_Result (*handler)(struct http_request *r, int64_t id);
};

/* NULL-terminated; also read by the test that checks the OpenAPI file. */
extern const struct route api_routes[];

enum MHD_Result api_dispatch(struct http_request *r);

/* api_runs.c */
enum MHD_Result api_runs_create(struct http_request *r, int64_t id);
enum MHD_Result api_runs_list(struct http_request *r, int64_t id);
enum MHD_Result api_run_get(struct http_request *r, int64_t id);
enum MHD_Result api_run_samples(struct http_request *r, int64_t id);
enum MHD_Result api_run_cancel(struct http_request *r, int64_t id);

/* api_campaigns.c */
enum MHD_Result api_campaigns_create(struct http_request *r, int64_t id);
enum MHD_Result api_campaigns_list(struct http_request *r, int64_t id);
enum MHD_Result api_campaign_get(struct http_request *r, int64_t id);
enum MHD_Result api_campaign_abort(struct http_request *r, int64_t id);
enum MHD_Result api_campaign_report(struct http_request *r, int64_t id);

/* api_compare.c */
enum MHD_Result api_compare(struct http_request *r, int64_t id);
struct compare_source;
struct compare_request;
/* The store's runs, as comparisons read them (ctx: the store). */
void api_compare_source(struct app *app, struct compare_source *src);
/*
 * A report's parameters, format (json, text, markdown, csv), alpha and
 * vary, into req and *format; false with the 400 sent in *reply.
 */
bool api_compare_params(struct http_request *r, struct compare_request *req,
			const char **format, enum MHD_Result *reply);

/* api_host.c */
enum MHD_Result api_health(struct http_request *r, int64_t id);
enum MHD_Result api_host(struct http_request *r, int64_t id);
enum MHD_Result api_kernels(struct http_request *r, int64_t id);
enum MHD_Result api_metrics(struct http_request *r, int64_t id);
enum MHD_Result api_openapi(struct http_request *r, int64_t id);

/*
 * A failure of migbenchd itself (the store, memory) while doing what:
 * logged once with its cause, answered 500 without internals.
 */
enum MHD_Result api_reply_failure(struct http_request *r, int code, const char *what);

/*
 * An error with its struct: bad input (-EINVAL, -ENOENT) is the client's,
 * 400 naming the field; anything else goes to api_reply_failure().
 */
enum MHD_Result api_reply_error(struct http_request *r, const struct mb_error *err,
				const char *what);

/*
 * Query parameters other than those allowed (NULL-terminated) are a
 * client mistake; replies 400 naming one and returns false.
 */
bool api_check_query(struct http_request *r, const char *const *allowed,
		     enum MHD_Result *reply);

#endif
