// SPDX-License-Identifier: MIT
/*
 * bench-store: this machine's floors under migbenchd's data path, on the
 * rows of a store the load benchmark filled (not a test; never installed).
 *
 *   bench-store DB INSERT_RUN SCAN_RUN		(INSERT_RUN 0: no insert)
 *
 * - insert: INSERT_RUN's rows written again into a new store of the same
 *   schema and pragmas (WAL, synchronous=FULL, foreign keys) straight with
 *   SQLite, as migbenchd batches them (64 rows a statement, 65536 a
 *   transaction) but with nothing before it: no pipe, no parsing.
 * - scan: SCAN_RUN's rows stepped through in key order, each column read:
 *   what SQLite alone costs a reply of them.
 * - present, present_csv: the same rows as migbenchd's presenter writes a
 *   JSON reply, then a CSV one (api/present.c), into memory: the reply
 *   without HTTP; these two lines end with the reply's size in bytes.
 * Each prints one line "name rows seconds", the reads' the best of 5: a
 * floor is what the machine can do, and on two shared CPUs the others are
 * its noise.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "api/present.h"
#include "store/groups.h"
#include "store/internal.h"
#include "store/store.h"

#define ROWS_PER_INSERT	64
#define ROWS_PER_COMMIT	65536
#define READS		5

struct row {
	const char *metric;	/* interned: rows of one metric share it */
	int64_t iteration, seq, value;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what, sqlite3 *db)
{
	fprintf(stderr, "bench-store: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
	return 1;
}

/* The run's rows, in key order, into memory: the insert's input. */
static struct row *load_rows(sqlite3 *db, int64_t id, size_t *n)
{
	sqlite3_stmt *s;
	struct row *rows = NULL;
	char *last = NULL;
	size_t cap = 0;

	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT metric, iteration, seq, value FROM samples WHERE "
			       "run_id = ?1 ORDER BY metric, iteration, seq", -1, &s, NULL))
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(s, 0);

		if (*n == cap) {
			struct row *r = realloc(rows, (cap = cap * 2 + 4096) * sizeof(*r));

			if (!r)
				break;
			rows = r;
		}
		if (!last || strcmp(last, m))
			last = strdup(m);	/* a few names, kept to the end */
		rows[(*n)++] = (struct row){ last, sqlite3_column_int64(s, 1),
					     sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3) };
	}
	sqlite3_finalize(s);
	return rows;
}

static sqlite3_stmt *prepare_insert(sqlite3 *db, unsigned int rows)
{
	char sql[64 + ROWS_PER_INSERT * 16] =
		"INSERT INTO samples (run_id, metric, iteration, seq, value) VALUES ";
	sqlite3_stmt *s = NULL;

	for (unsigned int i = 0; i < rows; i++)
		strcat(sql, i ? ",(?,?,?,?,?)" : "(?,?,?,?,?)");
	sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	return s;
}

static int insert(sqlite3_stmt *s, int64_t id, const struct row *rows, unsigned int n)
{
	int rc;

	for (unsigned int i = 0; i < n; i++) {
		sqlite3_bind_int64(s, (int)i * 5 + 1, id);
		sqlite3_bind_text(s, (int)i * 5 + 2, rows[i].metric, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, (int)i * 5 + 3, rows[i].iteration);
		sqlite3_bind_int64(s, (int)i * 5 + 4, rows[i].seq);
		sqlite3_bind_int64(s, (int)i * 5 + 5, rows[i].value);
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The rows into a new store at dir/floor.db; seconds, or a negative number. */
static double insert_floor(const char *dir, const struct row *rows, size_t n)
{
	char path[4096], err[256];
	struct store *st = NULL;
	sqlite3_stmt *many, *one;
	int64_t id;
	double t0, t = -1;
	size_t i = 0;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/floor.db", dir);
	if (store_open(path, &st, err, sizeof(err)) ||
	    store_create_runs(st, "dirtylog", "{}", "floor", "{}", 1, 0, 0, &id)) {
		fprintf(stderr, "bench-store: %s: %s\n", path, err);
		store_close(st);
		return -1;
	}
	many = prepare_insert(st->writer, ROWS_PER_INSERT);
	one = prepare_insert(st->writer, 1);
	t0 = now();
	while (!ret && i < n) {
		size_t end = i + ROWS_PER_COMMIT < n ? i + ROWS_PER_COMMIT : n;

		ret = sqlite3_exec(st->writer, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (; !ret && i + ROWS_PER_INSERT <= end; i += ROWS_PER_INSERT)
			ret = insert(many, id, rows + i, ROWS_PER_INSERT);
		for (; !ret && i < end; i++)
			ret = insert(one, id, rows + i, 1);
		if (!ret)
			ret = sqlite3_exec(st->writer, "COMMIT", NULL, NULL, NULL);
	}
	if (!ret)
		t = now() - t0;
	else
		fail("inserting", st->writer);
	sqlite3_finalize(many);
	sqlite3_finalize(one);
	store_close(st);
	return t;
}

/* where the columns read go, so that reading them is not optimised away */
static volatile int64_t sink;

static double scan_once(sqlite3 *db, int64_t id, size_t *n)
{
	sqlite3_stmt *s;
	double t0 = now(), t;

	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT metric, iteration, seq, value FROM samples WHERE "
			       "run_id = ?1 ORDER BY metric, iteration, seq", -1, &s, NULL))
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		sink += sqlite3_column_bytes(s, 0) + sqlite3_column_int64(s, 1) +
			sqlite3_column_int64(s, 2) + sqlite3_column_int64(s, 3);
		(*n)++;
	}
	sqlite3_finalize(s);
	t = now() - t0;
	return t;
}

static double present_once(struct store *st, int64_t id, bool csv, size_t *bytes)
{
	static char buf[128 * 1024];
	struct present_samples *c;
	ssize_t got;
	double t0 = now();

	*bytes = 0;
	if (present_samples_open(st, id, csv, &c))
		return -1;
	while ((got = present_samples_read(c, buf, sizeof(buf))) > 0)
		*bytes += (size_t)got;
	present_samples_close(c);
	return got < 0 ? -1 : now() - t0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A run id, or 0 where zero is allowed; false for anything else. */
static bool run_id(const char *text, int64_t min, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	*out = v;
	return !errno && end != text && !*end && v >= min;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/migbench-floor-XXXXXX", err[256], path[4096];
	double scans[READS], presents[READS], ins;
	struct store *st = NULL;
	sqlite3 *db = NULL;
	struct row *rows;
	size_t n, scanned = 0, bytes = 0;
	int64_t insert_run, scan_run;

	if (argc != 4 || !run_id(argv[2], 0, &insert_run) || !run_id(argv[3], 1, &scan_run)) {
		fprintf(stderr, "usage: bench-store DB INSERT_RUN SCAN_RUN (run ids; INSERT_RUN 0: no insert)\n");
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL))
		return fail(argv[1], db);
	if (insert_run) {	/* 0: the reads' floors only */
		rows = load_rows(db, insert_run, &n);
		if (!rows || !n)
			return fail("reading the rows to insert", db);
		if (!mkdtemp(dir))
			return fail("mkdtemp", NULL);
		ins = insert_floor(dir, rows, n);
		for (const char *const *f = (const char *const[]){ "", "-wal", "-shm", NULL }; *f; f++) {
			snprintf(path, sizeof(path), "%s/floor.db%s", dir, *f);
			unlink(path);
		}
		rmdir(dir);
		free(rows);
		if (ins < 0)
			return 1;
		printf("insert %zu %.6f\n", n, ins);
	}

	for (int i = 0; i < READS; i++)
		scans[i] = scan_once(db, scan_run, &scanned);
	qsort(scans, READS, sizeof(scans[0]), cmp);
	if (scans[0] < 0)	/* a failed read sorts first: no floor from it */
		return fail("scanning", db);
	printf("scan %zu %.6f\n", scanned, scans[0]);
	sqlite3_close(db);

	if (store_open(argv[1], &st, err, sizeof(err)))
		return fprintf(stderr, "bench-store: %s\n", err), 1;
	for (int csv = 0; csv <= 1; csv++) {
		for (int i = 0; i < READS; i++)
			presents[i] = present_once(st, scan_run, csv, &bytes);
		qsort(presents, READS, sizeof(presents[0]), cmp);
		if (presents[0] < 0) {
			fprintf(stderr, "bench-store: the reply of run %lld failed\n", (long long)scan_run);
			store_close(st);
			return 1;
		}
		printf("%s %zu %.6f %zu\n", csv ? "present_csv" : "present", scanned, presents[0], bytes);
	}
	store_close(st);
	return 0;
}
