// SPDX-License-Identifier: MIT
/* POST/GET /runs, GET /runs/{id}, /runs/{id}/samples, /runs/{id}/cancel. */

#include "api/runs.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/app.h"
#include "api/benchstat.h"
#include "api/present.h"
#include "api/replies.h"
#include "api/run_description.h"
#include "http/cache.h"
#include "http/reply.h"
#include "http/request.h"
#include "http/server.h"
#include "request/run_limits.h"
#include "request/run_request.h"
#include "request/sweep.h"
#include "runs/queue.h"
#include "store/groups.h"
#include "store/runs.h"
#include "store/sample_rows.h"
#include "engine.h"
#include "strict_json.h"

#define DEFAULT_LIMIT	50
#define MAX_LIMIT	500

/* A run as a reply holds it: the stored record, and what its engine says of it. */
static int read_run(struct app *app, int64_t id, struct json_object **run)
{
	struct store_run row;
	int ret = store_run_get(app->st, id, &row);

	*run = NULL;
	if (ret)
		return ret;
	*run = present_run(&row);
	store_run_clear(&row);
	run_describe(*run);
	return 0;
}

static const char *const run_states[] = { "queued", "running", "done", "failed",
					   "cancelled", "interrupted", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/*
 * The configured limits: each run's needs (400 naming the spec key, and
 * the value of a sweep), then room in the queue for all of the request's
 * runs (429); false with the reply sent when it is not within them.
 */
static bool within_limits(struct http_request *r, const struct run_request *req,
			  enum MHD_Result *reply)
{
	static const char *const queued[] = { "queued" };
	struct app *app = r->app;
	const struct limits *l = app->limits;
	uint64_t runs = (uint64_t)req->repeat * run_request_nr_specs(req);
	long waiting;
	int ret;

	for (size_t i = 0; i < run_request_nr_specs(req); i++) {
		struct mb_error err = { 0 };

		if (limits_check_run(l, run_request_needs(req, i), &err)) {
			if (req->sweep)
				sweep_blame(req->sweep, i, &err);
			*reply = api_reply_error(r, &err, "checking a run request's limits");
			return false;
		}
	}
	ret = store_count_states(app->st, queued, &waiting, 1);
	if (ret) {
		*reply = api_reply_failure(r, ret, "counting queued runs");
		return false;
	}
	if ((uint64_t)waiting + runs > l->queued_runs) {
		*reply = http_reply_problem_headers(r, 429,
			(const char *const[]){ "Retry-After", "60", NULL },
			"%ld runs are queued; %llu more would pass the limit queued_runs = %llu: "
			"try again when some have run", waiting, (unsigned long long)runs,
			(unsigned long long)l->queued_runs);
		return false;
	}
	return true;
}

static const char *json_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* One group per combination, all in one transaction; first_ids[] of each group. */
static int store_request(struct app *app, const struct run_request *req, int64_t *first_ids)
{
	const char *tags = req->tags ? json_text(req->tags) : "{}";
	struct store_sweep_point points[SWEEP_MAX_COMBINATIONS];

	if (!req->sweep)
		return store_create_runs(app->st, req->engine->kind, json_text(req->spec),
					 req->label, tags, req->repeat, req->target_ci_percent,
					 req->max_repeat, first_ids);
	/* json-c keeps one text per object: the specs' and points' texts stay apart */
	for (size_t i = 0; i < req->sweep->n; i++)
		points[i] = (struct store_sweep_point){
			.spec = json_text(run_request_spec(req, i)),
			.point = json_text(json_object_array_get_idx(req->sweep->points, i)),
		};
	return store_create_sweep(app->st, req->engine->kind, points, req->sweep->n, req->label,
				  tags, req->repeat, req->target_ci_percent, req->max_repeat,
				  first_ids);
}

/*
 * What POST /runs answers besides the first run: every run id, and for a
 * sweep each combination's values with the runs of its group.
 */
static void add_run_ids(struct json_object *run, const struct run_request *req,
			const int64_t *first_ids)
{
	struct json_object *ids = json_object_new_array(), *groups = NULL;

	if (req->sweep)
		groups = json_object_new_array();
	for (size_t g = 0; g < run_request_nr_specs(req); g++) {
		struct json_object *gids = json_object_new_array(), *group;

		for (unsigned int i = 0; i < req->repeat; i++) {
			json_object_array_add(ids, json_object_new_int64(first_ids[g] + i));
			json_object_array_add(gids, json_object_new_int64(first_ids[g] + i));
		}
		if (!groups) {
			json_object_put(gids);
			continue;
		}
		group = json_object_new_object();
		json_object_object_add(group, "point", json_object_get(
			json_object_array_get_idx(req->sweep->points, g)));
		json_object_object_add(group, "run_ids", gids);
		json_object_array_add(groups, group);
	}
	json_object_object_add(run, "run_ids", ids);
	if (groups)
		json_object_object_add(run, "sweep_groups", groups);
}

enum MHD_Result api_runs_create(struct http_request *r, int64_t unused)
{
	struct app *app = r->app;
	struct json_object *run;
	struct run_request req;
	struct mb_error err = { 0 };
	int64_t first_ids[SWEEP_MAX_COMBINATIONS];
	char location[64];
	enum MHD_Result reply;
	int ret;

	(void)unused;
	if (!api_check_query(r, NULL, &reply))
		return reply;
	if (run_request_parse(r->json, app->site, &req, &err)) {
		reply = api_reply_error(r, &err, "parsing a run request");
		run_request_free(&req);
		return reply;
	}
	if (!within_limits(r, &req, &reply)) {
		run_request_free(&req);
		return reply;
	}
	ret = store_request(app, &req, first_ids);
	if (ret) {
		run_request_free(&req);
		return api_reply_failure(r, ret, "storing a new run");
	}
	/* read back before the runner can pick it up: the reply is "queued" */
	ret = read_run(app, first_ids[0], &run);
	queue_kick(app->queue);
	if (!ret)
		add_run_ids(run, &req, first_ids);
	run_request_free(&req);
	if (ret)
		return api_reply_failure(r, ret, "reading the new run back");
	snprintf(location, sizeof(location), API_PREFIX "/runs/%lld", (long long)first_ids[0]);
	return http_reply_json(r, 202, run, (const char *const[]){ "Location", location, NULL });
}

/* Percent-encode a query value (RFC 3986 unreserved kept). */
static void url_encode(const char *in, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in && o + 4 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static bool parse_positive(const char *s, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	v = strtoll(s, &end, 10);
	if (*end || v < 1 || v > max)
		return false;
	*out = v;
	return true;
}

/* Room for "2026-12-06T20:40:26.057Z", how the store writes a time (and for any ints). */
#define STAMP_LEN	80

/*
 * A UTC date or time, to the day, minute, second or millisecond, as the
 * store writes times (the rest zero), so that listing since it is a
 * comparison of text; false unless it is a real time in one of those forms.
 */
static bool parse_since(const char *s, char out[STAMP_LEN])
{
	/* the store's form; a since is one of its prefixes, cut at a field's end */
	static const char form[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t len = strlen(s);
	int f[7] = { 0 }, n = 0;	/* year, month, day, hour, minute, second, ms */
	struct tm tm = { 0 }, check;
	time_t t;

	if (len != 10 && len != 16 && len != 19 && len != 24)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (form[i] != 'd') {
			if (s[i] != form[i])
				return false;
			n++;
			continue;
		}
		if (!isdigit((unsigned char)s[i]))
			return false;
		f[n] = f[n] * 10 + (s[i] - '0');
	}
	if (f[0] < 1970 || f[3] > 23 || f[4] > 59 || f[5] > 59)
		return false;
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	t = timegm(&tm);
	/* 2026-02-30 normalises to March: not a date */
	if (!gmtime_r(&t, &check) || check.tm_year != tm.tm_year || check.tm_mon != f[1] - 1 ||
	    check.tm_mday != f[2])
		return false;
	snprintf(out, STAMP_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", f[0], f[1], f[2], f[3], f[4],
		 f[5], f[6]);
	return true;
}

enum MHD_Result api_runs_list(struct http_request *r, int64_t unused)
{
	static const char *const allowed[] = { "state", "kind", "label", "kernel", "sweep",
					       "since", "limit", "cursor", NULL };
	struct run_filter f = { .limit = DEFAULT_LIMIT };
	struct app *app = r->app;
	const char *limit = http_query(r, "limit"), *cursor = http_query(r, "cursor");
	const char *sweep = http_query(r, "sweep"), *since = http_query(r, "since");
	char since_stamp[STAMP_LEN];
	enum MHD_Result reply;
	int64_t v;
	/* every value is the request's, whose URL is at most HTTP_MAX_URL: none is cut short */
	char link[3 * HTTP_MAX_URL + 256], key[HTTP_MAX_URL + 256];
	struct cached_body *body;
	uint64_t generation;

	(void)unused;
	if (!api_check_query(r, allowed, &reply))
		return reply;
	f.state = http_query(r, "state");
	f.kind = http_query(r, "kind");
	f.label = http_query(r, "label");
	f.kernel = http_query(r, "kernel");
	if (f.state && !in_list(f.state, run_states))
		return http_reply_problem(r, 400, "state",
			"state: must be one of queued, running, done, failed, cancelled, interrupted");
	if (f.kind && !mb_engine_find(f.kind)) {
		char kinds[128];

		mb_engine_kinds(kinds, sizeof(kinds));
		return http_reply_problem(r, 400, "kind", "kind: must be %s", kinds);
	}
	if (limit) {
		if (!parse_positive(limit, MAX_LIMIT, &v))
			return http_reply_problem(r, 400, "limit",
				"limit: must be an integer from 1 to %d", MAX_LIMIT);
		f.limit = (unsigned int)v;
	}
	if (cursor && !parse_positive(cursor, INT64_MAX / 2, &f.cursor))
		return http_reply_problem(r, 400, "cursor", "cursor: must be a positive integer");
	if (sweep && !parse_positive(sweep, INT64_MAX / 2, &f.sweep))
		return http_reply_problem(r, 400, "sweep", "sweep: must be a sweep id (a positive integer)");
	if (since && !parse_since(since, since_stamp))
		return http_reply_problem(r, 400, "since",
			"since: must be a UTC date or time: 2026-12-01, 2026-12-01T10:00, "
			"2026-12-01T10:00:00 or 2026-12-01T10:00:00.000Z");
	f.since = since ? since_stamp : NULL;
	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%u\x1f%lld\x1f%lld",
		 f.state ? f.state : "", f.kind ? f.kind : "", f.label ? f.label : "",
		 f.kernel ? f.kernel : "", f.since ? f.since : "", f.limit, (long long)f.cursor,
		 (long long)f.sweep);
	generation = store_generation(app->st);	/* before the query */
	body = cache_get(app->runs_cache, key, generation);
	if (!body) {
		struct store_run_page page;
		int ret = store_list_runs(app->st, &f, &page);
		size_t len;
		char *text;

		if (!ret) {
			ret = present_run_page(&page, &text, &len);
			if (!ret)
				body = cache_put(app->runs_cache, key, generation, text, len,
						 page.next_cursor);
			ret = ret ? ret : body ? 0 : -ENOMEM;
			store_run_page_clear(&page);
		}
		if (ret)
			return api_reply_failure(r, ret, "listing runs");
	}
	if (!body->extra)
		return http_reply_borrowed(r, 200, "application/json", body->text, body->len,
					   cache_body_put, body, NULL);
	snprintf(link, sizeof(link), "<" API_PREFIX "/runs?limit=%u&cursor=%lld",
		 f.limit, (long long)body->extra);
	{
		const char *const names[] = { "state", "kind", "label", "kernel", "since" };
		const char *values[] = { f.state, f.kind, f.label, f.kernel, f.since };

		for (int i = 0; i < 5; i++) {
			char enc[3 * HTTP_MAX_URL + 1];

			if (!values[i])
				continue;
			url_encode(values[i], enc, sizeof(enc));
			snprintf(link + strlen(link), sizeof(link) - strlen(link),
				 "&%s=%s", names[i], enc);
		}
	}
	if (f.sweep)
		snprintf(link + strlen(link), sizeof(link) - strlen(link), "&sweep=%lld",
			 (long long)f.sweep);
	snprintf(link + strlen(link), sizeof(link) - strlen(link), ">; rel=\"next\"");
	return http_reply_borrowed(r, 200, "application/json", body->text, body->len,
				   cache_body_put, body, (const char *const[]){ "Link", link, NULL });
}

static bool run_finished(struct json_object *run)
{
	struct json_object *state;
	const char *s = json_object_object_get_ex(run, "state", &state) ?
			json_object_get_string(state) : "";

	return strcmp(s, "queued") && strcmp(s, "running");
}

/*
 * A run's reply, kept once built: a finished run's while no write may
 * have changed a finished run (store_settled), so that dashboards and
 * scripts reading done runs while others run get a copy; a queued or
 * running run's while nothing at all was written.
 */
enum MHD_Result api_run_get(struct http_request *r, int64_t id)
{
	struct app *app = r->app;
	/* both read before the store is: a write after them misses, never stales */
	uint64_t settled = store_settled(app->st), generation = store_generation(app->st);
	char finished_key[32], going_key[32], *text;
	struct cached_body *body;
	struct json_object *run;
	enum MHD_Result reply;
	size_t len;
	int ret;

	if (!api_check_query(r, NULL, &reply))
		return reply;
	snprintf(finished_key, sizeof(finished_key), "finished %lld", (long long)id);
	snprintf(going_key, sizeof(going_key), "going %lld", (long long)id);
	body = cache_get(app->run_cache, finished_key, settled);
	if (!body)
		body = cache_get(app->run_cache, going_key, generation);
	if (body)
		return http_reply_borrowed(r, 200, "application/json", body->text, body->len,
					   cache_body_put, body, NULL);
	ret = read_run(app, id, &run);
	if (ret == -ENOENT)
		return http_reply_problem(r, 404, NULL, "there is no run %lld", (long long)id);
	if (ret)
		return api_reply_failure(r, ret, "reading a run");
	ret = present_json_text(run, &text, &len);
	if (!ret) {
		body = run_finished(run) ?
		       cache_put(app->run_cache, finished_key, settled, text, len, 0) :
		       cache_put(app->run_cache, going_key, generation, text, len, 0);
		ret = body ? 0 : -ENOMEM;
	}
	json_object_put(run);
	if (ret)
		return api_reply_failure(r, ret, "writing a run");
	return http_reply_borrowed(r, 200, "application/json", body->text, body->len,
				   cache_body_put, body, NULL);
}

/* The run's medians as Go benchmark lines: one document, a line per metric. */
static enum MHD_Result samples_benchstat(struct http_request *r, int64_t id)
{
	struct app *app = r->app;
	struct store_run row;
	size_t len;
	char *text;
	int ret = store_run_get(app->st, id, &row);

	if (ret == -ENOENT)
		return http_reply_problem(r, 404, NULL, "there is no run %lld", (long long)id);
	if (ret)
		return api_reply_failure(r, ret, "reading a run");
	if (strcmp(row.state, "done")) {
		enum MHD_Result reply = http_reply_problem(r, 409, NULL, "run %lld is %s: only a done "
							   "run has medians to give", (long long)id,
							   row.state);

		store_run_clear(&row);
		return reply;
	}
	ret = present_benchstat(&row, &text, &len);
	store_run_clear(&row);
	if (ret)
		return api_reply_failure(r, ret, "writing a run's medians");
	return http_reply(r, 200, "text/plain; charset=utf-8", text, len, HTTP_BODY_FREE, NULL);
}

static ssize_t samples_read(void *ctx, char *buf, size_t max)
{
	return present_samples_read(ctx, buf, max);
}

static void samples_close(void *ctx)
{
	present_samples_close(ctx);
}

/*
 * Streamed: a run may hold millions of samples, and a whole document in
 * memory per request (or per slow reader) is what must not happen.
 */
enum MHD_Result api_run_samples(struct http_request *r, int64_t id)
{
	static const char *const allowed[] = { "format", NULL };
	const char *format = http_query(r, "format");
	struct present_samples *cursor;
	struct app *app = r->app;
	enum MHD_Result reply;
	int ret;
	char state[32];
	bool csv;

	if (!api_check_query(r, allowed, &reply))
		return reply;
	if (format && strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "benchstat"))
		return http_reply_problem(r, 400, "format", "format: must be json, csv or benchstat");
	if (format && !strcmp(format, "benchstat"))
		return samples_benchstat(r, id);
	csv = format && !strcmp(format, "csv");
	ret = store_run_state(app->st, id, state, sizeof(state), NULL);
	if (ret == -ENOENT)
		return http_reply_problem(r, 404, NULL, "there is no run %lld", (long long)id);
	if (ret)
		return api_reply_failure(r, ret, "reading a run's state");
	ret = present_samples_open(app->st, id, csv, &cursor);
	if (ret == -EMFILE)
		return http_reply_problem_headers(r, 503, (const char *const[]){ "Retry-After", "1", NULL },
			"%d sample downloads are under way, as many as migbenchd serves at once; "
			"retry when one ends", STORE_MAX_STREAMS);
	if (ret)
		return api_reply_failure(r, ret, "reading samples");
	return http_reply_stream(r, 200, csv ? "text/csv; charset=utf-8" : "application/json",
				 samples_read, cursor, samples_close);
}

enum MHD_Result api_run_cancel(struct http_request *r, int64_t id)
{
	struct app *app = r->app;
	const char *finished = NULL;
	enum MHD_Result reply;
	int ret;

	if (!api_check_query(r, NULL, &reply))
		return reply;
	ret = store_cancel_queued(app->st, id, &finished);
	if (ret == -ENOENT)
		return http_reply_problem(r, 404, NULL, "there is no run %lld", (long long)id);
	if (ret == -EALREADY)
		return http_reply_problem(r, 409, NULL, "run %lld is already %s",
					  (long long)id, finished ? finished : "finished");
	if (ret == -EBUSY) {
		/* running: the worker stops, cleans up, and the run ends cancelled;
		 * the reply is the run as it was when the cancel was accepted */
		struct json_object *run = NULL;

		if (!read_run(app, id, &run) && queue_cancel_running(app->queue, id) == 0)
			return http_reply_json(r, 202, run, NULL);
		json_object_put(run);
		return http_reply_problem(r, 409, NULL, "run %lld is finishing", (long long)id);
	}
	if (ret)
		return api_reply_failure(r, ret, "cancelling a run");
	{
		struct json_object *run;

		ret = read_run(app, id, &run);
		if (ret)
			return api_reply_failure(r, ret, "reading the cancelled run");
		return http_reply_json(r, 200, run, NULL);
	}
}
