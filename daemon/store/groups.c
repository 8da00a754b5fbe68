// SPDX-License-Identifier: MIT
/* Groups of runs (repeat, sweeps, adaptive repetition). */

#include "store/groups.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/store.h"

/*
 * Groups of one request in one transaction: each a new group_id, and the
 * groups of a sweep (those with a sweep_point) one new sweep_id together.
 */
int store_insert_groups(struct store *st, const struct store_new_runs *groups, size_t n,
			int64_t *first_ids)
{
	sqlite3_stmt *s = NULL;
	bool sweep_started = false;
	char now[32];
	int rc;

	store_now(now, sizeof(now));
	rc = store_begin_write(st,
		"INSERT INTO runs (kind, spec, label, tags, group_id, group_index, "
		"state, created_at, target_ci_percent, max_repeat, campaign_step, campaign_request, "
		"sweep_id, sweep_point) "
		"VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(group_id), 0) + ?6 FROM runs), ?5, "
		"'queued', ?7, ?8, ?9, ?10, ?11, CASE WHEN ?12 IS NULL THEN NULL ELSE "
		"(SELECT COALESCE(MAX(sweep_id), 0) + ?13 FROM runs) END, ?12)", &s);
	for (size_t g = 0; rc == SQLITE_OK && g < n; g++) {
		const struct store_new_runs *grp = &groups[g];

		for (unsigned int i = 0; rc == SQLITE_OK && i < grp->repeat; i++) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			store_bind_text(s, 1, grp->kind);
			store_bind_text(s, 2, grp->spec);
			store_bind_text(s, 3, grp->label);
			store_bind_text(s, 4, grp->tags);
			sqlite3_bind_int(s, 5, (int)i);
			sqlite3_bind_int(s, 6, i == 0);	/* a new group, then the same */
			store_bind_text(s, 7, now);
			if (grp->target_ci_percent > 0) {
				sqlite3_bind_double(s, 8, grp->target_ci_percent);
				sqlite3_bind_int(s, 9, (int)grp->max_repeat);
			}
			if (grp->campaign_step) {
				sqlite3_bind_int64(s, 10, grp->campaign_step);
				sqlite3_bind_int(s, 11, grp->campaign_request);
			}
			store_bind_text(s, 12, grp->sweep_point);
			sqlite3_bind_int(s, 13, grp->sweep_point && !sweep_started);
			sweep_started |= grp->sweep_point != NULL;
			rc = sqlite3_step(s);
			if (rc == SQLITE_DONE) {
				rc = SQLITE_OK;
				if (i == 0 && first_ids)
					first_ids[g] = sqlite3_last_insert_rowid(st->writer);
			}
		}
	}
	sqlite3_finalize(s);
	return store_end_write(st, rc, true);
}

int store_insert_runs(struct store *st, const struct store_new_runs *n, int64_t *first_id)
{
	return store_insert_groups(st, n, 1, first_id);
}

int store_create_runs(struct store *st, const char *kind, const char *spec,
		      const char *label, const char *tags, unsigned int repeat,
		      double target_ci_percent, unsigned int max_repeat,
		      int64_t *first_id)
{
	const struct store_new_runs n = {
		.kind = kind, .spec = spec, .label = label, .tags = tags, .repeat = repeat,
		.target_ci_percent = target_ci_percent, .max_repeat = max_repeat,
	};

	return store_insert_runs(st, &n, first_id);
}

int store_create_sweep(struct store *st, const char *kind,
		       const struct store_sweep_point *points, size_t n, const char *label,
		       const char *tags, unsigned int repeat, double target_ci_percent,
		       unsigned int max_repeat, int64_t *first_ids)
{
	struct store_new_runs *groups = calloc(n, sizeof(*groups));
	int ret;

	if (!groups)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		groups[i] = (struct store_new_runs){
			.kind = kind, .spec = points[i].spec, .label = label, .tags = tags,
			.repeat = repeat, .target_ci_percent = target_ci_percent,
			.max_repeat = max_repeat, .sweep_point = points[i].point,
		};
	ret = store_insert_groups(st, groups, n, first_ids);
	free(groups);
	return ret;
}

int store_group_state(struct store *st, int64_t run_id, struct group_state *g)
{
	sqlite3_stmt *s;
	int rc;

	memset(g, 0, sizeof(*g));
	rc = store_prepare_read(st,
		"SELECT r.group_id, COALESCE(r.target_ci_percent, 0), COALESCE(r.max_repeat, 0), "
		"(SELECT COUNT(*) FROM runs o WHERE o.group_id = r.group_id), "
		"(SELECT COUNT(*) FROM runs o WHERE o.group_id = r.group_id "
		" AND o.state IN ('queued', 'running')) FROM runs r WHERE r.id = ?1", &s);
	if (rc)
		return rc;
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
			"created_at, target_ci_percent, max_repeat, sweep_id, sweep_point) "
			"SELECT kind, spec, label, tags, group_id, "
			"(SELECT MAX(group_index) + 1 FROM runs WHERE group_id = ?1), 'queued', ?2, "
			"target_ci_percent, max_repeat, sweep_id, sweep_point FROM runs WHERE group_id = ?1 "
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
