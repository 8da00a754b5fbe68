/* SPDX-License-Identifier: MIT */
/*
 * Running kernel campaigns: which step this boot belongs to (resumed at
 * start-up), the step's runs, the boot into the next step, and the end.
 * Every change is written to the store before it is acted on, so that a
 * crash, a kill -9 or a reset of the host at any point resumes without
 * running a step twice or booting forever.
 */
#ifndef MIGBENCH_CAMPAIGN_H
#define MIGBENCH_CAMPAIGN_H

#include "campaign/campaign_spec.h"
#include "campaign/hostboot.h"
#include "store/store.h"

/* Interruptions (migbenchd or the host restarting) a step may take. */
#define CAMPAIGN_MAX_RESTARTS 3

struct campaigns;

/*
 * Read this boot, and if a campaign is active, settle the step it was in:
 * the boot it expected came up (the step runs), another did (boot-failed),
 * or the step was interrupted (its interrupted runs are made again, in
 * this boot or after booting its kernel again).  Call after the queue's
 * recovery has marked interrupted runs, before the queue starts.
 */
int campaigns_open(struct store *st, const struct campaign_policy *policy,
		   struct campaigns **out);
void campaigns_close(struct campaigns *c);
const struct hostboot *campaigns_boot(const struct campaigns *c);

/*
 * Move the active campaign on; called by the queue's runner when no run
 * may run, so nothing is running.  Queues a step's runs, ends a step whose
 * runs are all done, boots the next step (kexec: migbenchd is stopped by
 * systemd then), or ends the campaign.
 */
void campaigns_tick(struct campaigns *c);

#endif
