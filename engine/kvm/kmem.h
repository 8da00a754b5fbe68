/* SPDX-License-Identifier: MIT */
/*
 * Kernel memory charged to the run, from the kernel's own accounting: a
 * private memory cgroup the measuring thread (v1) or process (v2) joins
 * for a moment.  KVM charges what it allocates for a memslot (reverse
 * maps, large-page info, write tracking, the dirty bitmap) to the cgroup
 * of the task that made the ioctl, so the cgroup's counter before and
 * after the ioctl gives what that ioctl allocated.
 *
 * v1 reads memory.kmem.usage_in_bytes.  v2 has no such counter; its
 * memory.stat "kernel" line moves in whole pages charged through a
 * per-CPU cache that pays small objects from bytes charged earlier, so it
 * can hide an allocation or show one a page too large.  KVM allocates
 * every per-page memslot array and the dirty bitmap with __vcalloc(),
 * i.e. vmalloc, which memory.stat counts page by page in its "vmalloc"
 * line, outside that cache: v2 reads that line, after reading cpu.stat,
 * which flushes the cgroup's per-CPU statistics (memory.stat alone flushes
 * only past a threshold).  That holds while one rstat flush covers every
 * controller, as on the 6.1 and 6.12 this is tested on; a kernel whose
 * cpu.stat flushes the cpu controller alone would need another flush.
 */
#ifndef MIGBENCH_KMEM_H
#define MIGBENCH_KMEM_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct mb_kmem {
	char dir[PATH_MAX];	/* the private cgroup; "" when not made */
	int home_fd;		/* the procs file that puts the caller back */
	int usage_fd;		/* what is read */
	int flush_fd;		/* v2: cpu.stat, read to flush the statistics */
	bool v2;		/* the unified hierarchy: the whole process moves */
	bool pinned;		/* the thread kept on one CPU while measured */
	cpu_set_t affinity;	/* ... and where it may run again after */
	const char *source;	/* what is read, for the run's environment */
};

/* Nothing open, nothing made: what mb_kmem_close() may be given first. */
void mb_kmem_init(struct mb_kmem *k);
/*
 * Make the cgroup and move the calling thread (v1) or process (v2) into
 * it.  A negative errno with err saying why the host cannot be measured
 * (not root, no memory controller, a v2 parent that does not enable it).
 */
int mb_kmem_open(struct mb_kmem *k, struct mb_error *err);
/* Kernel memory charged to the cgroup so far, bytes. */
int mb_kmem_read(struct mb_kmem *k, uint64_t *bytes);
/* Move back and remove the cgroup; what stays charged moves to the parent. */
void mb_kmem_close(struct mb_kmem *k);
/* Remove cgroups such runs left when they were killed; how many. */
int mb_kmem_reap(void);

#endif
