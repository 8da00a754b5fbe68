/* SPDX-License-Identifier: MIT */
/*
 * Where this process stands in the memory controller's cgroup hierarchy,
 * and the few moves a run makes in it: cgroups of its own made beside
 * the process for a moment, joined, left and removed, and, under a
 * service manager that delegated the process's cgroup to it, a leaf of
 * that cgroup to live in so that the memory controller can be enabled
 * below it (cgroup v2 lets a cgroup either hold processes or hand
 * controllers to children, not both).
 */
#ifndef MIGBENCH_CGROUP_H
#define MIGBENCH_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct mb_cgroup_place {
	bool v2;		/* the unified hierarchy: whole processes move */
	char own[PATH_MAX / 2];	/* this process's cgroup, a directory */
	/*
	 * Where a cgroup of the run's own is made: v1 the own cgroup (a
	 * thread joins a child of it); v2 its parent, or the root when the
	 * process is in the root (a v2 child would need the own cgroup's
	 * subtree_control, which a cgroup holding processes cannot enable).
	 */
	char parent[PATH_MAX / 2];
	size_t mount_len;	/* own + mount_len: the path inside the hierarchy */
};

/* The memory controller's hierarchy (v1 "memory", else cgroup2) for this process. */
int mb_cgroup_locate(struct mb_cgroup_place *p, struct mb_error *err);

/* Whether the space-separated cgroup file dir/file lists word ("memory"). */
bool mb_cgroup_lists(const char *dir, const char *file, const char *word);

/*
 * Under a delegated v2 cgroup (systemd's Delegate=, marked by its
 * trusted.delegate or user.delegate attribute) that offers the memory
 * controller but does not enable it below: move the whole process into
 * the child leaf and enable memory below the delegated cgroup, so runs
 * can make memory cgroups beside the leaf.  1 when it moved, 0 when there
 * was nothing to do (v1, not delegated, already enabled), or a negative
 * errno with err saying why, the process back where it was.
 */
int mb_cgroup_settle(const char *leaf, struct mb_error *err);

/*
 * Remove the cgroups named PREFIX<pid> directly below parent whose pid no
 * longer runs (a run killed before it removed its own); how many.
 */
int mb_cgroup_reap(const char *parent, const char *prefix);

#endif
