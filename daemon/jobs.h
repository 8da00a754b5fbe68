/* SPDX-License-Identifier: MIT */
/*
 * The run queue: one runner thread executes one run at a time (benchmarks
 * must not overlap on a host) in a migbench-worker process, reads what it
 * streams back and stores it.
 */
#ifndef MIGBENCH_JOBS_H
#define MIGBENCH_JOBS_H

#include <stdint.h>

#include "store.h"

struct jobs;

/*
 * Give back what runs of an earlier migbenchd left behind: stop their
 * workers, mark those runs interrupted, restore hugepage pools.
 */
int jobs_recover(struct store *st);

int jobs_start(struct store *st, const char *worker_path, struct jobs **out);
/* Stop the running run (it ends 'interrupted') and the runner thread. */
void jobs_stop(struct jobs *j);
/* A run was queued. */
void jobs_kick(struct jobs *j);
/* Cancel the run if it is the one running: -ESRCH when it is not. */
int jobs_cancel_running(struct jobs *j, int64_t id);
/* Queued runs and the running one, for /metrics. */
int64_t jobs_running_id(struct jobs *j);

#endif
