/* SPDX-License-Identifier: MIT */
/*
 * What every endpoint works with: the store, the queue, who may do what,
 * the limits and the campaigns, handed to each request as r->app.
 */
#ifndef MIGBENCH_API_APP_H
#define MIGBENCH_API_APP_H

#include "campaign/campaign_spec.h"
#include "http/access.h"
#include "http/cache.h"
#include "request/run_limits.h"
#include "runs/queue.h"
#include "store/store.h"

#define API_PREFIX "/api/v1"

struct app {
	struct store *st;
	struct queue *queue;
	struct access_policy access;
	const struct limits *limits;
	const struct mb_site_policy *site;	/* what runs may use */
	struct response_cache *runs_cache;	/* GET /runs pages */
	struct response_cache *run_cache;	/* GET /runs/{id} replies */
	struct campaigns *campaigns;
	const struct campaign_policy *campaign_policy;
};

#endif
