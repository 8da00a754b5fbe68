// SPDX-License-Identifier: MIT
/* The store's rows as replies write them: one shape per noun, in one place. */

#include "api/present.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/campaign_rows.h"
#include "store/campaigns.h"
#include "store/runs.h"
#include "store/sample_rows.h"
#include "store/store.h"
#include "engine.h"
#include "samples.h"
#include "textbuf.h"
#include "units.h"

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *text_or_null(const char *t)
{
	return t ? json_object_new_string(t) : NULL;
}

/* A row's parsed column: shared, the row keeps its own reference. */
static struct json_object *shared(struct json_object *o)
{
	return json_object_get(o);
}

static struct json_object *group_json(const struct store_run *run)
{
	struct json_object *g = json_object_new_object();

	add(g, "id", json_object_new_int64(run->group_id));
	add(g, "index", json_object_new_int64(run->group_index));
	if (run->adaptive) {
		add(g, "target_ci_percent", json_object_new_double(run->target_ci_percent));
		add(g, "max_repeat", json_object_new_int64(run->max_repeat));
	}
	return g;
}

/* A sweep's run: its sweep id, the swept keys and its values of them; NULL otherwise. */
static struct json_object *sweep_json(const struct store_run *run)
{
	struct json_object *o, *keys;

	if (!run->sweep_id)
		return NULL;
	o = json_object_new_object();
	keys = json_object_new_array();
	if (json_object_is_type(run->sweep_point, json_type_object)) {
		json_object_object_foreach(run->sweep_point, key, value) {
			(void)value;
			json_object_array_add(keys, json_object_new_string(key));
		}
	}
	add(o, "id", json_object_new_int64(run->sweep_id));
	add(o, "keys", keys);
	add(o, "point", shared(run->sweep_point));
	return o;
}

static struct json_object *kernel_json(const struct store_kernel *k)
{
	struct json_object *o = json_object_new_object();

	add(o, "id", json_object_new_int64(k->id));
	add(o, "release", text_or_null(k->release));
	add(o, "version", text_or_null(k->version));
	add(o, "cmdline", text_or_null(k->cmdline));
	add(o, "boot_id", text_or_null(k->boot_id));
	add(o, "hostname", text_or_null(k->hostname));
	add(o, "cpu_model", text_or_null(k->cpu_model));
	add(o, "kvm_parameters", shared(k->kvm_parameters));
	return o;
}

/* A kernel as a list names it: {"id", "release"} (GET /kernels has the rest). */
static struct json_object *kernel_name(const struct store_kernel *k)
{
	struct json_object *o = json_object_new_object();

	add(o, "id", json_object_new_int64(k->id));
	add(o, "release", text_or_null(k->release));
	return o;
}

/* What the spec's engine says of it in a few words (mb_engine_spec_line). */
static struct json_object *spec_line(const char *kind, struct json_object *spec)
{
	struct textbuf b = { 0 };
	struct json_object *o;
	size_t len;
	char *t;

	mb_engine_spec_line(kind ? mb_engine_find(kind) : NULL, kind, spec, &b);
	t = textbuf_take(&b, &len);
	o = t ? json_object_new_string(t) : NULL;
	free(t);
	return o;
}

/* The members a run and its listing row share. */
static struct json_object *run_common(const struct store_run *run)
{
	struct json_object *o = json_object_new_object();

	add(o, "id", json_object_new_int64(run->id));
	add(o, "kind", text_or_null(run->kind));
	add(o, "label", text_or_null(run->label));
	add(o, "tags", shared(run->tags));
	return o;
}

static void add_state(struct json_object *o, const struct store_run *run)
{
	add(o, "description", spec_line(run->kind, run->resolved_spec ?: run->spec));
	add(o, "state", text_or_null(run->state));
	add(o, "result", text_or_null(run->result));
	add(o, "error", text_or_null(run->error));
	add(o, "progress", text_or_null(run->progress));
	add(o, "group", group_json(run));
	add(o, "sweep", sweep_json(run));
	add(o, "created_at", text_or_null(run->created_at));
	add(o, "started_at", text_or_null(run->started_at));
	add(o, "finished_at", text_or_null(run->finished_at));
}

struct json_object *present_run(const struct store_run *run)
{
	struct json_object *o = run_common(run);

	add(o, "spec", shared(run->spec));
	add(o, "resolved_spec", shared(run->resolved_spec));
	add_state(o, run);
	add(o, "summary", shared(run->summary));
	add(o, "missing", shared(run->missing));
	add(o, "environment", shared(run->environment));
	add(o, "kernel", run->has_kernel ? kernel_json(&run->kernel) : NULL);
	return o;
}

/* The store's "2026-12-06T20:40:26.057Z" as ms since the epoch; false if it is not one. */
static bool stamp_ms(const char *t, int64_t *out)
{
	struct tm tm = { 0 };
	int ms, n = 0;

	if (!t || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon,
			 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &n) != 7 ||
	    t[n])
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm) * 1000 + ms;
	return true;
}

/* From started_at to finished_at in seconds; NULL until the run has both. */
static struct json_object *duration_json(const struct store_run *run)
{
	int64_t start, end;

	if (!stamp_ms(run->started_at, &start) || !stamp_ms(run->finished_at, &end))
		return NULL;
	return json_object_new_double((double)(end - start) / 1000);
}

static struct json_object *summary_of(struct json_object *summary, const char *metric)
{
	struct json_object *s = NULL;

	if (metric && json_object_is_type(summary, json_type_object))
		json_object_object_get_ex(summary, metric, &s);
	return s;
}

/*
 * The run's first headline metric it has (or that metric's fallback) as
 * {"metric", "median", "unit"}: what a list of runs shows of each; NULL
 * for a run with no summary of any.
 */
static struct json_object *headline_json(const struct store_run *run)
{
	const struct mb_engine *e = run->kind ? mb_engine_find(run->kind) : NULL;
	struct json_object *o, *s = NULL, *median = NULL;
	const char *metric = NULL;

	for (const struct mb_headline *h = e ? e->headline : NULL; h && h->metric && !s; h++) {
		metric = summary_of(run->summary, h->metric) ? h->metric : h->fallback;
		s = summary_of(run->summary, metric);
	}
	if (!s || !json_object_object_get_ex(s, "median", &median) || !median)
		return NULL;
	o = json_object_new_object();
	add(o, "metric", json_object_new_string(metric));
	add(o, "median", shared(median));
	add(o, "unit", json_object_new_string(mb_unit_name(mb_metric_unit(metric))));
	return o;
}

/*
 * A listing's row: the run without its specs (description names it),
 * summary and environment, with its duration and headline figure, so a
 * page of fifty runs stays a few kilobytes whatever the runs measured.
 */
static struct json_object *present_run_row(const struct store_run *run)
{
	struct json_object *o = run_common(run);

	add_state(o, run);
	add(o, "duration_s", duration_json(run));
	add(o, "headline", headline_json(run));
	add(o, "kernel", run->has_kernel ? kernel_name(&run->kernel) : NULL);
	return o;
}

int present_json_text(struct json_object *o, char **text, size_t *len)
{
	size_t n;
	const char *t = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE, &n);

	/* a newline after it, as every JSON reply has */
	*text = t ? malloc(n + 2) : NULL;
	if (!*text)
		return -ENOMEM;
	memcpy(*text, t, n);
	memcpy(*text + n, "\n", 2);
	*len = n + 1;
	return 0;
}

int present_run_page(const struct store_run_page *page, char **text, size_t *len)
{
	struct json_object *o = json_object_new_object(), *runs = json_object_new_array();
	int ret;

	for (size_t i = 0; i < page->n; i++)
		json_object_array_add(runs, present_run_row(&page->runs[i]));
	add(o, "runs", runs);
	if (page->next_cursor)
		add(o, "next_cursor", json_object_new_int64(page->next_cursor));
	ret = present_json_text(o, text, len);
	json_object_put(o);
	return ret;
}

struct json_object *present_kernels(const struct store_kernel *kernels, size_t n)
{
	struct json_object *list = json_object_new_array(), *out = json_object_new_object();

	for (size_t i = 0; i < n; i++) {
		const struct store_kernel *k = &kernels[i];
		struct json_object *o = kernel_json(k);

		add(o, "first_seen", text_or_null(k->first_seen));
		add(o, "runs", json_object_new_int64(k->runs));
		add(o, "runs_done", json_object_new_int64(k->runs_done));
		json_object_array_add(list, o);
	}
	add(out, "kernels", list);
	return out;
}

static struct json_object *step_json(const struct store_step_row *t)
{
	struct json_object *o = json_object_new_object(), *runs = json_object_new_array();

	add(o, "id", json_object_new_int64(t->id));
	add(o, "seq", json_object_new_int(t->seq));
	add(o, "round", json_object_new_int(t->round));
	add(o, "kernel", json_object_new_int(t->kernel));
	add(o, "attempts", json_object_new_int(t->attempts));
	add(o, "restarts", json_object_new_int(t->restarts));
	add(o, "state", text_or_null(t->state));
	add(o, "token", text_or_null(t->token));
	add(o, "expect_release", text_or_null(t->expect_release));
	add(o, "expect_version", text_or_null(t->expect_version));
	add(o, "booted_from", text_or_null(t->booted_from));
	add(o, "boot_id", text_or_null(t->boot_id));
	add(o, "reason", text_or_null(t->reason));
	add(o, "booted_at", text_or_null(t->booted_at));
	add(o, "finished_at", text_or_null(t->finished_at));
	for (size_t i = 0; i < t->nr_runs; i++) {
		struct json_object *r = json_object_new_object();

		add(r, "id", json_object_new_int64(t->runs[i].id));
		add(r, "state", text_or_null(t->runs[i].state));
		add(r, "request", json_object_new_int(t->runs[i].request));
		add(r, "result", text_or_null(t->runs[i].result));
		json_object_array_add(runs, r);
	}
	add(o, "runs", runs);
	return o;
}

/* Each of a campaign's run requests (spec.runs[]) in a few words, in order. */
static struct json_object *request_lines(struct json_object *spec)
{
	struct json_object *runs = NULL, *out = json_object_new_array();

	json_object_object_get_ex(spec, "runs", &runs);
	for (size_t i = 0; json_object_is_type(runs, json_type_array) &&
			   i < json_object_array_length(runs); i++) {
		struct json_object *req = json_object_array_get_idx(runs, i), *kind = NULL, *s = NULL;

		json_object_object_get_ex(req, "kind", &kind);
		json_object_object_get_ex(req, "spec", &s);
		json_object_array_add(out, spec_line(kind ? json_object_get_string(kind) :
						     mb_engine_default()->kind, s));
	}
	return out;
}

struct json_object *present_campaign(const struct store_campaign *c, bool full)
{
	struct json_object *o = json_object_new_object(), *steps, *events;

	add(o, "id", json_object_new_int64(c->id));
	add(o, "spec", shared(c->spec));
	if (full)
		add(o, "run_descriptions", request_lines(c->spec));
	add(o, "state", text_or_null(c->state));
	add(o, "reason", text_or_null(c->reason));
	add(o, "created_at", text_or_null(c->created_at));
	add(o, "finished_at", text_or_null(c->finished_at));
	add(o, "steps_done", json_object_new_int(c->steps_done));
	add(o, "steps", json_object_new_int(c->nr_planned));
	if (!full)
		return o;
	steps = json_object_new_array();
	for (size_t i = 0; i < c->nr_steps; i++)
		json_object_array_add(steps, step_json(&c->steps[i]));
	add(o, "step_list", steps);
	events = json_object_new_array();
	for (size_t i = 0; i < c->nr_events; i++) {
		const struct store_campaign_event *e = &c->events[i];
		struct json_object *v = json_object_new_object();

		add(v, "at", text_or_null(e->at));
		add(v, "kind", text_or_null(e->kind));
		add(v, "message", text_or_null(e->message));
		add(v, "step", e->step ? json_object_new_int(e->step) : NULL);
		json_object_array_add(events, v);
	}
	add(o, "events", events);
	return o;
}

struct json_object *present_campaigns(const struct store_campaign *list, size_t n)
{
	struct json_object *out = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, present_campaign(&list[i], false));
	add(out, "campaigns", a);
	return out;
}

/* Rows taken from the stream at a time, formatted straight into the reply's buffer. */
#define ROWS_PER_READ 256
/* Room for the longest line: a 63-byte metric, three 20-digit numbers, a phase. */
#define LINE_MAX 224

struct present_samples {
	struct store_sample_stream *stream;
	bool csv, first, end_of_rows, tail_added;
	struct store_sample_row rows[ROWS_PER_READ];
	size_t nr_rows, next_row;
	char pending[LINE_MAX];		/* text that did not fit the last buffer */
	size_t pending_len, pending_sent;
};

int present_samples_open(struct store *st, int64_t id, bool csv, struct present_samples **out)
{
	static const char csv_head[] = "metric,iteration,seq,value\n", json_head[] = "{\"samples\": [";
	struct present_samples *c = calloc(1, sizeof(*c));
	int ret = c ? store_sample_stream_open(st, id, &c->stream) : -ENOMEM;

	*out = NULL;
	if (ret) {
		free(c);
		return ret;
	}
	c->csv = csv;
	c->first = true;
	memcpy(c->pending, csv ? csv_head : json_head, csv ? sizeof(csv_head) - 1 :
	       sizeof(json_head) - 1);
	c->pending_len = csv ? sizeof(csv_head) - 1 : sizeof(json_head) - 1;
	*out = c;
	return 0;
}

static char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUT(p, literal) put(p, literal, sizeof(literal) - 1)

/* printf's %lld costs most of a row's time: the digits by hand. */
static char *put_int(char *p, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char digits[20];
	int n = 0;

	if (v < 0)
		*p++ = '-';
	do {
		digits[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		*p++ = digits[--n];
	return p;
}

/* One row's text at p (LINE_MAX bytes of room); where it ends. */
static char *sample_line(struct present_samples *c, char *p, const struct store_sample_row *row)
{
	/* metric names are [a-z0-9_.]: nothing to escape or quote */
	size_t len = strlen(row->metric);

	if (c->csv) {
		p = put(p, row->metric, len);
		*p++ = ',';
		p = put_int(p, row->iteration);
		*p++ = ',';
		p = put_int(p, row->seq);
		*p++ = ',';
		p = put_int(p, row->value);
		*p++ = '\n';
		return p;
	}
	p = c->first ? PUT(p, "\n{\"metric\": \"") : PUT(p, ",\n{\"metric\": \"");
	c->first = false;
	p = put(p, row->metric, len);
	p = PUT(p, "\", \"iteration\": ");
	p = put_int(p, row->iteration);
	p = PUT(p, ", \"seq\": ");
	p = put_int(p, row->seq);
	if (!strncmp(row->metric, MB_KVM_STAT_PREFIX, strlen(MB_KVM_STAT_PREFIX))) {
		/* a KVM statistic's seq is the phase it was read after */
		const char *phase = mb_phase_name((unsigned int)row->seq);

		p = PUT(p, ", \"phase\": \"");
		p = put(p, phase, strnlen(phase, 32));
		*p++ = '"';
	}
	p = PUT(p, ", \"value\": ");
	p = put_int(p, row->value);
	*p++ = '}';
	return p;
}

/* The next row, read from the stream when the last batch is used up; NULL after the last. */
static const struct store_sample_row *next_row(struct present_samples *c, int *ret)
{
	*ret = 0;
	if (c->next_row == c->nr_rows) {
		if (c->end_of_rows)
			return NULL;
		*ret = store_sample_stream_next(c->stream, c->rows, ROWS_PER_READ, &c->nr_rows);
		c->next_row = 0;
		if (*ret || c->nr_rows < ROWS_PER_READ)
			c->end_of_rows = true;
		if (*ret || !c->nr_rows)
			return NULL;
	}
	return &c->rows[c->next_row++];
}

ssize_t present_samples_read(struct present_samples *c, char *buf, size_t max)
{
	static const char tail[] = "\n]}\n";
	char *p = buf, *end = buf + max;
	const struct store_sample_row *row;
	int ret = 0;

	for (;;) {
		size_t n = c->pending_len - c->pending_sent;

		if (n) {	/* what the last buffer had no room for goes first */
			n = n < (size_t)(end - p) ? n : (size_t)(end - p);
			p = put(p, c->pending + c->pending_sent, n);
			c->pending_sent += n;
			if (c->pending_sent < c->pending_len)
				return p - buf;
			c->pending_len = c->pending_sent = 0;
		}
		if (end - p < LINE_MAX) {
			if (p > buf)
				return p - buf;
			/* a buffer too small for a line: the line by way of pending */
			row = next_row(c, &ret);
			if (ret)
				return ret;
			if (row) {
				c->pending_len = (size_t)(sample_line(c, c->pending, row) - c->pending);
				continue;
			}
		} else {
			while (end - p >= LINE_MAX && (row = next_row(c, &ret)))
				p = sample_line(c, p, row);
			if (ret)
				return ret;
			if (end - p < LINE_MAX)
				continue;	/* full: sent, and the rest next time */
		}
		/* every row is out */
		if (c->tail_added || c->csv)
			return p - buf;		/* 0: the end */
		c->tail_added = true;
		n = c->first ? 1 : 0;		/* "]}" right after "[" */
		memcpy(c->pending, tail + n, sizeof(tail) - 1 - n);
		c->pending_len = sizeof(tail) - 1 - n;
	}
}

void present_samples_close(struct present_samples *c)
{
	if (!c)
		return;
	store_sample_stream_close(c->stream);
	free(c);
}
