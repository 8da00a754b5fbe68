// SPDX-License-Identifier: MIT
/*
 * Opening the store: connections, pragmas, and the numbered migrations
 * from schema/, applied in order and tracked with PRAGMA user_version.
 */

#include "store/store.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <time.h>
#include <json-c/json.h>

#include "store/internal.h"
#include "embedded.h"
#include "strict_json.h"

extern const struct mb_embedded mb_migrations_files[];

/* Idle stream connections kept: enough for a dashboard's few downloads. */
#define STREAM_IDLE_KEPT 8
/* A stream's page cache: it reads a run's rows once, in key order. */
#define STREAM_CACHE_KIB 256
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

int store_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		return -EINVAL;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_READONLY:
		return -EACCES;
	default:
		return -EIO;
	}
}

const char *store_strerror(int code)
{
	/* busy_timeout passed: someone else holds the database's write lock */
	return code == -EBUSY ? "the database is locked by another process" : strerror(-code);
}

int store_exec(sqlite3 *db, const char *sql)
{
	return store_errno(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

void store_now(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000));
}

void store_lock(struct store *st)
{
	pthread_mutex_lock(&st->write_lock);
}

void store_unlock(struct store *st)
{
	pthread_mutex_unlock(&st->write_lock);
}

int store_prepare_read(struct store *st, const char *sql, sqlite3_stmt **s)
{
	sqlite3 *db = store_reader(st);

	if (!db)
		return -EIO;
	return store_errno(sqlite3_prepare_v2(db, sql, -1, s, NULL));
}

void *store_grow(void *list, size_t size, size_t *n)
{
	char *bigger = realloc(list, (*n + 1) * size);

	if (!bigger)
		return NULL;
	memset(bigger + *n * size, 0, size);
	(*n)++;
	return bigger;
}

int store_column_json(sqlite3_stmt *s, int col, struct json_object **out)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	char why[128];

	*out = NULL;
	if (!t)
		return 0;
	/* the daemon wrote it: one that does not parse is a damaged store */
	return mb_json_parse(t, (size_t)sqlite3_column_bytes(s, col), out, why, sizeof(why)) ?
	       -EIO : 0;
}

int store_column_text(sqlite3_stmt *s, int col, char **out)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	*out = t ? strdup(t) : NULL;
	return t && !*out ? -ENOMEM : 0;
}

static int open_connection(const char *path, bool writer, sqlite3 **out)
{
	/*
	 * No SQLite mutexes: the writer is used under write_lock only and
	 * each reader by its own thread only.
	 */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (writer ? SQLITE_OPEN_CREATE : 0);
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, flags, NULL);

	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		return store_errno(rc);
	}
	sqlite3_busy_timeout(db, 10000);
	/*
	 * WAL so readers never wait for the writer; synchronous=FULL
	 * because the kernel under test may panic right after a commit.
	 */
	rc = writer ? store_exec(db, "PRAGMA journal_mode=WAL;"
				     "PRAGMA synchronous=FULL;"
				     "PRAGMA foreign_keys=ON;") :
		      store_exec(db, "PRAGMA foreign_keys=ON;"
				     "PRAGMA query_only=ON;");
	if (rc) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL))
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int apply_schema_migrations(sqlite3 *db, char *err, size_t err_len)
{
	int have = user_version(db), known = 0;

	while (mb_migrations_files[known].name)
		known++;
	if (have < 0) {
		snprintf(err, err_len, "cannot read the schema version: %s",
			 sqlite3_errmsg(db));
		return -EIO;
	}
	if (have > known) {
		snprintf(err, err_len,
			 "the database has schema version %d, newer than this migbenchd knows (%d)",
			 have, known);
		return -EPROTO;
	}
	for (int v = have; v < known; v++) {
		char bump[64];
		char *msg = NULL;

		snprintf(bump, sizeof(bump), "PRAGMA user_version=%d;", v + 1);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ||
		    sqlite3_exec(db, (const char *)mb_migrations_files[v].data,
				 NULL, NULL, &msg) ||
		    sqlite3_exec(db, bump, NULL, NULL, &msg) ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg)) {
			snprintf(err, err_len, "migration %s failed: %s",
				 mb_migrations_files[v].name,
				 msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -EIO;
		}
	}
	return 0;
}

/*
 * The database, its WAL and shared memory file: owner only (SQLite gives
 * the WAL and -shm files the database's mode).  Created so before SQLite
 * opens it, and narrowed when an earlier migbenchd left them wider.
 */
static int make_private_files(const char *path)
{
	static const char *const suffixes[] = { "-wal", "-shm", "-journal" };
	char other[PATH_MAX];
	struct stat sb;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) || ((sb.st_mode & 077) && fchmod(fd, sb.st_mode & 0700))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	close(fd);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(other, sizeof(other), "%s%s", path, suffixes[i]);
		if (!lstat(other, &sb) && S_ISREG(sb.st_mode) && (sb.st_mode & 077) &&
		    chmod(other, sb.st_mode & 0700))
			return -errno;
	}
	return 0;
}

/*
 * SQLite's allocation counters take one global mutex on every malloc,
 * which every reader thread then contends on; migbenchd never reads them.
 */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(const char *path, struct store **out, char *err,
	       size_t err_len)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	struct store *st;
	int ret;

	pthread_once(&configured, configure_sqlite);	/* before SQLite starts */
	st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st || !(st->path = strdup(path))) {
		free(st);
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&st->write_lock, NULL);
	pthread_mutex_init(&st->readers_lock, NULL);
	pthread_key_create(&st->reader_key, NULL);
	st->stream_idle = calloc(STREAM_IDLE_KEPT, sizeof(*st->stream_idle));
	ret = st->stream_idle ? make_private_files(path) : -ENOMEM;
	if (!ret)
		ret = open_connection(path, true, &st->writer);
	if (ret) {
		snprintf(err, err_len, "cannot open database %s: %s", path,
			 strerror(-ret));
		goto fail;
	}
	ret = apply_schema_migrations(st->writer, err, err_len);
	if (ret)
		goto fail;
	st->schema_version = user_version(st->writer);
	*out = st;
	return 0;
fail:
	store_close(st);
	return ret;
}


int store_stream_get(struct store *st, sqlite3 **db)
{
	int ret = 0;

	*db = NULL;
	pthread_mutex_lock(&st->readers_lock);
	if (st->nr_stream_idle)
		*db = st->stream_idle[--st->nr_stream_idle];
	else if (st->nr_streams >= STORE_MAX_STREAMS)
		ret = -EMFILE;
	else
		st->nr_streams++;
	pthread_mutex_unlock(&st->readers_lock);
	if (*db || ret)
		return ret;
	ret = open_connection(st->path, false, db);
	if (!ret)
		ret = store_exec(*db, "PRAGMA cache_size=-" STRINGIFY(STREAM_CACHE_KIB));
	if (ret) {
		sqlite3_close(*db);
		*db = NULL;
		pthread_mutex_lock(&st->readers_lock);
		st->nr_streams--;
		pthread_mutex_unlock(&st->readers_lock);
	}
	return ret ? -EIO : 0;
}

void store_stream_put(struct store *st, sqlite3 *db)
{
	bool keep;

	if (!db)
		return;
	pthread_mutex_lock(&st->readers_lock);
	keep = st->nr_stream_idle < STREAM_IDLE_KEPT;
	if (keep)
		st->stream_idle[st->nr_stream_idle++] = db;
	else
		st->nr_streams--;
	pthread_mutex_unlock(&st->readers_lock);
	if (!keep)
		sqlite3_close(db);
}

sqlite3 *store_reader(struct store *st)
{
	sqlite3 *db = pthread_getspecific(st->reader_key);

	if (db)
		return db;
	if (open_connection(st->path, false, &db))
		return NULL;
	pthread_mutex_lock(&st->readers_lock);
	if (st->nr_readers == st->cap_readers) {
		unsigned int cap = st->cap_readers ? st->cap_readers * 2 : 8;
		sqlite3 **r = realloc(st->readers, cap * sizeof(*r));

		if (!r) {
			pthread_mutex_unlock(&st->readers_lock);
			sqlite3_close(db);
			return NULL;
		}
		st->readers = r;
		st->cap_readers = cap;
	}
	st->readers[st->nr_readers++] = db;
	pthread_mutex_unlock(&st->readers_lock);
	pthread_setspecific(st->reader_key, db);
	return db;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (unsigned int i = 0; i < st->nr_readers; i++)
		sqlite3_close(st->readers[i]);
	free(st->readers);
	for (unsigned int i = 0; i < st->nr_stream_idle; i++)
		sqlite3_close(st->stream_idle[i]);
	free(st->stream_idle);
	if (st->writer)
		sqlite3_close(st->writer);
	pthread_key_delete(st->reader_key);
	pthread_mutex_destroy(&st->readers_lock);
	pthread_mutex_destroy(&st->write_lock);
	free(st->path);
	free(st);
}

/* Fixed once open: /health and /metrics must not wait for the writer. */
int store_schema_version(struct store *st)
{
	return st->schema_version;
}

int store_check_integrity(struct store *st, char *err, size_t err_len)
{
	sqlite3_stmt *s;
	int ret = -EIO;

	store_lock(st);
	if (sqlite3_prepare_v2(st->writer, "PRAGMA integrity_check", -1, &s,
			       NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW) {
			const char *r = (const char *)sqlite3_column_text(s, 0);

			snprintf(err, err_len, "%s", r ? r : "");
			ret = r && !strcmp(r, "ok") ? 0 : -EIO;
		}
		sqlite3_finalize(s);
	}
	store_unlock(st);
	return ret;
}

void store_bind_text(sqlite3_stmt *s, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/*
 * Run one write statement under the lock; returns rows changed or -errno,
 * and the row id of an insert in *rowid when asked.
 */
int store_write_rowid(struct store *st, const char *sql,
			    void (*bind)(sqlite3_stmt *s, void *ctx), void *ctx,
			    int64_t *rowid)
{
	sqlite3_stmt *s;
	int rc;

	store_lock(st);
	rc = sqlite3_prepare_v2(st->writer, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		bind(s, ctx);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
	}
	if (rc == SQLITE_DONE && rowid)
		*rowid = sqlite3_last_insert_rowid(st->writer);
	rc = rc == SQLITE_DONE ? sqlite3_changes(st->writer) : store_errno(rc);
	store_changed(st);
	store_unlock(st);
	return rc;
}

int store_write(struct store *st, const char *sql,
		      void (*bind)(sqlite3_stmt *s, void *ctx), void *ctx)
{
	return store_write_rowid(st, sql, bind, ctx, NULL);
}

int store_begin_write(struct store *st, const char *sql, sqlite3_stmt **s)
{
	int rc;

	*s = NULL;
	store_lock(st);
	rc = sqlite3_exec(st->writer, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->writer, sql, -1, s, NULL);
	return rc;
}

static int end_write(struct store *st, int rc)
{
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->writer, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		sqlite3_exec(st->writer, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_end_write(struct store *st, int rc, bool listings_changed)
{
	rc = end_write(st, rc);
	if (listings_changed)
		store_changed(st);
	store_unlock(st);
	return store_errno(rc);
}

int store_end_write_unfinished(struct store *st, int rc)
{
	rc = end_write(st, rc);
	store_changed_unfinished(st);
	store_unlock(st);
	return store_errno(rc);
}

void store_bind_id_text(sqlite3_stmt *s, void *ctx)
{
	struct store_id_args *a = ctx;

	sqlite3_bind_int64(s, 1, a->id);
	store_bind_text(s, 2, a->now);
	store_bind_text(s, 3, a->text);
	sqlite3_bind_int64(s, 4, a->number);
}
