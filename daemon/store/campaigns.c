// SPDX-License-Identifier: MIT
/* Kernel campaigns: their steps, their timeline, and the runs they made. */

#include "store/campaigns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

static void copy_text(char *out, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

static void step_from_row(sqlite3_stmt *s, struct store_step *st)
{
	memset(st, 0, sizeof(*st));
	st->id = sqlite3_column_int64(s, 0);
	st->campaign_id = sqlite3_column_int64(s, 1);
	st->seq = sqlite3_column_int(s, 2);
	st->round = sqlite3_column_int(s, 3);
	st->kernel = sqlite3_column_int(s, 4);
	copy_text(st->state, sizeof(st->state), s, 5);
	st->attempts = sqlite3_column_int(s, 6);
	st->restarts = sqlite3_column_int(s, 7);
	copy_text(st->token, sizeof(st->token), s, 8);
	copy_text(st->expect_release, sizeof(st->expect_release), s, 9);
	copy_text(st->expect_version, sizeof(st->expect_version), s, 10);
	copy_text(st->booted_from, sizeof(st->booted_from), s, 11);
	copy_text(st->boot_id, sizeof(st->boot_id), s, 12);
	copy_text(st->reason, sizeof(st->reason), s, 13);
}

int store_campaign_create(struct store *st, const char *spec,
			  const struct store_step_plan *steps, size_t n, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	char now[32];
	int rc;

	store_now(now, sizeof(now));
	/* one transaction: the check for another campaign and the insert */
	rc = store_begin_write(st, "SELECT COUNT(*) FROM campaigns "
				   "WHERE state IN ('active', 'aborting')", &s);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		rc = sqlite3_column_int(s, 0) ? SQLITE_CONSTRAINT : SQLITE_OK;
	sqlite3_finalize(s);
	s = NULL;
	if (rc == SQLITE_CONSTRAINT) {
		store_end_write(st, rc, false);
		return -EBUSY;
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->writer, "INSERT INTO campaigns (spec, state, created_at) "
					"VALUES (?1, 'active', ?2)", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		store_bind_text(s, 1, spec);
		store_bind_text(s, 2, now);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		*id = sqlite3_last_insert_rowid(st->writer);
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->writer, "INSERT INTO campaign_steps "
					"(campaign_id, seq, round, kernel, state) "
					"VALUES (?1, ?2, ?3, ?4, 'pending')", -1, &s, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, *id);
		sqlite3_bind_int(s, 2, (int)i + 1);
		sqlite3_bind_int(s, 3, steps[i].round);
		sqlite3_bind_int(s, 4, steps[i].kernel);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_OK) {
		rc = sqlite3_prepare_v2(st->writer, "INSERT INTO campaign_events "
					"(campaign_id, at, kind, message) VALUES (?1, ?2, 'created', ?3)",
					-1, &s, NULL);
		if (rc == SQLITE_OK) {
			char msg[64];

			snprintf(msg, sizeof(msg), "created with %zu steps", n);
			sqlite3_bind_int64(s, 1, *id);
			store_bind_text(s, 2, now);
			store_bind_text(s, 3, msg);
			rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
			sqlite3_finalize(s);
		}
	}
	return store_end_write(st, rc, false);
}

int store_campaign_active(struct store *st, int64_t *id, char **spec, char *state, size_t len)
{
	sqlite3_stmt *s;
	int rc = store_prepare_read(st, "SELECT id, spec, state FROM campaigns "
				  "WHERE state IN ('active', 'aborting') ORDER BY id LIMIT 1", &s);

	*id = 0;
	if (spec)
		*spec = NULL;
	if (rc)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		if (spec && !(*spec = strdup((const char *)sqlite3_column_text(s, 1))))
			rc = SQLITE_NOMEM;
		copy_text(state, len, s, 2);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int store_campaign_next_step(struct store *st, int64_t campaign_id, struct store_step *step)
{
	sqlite3_stmt *s;
	int rc = store_prepare_read(st, "SELECT " STEP_COLUMNS " FROM campaign_steps "
				  "WHERE campaign_id = ?1 AND state NOT IN ('done', 'skipped') "
				  "ORDER BY seq LIMIT 1", &s);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, campaign_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		step_from_row(s, step);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : store_errno(rc);
}

int store_step_update(struct store *st, const struct store_step *step, const char *reason)
{
	sqlite3_stmt *s = NULL;
	char now[32];
	int rc;

	store_now(now, sizeof(now));
	rc = store_begin_write(st, "UPDATE campaign_steps SET state = ?2, attempts = ?3, "
		"restarts = ?4, token = ?5, expect_release = ?6, expect_version = ?7, "
		"booted_from = ?8, boot_id = ?9, reason = COALESCE(?10, reason), "
		"booted_at = CASE WHEN ?2 = 'running' AND booted_at IS NULL THEN ?11 "
		"            WHEN ?2 = 'booting' THEN NULL ELSE booted_at END, "
		"finished_at = CASE WHEN ?2 IN ('done', 'skipped') THEN ?11 ELSE NULL END "
		"WHERE id = ?1", &s);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, step->id);
		store_bind_text(s, 2, step->state);
		sqlite3_bind_int(s, 3, step->attempts);
		sqlite3_bind_int(s, 4, step->restarts);
		store_bind_text(s, 5, step->token[0] ? step->token : NULL);
		store_bind_text(s, 6, step->expect_release[0] ? step->expect_release : NULL);
		store_bind_text(s, 7, step->expect_version[0] ? step->expect_version : NULL);
		store_bind_text(s, 8, step->booted_from[0] ? step->booted_from : NULL);
		store_bind_text(s, 9, step->boot_id[0] ? step->boot_id : NULL);
		store_bind_text(s, 10, reason);
		store_bind_text(s, 11, now);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(s);
	return store_end_write(st, rc, false);
}

int store_campaign_event(struct store *st, int64_t campaign_id, int64_t step_id,
			 const char *kind, const char *message)
{
	sqlite3_stmt *s = NULL;
	char now[32];
	int rc;

	store_now(now, sizeof(now));
	rc = store_begin_write(st, "INSERT INTO campaign_events (campaign_id, step_id, at, kind, "
				   "message) VALUES (?1, ?2, ?3, ?4, ?5)", &s);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, campaign_id);
		if (step_id)
			sqlite3_bind_int64(s, 2, step_id);
		else
			sqlite3_bind_null(s, 2);
		store_bind_text(s, 3, now);
		store_bind_text(s, 4, kind);
		store_bind_text(s, 5, message);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(s);
	return store_end_write(st, rc, false);
}

int store_campaign_set_state(struct store *st, int64_t campaign_id, const char *state,
			     const char *reason)
{
	static const char *const sql[] = {
		/* an end: steps not begun are skipped, runs not begun cancelled */
		"UPDATE campaigns SET state = ?2, reason = COALESCE(?3, reason), "
		"finished_at = CASE WHEN ?2 IN ('done', 'failed', 'aborted') THEN ?4 END "
		"WHERE id = ?1",
		"UPDATE campaign_steps SET state = 'skipped', finished_at = ?4 "
		"WHERE campaign_id = ?1 AND ?2 IN ('failed', 'aborted') "
		"AND state IN ('pending', 'booting', 'running')",	/* boot-failed stays */
		"UPDATE runs SET state = 'cancelled', result = 'cancelled', "
		"error = 'the campaign ' || CASE ?2 WHEN 'aborting' THEN 'was aborted' "
		"ELSE 'ended: ' || COALESCE(?3, ?2) END, finished_at = ?4 "
		"WHERE state = 'queued' AND ?2 IN ('aborting', 'failed', 'aborted') "
		"AND campaign_step IN (SELECT id FROM campaign_steps WHERE campaign_id = ?1)",
	};
	sqlite3_stmt *s = NULL;
	char now[32];
	int rc;

	store_now(now, sizeof(now));
	rc = store_begin_write(st, sql[0], &s);
	for (size_t i = 0; rc == SQLITE_OK && i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (i) {
			sqlite3_finalize(s);
			s = NULL;
			rc = sqlite3_prepare_v2(st->writer, sql[i], -1, &s, NULL);
			if (rc != SQLITE_OK)
				break;
		}
		/* a statement without ?3 ignores its bind (SQLITE_RANGE) */
		sqlite3_bind_int64(s, 1, campaign_id);
		store_bind_text(s, 2, state);
		store_bind_text(s, 3, reason);
		store_bind_text(s, 4, now);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(s);
	return store_end_write(st, rc, true);
}

int store_step_run_counts(struct store *st, int64_t step_id, int request,
			  unsigned int *kept, unsigned int *pending, unsigned int *interrupted)
{
	sqlite3_stmt *s;
	int rc = store_prepare_read(st, "SELECT COALESCE(SUM(state != 'interrupted'), 0), "
				  "COALESCE(SUM(state IN ('queued', 'running')), 0), "
				  "COALESCE(SUM(state = 'interrupted'), 0) FROM runs "
				  "WHERE campaign_step = ?1 AND campaign_request = ?2", &s);

	*kept = *pending = *interrupted = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, step_id);
	sqlite3_bind_int(s, 2, request);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*kept = (unsigned int)sqlite3_column_int(s, 0);
		*pending = (unsigned int)sqlite3_column_int(s, 1);
		*interrupted = (unsigned int)sqlite3_column_int(s, 2);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_errno(rc);
}

int store_step_runs_create(struct store *st, int64_t step_id, int request, const char *kind,
			   const char *spec, const char *label, const char *tags, unsigned int n,
			   int64_t *first_id)
{
	const struct store_new_runs runs = {
		.kind = kind, .spec = spec, .label = label, .tags = tags, .repeat = n,
		.campaign_step = step_id, .campaign_request = request,
	};

	return store_insert_runs(st, &runs, first_id);
}

int store_campaign_run_ids(struct store *st, int64_t campaign_id, int kernel, int request,
			   int64_t *ids, size_t max, size_t *n, bool *truncated)
{
	sqlite3_stmt *s;
	int rc = store_prepare_read(st, "SELECT r.id FROM runs r JOIN campaign_steps c "
				  "ON c.id = r.campaign_step WHERE c.campaign_id = ?1 AND "
				  "c.kernel = ?2 AND r.campaign_request = ?3 AND r.state = 'done' "
				  "ORDER BY r.id", &s);

	*n = 0;
	*truncated = false;
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, campaign_id);
	sqlite3_bind_int(s, 2, kernel);
	sqlite3_bind_int(s, 3, request);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == max) {
			*truncated = true;
			break;
		}
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_errno(rc);
}
