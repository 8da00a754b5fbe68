// SPDX-License-Identifier: MIT
/* Reading campaigns for replies: each with its steps, their runs, and its events, as rows. */

#include "store/campaign_rows.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/campaigns.h"
#include "store/internal.h"

static int step_runs(sqlite3 *db, struct store_step_row *step)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(db, "SELECT id, state, campaign_request, result FROM runs "
				"WHERE campaign_step = ?1 ORDER BY id", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_int64(s, 1, step->id);
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_step_run *list = store_grow(step->runs, sizeof(*list), &step->nr_runs), *r;

		if (!list) {
			ret = -ENOMEM;
			break;
		}
		step->runs = list;
		r = &list[step->nr_runs - 1];
		r->id = sqlite3_column_int64(s, 0);
		r->request = sqlite3_column_int(s, 2);
		ret = store_column_text(s, 1, &r->state) ?: store_column_text(s, 3, &r->result);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_errno(rc);
	sqlite3_finalize(s);
	return ret;
}

static int step_row(sqlite3_stmt *s, struct store_step_row *step)
{
	char **texts[] = { &step->state, NULL, NULL, &step->token, &step->expect_release,
			   &step->expect_version, &step->booted_from, &step->boot_id,
			   &step->reason, &step->booted_at, &step->finished_at };
	int ret = 0;

	step->id = sqlite3_column_int64(s, 0);
	step->seq = sqlite3_column_int(s, 2);
	step->round = sqlite3_column_int(s, 3);
	step->kernel = sqlite3_column_int(s, 4);
	step->attempts = sqlite3_column_int(s, 6);
	step->restarts = sqlite3_column_int(s, 7);
	for (int c = 0; !ret && c < (int)(sizeof(texts) / sizeof(texts[0])); c++)
		if (texts[c])
			ret = store_column_text(s, 5 + c, texts[c]);
	return ret;
}

static int campaign_steps(sqlite3 *db, struct store_campaign *c)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(db, "SELECT " STEP_COLUMNS " FROM campaign_steps "
				"WHERE campaign_id = ?1 ORDER BY seq", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_int64(s, 1, c->id);
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_step_row *list = store_grow(c->steps, sizeof(*list), &c->nr_steps);

		if (!list) {
			ret = -ENOMEM;
			break;
		}
		c->steps = list;
		ret = step_row(s, &list[c->nr_steps - 1]) ?:
		      step_runs(db, &list[c->nr_steps - 1]);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_errno(rc);
	sqlite3_finalize(s);
	return ret;
}

static int campaign_events(sqlite3 *db, struct store_campaign *c)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(db, "SELECT e.at, e.kind, e.message, c.seq FROM campaign_events e "
				"LEFT JOIN campaign_steps c ON c.id = e.step_id "
				"WHERE e.campaign_id = ?1 ORDER BY e.id", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_int64(s, 1, c->id);
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_campaign_event *list = store_grow(c->events, sizeof(*list), &c->nr_events), *e;

		if (!list) {
			ret = -ENOMEM;
			break;
		}
		c->events = list;
		e = &list[c->nr_events - 1];
		/* steps' seq count from 1: 0 is the campaign's own event */
		e->step = sqlite3_column_int(s, 3);
		ret = store_column_text(s, 0, &e->at) ?: store_column_text(s, 1, &e->kind) ?:
		      store_column_text(s, 2, &e->message);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_errno(rc);
	sqlite3_finalize(s);
	return ret;
}

static int campaign_row(sqlite3_stmt *s, struct store_campaign *c)
{
	c->id = sqlite3_column_int64(s, 0);
	c->steps_done = sqlite3_column_int(s, 6);
	c->nr_planned = sqlite3_column_int(s, 7);
	return store_column_json(s, 1, &c->spec) ?: store_column_text(s, 2, &c->state) ?:
	       store_column_text(s, 3, &c->reason) ?: store_column_text(s, 4, &c->created_at) ?:
	       store_column_text(s, 5, &c->finished_at);
}

void store_campaign_clear(struct store_campaign *c)
{
	for (size_t i = 0; i < c->nr_steps; i++) {
		struct store_step_row *t = &c->steps[i];

		for (size_t j = 0; j < t->nr_runs; j++) {
			free(t->runs[j].state);
			free(t->runs[j].result);
		}
		free(t->runs);
		free(t->state);
		free(t->token);
		free(t->expect_release);
		free(t->expect_version);
		free(t->booted_from);
		free(t->boot_id);
		free(t->reason);
		free(t->booted_at);
		free(t->finished_at);
	}
	for (size_t i = 0; i < c->nr_events; i++) {
		free(c->events[i].at);
		free(c->events[i].kind);
		free(c->events[i].message);
	}
	free(c->steps);
	free(c->events);
	json_object_put(c->spec);
	free(c->state);
	free(c->reason);
	free(c->created_at);
	free(c->finished_at);
	memset(c, 0, sizeof(*c));
}

#define CAMPAIGN_COLUMNS \
	"c.id, c.spec, c.state, c.reason, c.created_at, c.finished_at, " \
	"(SELECT COUNT(*) FROM campaign_steps t WHERE t.campaign_id = c.id AND t.state = 'done'), " \
	"(SELECT COUNT(*) FROM campaign_steps t WHERE t.campaign_id = c.id)"

int store_campaign_get(struct store *st, int64_t id, struct store_campaign *c)
{
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	int rc, ret;

	memset(c, 0, sizeof(*c));
	if (!db)
		return -EIO;
	rc = sqlite3_prepare_v2(db, "SELECT " CAMPAIGN_COLUMNS " FROM campaigns c WHERE c.id = ?1",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	ret = rc == SQLITE_ROW ? campaign_row(s, c) : rc == SQLITE_DONE ? -ENOENT : store_errno(rc);
	sqlite3_finalize(s);
	if (!ret)
		ret = campaign_steps(db, c) ?: campaign_events(db, c);
	if (ret)
		store_campaign_clear(c);
	return ret;
}

void store_campaigns_free(struct store_campaign *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_campaign_clear(&list[i]);
	free(list);
}

int store_campaigns_list(struct store *st, unsigned int limit, struct store_campaign **out,
			 size_t *n)
{
	struct store_campaign *list = NULL;
	sqlite3 *db = store_reader(st);
	sqlite3_stmt *s;
	int rc, ret = 0;

	*out = NULL;
	*n = 0;
	if (!db)
		return -EIO;
	rc = sqlite3_prepare_v2(db, "SELECT " CAMPAIGN_COLUMNS " FROM campaigns c "
				"ORDER BY c.id DESC LIMIT ?1", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_int(s, 1, (int)limit);
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_campaign *bigger = store_grow(list, sizeof(*list), n);

		if (!bigger) {
			ret = -ENOMEM;
			break;
		}
		list = bigger;
		ret = campaign_row(s, &list[*n - 1]);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = store_errno(rc);
	sqlite3_finalize(s);
	if (ret) {
		store_campaigns_free(list, *n);
		*n = 0;
		return ret;
	}
	*out = list;
	return 0;
}
