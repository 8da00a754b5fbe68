// SPDX-License-Identifier: MIT
/* Samples: written in batches after a run, read back a page or a metric at a time. */

#include "store/sample_rows.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/store.h"

/*
 * Rows per INSERT statement: one statement execution per row is what
 * dominates ingestion; 16 rows each nearly doubled the rate here, and 64
 * took a 1M-sample run from about 0.95 s to 0.8 s (scripts/bench-api.sh).
 */
#define ROWS_PER_INSERT 64

static int prepare_insert(sqlite3 *db, unsigned int rows, sqlite3_stmt **s)
{
	char sql[64 + ROWS_PER_INSERT * 16] =
		"INSERT INTO samples (run_id, metric, iteration, seq, value) VALUES ";

	for (unsigned int i = 0; i < rows; i++)
		strcat(sql, i ? ",(?,?,?,?,?)" : "(?,?,?,?,?)");
	return sqlite3_prepare_v2(db, sql, -1, s, NULL);
}

static int insert_rows(sqlite3_stmt *s, int64_t id, const struct mb_samples *set,
		       const struct mb_sample *rows, unsigned int n)
{
	int rc;

	/* the names live until the step: SQLite need not copy them */
	char names[ROWS_PER_INSERT][sizeof(MB_KVM_STAT_PREFIX) + MB_KVM_STAT_NAME_MAX];

	for (unsigned int i = 0; i < n; i++) {
		int col = (int)i * 5;

		sqlite3_bind_int64(s, col + 1, id);
		sqlite3_bind_text(s, col + 2, mb_sample_name(set, &rows[i], names[i], sizeof(names[i])),
				  -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, col + 3, rows[i].iteration);
		sqlite3_bind_int64(s, col + 4, rows[i].seq);
		sqlite3_bind_int64(s, col + 5, (int64_t)rows[i].value);
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_add_samples(struct store *st, int64_t id, const struct mb_samples *set,
		      const struct mb_sample *rows, size_t n)
{
	sqlite3_stmt *many = NULL, *one = NULL;
	size_t i = 0;
	int rc;

	store_lock(st);
	rc = sqlite3_exec(st->writer, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = prepare_insert(st->writer, ROWS_PER_INSERT, &many);
	if (rc == SQLITE_OK)
		rc = prepare_insert(st->writer, 1, &one);
	for (; rc == SQLITE_OK && i + ROWS_PER_INSERT <= n; i += ROWS_PER_INSERT)
		rc = insert_rows(many, id, set, rows + i, ROWS_PER_INSERT);
	for (; rc == SQLITE_OK && i < n; i++)
		rc = insert_rows(one, id, set, rows + i, 1);
	sqlite3_finalize(many);
	sqlite3_finalize(one);
	return store_end_write(st, rc, false);
}

struct store_sample_stream {
	struct store *st;
	sqlite3 *db;
	sqlite3_stmt *s;
	bool done;
};

int store_sample_stream_open(struct store *st, int64_t id, struct store_sample_stream **out)
{
	struct store_sample_stream *c = calloc(1, sizeof(*c));
	int ret = c ? store_stream_get(st, &c->db) : -ENOMEM;

	*out = NULL;
	if (!ret && sqlite3_prepare_v2(c->db, "SELECT metric, iteration, seq, value FROM samples "
				       "WHERE run_id = ?1 ORDER BY metric, iteration, seq",
				       -1, &c->s, NULL) != SQLITE_OK)
		ret = -EIO;
	if (ret) {
		if (c)
			store_stream_put(st, c->db);
		free(c);
		return ret;
	}
	c->st = st;
	sqlite3_bind_int64(c->s, 1, id);
	*out = c;
	return 0;
}

int store_sample_stream_next(struct store_sample_stream *c, struct store_sample_row *rows,
			     size_t max, size_t *n)
{
	int rc = SQLITE_DONE;

	*n = 0;
	while (!c->done && *n < max && (rc = sqlite3_step(c->s)) == SQLITE_ROW) {
		struct store_sample_row *row = &rows[(*n)++];
		const char *metric = (const char *)sqlite3_column_text(c->s, 0);
		size_t len = metric ? (size_t)sqlite3_column_bytes(c->s, 0) : 0;

		if (len >= sizeof(row->metric))
			len = sizeof(row->metric) - 1;
		memcpy(row->metric, metric ? metric : "", len);
		row->metric[len] = '\0';
		row->iteration = sqlite3_column_int64(c->s, 1);
		row->seq = sqlite3_column_int64(c->s, 2);
		row->value = sqlite3_column_int64(c->s, 3);
	}
	/* after an error too: stepping again would start the query over */
	if (rc != SQLITE_ROW)
		c->done = true;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_errno(rc);
}

void store_sample_stream_close(struct store_sample_stream *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->s);	/* ends its read transaction: the snapshot goes */
	store_stream_put(c->st, c->db);
	free(c);
}

int store_each_value_group(sqlite3_stmt *s, store_values_fn fn, void *ctx)
{
	double *values = NULL;
	size_t n = 0, cap = 0;
	char key[64] = "";
	int rc, ret = 0;

	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);

		if (n && strcmp(k, key)) {
			ret = fn(ctx, key, values, n);
			n = 0;
		}
		snprintf(key, sizeof(key), "%s", k);
		if (n == cap) {
			double *v = realloc(values, (cap = cap * 2 + 256) * sizeof(*v));

			if (!v) {
				ret = -ENOMEM;
				break;
			}
			values = v;
		}
		values[n++] = (double)sqlite3_column_int64(s, 1);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_errno(rc);
	if (!ret && n)
		ret = fn(ctx, key, values, n);
	sqlite3_finalize(s);
	free(values);
	return ret;
}

int store_run_values(struct store *st, int64_t id, store_values_fn fn, void *ctx)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;

	if (!db || sqlite3_prepare_v2(db,
		"SELECT metric, value FROM samples WHERE run_id = ?1 ORDER BY metric",
		-1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	return store_each_value_group(s, fn, ctx);
}
