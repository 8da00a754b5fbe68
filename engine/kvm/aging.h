/* SPDX-License-Identifier: MIT */
/*
 * Aging the guest's test memory as the kernel ages memory, the way
 * access_tracking_perf_test does (key aging): the run's process lives in
 * a memory cgroup of its own from before its memory is touched, so that
 * the mechanism ages exactly the run's pages; each pass is timed, and
 * what it saw accessed is read back the way the mechanism counts.
 *
 * lru_gen: the multi-gen LRU's aging, through its debugfs interface
 * (/sys/kernel/debug/lru_gen, "+ memcg_id node_id max_gen 1 1": swap or
 * not, force a page-table walk; the 6.16 selftest's command).  A pass
 * gives every page found accessed the youngest generation and opens a
 * new one; pages left in older generations are idle.  Whether the walk
 * asks KVM (clear_young) depends on the kernel: 6.1 clears the primary
 * PTEs' Accessed bits only, so the guest's accesses go unseen; 6.12 calls
 * the notifier.  KVM's tracepoints say which (notifier.h).  MGLRU's
 * enabled state is switched on for the run where it is off and put back
 * after, also by the reap after a killed worker: the state to restore is
 * kept in /run/migbench-aging-PID.
 */
#ifndef MIGBENCH_AGING_H
#define MIGBENCH_AGING_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "backing.h"
#include "error.h"
#include "notifier.h"
#include "spec.h"

#define MB_AGING_MAX_NODES 64

struct mb_aging_state {
	char dir[PATH_MAX / 2 + 64];	/* the run's memory cgroup; "" when none */
	char home[PATH_MAX / 2];	/* the cgroup the process came from */
	char name[PATH_MAX / 2 + 64];	/* the cgroup's path as debugfs names it */
	char state[64];			/* what the run changed, for the reap */
	char enabled_before[32];	/* MGLRU's state to put back; "" unchanged */
	long memcg_id;
	/* per node, in debugfs's order: the generation the last mark opened */
	uint64_t marked[MB_AGING_MAX_NODES];
};

/*
 * Whether this host can age memory of this backing by how: 0, or a
 * negative errno with err naming "aging" and what is missing.
 */
int mb_aging_host_check(enum mb_aging how, enum mb_backing backing, struct mb_error *err);

void mb_aging_init(struct mb_aging_state *a);
/* Make the run's cgroup and move the process into it; MGLRU on. */
int mb_aging_open(struct mb_aging_state *a, struct mb_error *err);
/*
 * One aging pass over the cgroup's memory, timed (ns: the writes that
 * age, with KVM's tracepoints enabled), and the notifier calls that
 * reached KVM over [start, end) during it.
 */
int mb_aging_mark(struct mb_aging_state *a, uint64_t start, uint64_t end, uint64_t *ns,
		  struct mb_notifier_counts *kvm, struct mb_error *err);
/*
 * How many of the cgroup's pages are still idle since the last mark: an
 * untimed pass, then the pages left in generations older than the one the
 * mark opened; total: all the cgroup's pages on the LRU.
 */
int mb_aging_count_idle(struct mb_aging_state *a, uint64_t *idle, uint64_t *total,
			struct mb_error *err);
/* Back to the process's cgroup, the cgroup removed, MGLRU as it was. */
void mb_aging_close(struct mb_aging_state *a);
/* What killed runs left: their cgroups, MGLRU's state, a debugfs mount. */
int mb_aging_reap(void);

#endif
