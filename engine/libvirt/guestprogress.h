/* SPDX-License-Identifier: MIT */
/*
 * The migration guest's own progress, seen from the host: every 10 ms a
 * thread reads each vCPU's count of pages written out of the guest's
 * progress block (mbguest/main.c) in QEMU's memory (/proc/PID/mem), with
 * the host's monotonic clock, from the source QEMU and, once it exists,
 * the destination's; a vCPU's count is the larger of the two.  The host's
 * clock runs on while the guest is stopped, so the switch-over shows as
 * time without progress.
 */
#ifndef MIGBENCH_GUESTPROGRESS_H
#define MIGBENCH_GUESTPROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samples.h"

#define MB_PROGRESS_PERIOD_MS	10
#define MB_PROGRESS_MAX_CPUS	64

/* A QEMU whose guest memory holds the block: its pid file and its log. */
struct mb_progress_source {
	char pidfile[600], log[600];
	int fd;			/* /proc/PID/mem, -1 until found */
	uint64_t hva;		/* the block in QEMU's address space */
};

struct mb_guest_progress {
	unsigned int cpus;
	uint64_t gpa;				/* the block, guest-physical */
	struct mb_progress_source src[2];	/* source, destination ("" : none) */
	pthread_t thread;
	bool running;
	volatile bool stop;
	pthread_mutex_t lock;
	/* filled by the thread: n readings, t_ns[i] and pages[i * cpus + cpu] */
	uint64_t *t_ns, *pages;
	size_t n, cap;
	bool full;				/* the readings hit their cap */
};

/*
 * Start reading every vCPU's count; dst_* may be NULL (a destination on
 * another host).  -errno and why in err when the source cannot be read.
 */
int mb_guest_progress_start(struct mb_guest_progress *p, unsigned int cpus, uint64_t gpa,
			    const char *src_pidfile, const char *src_log,
			    const char *dst_pidfile, const char *dst_log,
			    char *err, size_t err_len);
void mb_guest_progress_stop(struct mb_guest_progress *p);
void mb_guest_progress_free(struct mb_guest_progress *p);

/* All vCPUs' writes between two CLOCK_MONOTONIC times, in MiB/s; -ENODATA without readings. */
int mb_guest_progress_rate(struct mb_guest_progress *p, uint64_t from_ns, uint64_t to_ns,
			   double *mib_s);

/*
 * The longest span in [from_ns, to_ns] over which some vCPU's count did not
 * move, first to last reading with the same count (a lower bound, to the
 * reading period); -ENODATA without two readings there.
 */
int mb_guest_progress_stall(const struct mb_guest_progress *p, uint64_t from_ns, uint64_t to_ns,
			    uint64_t *ms);

/*
 * Append, per reading in [t0_ns, to_ns], guest_t_ms (ms after t0_ns) and
 * each vCPU's guest_write_rate_kib_s since the reading before.
 */
void mb_guest_progress_samples(const struct mb_guest_progress *p, uint64_t t0_ns, uint64_t to_ns,
			       struct mb_samples *out);

#endif
