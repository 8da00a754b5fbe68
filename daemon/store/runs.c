// SPDX-License-Identifier: MIT
/* Runs, their events and the kernels they ran on: rows in, rows out. */

#include "store/runs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* Every column of a run and its kernel, read_run_row()'s numbers. */
#define RUN_COLUMNS_WITH(environment) \
	"r.id, r.kind, r.label, r.tags, r.spec, r.resolved_spec, r.state, " \
	"r.result, r.error, r.progress, r.group_id, r.group_index, " \
	"r.created_at, r.started_at, r.finished_at, r.summary, " environment ", " \
	"k.id, k.release, k.version, k.cmdline, k.boot_id, k.hostname, " \
	"k.cpu_model, k.kvm_parameters, r.target_ci_percent, r.max_repeat, r.missing, " \
	"r.sweep_id, r.sweep_point"
#define RUN_COLUMNS RUN_COLUMNS_WITH("r.environment")
/* a listing shows no environment: NULL in its place, nothing to parse */
#define RUN_COLUMNS_LISTED RUN_COLUMNS_WITH("NULL")
#define RUN_FROM " FROM runs r LEFT JOIN kernels k ON k.id = r.kernel_id "

int store_next_queued(struct store *st, const char *boot_id, int64_t *id)
{
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	store_lock(st);
	/* index before group: one run of each group in turn, A B A B ... */
	rc = sqlite3_prepare_v2(st->writer,
		"SELECT id FROM runs WHERE state = 'queued' AND (campaign_step IN "
		"(SELECT id FROM campaign_steps WHERE state = 'running' AND boot_id = ?1) OR "
		"(campaign_step IS NULL AND NOT EXISTS (SELECT 1 FROM campaigns "
		"WHERE state IN ('active', 'aborting')))) "
		"ORDER BY group_index, group_id LIMIT 1", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		store_bind_text(s, 1, boot_id);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			*id = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	store_unlock(st);
	return store_errno(rc);
}

int store_run_start(struct store *st, int64_t id)
{
	struct store_id_args a = { .id = id };
	int rc;

	store_now(a.now, sizeof(a.now));
	rc = store_write(st, "UPDATE runs SET state = 'running', worker_pid = NULL, "
			    "started_at = ?2 WHERE id = ?1 AND state = 'queued'",
			store_bind_id_text, &a);
	return rc < 0 ? rc : rc == 0 ? -EALREADY : 0;
}

int store_run_set_worker(struct store *st, int64_t id, int pid)
{
	struct store_id_args a = { .id = id, .number = pid };
	int rc = store_write(st, "UPDATE runs SET worker_pid = ?4 WHERE id = ?1",
			     store_bind_id_text, &a);
	return rc < 0 ? rc : 0;
}

struct finish_args {
	int64_t id;
	const char *state, *result, *error, *summary;
	char now[32];
};

static void bind_finish(sqlite3_stmt *s, void *ctx)
{
	struct finish_args *a = ctx;

	store_bind_text(s, 1, a->state);
	store_bind_text(s, 2, a->result);
	store_bind_text(s, 3, a->error);
	store_bind_text(s, 4, a->summary);
	store_bind_text(s, 5, a->now);
	sqlite3_bind_int64(s, 6, a->id);
}

int store_run_finish(struct store *st, int64_t id, const char *state,
		     const char *result, const char *error,
		     const char *summary)
{
	struct finish_args a = { id, state, result, error, summary, "" };
	int rc;

	store_now(a.now, sizeof(a.now));
	rc = store_write(st, "UPDATE runs SET state = ?1, result = ?2, error = ?3, "
			    "summary = ?4, finished_at = ?5, worker_pid = NULL "
			    "WHERE id = ?6", bind_finish, &a);
	return rc < 0 ? rc : 0;
}

static const char *env_string(struct json_object *env, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(env, key, &v) ?
	       json_object_get_string(v) : "";
}

int store_run_set_environment(struct store *st, int64_t id,
			      const char *resolved_spec,
			      struct json_object *environment, const char *missing)
{
	struct json_object *kernel = NULL, *params = NULL;
	const char *values[7];
	sqlite3_stmt *s = NULL;
	int64_t kernel_id = 0;
	char now[32];
	int rc;

	json_object_object_get_ex(environment, "kernel", &kernel);
	json_object_object_get_ex(environment, "kvm_parameters", &params);
	values[0] = env_string(kernel, "release");
	values[1] = env_string(kernel, "version");
	values[2] = env_string(environment, "cmdline");
	values[3] = env_string(environment, "boot_id");
	values[4] = env_string(environment, "hostname");
	values[5] = env_string(environment, "cpu_model");
	/* hostinfo lists modules and parameters sorted: the text is stable */
	values[6] = params ? json_object_to_json_string_ext(params,
				JSON_C_TO_STRING_PLAIN) : "{}";
	store_now(now, sizeof(now));

	rc = store_begin_write(st,
		"INSERT INTO kernels (release, version, cmdline, boot_id, hostname, "
		"cpu_model, kvm_parameters, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
		"ON CONFLICT DO UPDATE SET hostname = excluded.hostname "
		"RETURNING id", &s);
	if (rc == SQLITE_OK) {
		for (int i = 0; i < 7; i++)
			store_bind_text(s, i + 1, values[i]);
		store_bind_text(s, 8, now);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			kernel_id = sqlite3_column_int64(s, 0);
			rc = SQLITE_OK;
		}
		sqlite3_finalize(s);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->writer,
			"UPDATE runs SET kernel_id = ?1, environment = ?2, resolved_spec = ?3, "
			"missing = ?5 WHERE id = ?4", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, kernel_id);
		store_bind_text(s, 2, json_object_to_json_string_ext(environment,
						JSON_C_TO_STRING_PLAIN));
		store_bind_text(s, 3, resolved_spec);
		sqlite3_bind_int64(s, 4, id);
		store_bind_text(s, 5, missing);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_finalize(s);
	}
	return store_end_write(st, rc, true);
}

int store_add_event(struct store *st, int64_t id, const char *message)
{
	struct store_id_args a = { .id = id, .text = message };
	sqlite3_stmt *s = NULL;
	bool unfinished = false;
	int rc;

	store_now(a.now, sizeof(a.now));
	/* the run_events_progress trigger copies it to runs.progress */
	rc = store_begin_write(st, "INSERT INTO run_events (run_id, at, message) "
				   "VALUES (?1, ?2, ?3)", &s);
	if (rc == SQLITE_OK) {
		store_bind_id_text(s, &a);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_finalize(s);
		s = NULL;
	}
	/*
	 * A running run's progress is most of the writes while runs go: it
	 * leaves what a reply of a finished run holds (and its cache) alone.
	 */
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->writer, "SELECT state IN ('queued', 'running') FROM runs "
					"WHERE id = ?1", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		rc = sqlite3_step(s);
		unfinished = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	return unfinished ? store_end_write_unfinished(st, rc) : store_end_write(st, rc, true);
}

int store_run_state(struct store *st, int64_t id, char *state, size_t len,
		    int *pid)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	int rc;

	if (!db)
		return -EIO;
	rc = sqlite3_prepare_v2(db, "SELECT state, worker_pid FROM runs WHERE id = ?1",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(state, len, "%s", sqlite3_column_text(s, 0));
		if (pid)
			*pid = sqlite3_column_int(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : store_errno(rc);
}

int store_cancel_queued(struct store *st, int64_t id, const char **state)
{
	static const char *const finished[] = { "done", "failed", "cancelled",
						 "interrupted" };
	struct store_id_args a = { .id = id };
	char now_state[32];
	int rc;

	*state = NULL;
	store_now(a.now, sizeof(a.now));
	rc = store_write(st, "UPDATE runs SET state = 'cancelled', result = 'cancelled', "
			    "finished_at = ?2 WHERE id = ?1 AND state = 'queued'",
			store_bind_id_text, &a);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = store_run_state(st, id, now_state, sizeof(now_state), NULL);
	if (rc)
		return rc;
	if (!strcmp(now_state, "running"))
		return -EBUSY;
	for (size_t i = 0; i < sizeof(finished) / sizeof(finished[0]); i++)
		if (!strcmp(now_state, finished[i]))
			*state = finished[i];
	return -EALREADY;
}

int store_running_pids(struct store *st, int *pids, int max)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	int n = 0;

	if (!db || sqlite3_prepare_v2(db, "SELECT worker_pid FROM runs WHERE "
				      "state = 'running' AND worker_pid > 0",
				      -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	while (n < max && sqlite3_step(s) == SQLITE_ROW)
		pids[n++] = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

int store_interrupt_running(struct store *st, const char *reason)
{
	struct store_id_args a = { .text = reason };

	store_now(a.now, sizeof(a.now));
	/* ?1, the id, is not used: every running run is interrupted */
	return store_write(st, "UPDATE runs SET state = 'interrupted', "
			      "result = 'interrupted', error = ?3, finished_at = ?2, "
			      "worker_pid = NULL WHERE state = 'running'",
			  store_bind_id_text, &a);
}

static void kernel_clear(struct store_kernel *k)
{
	free(k->release);
	free(k->version);
	free(k->cmdline);
	free(k->boot_id);
	free(k->hostname);
	free(k->cpu_model);
	free(k->first_seen);
	json_object_put(k->kvm_parameters);
	memset(k, 0, sizeof(*k));
}

void store_run_clear(struct store_run *run)
{
	char **texts[] = { &run->kind, &run->label, &run->state, &run->result, &run->error,
			   &run->progress, &run->created_at, &run->started_at,
			   &run->finished_at };
	struct json_object **objects[] = { &run->tags, &run->spec, &run->resolved_spec,
					   &run->summary, &run->missing, &run->environment,
					   &run->sweep_point };

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		free(*texts[i]);
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		json_object_put(*objects[i]);
	kernel_clear(&run->kernel);
	memset(run, 0, sizeof(*run));
}

/* The columns of RUN_COLUMNS into run; the first failure is returned. */
static int read_run_row(sqlite3_stmt *s, struct store_run *run)
{
	const struct { int col; char **to; } texts[] = {
		{ 1, &run->kind }, { 2, &run->label }, { 6, &run->state }, { 7, &run->result },
		{ 8, &run->error }, { 9, &run->progress }, { 12, &run->created_at },
		{ 13, &run->started_at }, { 14, &run->finished_at },
		{ 18, &run->kernel.release }, { 19, &run->kernel.version },
		{ 20, &run->kernel.cmdline }, { 21, &run->kernel.boot_id },
		{ 22, &run->kernel.hostname }, { 23, &run->kernel.cpu_model },
	};
	const struct { int col; struct json_object **to; } objects[] = {
		{ 3, &run->tags }, { 4, &run->spec }, { 5, &run->resolved_spec },
		{ 15, &run->summary }, { 16, &run->environment }, { 24, &run->kernel.kvm_parameters },
		{ 27, &run->missing }, { 29, &run->sweep_point },
	};
	int ret = 0;

	memset(run, 0, sizeof(*run));
	run->id = sqlite3_column_int64(s, 0);
	run->group_id = sqlite3_column_int64(s, 10);
	run->group_index = sqlite3_column_int64(s, 11);
	run->adaptive = sqlite3_column_type(s, 25) != SQLITE_NULL;
	run->target_ci_percent = sqlite3_column_double(s, 25);
	run->max_repeat = sqlite3_column_int64(s, 26);
	run->sweep_id = sqlite3_column_int64(s, 28);
	run->has_kernel = sqlite3_column_type(s, 17) != SQLITE_NULL;
	run->kernel.id = sqlite3_column_int64(s, 17);
	for (size_t i = 0; !ret && i < sizeof(texts) / sizeof(texts[0]); i++)
		ret = store_column_text(s, texts[i].col, texts[i].to);
	for (size_t i = 0; !ret && i < sizeof(objects) / sizeof(objects[0]); i++)
		ret = store_column_json(s, objects[i].col, objects[i].to);
	if (ret)
		store_run_clear(run);
	return ret;
}

int store_run_get(struct store *st, int64_t id, struct store_run *run)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	int rc, ret;

	memset(run, 0, sizeof(*run));
	if (!db)
		return -EIO;
	rc = sqlite3_prepare_v2(db, "SELECT " RUN_COLUMNS RUN_FROM "WHERE r.id = ?1", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	ret = rc == SQLITE_ROW ? read_run_row(s, run) :
	      rc == SQLITE_DONE ? -ENOENT : store_errno(rc);
	sqlite3_finalize(s);
	return ret;
}

uint64_t store_generation(struct store *st)
{
	return __atomic_load_n(&st->generation, __ATOMIC_ACQUIRE);
}

uint64_t store_settled(struct store *st)
{
	return __atomic_load_n(&st->settled, __ATOMIC_ACQUIRE);
}

void store_run_page_clear(struct store_run_page *page)
{
	for (size_t i = 0; i < page->n; i++)
		store_run_clear(&page->runs[i]);
	free(page->runs);
	memset(page, 0, sizeof(*page));
}

int store_list_runs(struct store *st, const struct run_filter *f, struct store_run_page *page)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	int rc, ret = 0;

	memset(page, 0, sizeof(*page));
	page->runs = calloc(f->limit ? f->limit : 1, sizeof(*page->runs));
	if (!page->runs)
		return -ENOMEM;
	if (!db || sqlite3_prepare_v2(db,
		"SELECT " RUN_COLUMNS_LISTED RUN_FROM
		"WHERE (?1 IS NULL OR r.state = ?1) AND (?2 IS NULL OR r.kind = ?2) "
		"AND (?3 IS NULL OR r.label = ?3) AND (?4 IS NULL OR k.release = ?4) "
		"AND (?5 = 0 OR r.id < ?5) AND (?7 = 0 OR r.sweep_id = ?7) "
		"AND (?8 IS NULL OR r.created_at >= ?8) "	/* one format: text order is time order */
		"ORDER BY r.id DESC LIMIT ?6",
		-1, &s, NULL) != SQLITE_OK) {
		free(page->runs);
		page->runs = NULL;
		return -EIO;
	}
	store_bind_text(s, 1, f->state);
	store_bind_text(s, 2, f->kind);
	store_bind_text(s, 3, f->label);
	store_bind_text(s, 4, f->kernel);
	sqlite3_bind_int64(s, 5, f->cursor);
	sqlite3_bind_int(s, 6, (int)f->limit + 1);	/* one more: is there a next page? */
	sqlite3_bind_int64(s, 7, f->sweep);
	store_bind_text(s, 8, f->since);
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (page->n == f->limit) {
			page->next_cursor = page->runs[page->n - 1].id;
			break;
		}
		ret = read_run_row(s, &page->runs[page->n]);
		if (!ret)
			page->n++;
	}
	if (!ret && rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_errno(rc);
	sqlite3_finalize(s);
	if (ret)
		store_run_page_clear(page);
	return ret;
}

void store_kernels_free(struct store_kernel *kernels, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kernel_clear(&kernels[i]);
	free(kernels);
}

int store_kernels(struct store *st, struct store_kernel **kernels, size_t *n)
{
	struct store_kernel *list = NULL;
	size_t len = 0;
	sqlite3_stmt *s;
	int rc, ret;

	*kernels = NULL;
	*n = 0;
	ret = store_prepare_read(st,
		"SELECT k.id, k.release, k.version, k.cmdline, k.boot_id, k.hostname, "
		"k.cpu_model, k.kvm_parameters, k.first_seen, COUNT(r.id), "
		"COALESCE(SUM(r.state = 'done'), 0) FROM kernels k "
		"LEFT JOIN runs r ON r.kernel_id = k.id GROUP BY k.id ORDER BY k.id", &s);
	if (ret)
		return ret;
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_kernel *grown = store_grow(list, sizeof(*list), &len), *k;

		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		list = grown;
		k = &list[len - 1];
		k->id = sqlite3_column_int64(s, 0);
		k->runs = sqlite3_column_int64(s, 9);
		k->runs_done = sqlite3_column_int64(s, 10);
		ret = store_column_text(s, 1, &k->release) ?:
		      store_column_text(s, 2, &k->version) ?:
		      store_column_text(s, 3, &k->cmdline) ?:
		      store_column_text(s, 4, &k->boot_id) ?:
		      store_column_text(s, 5, &k->hostname) ?:
		      store_column_text(s, 6, &k->cpu_model) ?:
		      store_column_json(s, 7, &k->kvm_parameters) ?:
		      store_column_text(s, 8, &k->first_seen);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_errno(rc);
	sqlite3_finalize(s);
	if (ret) {
		store_kernels_free(list, len);
		return ret;
	}
	*kernels = list;
	*n = len;
	return 0;
}

int store_count_states(struct store *st, const char *const *states,
		       long *counts, unsigned int n)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;

	memset(counts, 0, n * sizeof(*counts));
	if (!db || sqlite3_prepare_v2(db, "SELECT state, COUNT(*) FROM runs GROUP BY state",
				      -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	while (sqlite3_step(s) == SQLITE_ROW)
		for (unsigned int i = 0; i < n; i++)
			if (!strcmp((const char *)sqlite3_column_text(s, 0), states[i]))
				counts[i] = sqlite3_column_int64(s, 1);
	sqlite3_finalize(s);
	return 0;
}
