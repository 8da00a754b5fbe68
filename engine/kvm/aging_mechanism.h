/* SPDX-License-Identifier: MIT */
/*
 * One way of aging memory, behind aging.c: what it needs of the host,
 * what it sets up, its timed pass, and its count of idle pages.  aging.c
 * makes the cgroup (for the mechanisms that age a memory cgroup), traces
 * KVM around the pass and restores the host.
 */
#ifndef MIGBENCH_AGING_MECHANISM_H
#define MIGBENCH_AGING_MECHANISM_H

#include <stdbool.h>
#include <stdint.h>

#include "aging_state.h"
#include "backing.h"
#include "error.h"

struct mb_aging_mechanism {
	/* what the host lacks for it, beyond a memory cgroup of its own */
	int (*check)(enum mb_backing backing, uint64_t bytes, struct mb_error *err);
	/* what it needs before the process joins the cgroup; NULL: nothing */
	int (*open)(struct mb_aging_state *a, struct mb_error *err);
	/* untimed reading before the pass (the tracepoints are not on yet) */
	int (*before)(struct mb_aging_state *a, struct mb_error *err);
	/* the pass; ns: only the writes that age */
	int (*mark)(struct mb_aging_state *a, uint64_t *ns, struct mb_error *err);
	/* untimed reading after the pass */
	int (*after)(struct mb_aging_state *a, struct mb_error *err);
	/* NULL where the mechanism has no count of idle pages: no_idle says why */
	int (*count_idle)(struct mb_aging_state *a, uint64_t *idle, uint64_t *total,
			  struct mb_error *err);
	const char *no_idle;
	/* what it set up, taken down before the host is restored; NULL: nothing */
	void (*close)(struct mb_aging_state *a);
	/* the pages its idle count looked at, as the statement names them */
	const char *counted;
	/* it ages the run's memory cgroup (LRU memory only: not hugetlb) */
	bool memcg;
};

extern const struct mb_aging_mechanism mb_aging_lru_gen, mb_aging_reclaim, mb_aging_damon;

/*
 * Stop and remove the kdamond whose target is pid (the run's process,
 * alive or dead), if it is the only one: never another's.  0, or a
 * negative errno where it stays (the state file is then kept).
 */
int mb_aging_damon_put_back(int pid);

#define MB_LRU_GEN_SYSFS "/sys/kernel/mm/lru_gen"
#define MB_DEBUGFS "/sys/kernel/debug"

#endif
