// SPDX-License-Identifier: MIT
/* Samples: written in batches after a run, read as JSON or CSV. */
#include "store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

int store_add_samples(struct store *st, int64_t id,
		      const struct mb_sample *rows, size_t n)
{
	sqlite3_stmt *s = NULL;
	int rc;

	store_lock(st);
	rc = sqlite3_exec(st->writer, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->writer,
			"INSERT INTO samples (run_id, metric, iteration, seq, value) "
			"VALUES (?1, ?2, ?3, ?4, ?5)", -1, &s, NULL);
	if (rc == SQLITE_OK)
		sqlite3_bind_int64(s, 1, id);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_bind_text(s, 2, mb_metric_name(rows[i].metric), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, rows[i].iteration);
		sqlite3_bind_int64(s, 4, rows[i].seq);
		sqlite3_bind_int64(s, 5, (int64_t)rows[i].value);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->writer, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		sqlite3_exec(st->writer, "ROLLBACK", NULL, NULL, NULL);
	store_unlock(st);
	return store_errno(rc);
}

struct text_buf {
	char *data;
	size_t len, cap;
	bool failed;
};

static void buf_printf(struct text_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap * 2 + (size_t)n + 64;
		b->data = realloc(b->data, b->cap);
		if (!b->data) {
			b->failed = true;
			return;
		}
	}
	b->len += (size_t)n;
}

int store_samples_text(struct store *st, int64_t id, bool csv, char **text,
		       size_t *len)
{
	struct text_buf b = { .cap = 4096 };
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	bool first = true;

	*text = NULL;
	b.data = malloc(b.cap);
	if (!db || !b.data || sqlite3_prepare_v2(db,
		"SELECT metric, iteration, seq, value FROM samples WHERE run_id = ?1 "
		"ORDER BY metric, iteration, seq", -1, &s, NULL) != SQLITE_OK) {
		free(b.data);
		return -EIO;
	}
	sqlite3_bind_int64(s, 1, id);
	b.data[0] = '\0';
	buf_printf(&b, csv ? "metric,iteration,seq,value\n" : "{\"samples\": [");
	while (sqlite3_step(s) == SQLITE_ROW) {
		/* metric names are [a-z0-9_]: nothing to escape or quote */
		const char *metric = (const char *)sqlite3_column_text(s, 0);
		int64_t it = sqlite3_column_int64(s, 1), seq = sqlite3_column_int64(s, 2),
			v = sqlite3_column_int64(s, 3);

		if (csv)
			buf_printf(&b, "%s,%" PRId64 ",%" PRId64 ",%" PRId64 "\n",
				   metric, it, seq, v);
		else
			buf_printf(&b, "%s\n{\"metric\": \"%s\", \"iteration\": %" PRId64
				   ", \"seq\": %" PRId64 ", \"value\": %" PRId64 "}",
				   first ? "" : ",", metric, it, seq, v);
		first = false;
	}
	sqlite3_finalize(s);
	if (!csv)
		buf_printf(&b, "%s]}\n", first ? "" : "\n");
	if (b.failed)
		return -ENOMEM;
	*text = b.data;
	*len = b.len;
	return 0;
}

static void add_summary(struct json_object *out, const char *metric,
			double *values, size_t n)
{
	struct mb_summary sum;

	if (n && mb_summarize(values, n, &sum) == 0)
		json_object_object_add(out, metric, mb_summary_to_json(&sum));
}

struct json_object *store_summary_json(struct store *st, int64_t id)
{
	struct json_object *out = json_object_new_object();
	sqlite3 *db = store_reader(st);
	double *values = NULL;
	size_t n = 0, cap = 0;
	char metric[64] = "";
	sqlite3_stmt *s;

	if (!db || sqlite3_prepare_v2(db,
		"SELECT metric, value FROM samples WHERE run_id = ?1 ORDER BY metric",
		-1, &s, NULL) != SQLITE_OK)
		return out;
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(s, 0);

		if (strcmp(m, metric)) {
			add_summary(out, metric, values, n);
			snprintf(metric, sizeof(metric), "%s", m);
			n = 0;
		}
		if (n == cap) {
			double *v = realloc(values, (cap = cap * 2 + 256) * sizeof(*v));

			if (!v)
				break;
			values = v;
		}
		values[n++] = (double)sqlite3_column_int64(s, 1);
	}
	add_summary(out, metric, values, n);
	sqlite3_finalize(s);
	free(values);
	return out;
}
