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

#include <stdint.h>

#include "aging_state.h"
#include "backing.h"
#include "error.h"
#include "notifier.h"
#include "spec.h"

/*
 * Whether this host can age bytes of test memory of this backing by how:
 * 0, or a negative errno with err naming "aging" and what is missing.
 */
int mb_aging_host_check(enum mb_aging how, enum mb_backing backing, uint64_t bytes,
			struct mb_error *err);

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
