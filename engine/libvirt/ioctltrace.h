/* SPDX-License-Identifier: MIT */
/*
 * The duration of every dirty-log ioctl a process makes, from the kernel's
 * syscall tracepoints (sys_enter_ioctl / sys_exit_ioctl) in a private
 * tracefs instance that is always removed afterwards.  Used on the source
 * QEMU during a migration; any process can be traced.
 */
#ifndef MIGBENCH_IOCTLTRACE_H
#define MIGBENCH_IOCTLTRACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tracefs.h"

#define MB_KVM_GET_DIRTY_LOG		0x4010ae42u
#define MB_KVM_CLEAR_DIRTY_LOG		0xc018aec0u
#define MB_KVM_SET_USER_MEMORY_REGION	0x4020ae46u
#define MB_KVM_RESET_DIRTY_RINGS	0x0000aec7u

struct mb_ioctl_call {
	uint32_t cmd;
	pid_t tid;
	uint64_t start;		/* trace clock: TSC ticks, or microseconds */
	uint64_t duration_ns;
	int64_t ret;
};

struct mb_ioctl_trace {
	struct mb_tracefs_instance inst;
	int pipe_fd;
	pthread_t reader;
	bool reading;
	bool stopping;
	/* filled by the reader thread; read after mb_ioctl_trace_stop */
	struct mb_ioctl_call *calls;
	size_t n, cap;
	size_t unmatched;	/* exits without an enter, enters without an exit */
	pid_t skipped[256];	/* the threads left out (skip_prefix) */
	size_t nskipped;
	/*
	 * With the x86-tsc trace clock tracefs prints TSC ticks, calibrated
	 * here against CLOCK_MONOTONIC; else it prints microseconds.
	 */
	bool tsc;
	uint64_t tsc0, ns0;
	char err[256];
};

/*
 * Trace pid's threads, but those whose name starts with skip_prefix (QEMU's
 * vCPU threads, "CPU "; NULL: none), and threads they start from now on.
 */
int mb_ioctl_trace_start(struct mb_ioctl_trace *t, pid_t pid, const char *skip_prefix,
			 char *err, size_t err_len);
/* Stop, collect what is left, remove the instance (and unmount). */
void mb_ioctl_trace_stop(struct mb_ioctl_trace *t);
void mb_ioctl_trace_free(struct mb_ioctl_trace *t);

#endif
