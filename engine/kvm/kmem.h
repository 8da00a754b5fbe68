/* SPDX-License-Identifier: MIT */
/*
 * Kernel memory charged to the run, from the kernel's own accounting: a
 * private memory cgroup the measuring thread joins for a moment.  KVM
 * charges what it allocates for a memslot (reverse maps, large-page info,
 * write tracking, the dirty bitmap) to the cgroup of the task that made
 * the ioctl, so the cgroup's kernel-memory counter before and after the
 * ioctl gives what that ioctl allocated.
 */
#ifndef MIGBENCH_KMEM_H
#define MIGBENCH_KMEM_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct mb_kmem {
	char dir[PATH_MAX];	/* the private cgroup; "" when not made */
	char home[PATH_MAX];	/* the file that puts the thread back */
	int usage_fd;
	bool v2;		/* the unified hierarchy: the whole process moves */
	const char *source;	/* what is read, for the run's environment */
};

/*
 * Make the cgroup and move the calling thread (v1) or process (v2) into
 * it.  A negative errno with err saying why the host cannot be measured
 * (not root, no memory controller, a v2 parent that cannot delegate it).
 */
int mb_kmem_open(struct mb_kmem *k, struct mb_error *err);
/* Kernel memory charged to the cgroup so far, bytes. */
int mb_kmem_read(struct mb_kmem *k, uint64_t *bytes);
/* Move back and remove the cgroup; what stays charged moves to the parent. */
void mb_kmem_close(struct mb_kmem *k);
/* Remove cgroups such runs left when they were killed; how many. */
int mb_kmem_reap(void);

#endif
