// SPDX-License-Identifier: MIT
/*
 * The store's rows: what is written comes back as typed rows, the JSON
 * columns parsed (strictly: a damaged column is an error, not a null),
 * listings paged newest first, samples paged in key order, campaigns
 * with their steps and events.  A real SQLite file in a temporary
 * directory; no daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <json-c/json.h>

#include "store/campaign_rows.h"
#include "store/campaigns.h"
#include "store/groups.h"
#include "store/runs.h"
#include "store/sample_rows.h"
#include "store/store.h"
#include "samples.h"
#include "tap.h"

static bool json_is(struct json_object *o, const char *text)
{
	struct json_object *want = json_tokener_parse(text);
	bool same = want && o && json_object_equal(o, want);

	json_object_put(want);
	return same;
}

static bool text_is(const char *t, const char *want)
{
	return t && !strcmp(t, want);
}

static void check_queued(struct store *st, int64_t first)
{
	struct store_run run;
	int ret = store_run_get(st, first + 1, &run);

	tap_ok(ret == 0, "the second run of the group reads back (%d)", ret);
	tap_ok(run.id == first + 1 && text_is(run.kind, "dirtylog") && text_is(run.label, "base") &&
	       text_is(run.state, "queued"), "its id, kind, label and state are as stored");
	tap_ok(json_is(run.spec, "{\"vcpus\": 2, \"memory\": \"1G\"}") &&
	       json_is(run.tags, "{\"series\": \"v3\"}"), "its spec and tags come back parsed");
	tap_ok(run.group_id == first && run.group_index == 1 && !run.adaptive,
	       "it is index 1 of a fixed group led by the first run");
	tap_ok(!run.sweep_id && !run.sweep_point, "it is no sweep's");
	tap_ok(!run.has_kernel && !run.environment && !run.resolved_spec && !run.summary &&
	       !run.started_at && !run.result, "nothing it has not done yet is set");
	store_run_clear(&run);
	tap_ok(store_run_get(st, first + 100, &run) == -ENOENT, "a run that does not exist is -ENOENT");
}

static void check_done(struct store *st, int64_t id)
{
	const char *env = "{\"kernel\": {\"release\": \"6.12.0-test\", \"version\": \"#1 SMP\"}, "
			  "\"cmdline\": \"ro quiet\", \"boot_id\": \"b00t\", \"hostname\": \"lab1\", "
			  "\"cpu_model\": \"EPYC\", \"kvm_parameters\": {\"kvm\": {\"tdp_mmu\": \"Y\"}}}";
	struct json_object *environment = json_tokener_parse(env);
	struct store_run run;
	int ret;

	ret = store_run_start(st, id);
	tap_ok(ret == 0, "the run starts (%d)", ret);
	ret = store_run_set_environment(st, id, "{\"vcpus\": 2, \"memory\": \"1G\", \"slots\": 1}",
					environment, "{\"kvm_stat_x\": \"not on this kernel\"}");
	tap_ok(ret == 0, "its environment is recorded (%d)", ret);
	{	/* what keeps a finished run's reply: a running run's progress does not */
		uint64_t settled = store_settled(st), generation = store_generation(st);

		ret = store_add_event(st, id, "iteration 1");
		tap_ok(ret == 0 && store_settled(st) == settled && store_generation(st) > generation,
		       "a running run's progress changes the listings, not what finished runs read");
	}
	ret = store_run_finish(st, id, "done", "ok", NULL, "{\"clear_dirty_log_ns\": {\"median\": 1230.5}}");
	tap_ok(ret == 0, "it finishes (%d)", ret);
	{
		uint64_t settled = store_settled(st);

		ret = store_add_event(st, id, "group 1: done");
		tap_ok(ret == 0 && store_settled(st) > settled,
		       "an event of the finished run changes what finished runs read");
	}
	ret = store_run_get(st, id, &run);
	tap_ok(ret == 0 && text_is(run.state, "done") && text_is(run.result, "ok") && !run.error &&
	       run.started_at && run.finished_at, "it reads back done, with its times");
	tap_ok(json_is(run.resolved_spec, "{\"vcpus\": 2, \"memory\": \"1G\", \"slots\": 1}") &&
	       json_is(run.missing, "{\"kvm_stat_x\": \"not on this kernel\"}") &&
	       json_is(run.summary, "{\"clear_dirty_log_ns\": {\"median\": 1230.5}}"),
	       "its resolved spec, missing metrics and summary come back parsed");
	tap_ok(json_is(run.environment, env), "its environment comes back whole");
	tap_ok(run.has_kernel && text_is(run.kernel.release, "6.12.0-test") &&
	       text_is(run.kernel.version, "#1 SMP") && text_is(run.kernel.cmdline, "ro quiet") &&
	       text_is(run.kernel.boot_id, "b00t") && text_is(run.kernel.hostname, "lab1") &&
	       text_is(run.kernel.cpu_model, "EPYC") &&
	       json_is(run.kernel.kvm_parameters, "{\"kvm\": {\"tdp_mmu\": \"Y\"}}"),
	       "its kernel is the environment's");
	store_run_clear(&run);
	json_object_put(environment);
}

static void check_listing(struct store *st, int64_t first)
{
	struct run_filter f = { .limit = 2 };
	struct store_run_page page;
	int ret = store_list_runs(st, &f, &page);

	tap_ok(ret == 0 && page.n == 2, "a page of 2 has 2 runs (%d, %zu)", ret, page.n);
	tap_ok(page.n == 2 && page.runs[0].id == first + 2 && page.runs[1].id == first + 1 &&
	       page.next_cursor == first + 1, "newest first, the next page after the last shown");
	tap_ok(page.n == 2 && !page.runs[0].environment, "a listing reads no environment");
	store_run_page_clear(&page);
	f.cursor = first + 1;
	ret = store_list_runs(st, &f, &page);
	tap_ok(ret == 0 && page.n == 1 && page.runs[0].id == first && !page.next_cursor,
	       "the last page has the first run and no next cursor");
	tap_ok(ret == 0 && page.n == 1 && page.runs[0].has_kernel &&
	       text_is(page.runs[0].kernel.release, "6.12.0-test"), "with its kernel");
	store_run_page_clear(&page);
	f = (struct run_filter){ .limit = 10, .state = "done" };
	ret = store_list_runs(st, &f, &page);
	tap_ok(ret == 0 && page.n == 1 && page.runs[0].id == first, "a filter by state finds the done run");
	store_run_page_clear(&page);
}

/* Each stream is a connection: past STORE_MAX_STREAMS open the next is refused, not opened. */
static void check_stream_limit(struct store *st, int64_t id)
{
	struct store_sample_stream *open[STORE_MAX_STREAMS + 1] = { 0 };
	unsigned int n = 0;
	int ret = 0;

	while (n < STORE_MAX_STREAMS && !(ret = store_sample_stream_open(st, id, &open[n])))
		n++;
	tap_ok(n == STORE_MAX_STREAMS, "%u streams open at once (%d)", n, ret);
	ret = store_sample_stream_open(st, id, &open[n]);
	tap_ok(ret == -EMFILE && !open[n], "the next is refused with -EMFILE (%d)", ret);
	store_sample_stream_close(open[0]);
	ret = store_sample_stream_open(st, id, &open[0]);
	tap_ok(ret == 0, "and opens once one has closed (%d)", ret);
	for (unsigned int i = 0; i < n; i++)
		store_sample_stream_close(open[i]);
}

static void check_samples(struct store *st, int64_t id)
{
	struct mb_sample rows[5] = {
		{ .metric = MB_CLEAR_DIRTY_LOG_NS, .iteration = 2, .seq = 0, .value = 30 },
		{ .metric = MB_CLEAR_DIRTY_LOG_NS, .iteration = 1, .seq = 1, .value = 20 },
		{ .metric = MB_CLEAR_DIRTY_LOG_NS, .iteration = 1, .seq = 0, .value = 10 },
		{ .metric = MB_POPULATE_NS, .iteration = 0, .seq = 0, .value = 5 },
		{ .metric = MB_DIRTY_MEMORY_NS, .iteration = 1, .seq = 0, .value = 7 },
	};
	struct mb_samples set = { .rows = rows, .len = 5, .cap = 5 };
	struct store_sample_row page[3], all[5];
	struct store_sample_stream *stream = NULL, *other = NULL;
	size_t n, got = 0;
	int ret = store_add_samples(st, id, &set, rows, 5);

	tap_ok(ret == 0, "five samples are stored (%d)", ret);
	ret = store_sample_stream_open(st, id, &stream);
	if (!ret) {
		ret = store_sample_stream_next(stream, page, 3, &n);
		for (size_t i = 0; !ret && i < n; i++)
			all[got++] = page[i];
	}
	/* a write between the pages: the stream's snapshot does not see it */
	if (!ret)
		ret = store_add_samples(st, id, &set, (struct mb_sample[]){ { .metric = MB_POPULATE_NS,
					.iteration = 9, .seq = 0, .value = 99 } }, 1);
	while (!ret && n == 3) {
		ret = store_sample_stream_next(stream, page, 3, &n);
		for (size_t i = 0; !ret && i < n && got < 5; i++)
			all[got++] = page[i];
	}
	tap_ok(ret == 0 && got == 5 && n == 2,
	       "reads of 3 take all five, then stop, a sample written meanwhile unseen (%d, %zu)",
	       ret, got);
	store_sample_stream_close(stream);
	{
		struct store_sample_row last = { 0 };
		size_t total = 0;

		ret = store_sample_stream_open(st, id, &other);
		do {
			if (!ret)
				ret = store_sample_stream_next(other, page, 3, &n);
			total += ret ? 0 : n;
			if (!ret && n)
				last = page[n - 1];
		} while (!ret && n == 3);
		tap_ok(ret == 0 && total == 6 && text_is(last.metric, "populate_ns") &&
		       last.iteration == 9 && last.value == 99,
		       "a stream opened after the write sees it: six rows, it the last (%d, %zu)", ret,
		       total);
		store_sample_stream_close(other);
	}
	tap_ok(got == 5 && text_is(all[0].metric, "clear_dirty_log_ns") && all[0].iteration == 1 &&
	       all[0].seq == 0 && all[0].value == 10 && all[1].value == 20 && all[2].value == 30 &&
	       text_is(all[3].metric, "dirty_memory_ns") && all[3].value == 7 &&
	       text_is(all[4].metric, "populate_ns") && all[4].value == 5,
	       "in (metric, iteration, seq) order, each value as written");
	ret = store_sample_stream_open(st, id + 1, &stream);
	if (!ret)
		ret = store_sample_stream_next(stream, page, 3, &n);
	tap_ok(ret == 0 && n == 0, "a run without samples has an empty stream");
	store_sample_stream_close(stream);
	check_stream_limit(st, id);
}

/* A column the daemon did not write: the row is refused, not half read. */
static void check_damaged(struct store *st, const char *path, int64_t id)
{
	struct store_run run;
	sqlite3 *db;
	int ret;

	if (!tap_ok(sqlite3_open(path, &db) == SQLITE_OK &&
		    sqlite3_exec(db, "UPDATE runs SET tags = '{\"a\": NaN}' WHERE id = (SELECT MAX(id) "
				 "FROM runs)", NULL, NULL, NULL) == SQLITE_OK,
		    "a run's tags are damaged behind the store's back"))
		return;
	sqlite3_close(db);
	ret = store_run_get(st, id, &run);
	tap_ok(ret == -EIO, "reading it is -EIO (%d), not a run with null tags", ret);
}

static void check_campaign(struct store *st)
{
	const struct store_step_plan plan[2] = { { 1, 0 }, { 1, 1 } };
	struct store_campaign c, *list;
	int64_t id;
	size_t n;
	int ret = store_campaign_create(st, "{\"kernels\": [{\"label\": \"a\"}, {\"label\": \"b\"}]}",
					plan, 2, &id);

	tap_ok(ret == 0, "a campaign of two steps is created (%d)", ret);
	ret = store_campaign_event(st, id, 0, "note", "a word of the campaign's own");
	tap_ok(ret == 0, "an event of its own is recorded (%d)", ret);
	ret = store_campaign_get(st, id, &c);
	tap_ok(ret == 0 && text_is(c.state, "active") && c.nr_planned == 2 && !c.steps_done &&
	       json_is(c.spec, "{\"kernels\": [{\"label\": \"a\"}, {\"label\": \"b\"}]}"),
	       "it reads back active, with its spec and counts");
	tap_ok(ret == 0 && c.nr_steps == 2 && c.steps[0].seq == 1 && c.steps[1].seq == 2 &&
	       c.steps[1].kernel == 1 && text_is(c.steps[0].state, "pending") &&
	       !c.steps[0].booted_from && !c.steps[0].boot_id && !c.steps[0].nr_runs,
	       "its steps in order, pending, nothing booted yet");
	tap_ok(ret == 0 && c.nr_events >= 1 && !c.events[c.nr_events - 1].step &&
	       text_is(c.events[c.nr_events - 1].message, "a word of the campaign's own"),
	       "its event is the campaign's, with no step");
	store_campaign_clear(&c);
	ret = store_campaigns_list(st, 10, &list, &n);
	tap_ok(ret == 0 && n == 1 && list[0].id == id && !list[0].steps && !list[0].events,
	       "a listing has it without steps or events");
	if (!ret)
		store_campaigns_free(list, n);
	tap_ok(store_campaign_get(st, id + 1, &c) == -ENOENT, "a campaign that does not exist is -ENOENT");
}

int main(void)
{
	char dir[] = "/tmp/migbench-store-XXXXXX", path[64], err[256];
	struct store *st;
	int64_t first;
	int ret;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/store.db", dir);
	ret = store_open(path, &st, err, sizeof(err));
	if (!tap_ok(ret == 0, "a new store opens (%s)", ret ? err : "ok"))
		return tap_done();
	ret = store_create_runs(st, "dirtylog", "{\"vcpus\": 2, \"memory\": \"1G\"}", "base",
				"{\"series\": \"v3\"}", 3, 0, 0, &first);
	tap_ok(ret == 0, "a group of three runs is stored (%d)", ret);
	check_queued(st, first);
	check_done(st, first);
	check_listing(st, first);
	check_samples(st, first);
	check_campaign(st);
	check_damaged(st, path, first + 2);
	store_close(st);
	unlink(path);
	{
		char wal[80];

		snprintf(wal, sizeof(wal), "%s-wal", path);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", path);
		unlink(wal);
	}
	rmdir(dir);
	return tap_done();
}
