// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the request router: method, path, query,
 * headers, body and the peer, as http.c hands them to api_dispatch(),
 * against a store in a temporary SQLite file holding a finished run with
 * samples.  The queue is stubbed (nothing runs).  Besides crashes it
 * checks what must hold for every request: one answer with a real
 * status, problems that are JSON naming that status, streams that end,
 * and no POST accepted from a peer that may not change state.  Built and
 * run by scripts/fuzz-router.sh; not part of the test suite.
 *
 * Input: a peer byte, then lines METHOD, PATH, QUERY (k=v&k), header
 * lines "Name: value" up to an empty line, then the body.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/app.h"
#include "api/routes.h"
#include "http/cache.h"
#include "http/request.h"
#include "request/run_limits.h"
#include "runs/queue.h"
#include "store/groups.h"
#include "store/runs.h"
#include "store/sample_rows.h"
#include "store/store.h"

#define MAX_KV 32
#define TOKEN "fuzz-token-0123456789"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The queue's side of the API: nothing ever runs here. */
void queue_kick(struct queue *q)
{
	(void)q;
}

int queue_cancel_running(struct queue *q, int64_t id)
{
	(void)q;
	(void)id;
	return -ESRCH;
}

int64_t queue_running_id(struct queue *q)
{
	(void)q;
	return 0;
}

bool queue_paused(struct queue *q, char *why, size_t len)
{
	(void)q;
	if (len)
		why[0] = '\0';
	return false;
}

static struct app app;
static struct limits limits;
static const char *const host_names[] = { "bench.example.org", NULL };

static void seed_store(struct store *st)
{
	struct mb_sample rows[64];
	struct mb_samples none = { 0 };
	int64_t id;

	if (store_create_runs(st, "dirtylog", "{\"vcpus\": 1}", "seed", "{}", 1, 0, 0, &id))
		abort();
	for (unsigned int i = 0; i < 64; i++)
		rows[i] = (struct mb_sample){ .metric = (enum mb_metric)(i % 4),
					      .iteration = i / 4, .value = i * 1000 };
	if (store_add_samples(st, id, &none, rows, 64) ||
	    store_run_finish(st, id, "done", "ok", NULL, "{}"))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/fuzz-router-XXXXXX", path[64], err[256];

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/fuzz.db", dir);
	if (store_open(path, &app.st, err, sizeof(err))) {
		fprintf(stderr, "fuzz-router: %s\n", err);
		abort();
	}
	seed_store(app.st);
	limits_default(&limits);
	app.limits = &limits;
	app.runs_cache = cache_new(32);
	app.access.token = TOKEN;
	app.access.host_names = host_names;
	return 0;
}

/* The next line of *p (up to '\n'), NUL-terminated in place. */
static char *next_line(char **p, char *end)
{
	char *line = *p, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	if (!nl)
		nl = end;
	*nl = '\0';
	*p = nl + 1;
	return line;
}

static size_t split_query(char *q, struct http_kv *kv)
{
	size_t n = 0;

	for (char *save = NULL, *arg = strtok_r(q, "&", &save); arg && n < MAX_KV;
	     arg = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(arg, '=');

		if (eq)
			*eq++ = '\0';
		kv[n++] = (struct http_kv){ arg, eq };
	}
	return n;
}

static void drain_stream(struct http_answer *a)
{
	char buf[4096];
	ssize_t n;
	size_t total = 0;

	while ((n = a->stream(a->stream_ctx, buf, sizeof(buf))) > 0)
		if ((total += (size_t)n) > (size_t)1 << 30)
			abort();	/* a stream that never ends */
}

static void check_answer(const struct http_request *r, enum MHD_Result ret)
{
	const struct http_answer *a = &r->answer;
	const char *auth = http_header(r, "Authorization");
	bool operator = (r->peer.via_unix && r->peer.creds_known && r->peer.uid == 0) ||
			(auth && !strcmp(auth, "Bearer " TOKEN));

	if (ret == MHD_YES && (a->status < 200 || a->status > 599))
		abort();	/* no answer, or a made-up status */
	if (!strcmp(r->method, "POST") && a->status >= 200 && a->status < 300 && !operator)
		abort();	/* a change by someone who may not */
	if (a->status >= 400) {
		struct json_tokener *tok = json_tokener_new();
		struct json_object *p = a->body && !strcmp(a->content_type, "application/problem+json") ?
			json_tokener_parse_ex(tok, a->body, (int)a->len) : NULL, *s;

		if (!p || !json_object_object_get_ex(p, "status", &s) ||
		    json_object_get_int(s) != (int)a->status)
			abort();	/* a problem that is not one */
		json_object_put(p);
		json_tokener_free(tok);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_kv headers[MAX_KV], query[MAX_KV];
	struct http_request r = { .app = &app };
	char *buf, *p, *end, *line, *method, *url, *q;
	enum MHD_Result ret;

	if (size < 1)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	p = buf;
	end = buf + size - 1;
	/* the peer: unix or TCP, root or not, the listener's port or another */
	r.peer.via_unix = data[0] & 1;
	r.peer.creds_known = r.peer.via_unix && (data[0] & 2);
	r.peer.uid = (data[0] & 4) ? 0 : 1000;
	r.peer.gid = r.peer.uid;
	r.peer.port = r.peer.via_unix ? 0 : 7733;
	r.peer.listen_address = r.peer.via_unix ? "unix:/run/migbench/migbenchd.sock" : "127.0.0.1:7733";
	method = next_line(&p, end);
	url = next_line(&p, end);
	q = next_line(&p, end);
	if (!method || !url || !q)
		goto out;
	r.method = method;
	r.url = url;
	r.query = query;
	r.nr_query = split_query(q, query);
	r.headers = headers;
	while ((line = next_line(&p, end)) && *line && r.nr_headers < MAX_KV) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon++ = '\0';
		headers[r.nr_headers++] = (struct http_kv){ line, colon + strspn(colon, " ") };
	}
	r.body = p < end ? p : "";
	r.body_len = p < end ? (size_t)(end - p) : 0;
	ret = api_dispatch(&r);
	check_answer(&r, ret);
	if (r.answer.stream)
		drain_stream(&r.answer);
	http_answer_free(&r.answer);
out:
	free(buf);
	return 0;
}
