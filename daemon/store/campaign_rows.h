/* SPDX-License-Identifier: MIT */
/*
 * A campaign as readers see it: its spec, state and counts, and (read one
 * at a time) its steps with their runs and its events.  Every column is
 * copied, NULL where the column is.
 */
#ifndef MIGBENCH_STORE_CAMPAIGN_ROWS_H
#define MIGBENCH_STORE_CAMPAIGN_ROWS_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "store/campaigns.h"
#include "store/store.h"

/* A run a step made. */
struct store_step_run {
	int64_t id;
	char *state, *result;
	int request;		/* index in the spec's runs */
};

/* A step as a reader sees it: every column, NULL where the column is. */
struct store_step_row {
	int64_t id;
	int seq, round, kernel, attempts, restarts;
	char *state, *token, *expect_release, *expect_version, *booted_from, *boot_id,
	     *reason, *booted_at, *finished_at;
	struct store_step_run *runs;
	size_t nr_runs;
};

struct store_campaign_event {
	char *at, *kind, *message;
	int step;		/* its step's seq; 0: the campaign's own */
};

/* A campaign; steps and events only from store_campaign_get(). */
struct store_campaign {
	int64_t id;
	struct json_object *spec;
	char *state, *reason, *created_at, *finished_at;
	int steps_done, nr_planned;
	struct store_step_row *steps;
	size_t nr_steps;
	struct store_campaign_event *events;
	size_t nr_events;
};

/* The campaign, its steps with their runs, and its events; -ENOENT if none. */
int store_campaign_get(struct store *st, int64_t id, struct store_campaign *c);
void store_campaign_clear(struct store_campaign *c);
/* Up to limit campaigns, newest first, without steps or events. */
int store_campaigns_list(struct store *st, unsigned int limit, struct store_campaign **list,
			 size_t *n);
void store_campaigns_free(struct store_campaign *list, size_t n);

#endif
