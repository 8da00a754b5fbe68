/* SPDX-License-Identifier: MIT */
/*
 * The run queue: one runner thread executes one run at a time (benchmarks
 * must not overlap on a host) in a migbench-worker process, holding the
 * hugepages the run's engine says it needs, and stores what comes back.
 */
#ifndef MIGBENCH_QUEUE_H
#define MIGBENCH_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "request/run_limits.h"
#include "store/store.h"
#include "site.h"

struct queue;

/*
 * Give back what runs of an earlier migbenchd left behind: stop their
 * workers, mark those runs interrupted, let each engine take down what its
 * runs left (under site's state directory), restore hugepage pools.
 */
int queue_recover(struct store *st, const struct mb_site_policy *site);

/*
 * site: the administrator's policy, passed to every worker; campaigns:
 * moved on whenever no run may run.  Both kept, not copied.
 */
struct campaigns;
int queue_start(struct store *st, const char *worker_path, const struct limits *limits,
		const struct mb_site_policy *site, struct campaigns *campaigns,
		struct queue **out);
/* Stop the running run (it ends 'interrupted') and the runner thread. */
void queue_stop(struct queue *q);
/* A run was queued. */
void queue_kick(struct queue *q);
/* Cancel the run if it is the one running: -ESRCH when it is not. */
int queue_cancel_running(struct queue *q, int64_t id);
/* The running run's id; 0 when idle. */
int64_t queue_running_id(struct queue *q);
/* Whether the queue waits for the store to take writes again, and why. */
bool queue_paused(struct queue *q, char *why, size_t len);

#endif
