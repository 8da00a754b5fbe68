// SPDX-License-Identifier: MIT
/* GET /compare: two groups of runs side by side, in the format asked for. */

#include "api/comparisons.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/present.h"
#include "api/replies.h"
#include "http/reply.h"
#include "http/request.h"
#include "store/runs.h"
#include "store/selectors.h"
#include "compare.h"
#include "compare_family.h"
#include "compare_report.h"
#include "compare_select.h"
#include "engine.h"

static bool is_selector_text(const char *s, size_t max)
{
	if (!*s || strlen(s) > max)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* The store and the engines, as the comparison reads them. */
static int source_select(void *ctx, const char *what, const char *selector, int64_t *ids,
			 size_t max, size_t *n, bool *truncated, struct mb_error *err)
{
	return store_select_runs(ctx, what, selector, ids, max, n, truncated, err);
}

static struct json_object *source_run(void *ctx, int64_t id)
{
	struct json_object *run;
	struct store_run row;

	if (store_run_get(ctx, id, &row))
		return NULL;
	run = present_run(&row);
	store_run_clear(&row);
	return run;
}

static int source_samples(void *ctx, int64_t id,
			  int (*fn)(void *fctx, const char *metric, uint32_t iteration, double value),
			  void *fctx)
{
	return store_each_sample(ctx, id, fn, fctx);
}

static void source_describe(void *ctx, const char *kind, struct json_object *spec,
			    struct compare_description *out)
{
	const struct mb_engine *e = mb_engine_find(kind);
	struct mb_error err = { 0 };

	(void)ctx;
	if (!e || !spec)
		return;
	out->title = e->report_title;
	out->lead = mb_engine_report_first(e);
	mb_engine_describe(e, spec, &out->command);
	out->selftest_name = e->selftest ? e->selftest_name : NULL;
	if (e->selftest && mb_engine_selftest(e, spec, &out->selftest, &err))
		snprintf(out->selftest_none, sizeof(out->selftest_none), "%s", err.message);
}

void api_compare_source(struct app *app, struct compare_source *src)
{
	*src = (struct compare_source){
		.ctx = app->st, .select = source_select, .run = source_run,
		.samples = source_samples, .describe = source_describe,
	};
}

bool api_compare_params(struct http_request *r, struct compare_request *req,
			const char **format, enum MHD_Result *reply)
{
	static const char *const formats[] = { "json", "text", "markdown", "csv", NULL };
	const char *alpha = http_query(r, "alpha");
	bool known = false;

	req->alpha = COMPARE_ALPHA;
	req->vary = http_query(r, "vary");
	if (req->vary && !is_selector_text(req->vary, 256)) {
		*reply = http_reply_problem(r, 400, "vary", "vary: a comma-separated list of keys");
		return false;
	}
	req->metrics = http_query(r, "metrics");
	if (req->metrics) {	/* before anything is read: a campaign's too */
		struct compare_select shown;
		struct mb_error err = { 0 };

		if (!is_selector_text(req->metrics, 4096))
			mb_fail(&err, "metrics", "\"all\" or a comma-separated list of metric names");
		else
			compare_select_parse(req->metrics, &shown, &err);
		if (err.message[0]) {
			*reply = http_reply_problem(r, 400, "metrics", "%s", err.message);
			return false;
		}
	}
	if (alpha) {
		char *end;

		req->alpha = strtod(alpha, &end);
		if (*end || !isfinite(req->alpha) || req->alpha <= 0 || req->alpha > 0.5) {
			*reply = http_reply_problem(r, 400, "alpha",
						    "alpha: must be a number above 0 and at most 0.5");
			return false;
		}
	}
	*format = http_query(r, "format") ? http_query(r, "format") : "json";
	for (const char *const *f = formats; *f; f++)
		known |= !strcmp(*f, *format);
	if (!known)
		*reply = http_reply_problem(r, 400, "format",
					    "format: must be json, text, markdown or csv");
	return known;
}

enum MHD_Result api_compare(struct http_request *r, int64_t unused)
{
	static const char *const allowed[] = { "base", "new", "format", "alpha", "vary", "metrics",
					       NULL };
	struct compare_request req = { 0 };
	struct app *app = r->app;
	struct compare_source src;
	struct mb_error err = { 0 };
	struct json_object *model;
	enum MHD_Result reply;
	const char *format;
	char *text;
	size_t len;

	(void)unused;
	if (!api_check_query(r, allowed, &reply))
		return reply;
	req.base = http_query(r, "base");
	req.new = http_query(r, "new");
	if (!req.base || !is_selector_text(req.base, 512))
		return http_reply_problem(r, 400, "base",
			"base: name the base runs: a label, label:L, kernel:RELEASE, tag:KEY=VALUE or runs:1,2,3");
	if (!req.new || !is_selector_text(req.new, 512))
		return http_reply_problem(r, 400, "new",
			"new: name the new runs: a label, label:L, kernel:RELEASE, tag:KEY=VALUE or runs:1,2,3");
	if (!api_compare_params(r, &req, &format, &reply))
		return reply;
	api_compare_source(app, &src);
	model = compare_build(&src, &req, &err);
	if (!model && err.code == -ENOENT)	/* a side with no such done run */
		return http_reply_problem(r, 404, err.field[0] ? err.field : NULL, "%s", err.message);
	if (!model)
		return api_reply_error(r, &err, "the comparison");
	text = compare_report(model, format, &len);
	json_object_put(model);
	if (!text)
		return api_reply_failure(r, -ENOMEM, "writing the report");
	return http_reply(r, 200, compare_report_type(format), text, len, HTTP_BODY_FREE, NULL);
}
