/* SPDX-License-Identifier: MIT */
/*
 * The source QEMU's dirty-log ioctls during a migration, as samples: every
 * thread but the vCPUs traced (ioctltrace.h: the migration thread, the
 * dirty-ring reaper, the main loop), each memslot update classed as
 * enabling or disabling dirty logging by QEMU's own kvm_set_user_memory
 * events, and the trace checked, when asked, against QEMU's own
 * kvm_vm_ioctl events.
 */
#ifndef MIGBENCH_QEMUTRACE_H
#define MIGBENCH_QEMUTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ioctltrace.h"
#include "samples.h"

struct mb_qemu_trace {
	struct mb_ioctl_trace t;
	char log[600];			/* QEMU's log file */
	size_t memslot_events_before;	/* in the log when the trace began */
	uint64_t realtime_from_us, realtime_to_us;	/* QEMU's log clock */
};

/* Trace pid (QEMU, its log at log); -errno and why in err. */
int mb_qemu_trace_start(struct mb_qemu_trace *q, pid_t pid, const char *log,
			char *err, size_t err_len);
void mb_qemu_trace_stop(struct mb_qemu_trace *q);
void mb_qemu_trace_free(struct mb_qemu_trace *q);

/* Successful calls as qemu_*_ns samples. */
void mb_qemu_trace_samples(const struct mb_qemu_trace *q, struct mb_samples *out);

/*
 * Traced calls per command against QEMU's own kvm_vm_ioctl events of the
 * same threads and time: 0 when every count agrees, -EBADMSG when one
 * does not, -ENOENT without QEMU's log; the counts in msg either way.
 */
int mb_qemu_trace_verify(const struct mb_qemu_trace *q, char *msg, size_t len);

#endif
