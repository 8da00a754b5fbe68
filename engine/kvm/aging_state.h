/* SPDX-License-Identifier: MIT */
/*
 * What one aging run holds while it lasts (struct mb_aging_state: its
 * cgroup, what each mechanism reads between passes) and the record of
 * what it changed of the host, written before the change so that the
 * reap after a killed worker can put it back.  Below aging.c and the
 * mechanisms (aging_mechanism.h), which both fill it.
 */
#ifndef MIGBENCH_AGING_STATE_H
#define MIGBENCH_AGING_STATE_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "backing.h"

struct mb_aging_mechanism;

#define MB_AGING_MAX_NODES 64

/* memory.stat's reclaim counters of the run's cgroup (reclaim). */
struct mb_aging_vmstat {
	uint64_t pgscan, pgsteal, pgactivate, pgdeactivate;
};

struct mb_aging_state {
	const struct mb_aging_mechanism *m;
	uint64_t bytes;			/* the test memory's size */
	char dir[PATH_MAX / 2 + 64];	/* the run's memory cgroup; "" when none */
	char home[PATH_MAX / 2];	/* the cgroup the process came from */
	char name[PATH_MAX / 2 + 64];	/* the cgroup's path as debugfs names it */
	char state[64];			/* what the run changed, for the reap */
	enum mb_backing backing;
	/* what the run changed, as recorded in state before it changed it */
	struct {
		char enabled[32];	/* MGLRU's state to put back; "" unchanged */
		bool debugfs;		/* debugfs mounted for the run */
		int damon;		/* the pid a kdamond of the run's monitors; 0 */
	} changed;
	bool mglru;			/* the multi-gen LRU was on in the last pass */
	long memcg_id;
	/* lru_gen, per node in debugfs's order: the youngest generation before
	 * the pass, and the one the last mark opened */
	unsigned int nodes;
	int node[MB_AGING_MAX_NODES];
	uint64_t youngest[MB_AGING_MAX_NODES], marked[MB_AGING_MAX_NODES];
	/* reclaim: the counters before the pass, and what the last one did */
	struct mb_aging_vmstat before, pass;
	bool short_of_request;		/* the last reclaim pass freed less than asked */
	/* damon: the test memory, in regions of one page of its backing each */
	uint64_t start, end;
	unsigned int regions;
	uint64_t populate_ns;		/* the vCPUs' first pass, for DAMON's interval */
	uint64_t sample_us;		/* DAMON's sampling (and aggregation) interval */
	uint64_t check_ns;		/* CLOCK_MONOTONIC: the kdamond checks from here */
	int kdamond;			/* the pass's kdamond; 0 none */
	bool damon_made;		/* the run's write made kdamond 0 */
	/* test-young calls that reached KVM in the idle count's check, which
	 * DAMON makes after the vCPUs' pass */
	uint64_t checked_test_age;
	/* set (from a signal handler) to abandon the run: DAMON's waits end -EINTR */
	volatile sig_atomic_t *stop;
};

void mb_aging_init(struct mb_aging_state *a);
/* Record a->changed, what the run is about to change, before it does. */
int mb_aging_record(const struct mb_aging_state *a);

#endif
