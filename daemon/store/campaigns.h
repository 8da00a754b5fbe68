/* SPDX-License-Identifier: MIT */
/* Kernel campaigns: their steps, their timeline, and the runs they made. */
#ifndef MIGBENCH_STORE_CAMPAIGNS_H
#define MIGBENCH_STORE_CAMPAIGNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "store/store.h"

struct store_step_plan {
	int round;	/* 1.. */
	int kernel;	/* index in the spec's kernels */
};
/* A campaign and its steps, 'active'; -EBUSY while another one is. */
int store_campaign_create(struct store *st, const char *spec,
			  const struct store_step_plan *steps, size_t n, int64_t *id);
/* The active (or aborting) campaign: *id 0 when none; spec to free. */
int store_campaign_active(struct store *st, int64_t *id, char **spec, char *state, size_t len);
/* 'active', 'aborting', or an end ('done', 'failed', 'aborted') with reason. */
int store_campaign_set_state(struct store *st, int64_t campaign_id, const char *state,
			     const char *reason);

struct store_step {
	int64_t id, campaign_id;
	int seq, round, kernel;
	char state[16];		/* pending, booting, running, done, boot-failed, skipped */
	int attempts;		/* boots into it so far */
	int restarts;		/* migbenchd or the host restarted during it */
	char token[96];		/* migbench.step=... */
	char expect_release[128], expect_version[256];
	char booted_from[40];	/* boot_id of the boot that rebooted into it */
	char boot_id[40];	/* the boot it runs in */
	char reason[512];	/* what came up instead, why it stopped */
};
/* The first step not done or skipped; -ENOENT when none is left. */
int store_campaign_next_step(struct store *st, int64_t campaign_id, struct store_step *step);
/* Write the step as it is now; reason (what came up, why it stopped) if not NULL. */
int store_step_update(struct store *st, const struct store_step *step, const char *reason);
int store_campaign_event(struct store *st, int64_t campaign_id, int64_t step_id,
			 const char *kind, const char *message);
/* Of the step's runs for one request: not interrupted, queued or running, interrupted. */
int store_step_run_counts(struct store *st, int64_t step_id, int request,
			  unsigned int *kept, unsigned int *pending, unsigned int *interrupted);
/* n queued runs of the step, one group; the first's id in *first_id (may be NULL). */
int store_step_runs_create(struct store *st, int64_t step_id, int request, const char *kind,
			   const char *spec, const char *label, const char *tags, unsigned int n,
			   int64_t *first_id);
/* The done runs of one kernel and request of a campaign, oldest first. */
int store_campaign_run_ids(struct store *st, int64_t campaign_id, int kernel, int request,
			   int64_t *ids, size_t max, size_t *n, bool *truncated);
#endif
