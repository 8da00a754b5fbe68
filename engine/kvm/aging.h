/* SPDX-License-Identifier: MIT */
/*
 * Aging the guest's test memory as the kernel ages memory, the way
 * access_tracking_perf_test does (key aging): the run's process lives in
 * a memory cgroup of its own from before its memory is touched, so that
 * the mechanism ages exactly the run's pages; each pass is timed, and
 * what it saw accessed is read back the way the mechanism counts.  KVM's
 * tracepoints say whether a pass reached KVM (notifier.h).
 *
 * Each mechanism is one struct mb_aging_mechanism (aging_mechanism.h):
 * lru_gen (aging_lru_gen.c), reclaim (aging_reclaim.c) and damon
 * (aging_damon.c, which needs no cgroup: its kdamond monitors the test
 * memory's addresses).  What a run changes of the host (MGLRU's enabled
 * state, a debugfs mount, the kdamond it made) is put back after it, also
 * by the reap after a killed worker: the state to restore is kept in
 * /run/migbench-aging-PID.
 */
#ifndef MIGBENCH_AGING_H
#define MIGBENCH_AGING_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "backing.h"
#include "error.h"
#include "notifier.h"
#include "spec.h"

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

/*
 * Whether this host can age bytes of test memory of this backing by how:
 * 0, or a negative errno with err naming "aging" and what is missing.
 */
int mb_aging_host_check(enum mb_aging how, enum mb_backing backing, uint64_t bytes,
			struct mb_error *err);

void mb_aging_init(struct mb_aging_state *a);
/*
 * Make the run's cgroup and move the process into it, for test memory of
 * bytes of backing; what the mechanism needs of the host (MGLRU on,
 * debugfs, a kdamond).
 */
int mb_aging_open(struct mb_aging_state *a, enum mb_aging how, enum mb_backing backing,
		  uint64_t bytes, struct mb_error *err);
/*
 * One aging pass over the cgroup's memory, timed (ns: the writes that
 * age, with KVM's tracepoints enabled), and the notifier calls that
 * reached KVM over [start, end) during it.
 */
int mb_aging_mark(struct mb_aging_state *a, uint64_t start, uint64_t end, uint64_t *ns,
		  struct mb_notifier_counts *kvm, struct mb_error *err);
/*
 * How many of the cgroup's pages are still idle since the last mark,
 * counted the way the mechanism counts (its file says how); total: all
 * the cgroup's pages the count looked at.  -ENODATA where the mechanism
 * has no such count: mb_aging_no_idle() says why.
 */
int mb_aging_count_idle(struct mb_aging_state *a, uint64_t *idle, uint64_t *total,
			struct mb_error *err);
/* The pages the idle count looked at, as a name ("cgroup_pages"). */
const char *mb_aging_counted(const struct mb_aging_state *a);
/* Why the mechanism counts no idle pages; NULL where it does. */
const char *mb_aging_no_idle(const struct mb_aging_state *a);
/* Back to the process's cgroup, the cgroup removed, the host as it was. */
void mb_aging_close(struct mb_aging_state *a);
/* What killed runs left: cgroups, MGLRU's state, a debugfs mount, a kdamond. */
int mb_aging_reap(void);

#endif
