// SPDX-License-Identifier: MIT
/* Reading runs for comparisons: selectors, and a run's samples row by row. */

#include "store/selectors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

int store_select_runs(struct store *st, const char *what, const char *sel,
		      int64_t *ids, size_t max, size_t *n, bool *truncated,
		      struct mb_error *err)
{
	sqlite3 *db = store_reader(st);
	const char *arg = sel, *sql;
	char key[128] = "", value[256] = "";
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	*truncated = false;
	if (!db)
		return mb_error_set(err, -EIO, NULL, "the store cannot be read");
	if (!strncmp(sel, "runs:", 5)) {
		char *end;

		for (const char *p = sel + 5; *p; p = *end ? end + 1 : end) {
			long long id = strtoll(p, &end, 10);

			if (end == p || id < 1 || (*end && *end != ',') || *n == max)
				return mb_error_set(err, -EINVAL, NULL,
						    "%s: runs: wants a list of run ids such as runs:1,2,3", what);
			ids[(*n)++] = id;
		}
		sql = "SELECT state FROM runs WHERE id = ?1";
		for (size_t i = 0; i < *n; i++) {
			if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
				return mb_error_set(err, -EIO, NULL, "the store cannot be read");
			sqlite3_bind_int64(s, 1, ids[i]);
			rc = sqlite3_step(s);
			if (rc != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(s, 0), "done")) {
				sqlite3_finalize(s);
				/* -ENOENT: the side has no such done run (404) */
				return mb_error_set(err, -ENOENT, NULL, "%s: run %lld %s", what, (long long)ids[i],
						    rc == SQLITE_ROW ? "is not done" : "does not exist");
			}
			sqlite3_finalize(s);
		}
		return 0;
	}
	if (!strncmp(sel, "sweep:", 6)) {
		char *end;

		if (sel[6] < '1' || sel[6] > '9' || strtoll(sel + 6, &end, 10) < 1 || *end)
			return mb_error_set(err, -EINVAL, NULL,
					    "%s: sweep: wants a sweep id such as sweep:3", what);
		sql = "SELECT id FROM runs WHERE state = 'done' AND sweep_id = ?1 ORDER BY id";
		arg = sel + 6;
	} else if (!strncmp(sel, "kernel:", 7)) {
		sql = "SELECT r.id FROM runs r JOIN kernels k ON k.id = r.kernel_id "
		      "WHERE r.state = 'done' AND k.release = ?1 ORDER BY r.id";
		arg = sel + 7;
	} else if (!strncmp(sel, "tag:", 4)) {
		const char *eq = strchr(sel + 4, '=');

		if (!eq || eq == sel + 4 || (size_t)(eq - sel - 4) >= sizeof(key))
			return mb_error_set(err, -EINVAL, NULL, "%s: tag: wants tag:KEY=VALUE", what);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - sel - 4), sel + 4);
		snprintf(value, sizeof(value), "%s", eq + 1);
		sql = "SELECT r.id FROM runs r WHERE r.state = 'done' AND EXISTS "
		      "(SELECT 1 FROM json_each(r.tags) WHERE key = ?1 AND value = ?2) "
		      "ORDER BY r.id";
	} else {
		if (!strncmp(sel, "label:", 6))
			arg = sel + 6;
		sql = "SELECT id FROM runs WHERE state = 'done' AND label = ?1 ORDER BY id";
	}
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return mb_error_set(err, -EIO, NULL, "the store cannot be read");
	sqlite3_bind_text(s, 1, key[0] ? key : arg, -1, SQLITE_TRANSIENT);
	if (key[0])
		sqlite3_bind_text(s, 2, value, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*n == max) {
			*truncated = true;
			break;
		}
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (!*n)
		return mb_error_set(err, -ENOENT, NULL, "%s: no done runs match \"%.100s\"", what, sel);
	return 0;
}


int store_each_sample(struct store *st, int64_t id, store_sample_fn fn, void *ctx)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (!db || sqlite3_prepare_v2(db,
		"SELECT metric, iteration, value FROM samples WHERE run_id = ?1 "
		"ORDER BY metric", -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ret = fn(ctx, (const char *)sqlite3_column_text(s, 0),
			 (uint32_t)sqlite3_column_int64(s, 1),
			 (double)sqlite3_column_int64(s, 2));
	if (!ret && rc != SQLITE_DONE)
		ret = store_errno(rc);
	sqlite3_finalize(s);
	return ret;
}
