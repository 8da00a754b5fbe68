/* SPDX-License-Identifier: MIT */
/*
 * Private tracefs instances, named migbench-PID after the process that
 * made them: tracefs is mounted for the instance when it was not, and
 * unmounted with it; a dead process's instances, and the mount made for
 * them (marked in /run/migbench-tracefs-PID), are reaped by name.
 */
#ifndef MIGBENCH_TRACEFS_H
#define MIGBENCH_TRACEFS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "kfile.h"

#define MB_TRACEFS "/sys/kernel/tracing"

struct mb_tracefs_instance {
	char dir[256];		/* the instance's directory; "" when none */
	bool mounted;		/* tracefs was mounted for it */
};

/* Make this process's instance (mounting tracefs if needed). */
int mb_tracefs_instance_make(struct mb_tracefs_instance *t, struct mb_error *err);
/* Disable its events and remove it (and the mount made for it). */
void mb_tracefs_instance_remove(struct mb_tracefs_instance *t);
/* Events its ring buffer dropped (overrun or not written), over every CPU. */
uint64_t mb_tracefs_lost(const struct mb_tracefs_instance *t);
/* Remove the instances of processes that no longer run; how many. */
int mb_tracefs_reap(void);

#endif
