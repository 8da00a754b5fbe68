// SPDX-License-Identifier: MIT
/* Runs, their events, the kernels they ran on, and host holdings. */
#include "store_internal.h"
#include "textbuf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define RUN_COLUMNS \
	"r.id, r.kind, r.label, r.tags, r.spec, r.resolved_spec, r.state, " \
	"r.result, r.error, r.progress, r.group_id, r.group_index, " \
	"r.created_at, r.started_at, r.finished_at, r.summary, r.environment, " \
	"k.id, k.release, k.version, k.cmdline, k.boot_id, k.hostname, " \
	"k.cpu_model, k.kvm_parameters, r.target_ci_percent, r.max_repeat, r.missing, " \
	"r.sweep_id, r.sweep_point"
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
	int rc;

	store_now(a.now, sizeof(a.now));
	/* the run_events_progress trigger copies it to runs.progress */
	rc = store_write(st, "INSERT INTO run_events (run_id, at, message) "
			    "VALUES (?1, ?2, ?3)", store_bind_id_text, &a);
	return rc < 0 ? rc : 0;
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

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

/* A result column as a member: stored JSON embedded, or text. */
struct column {
	const char *name;
	int index;
	bool json;
};

static void add_columns(struct json_object *o, sqlite3_stmt *s, const struct column *cols)
{
	for (; cols->name; cols++)
		add(o, cols->name, cols->json ? store_json_column(s, cols->index) :
						 store_text_column(s, cols->index));
}

/* A sweep's run: its sweep id, the swept keys and its values of them; NULL otherwise. */
static struct json_object *sweep_json(sqlite3_stmt *s)
{
	struct json_object *o, *point, *keys;

	if (sqlite3_column_type(s, 28) == SQLITE_NULL)
		return NULL;
	o = json_object_new_object();
	point = store_json_column(s, 29);
	keys = json_object_new_array();
	if (json_object_is_type(point, json_type_object)) {
		json_object_object_foreach(point, key, value) {
			(void)value;
			json_object_array_add(keys, json_object_new_string(key));
		}
	}
	add(o, "id", json_object_new_int64(sqlite3_column_int64(s, 28)));
	add(o, "keys", keys);
	add(o, "point", point);
	return o;
}

static struct json_object *run_row_json(sqlite3_stmt *s, bool full)
{
	struct json_object *o = json_object_new_object(), *group, *kernel = NULL;

	static const struct column run[] = {
		{ "kind", 1, false }, { "label", 2, false }, { "tags", 3, true },
		{ "spec", 4, true }, { "resolved_spec", 5, true }, { "state", 6, false },
		{ "result", 7, false }, { "error", 8, false }, { "progress", 9, false },
		{ NULL, 0, false },
	};
	static const struct column times[] = {
		{ "created_at", 12, false }, { "started_at", 13, false },
		{ "finished_at", 14, false }, { "summary", 15, true }, { "missing", 27, true },
		{ NULL, 0, false },
	};
	static const struct column kernel_columns[] = {
		{ "release", 18, false }, { "version", 19, false }, { "cmdline", 20, false },
		{ "boot_id", 21, false }, { "hostname", 22, false }, { "cpu_model", 23, false },
		{ "kvm_parameters", 24, true }, { NULL, 0, false },
	};

	add(o, "id", json_object_new_int64(sqlite3_column_int64(s, 0)));
	add_columns(o, s, run);
	group = json_object_new_object();
	add(group, "id", json_object_new_int64(sqlite3_column_int64(s, 10)));
	add(group, "index", json_object_new_int64(sqlite3_column_int64(s, 11)));
	if (sqlite3_column_type(s, 25) != SQLITE_NULL) {
		add(group, "target_ci_percent", json_object_new_double(sqlite3_column_double(s, 25)));
		add(group, "max_repeat", json_object_new_int64(sqlite3_column_int64(s, 26)));
	}
	add(o, "group", group);
	add(o, "sweep", sweep_json(s));
	add_columns(o, s, times);
	if (full)
		add(o, "environment", store_json_column(s, 16));
	if (sqlite3_column_type(s, 17) != SQLITE_NULL) {
		kernel = json_object_new_object();
		add(kernel, "id", json_object_new_int64(sqlite3_column_int64(s, 17)));
		add_columns(kernel, s, kernel_columns);
	}
	add(o, "kernel", kernel);
	return o;
}

int store_run_json(struct store *st, int64_t id, struct json_object **run)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	int rc;

	*run = NULL;
	if (!db)
		return -EIO;
	rc = sqlite3_prepare_v2(db, "SELECT " RUN_COLUMNS RUN_FROM "WHERE r.id = ?1", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && !(*run = run_row_json(s, true)))
		rc = SQLITE_NOMEM;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : store_errno(rc);
}

uint64_t store_generation(struct store *st)
{
	return __atomic_load_n(&st->generation, __ATOMIC_ACQUIRE);
}

/* A stored JSON column as it is (the daemon wrote it), or null. */
static void raw_json(struct textbuf *b, sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	if (t)
		textbuf_append(b, t, (size_t)sqlite3_column_bytes(s, col));
	else
		textbuf_append(b, "null", 4);
}

static void text_field(struct textbuf *b, const char *name, sqlite3_stmt *s, int col)
{
	textbuf_printf(b, ",\"%s\":", name);
	textbuf_json_string(b, (const char *)sqlite3_column_text(s, col));
}

/* The same fields as run_row_json(), less the environment and the kernel's
 * command line and KVM parameters. */
static void run_row_text(struct textbuf *b, sqlite3_stmt *s)
{
	textbuf_printf(b, "{\"id\":%lld", (long long)sqlite3_column_int64(s, 0));
	text_field(b, "kind", s, 1);
	text_field(b, "label", s, 2);
	textbuf_append(b, ",\"tags\":", 8);
	raw_json(b, s, 3);
	textbuf_append(b, ",\"spec\":", 8);
	raw_json(b, s, 4);
	textbuf_append(b, ",\"resolved_spec\":", 17);
	raw_json(b, s, 5);
	text_field(b, "state", s, 6);
	text_field(b, "result", s, 7);
	text_field(b, "error", s, 8);
	text_field(b, "progress", s, 9);
	textbuf_printf(b, ",\"group\":{\"id\":%lld,\"index\":%lld",
		       (long long)sqlite3_column_int64(s, 10),
		       (long long)sqlite3_column_int64(s, 11));
	if (sqlite3_column_type(s, 25) != SQLITE_NULL)
		textbuf_printf(b, ",\"target_ci_percent\":%.17g,\"max_repeat\":%lld",
			       sqlite3_column_double(s, 25), (long long)sqlite3_column_int64(s, 26));
	textbuf_append(b, "}", 1);
	{
		struct json_object *sweep = sweep_json(s);

		textbuf_printf(b, ",\"sweep\":%s", sweep ? json_object_to_json_string_ext(
					sweep, JSON_C_TO_STRING_PLAIN) : "null");
		json_object_put(sweep);
	}
	text_field(b, "created_at", s, 12);
	text_field(b, "started_at", s, 13);
	text_field(b, "finished_at", s, 14);
	textbuf_append(b, ",\"summary\":", 11);
	raw_json(b, s, 15);
	textbuf_append(b, ",\"missing\":", 11);
	raw_json(b, s, 27);
	if (sqlite3_column_type(s, 17) == SQLITE_NULL) {
		textbuf_append(b, ",\"kernel\":null}", 15);
		return;
	}
	textbuf_printf(b, ",\"kernel\":{\"id\":%lld", (long long)sqlite3_column_int64(s, 17));
	text_field(b, "release", s, 18);
	text_field(b, "version", s, 19);
	text_field(b, "boot_id", s, 21);
	text_field(b, "hostname", s, 22);
	text_field(b, "cpu_model", s, 23);
	textbuf_append(b, "}}", 2);
}

int store_list_runs_text(struct store *st, const struct run_filter *f,
			 int64_t *next_cursor, char **text, size_t *len)
{
	struct textbuf b = { 0 };
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	unsigned int n = 0;
	int64_t last = 0;

	*next_cursor = 0;
	*text = NULL;
	if (!db || sqlite3_prepare_v2(db,
		"SELECT " RUN_COLUMNS RUN_FROM
		"WHERE (?1 IS NULL OR r.state = ?1) AND (?2 IS NULL OR r.kind = ?2) "
		"AND (?3 IS NULL OR r.label = ?3) AND (?4 IS NULL OR k.release = ?4) "
		"AND (?5 = 0 OR r.id < ?5) AND (?7 = 0 OR r.sweep_id = ?7) "
		"ORDER BY r.id DESC LIMIT ?6",
		-1, &s, NULL) != SQLITE_OK)
		return -EIO;
	store_bind_text(s, 1, f->state);
	store_bind_text(s, 2, f->kind);
	store_bind_text(s, 3, f->label);
	store_bind_text(s, 4, f->kernel);
	sqlite3_bind_int64(s, 5, f->cursor);
	sqlite3_bind_int(s, 6, (int)f->limit + 1);	/* one more: is there a next page? */
	sqlite3_bind_int64(s, 7, f->sweep);
	textbuf_append(&b, "{\"runs\":[", 9);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n++ == f->limit) {
			*next_cursor = last;
			break;
		}
		last = sqlite3_column_int64(s, 0);
		if (n > 1)
			textbuf_append(&b, ",", 1);
		run_row_text(&b, s);
	}
	sqlite3_finalize(s);
	if (*next_cursor)
		textbuf_printf(&b, "],\"next_cursor\":%lld}\n", (long long)*next_cursor);
	else
		textbuf_append(&b, "]}\n", 3);
	*text = textbuf_take(&b, len);
	return *text ? 0 : -ENOMEM;
}

struct json_object *store_kernels_json(struct store *st)
{
	struct json_object *list, *out;
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;

	if (!db || sqlite3_prepare_v2(db,
		"SELECT k.id, k.release, k.version, k.cmdline, k.boot_id, k.hostname, "
		"k.cpu_model, k.kvm_parameters, k.first_seen, COUNT(r.id), "
		"COALESCE(SUM(r.state = 'done'), 0) FROM kernels k "
		"LEFT JOIN runs r ON r.kernel_id = k.id GROUP BY k.id ORDER BY k.id",
		-1, &s, NULL) != SQLITE_OK)
		return NULL;
	list = json_object_new_array();
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct json_object *k = json_object_new_object();

		add(k, "id", json_object_new_int64(sqlite3_column_int64(s, 0)));
		add(k, "release", store_text_column(s, 1));
		add(k, "version", store_text_column(s, 2));
		add(k, "cmdline", store_text_column(s, 3));
		add(k, "boot_id", store_text_column(s, 4));
		add(k, "hostname", store_text_column(s, 5));
		add(k, "cpu_model", store_text_column(s, 6));
		add(k, "kvm_parameters", store_json_column(s, 7));
		add(k, "first_seen", store_text_column(s, 8));
		add(k, "runs", json_object_new_int64(sqlite3_column_int64(s, 9)));
		add(k, "runs_done", json_object_new_int64(sqlite3_column_int64(s, 10)));
		json_object_array_add(list, k);
	}
	sqlite3_finalize(s);
	out = json_object_new_object();
	add(out, "kernels", list);
	return out;
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
