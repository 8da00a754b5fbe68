/* SPDX-License-Identifier: MIT */
/*
 * The SQLite store: opening it (connections, pragmas, the numbered
 * migrations) and what every table's functions share.  One writer
 * connection behind a mutex; each thread that reads gets its own
 * connection, so reads go on (WAL) while a run's samples are written.
 * Functions here and in the other store/ headers return 0 or a negative errno.
 */
#ifndef MIGBENCH_STORE_H
#define MIGBENCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 6

struct store;

/* A store error (-errno) in words: -EBUSY is another process's lock. */
const char *store_strerror(int code);
int store_open(const char *path, struct store **out, char *err, size_t err_len);
void store_close(struct store *st);
int store_schema_version(struct store *st);
/* PRAGMA integrity_check: 0 when "ok". */
int store_check_integrity(struct store *st, char *err, size_t err_len);

/*
 * Values handed out a group at a time: fn(ctx, key, values, n), values
 * the callee may reorder; a non-zero return stops the walk and is passed on.
 */
typedef int (*store_values_fn)(void *ctx, const char *key, double *values, size_t n);

#endif
