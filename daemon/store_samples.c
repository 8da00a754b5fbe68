// SPDX-License-Identifier: MIT
/* Samples: written in batches after a run, read as JSON or CSV. */
#include "store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"

/*
 * Rows per INSERT statement: one statement execution per row is what
 * dominates ingestion; 16 rows each nearly doubled the rate here.
 */
#define ROWS_PER_INSERT 16

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

	for (unsigned int i = 0; i < n; i++) {
		char name[sizeof(MB_KVM_STAT_PREFIX) + MB_KVM_STAT_NAME_MAX];
		int col = (int)i * 5;

		sqlite3_bind_int64(s, col + 1, id);
		sqlite3_bind_text(s, col + 2, mb_sample_name(set, &rows[i], name, sizeof(name)), -1,
				  SQLITE_TRANSIENT);
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

/* Rows read per query: a page of text is ~40 KiB, whatever the run's size. */
#define ROWS_PER_PAGE 512

struct store_samples_cursor {
	struct store *st;
	int64_t id;
	bool csv, first, done;
	char metric[64];	/* the last row read: the next page starts after it */
	int64_t iteration, seq;
	struct textbuf page;
	size_t sent;		/* bytes of page already handed out */
};

int store_samples_open(struct store *st, int64_t id, bool csv,
		       struct store_samples_cursor **out)
{
	struct store_samples_cursor *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return -ENOMEM;
	*c = (struct store_samples_cursor){ .st = st, .id = id, .csv = csv, .first = true,
					    .iteration = -1, .seq = -1 };
	textbuf_printf(&c->page, csv ? "metric,iteration,seq,value\n" : "{\"samples\": [");
	*out = c;
	return 0;
}

/*
 * One short read transaction per page, after the last row sent: a slow
 * client holds no snapshot of the database open between pages.
 */
static int read_page(struct store_samples_cursor *c)
{
	sqlite3 *db = store_reader(c->st);
	sqlite3_stmt *s;
	unsigned int rows = 0;
	int rc;

	if (!db || sqlite3_prepare_v2(db,
		"SELECT metric, iteration, seq, value FROM samples WHERE run_id = ?1 "
		"AND (metric, iteration, seq) > (?2, ?3, ?4) "
		"ORDER BY metric, iteration, seq LIMIT ?5", -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, c->id);
	/* copied: c->metric changes while the statement steps */
	sqlite3_bind_text(s, 2, c->metric, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, c->iteration);
	sqlite3_bind_int64(s, 4, c->seq);
	sqlite3_bind_int(s, 5, ROWS_PER_PAGE);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* metric names are [a-z0-9_]: nothing to escape or quote */
		const char *metric = (const char *)sqlite3_column_text(s, 0);
		int64_t it = sqlite3_column_int64(s, 1), seq = sqlite3_column_int64(s, 2),
			v = sqlite3_column_int64(s, 3);

		if (c->csv)
			textbuf_printf(&c->page, "%s,%" PRId64 ",%" PRId64 ",%" PRId64 "\n",
				       metric, it, seq, v);
		else if (metric && !strncmp(metric, MB_KVM_STAT_PREFIX, strlen(MB_KVM_STAT_PREFIX)))
			/* a KVM statistic's seq is the phase it was read after */
			textbuf_printf(&c->page, "%s\n{\"metric\": \"%s\", \"iteration\": %" PRId64
				       ", \"seq\": %" PRId64 ", \"phase\": \"%s\", \"value\": %" PRId64 "}",
				       c->first ? "" : ",", metric, it, seq,
				       mb_phase_name((unsigned int)seq), v);
		else
			textbuf_printf(&c->page, "%s\n{\"metric\": \"%s\", \"iteration\": %" PRId64
				       ", \"seq\": %" PRId64 ", \"value\": %" PRId64 "}",
				       c->first ? "" : ",", metric, it, seq, v);
		c->first = false;
		snprintf(c->metric, sizeof(c->metric), "%s", metric ? metric : "");
		c->iteration = it;
		c->seq = seq;
		rows++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_errno(rc);
	if (rows < ROWS_PER_PAGE) {
		c->done = true;
		if (!c->csv)
			textbuf_printf(&c->page, "%s]}\n", c->first ? "" : "\n");
	}
	return c->page.failed ? -ENOMEM : 0;
}

ssize_t store_samples_read(struct store_samples_cursor *c, char *buf, size_t max)
{
	size_t n;
	int ret;

	if (c->sent == c->page.len) {
		/* the page is sent: the buffer is reused for the next */
		c->page.len = c->sent = 0;
		if (c->page.data)
			c->page.data[0] = '\0';
		if (c->done)
			return 0;
		ret = read_page(c);
		if (ret)
			return ret;
	}
	n = c->page.len - c->sent < max ? c->page.len - c->sent : max;
	memcpy(buf, c->page.data + c->sent, n);
	c->sent += n;
	return (ssize_t)n;
}

void store_samples_close(struct store_samples_cursor *c)
{
	if (!c)
		return;
	free(c->page.data);
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
