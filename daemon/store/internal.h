/* SPDX-License-Identifier: MIT */
#ifndef MIGBENCH_STORE_INTERNAL_H
#define MIGBENCH_STORE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <json-c/json.h>

#include "store/store.h"
#include "store/sample_rows.h"	/* STORE_MAX_STREAMS */

struct store {
	char *path;
	sqlite3 *writer;
	pthread_mutex_t write_lock;
	pthread_key_t reader_key;
	pthread_mutex_t readers_lock;
	sqlite3 **readers;		/* every reader, to close at the end */
	unsigned int nr_readers, cap_readers;
	/* connections of sample streams: each holds one snapshot while it lasts */
	sqlite3 **stream_idle;		/* kept for the next stream */
	unsigned int nr_stream_idle, nr_streams;	/* idle; open, idle or not */
	uint64_t generation;		/* bumped by every write to runs */
	uint64_t settled;		/* by every one that may change a finished run */
	int schema_version;		/* after the migrations */
};

/* Something the run listings show has changed (after the commit). */
static inline void store_changed(struct store *st)
{
	__atomic_add_fetch(&st->settled, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&st->generation, 1, __ATOMIC_RELEASE);
}

/* The same, where only queued or running runs changed: finished ones are as they were. */
static inline void store_changed_unfinished(struct store *st)
{
	__atomic_add_fetch(&st->generation, 1, __ATOMIC_RELEASE);
}

/*
 * A read connection for one stream, from the idle ones or new; -EMFILE
 * when STORE_MAX_STREAMS are out, -EIO when none opens.  Give it back
 * with store_stream_put, its statements finalized.
 */
int store_stream_get(struct store *st, sqlite3 **db);
void store_stream_put(struct store *st, sqlite3 *db);

/* This thread's read connection. */
sqlite3 *store_reader(struct store *st);
/* A statement on this thread's reader; -EIO when no reader opens. */
int store_prepare_read(struct store *st, const char *sql, sqlite3_stmt **s);
/* Grow *list of elements of size by one, the new one zeroed; NULL (list kept) on ENOMEM. */
void *store_grow(void *list, size_t size, size_t *n);
void store_lock(struct store *st);
void store_unlock(struct store *st);
/* Now as "2026-11-21T05:30:00.123Z". */
void store_now(char *buf, size_t len);
int store_exec(sqlite3 *db, const char *sql);
/* Bind text, or NULL as SQL NULL. */
void store_bind_text(sqlite3_stmt *s, int i, const char *t);
/*
 * Run one write statement under the lock; rows changed or -errno, and the
 * row id of an insert in *rowid when asked.  Every write here may change
 * what run listings show, so it bumps the generation.
 */
int store_write_rowid(struct store *st, const char *sql,
		      void (*bind)(sqlite3_stmt *s, void *ctx), void *ctx,
		      int64_t *rowid);
int store_write(struct store *st, const char *sql,
		void (*bind)(sqlite3_stmt *s, void *ctx), void *ctx);

/* Parameters ?1 id, ?2 now, ?3 text, ?4 number, for store_write. */
struct store_id_args {
	int64_t id;
	const char *text;
	int64_t number;
	char now[32];
};
void store_bind_id_text(sqlite3_stmt *s, void *ctx);

/*
 * Step s, whose rows are (key, value) ordered by key, and call fn once per
 * key with its values; finalizes s.  0, fn's error, or the store's.
 */
int store_each_value_group(sqlite3_stmt *s, store_values_fn fn, void *ctx);

/*
 * Take the lock, BEGIN IMMEDIATE and prepare sql on the writer; whatever
 * it returns, finish with store_end_write().
 */
int store_begin_write(struct store *st, const char *sql, sqlite3_stmt **s);

/*
 * End a transaction begun under the lock: COMMIT if rc is SQLITE_OK, else
 * ROLLBACK; bump the generation when listings may change; unlock.
 * Returns rc (or COMMIT's failure) as a negative errno.
 */
int store_end_write(struct store *st, int rc, bool listings_changed);
/* The same for a write that changed queued or running runs only (store_changed_unfinished). */
int store_end_write_unfinished(struct store *st, int rc);

/* A group of new queued runs (store/groups.c). */
struct store_new_runs {
	const char *kind, *spec, *label, *tags;
	unsigned int repeat;
	double target_ci_percent;	/* 0: a fixed group */
	unsigned int max_repeat;
	int64_t campaign_step;		/* 0: not a campaign's */
	int campaign_request;
	const char *sweep_point;	/* JSON {"key": value}; NULL: not a sweep's */
};
int store_insert_runs(struct store *st, const struct store_new_runs *n, int64_t *first_id);
/* Several groups in one transaction; each group's first run id in first_ids[]. */
int store_insert_groups(struct store *st, const struct store_new_runs *groups, size_t n,
			int64_t *first_ids);

/* A campaign step's columns, in the order both readers of steps take them. */
#define STEP_COLUMNS \
	"id, campaign_id, seq, round, kernel, state, attempts, restarts, token, " \
	"expect_release, expect_version, booted_from, boot_id, reason, booted_at, finished_at"

/* sqlite3 result code to negative errno. */
int store_errno(int rc);
/*
 * A JSON column parsed strictly into *out (NULL for SQL NULL): -EIO when
 * it does not parse, which only a damaged store has.
 */
int store_column_json(sqlite3_stmt *s, int col, struct json_object **out);
/* A text column copied into *out (NULL for SQL NULL); -ENOMEM. */
int store_column_text(sqlite3_stmt *s, int col, char **out);

#endif
