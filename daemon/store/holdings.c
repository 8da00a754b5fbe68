// SPDX-License-Identifier: MIT
/* Host resources runs hold (hugepages now), recorded before they are taken. */

#include "store/holdings.h"

#include <errno.h>

#include "store/internal.h"

struct holding_args {
	int64_t run_id;
	uint64_t page_size;
	long previous_nr;
};

static void bind_holding(sqlite3_stmt *s, void *ctx)
{
	struct holding_args *a = ctx;

	sqlite3_bind_int64(s, 1, a->run_id);
	sqlite3_bind_int64(s, 2, (int64_t)a->page_size);
	sqlite3_bind_int64(s, 3, a->previous_nr);
}

int store_holding_add(struct store *st, int64_t run_id, uint64_t page_size,
		      long previous_nr, int64_t *holding_id)
{
	struct holding_args a = { run_id, page_size, previous_nr };
	int rc;

	*holding_id = 0;
	rc = store_write_rowid(st, "INSERT INTO holdings (run_id, kind, page_size, "
				  "previous_nr) VALUES (?1, 'hugepages', ?2, ?3)",
			      bind_holding, &a, holding_id);
	return rc < 0 ? rc : 0;
}

int store_holding_release(struct store *st, int64_t holding_id)
{
	struct store_id_args a = { .id = holding_id };
	int rc;

	store_now(a.now, sizeof(a.now));
	rc = store_write(st, "UPDATE holdings SET released_at = ?2 WHERE id = ?1",
			store_bind_id_text, &a);
	return rc < 0 ? rc : 0;
}

int store_holdings_open(struct store *st,
			void (*fn)(void *ctx, int64_t id, int64_t run_id,
				   uint64_t page_size, long previous_nr),
			void *ctx)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;

	if (!db || sqlite3_prepare_v2(db,
		"SELECT id, run_id, page_size, previous_nr FROM holdings "
		"WHERE released_at IS NULL ORDER BY id DESC", -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	while (sqlite3_step(s) == SQLITE_ROW)
		fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
		   (uint64_t)sqlite3_column_int64(s, 2), (long)sqlite3_column_int64(s, 3));
	sqlite3_finalize(s);
	return 0;
}
