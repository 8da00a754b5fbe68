// SPDX-License-Identifier: MIT
/*
 * POST/GET /campaigns, GET /campaigns/{id}, POST /campaigns/{id}/abort,
 * GET /campaigns/{id}/report.
 */

#include "api/campaigns.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/comparisons.h"
#include "api/present.h"
#include "api/replies.h"
#include "campaign/campaign.h"
#include "campaign/campaign_spec.h"
#include "campaign/hostboot.h"
#include "http/reply.h"
#include "http/request.h"
#include "runs/queue.h"
#include "store/campaign_rows.h"
#include "store/campaigns.h"
#include "compare.h"
#include "compare_report.h"
#include "strict_json.h"
#include "textbuf.h"

#define MAX_REPORT_RUNS 4096

/* A campaign as replies show it, steps and events with it. */
static int read_campaign(struct app *app, int64_t id, struct json_object **out)
{
	struct store_campaign c;
	int ret = store_campaign_get(app->st, id, &c);

	*out = NULL;
	if (ret)
		return ret;
	*out = present_campaign(&c, true);
	store_campaign_clear(&c);
	return 0;
}

enum MHD_Result api_campaigns_create(struct http_request *r, int64_t unused)
{
	struct app *app = r->app;
	const struct campaign_policy *policy = app->campaign_policy;
	struct json_object *spec = NULL, *out;
	struct campaign_plan plan;
	struct store_step_plan steps[sizeof(plan.steps) / sizeof(plan.steps[0])];
	struct mb_error err = { 0 };
	char why[512], booted[HOSTBOOT_MAX_CMDLINE + 1], location[64];
	enum MHD_Result reply;
	int64_t id = 0;
	int ret;

	(void)unused;
	if (!api_check_query(r, NULL, &reply))
		return reply;
	if (!policy->allow_reboot)
		return http_reply_problem(r, 403, NULL, "this migbenchd may not reboot its host, "
					  "and a campaign boots each of its kernels: the "
					  "administrator allows it with \"allow_reboot\": true in "
					  "migbenchd's config file");
	hostboot_default_cmdline(campaigns_boot(app->campaigns), booted, sizeof(booted));
	ret = campaign_spec_parse(r->json, policy, app->site, app->limits, booted, &spec, &plan, &err);
	if (ret)
		return api_reply_error(r, &err, "parsing a campaign");
	if (!hostboot_can_kexec(why, sizeof(why))) {
		json_object_put(spec);
		return http_reply_problem(r, 409, NULL, "this host cannot be rebooted by "
					  "migbenchd now: %s", why);
	}
	for (unsigned int i = 0; i < plan.nr_steps; i++) {
		steps[i].round = plan.steps[i].round;
		steps[i].kernel = plan.steps[i].kernel;
	}
	ret = store_campaign_create(app->st, json_object_to_json_string_ext(spec,
					JSON_C_TO_STRING_PLAIN), steps, plan.nr_steps, &id);
	json_object_put(spec);
	if (ret == -EBUSY)
		return http_reply_problem(r, 409, NULL, "another campaign owns this host: wait for "
					  "its end or abort it (GET /api/v1/campaigns)");
	if (ret)
		return api_reply_failure(r, ret, "storing a campaign");
	queue_kick(app->queue);
	ret = read_campaign(app, id, &out);
	if (ret)
		return api_reply_failure(r, ret, "reading the new campaign back");
	snprintf(location, sizeof(location), API_PREFIX "/campaigns/%" PRId64, id);
	return http_reply_json(r, 201, out, (const char *const[]){ "Location", location, NULL });
}

enum MHD_Result api_campaigns_list(struct http_request *r, int64_t unused)
{
	struct app *app = r->app;
	struct store_campaign *list;
	struct json_object *out;
	enum MHD_Result reply;
	size_t n;
	int ret;

	(void)unused;
	if (!api_check_query(r, NULL, &reply))
		return reply;
	ret = store_campaigns_list(app->st, 200, &list, &n);
	if (ret)
		return api_reply_failure(r, ret, "listing campaigns");
	out = present_campaigns(list, n);
	store_campaigns_free(list, n);
	return http_reply_json(r, 200, out, NULL);
}

static enum MHD_Result reply_campaign(struct http_request *r, int64_t id, int status)
{
	struct app *app = r->app;
	struct json_object *out;
	int ret = read_campaign(app, id, &out);

	if (ret == -ENOENT)
		return http_reply_problem(r, 404, NULL, "there is no campaign %" PRId64, id);
	if (ret)
		return api_reply_failure(r, ret, "reading a campaign");
	return http_reply_json(r, status, out, NULL);
}

enum MHD_Result api_campaign_get(struct http_request *r, int64_t id)
{
	enum MHD_Result reply;

	if (!api_check_query(r, NULL, &reply))
		return reply;
	return reply_campaign(r, id, 200);
}

enum MHD_Result api_campaign_abort(struct http_request *r, int64_t id)
{
	struct app *app = r->app;
	char state[16] = "";
	enum MHD_Result reply;
	int64_t active = 0;
	int ret;

	if (!api_check_query(r, NULL, &reply))
		return reply;
	ret = store_campaign_active(app->st, &active, NULL, state, sizeof(state));
	if (ret)
		return api_reply_failure(r, ret, "reading the active campaign");
	if (active != id) {
		struct json_object *c;

		ret = read_campaign(app, id, &c);
		if (ret == -ENOENT)
			return http_reply_problem(r, 404, NULL, "there is no campaign %" PRId64, id);
		json_object_put(c);
		return http_reply_problem(r, 409, NULL, "campaign %" PRId64 " has ended", id);
	}
	/* the run going on ends as it would; none of the others starts */
	ret = store_campaign_set_state(app->st, id, "aborting", "aborted on request");
	if (!ret)
		ret = store_campaign_event(app->st, id, 0, "aborting",
					   "abort requested: stopping after the current run");
	if (ret)
		return api_reply_failure(r, ret, "aborting a campaign");
	queue_kick(app->queue);
	return reply_campaign(r, id, 202);
}

/*
 * Comparisons read a campaign's runs through selectors "C:KERNEL:REQUEST".
 * The message names the side itself, as store_select_runs() does; the
 * comparison sets the field (a field here would name the side twice).
 */
static int select_campaign_runs(void *ctx, const char *what, const char *selector,
				int64_t *ids, size_t max, size_t *n, bool *truncated,
				struct mb_error *err)
{
	long long cid;
	int kernel, request;

	if (sscanf(selector, "%lld:%d:%d", &cid, &kernel, &request) != 3)
		return mb_error_set(err, -EINVAL, NULL, "%s: not a campaign selector", what);
	if (store_campaign_run_ids(ctx, cid, kernel, request, ids, max, n, truncated))
		return mb_error_set(err, -EIO, NULL, "%s: the store failed", what);
	if (!*n)
		return mb_error_set(err, -ENOENT, NULL, "%s: the campaign has no done runs of "
				    "this kernel yet", what);
	return 0;
}

struct report {
	struct app *app;
	struct json_object *spec;
	int64_t id;
	const char *format;
	struct compare_request req;
	struct json_object *json;	/* format json: the comparisons */
	struct textbuf text;
	unsigned int made;
};

static const char *kernel_label(struct json_object *spec, int k)
{
	struct json_object *kernels = NULL, *label = NULL;

	json_object_object_get_ex(spec, "kernels", &kernels);
	json_object_object_get_ex(json_object_array_get_idx(kernels, (size_t)k), "label", &label);
	return json_object_get_string(label);
}

/* One comparison: kernels[0] against kernels[k] for request i. */
static int add_comparison(struct report *rep, int k, int i, struct mb_error *err)
{
	struct compare_source src;
	char base[64], new[64];
	struct json_object *model;
	char *text;
	size_t len;

	api_compare_source(rep->app, &src);
	src.select = select_campaign_runs;
	snprintf(base, sizeof(base), "%" PRId64 ":0:%d", rep->id, i);
	snprintf(new, sizeof(new), "%" PRId64 ":%d:%d", rep->id, k, i);
	rep->req.base = base;
	rep->req.new = new;
	model = compare_build(&src, &rep->req, err);
	if (!model)
		return err->code ? err->code : -EINVAL;
	rep->made++;
	if (!strcmp(rep->format, "json")) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "request", json_object_new_int(i));
		json_object_object_add(o, "base", json_object_new_string(kernel_label(rep->spec, 0)));
		json_object_object_add(o, "new", json_object_new_string(kernel_label(rep->spec, k)));
		json_object_object_add(o, "comparison", model);
		json_object_array_add(rep->json, o);
		return 0;
	}
	text = compare_report(model, rep->format, &len);
	json_object_put(model);
	if (!text)
		return -ENOMEM;
	if (strcmp(rep->format, "csv"))
		textbuf_printf(&rep->text, "%sCampaign %" PRId64 ", runs[%d]: %s against %s\n\n",
			       !strcmp(rep->format, "markdown") ? "### " : "", rep->id, i,
			       kernel_label(rep->spec, k), kernel_label(rep->spec, 0));
	textbuf_append(&rep->text, text, len);
	textbuf_append(&rep->text, "\n", 1);
	free(text);
	return 0;
}

static int parse_index(const char *s, int max, int *out)
{
	char *end;
	long v;

	if (!s)
		return 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || v >= max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

enum MHD_Result api_campaign_report(struct http_request *r, int64_t id)
{
	static const char *const allowed[] = { "format", "alpha", "vary", "metrics", "request",
					       "kernel", NULL };
	struct report rep = { .app = r->app, .id = id };
	struct json_object *campaign = NULL, *kernels = NULL, *runs = NULL;
	struct mb_error err = { 0 };
	enum MHD_Result reply;
	int only_request = -1, only_kernel = -1, ret;
	char *text;
	size_t len;

	if (!api_check_query(r, allowed, &reply) ||
	    !api_compare_params(r, &rep.req, &rep.format, &reply))
		return reply;
	ret = read_campaign(rep.app, id, &campaign);
	if (ret == -ENOENT)
		return http_reply_problem(r, 404, NULL, "there is no campaign %" PRId64, id);
	if (ret)
		return api_reply_failure(r, ret, "reading a campaign");
	rep.spec = json_object_object_get(campaign, "spec");
	json_object_object_get_ex(rep.spec, "kernels", &kernels);
	json_object_object_get_ex(rep.spec, "runs", &runs);
	if (parse_index(http_query(r, "request"), (int)json_object_array_length(runs),
			&only_request)) {
		json_object_put(campaign);
		return http_reply_problem(r, 400, "request", "request: an index in the campaign's "
					  "runs, 0 to %zu", json_object_array_length(runs) - 1);
	}
	if (http_query(r, "kernel")) {
		for (int k = 1; k < (int)json_object_array_length(kernels); k++)
			if (!strcmp(kernel_label(rep.spec, k), http_query(r, "kernel")))
				only_kernel = k;
		if (only_kernel < 0) {
			json_object_put(campaign);
			return http_reply_problem(r, 400, "kernel", "kernel: the label of one of the "
						  "campaign's kernels after the first (the base)");
		}
	}
	rep.json = json_object_new_array();
	for (int i = 0; !ret && i < (int)json_object_array_length(runs); i++)
		for (int k = 1; !ret && k < (int)json_object_array_length(kernels); k++)
			if ((only_request < 0 || only_request == i) &&
			    (only_kernel < 0 || only_kernel == k))
				ret = add_comparison(&rep, k, i, &err);
	if (!ret && !strcmp(rep.format, "csv") && rep.made > 1) {
		ret = -EINVAL;
		mb_error_set(&err, -EINVAL, "format", "csv holds one comparison: choose one with "
			     "request=I and kernel=LABEL");
	}
	if (ret) {
		json_object_put(rep.json);
		free(textbuf_take(&rep.text, &len));
		json_object_put(campaign);
		return api_reply_error(r, &err, "a campaign's report");
	}
	if (!strcmp(rep.format, "json")) {
		struct json_object *out = json_object_new_object();

		json_object_object_add(out, "campaign", json_object_new_int64(id));
		json_object_object_add(out, "state",
				       json_object_get(json_object_object_get(campaign, "state")));
		json_object_object_add(out, "comparisons", rep.json);
		json_object_put(campaign);
		return http_reply_json(r, 200, out, NULL);
	}
	json_object_put(rep.json);
	json_object_put(campaign);
	text = textbuf_take(&rep.text, &len);
	if (!text)
		return api_reply_failure(r, -ENOMEM, "writing a campaign's report");
	return http_reply(r, 200, compare_report_type(rep.format), text, len, HTTP_BODY_FREE, NULL);
}
