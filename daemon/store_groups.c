// SPDX-License-Identifier: MIT
/* Groups of runs (repeat, adaptive repetition). */
#include "store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


int store_group_state(struct store *st, int64_t run_id, struct group_state *g)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	int rc;

	memset(g, 0, sizeof(*g));
	if (!db || sqlite3_prepare_v2(db,
		"SELECT r.group_id, COALESCE(r.target_ci_percent, 0), COALESCE(r.max_repeat, 0), "
		"(SELECT COUNT(*) FROM runs o WHERE o.group_id = r.group_id), "
		"(SELECT COUNT(*) FROM runs o WHERE o.group_id = r.group_id "
		" AND o.state IN ('queued', 'running')) FROM runs r WHERE r.id = ?1",
		-1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, run_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		g->group_id = sqlite3_column_int64(s, 0);
		g->target_ci_percent = sqlite3_column_double(s, 1);
		g->max_repeat = (unsigned int)sqlite3_column_int(s, 2);
		g->runs = (unsigned int)sqlite3_column_int(s, 3);
		g->pending = (unsigned int)sqlite3_column_int(s, 4);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -ENOENT;
}

int store_group_values(struct store *st, int64_t group_id, const char *metric,
		       store_values_fn fn, void *ctx)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;

	if (!db || sqlite3_prepare_v2(db,
		"SELECT s.run_id, s.value FROM samples s JOIN runs r ON r.id = s.run_id "
		"WHERE r.group_id = ?1 AND r.state = 'done' AND s.metric = ?2 ORDER BY s.run_id",
		-1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, group_id);
	sqlite3_bind_text(s, 2, metric, -1, SQLITE_TRANSIENT);
	return store_each_value_group(s, fn, ctx);
}

int store_extend_group(struct store *st, int64_t group_id, int64_t *id)
{
	char now[32];
	int rc;

	store_now(now, sizeof(now));
	store_lock(st);
	{
		sqlite3_stmt *s;

		rc = sqlite3_prepare_v2(st->writer,
			"INSERT INTO runs (kind, spec, label, tags, group_id, group_index, state, "
			"created_at, target_ci_percent, max_repeat) "
			"SELECT kind, spec, label, tags, group_id, "
			"(SELECT MAX(group_index) + 1 FROM runs WHERE group_id = ?1), 'queued', ?2, "
			"target_ci_percent, max_repeat FROM runs WHERE group_id = ?1 "
			"ORDER BY group_index LIMIT 1", -1, &s, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, group_id);
			sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
			rc = sqlite3_step(s);
			sqlite3_finalize(s);
		}
		if (rc == SQLITE_DONE) {
			*id = sqlite3_last_insert_rowid(st->writer);
			rc = SQLITE_OK;
		}
	}
	store_changed(st);
	store_unlock(st);
	return store_errno(rc);
}
