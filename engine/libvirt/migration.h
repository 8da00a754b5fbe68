/* SPDX-License-Identifier: MIT */
/*
 * A live peer-to-peer migration through libvirt: the job statistics
 * sampled while it runs (every 10 ms until the first RAM byte moves, then
 * every 100 ms), and its phases from libvirt's events on the source: when
 * each iteration began (QEMU's MIGRATION_PASS) and when the source
 * stopped (switch-over, or the switch to postcopy).
 */
#ifndef MIGBENCH_MIGRATION_H
#define MIGBENCH_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

struct mb_migration_opts {
	const char *dest_uri;		/* libvirt URI of the destination */
	/* where QEMU's stream goes (VIR_MIGRATE_PARAM_URI, unix:///PATH); NULL: libvirt's choice */
	const char *migrate_uri;
	const char *dest_xml;		/* the domain there (VIR_MIGRATE_PARAM_DEST_XML); NULL: as here */
	virConnectPtr dest_conn;	/* optional: for the completed job's figures */
	uint64_t max_bandwidth_mib_s;	/* 0: libvirt's default */
	uint32_t downtime_limit_ms;	/* 0: QEMU's default */
	bool auto_converge;
	bool postcopy;
	/* switch to postcopy once this many iterations completed (0: never) */
	uint64_t postcopy_after_iterations;
	/* abort the job once it reaches this iteration (0: never) */
	uint64_t abort_after_iterations;
	volatile int *stop;		/* set: abort the job */
};

/* One sample of virDomainGetJobStats while QEMU moves RAM. */
struct mb_jobstat {
	uint64_t t_ms;			/* since the migration started */
	uint64_t processed, remaining, total;	/* memory bytes */
	uint64_t dirty_rate;		/* pages/s; 0 until QEMU computed one */
	uint64_t iteration;
	uint64_t bps;
};

/* A figure and whether libvirt gave it. */
struct mb_figure {
	uint64_t v;
	bool known;
};

struct mb_migration_result {
	uint64_t start_ns, end_ns;	/* CLOCK_MONOTONIC: the job's start, the migrate call's end */
	struct mb_jobstat *series;
	size_t n;
	/* ms after the start: iteration i began at iteration_ms[i - 1] */
	uint64_t iteration_ms[1024];
	size_t n_iteration_ms;
	struct mb_figure first_byte_ms;	/* the first RAM byte processed */
	struct mb_figure stopped_ms;	/* the source stopped: switch-over or postcopy */
	bool postcopy_started;		/* the switch to postcopy was made */
	/* final figures, libvirt's completed-job statistics */
	struct mb_figure total_ms, setup_ms, downtime_ms, iterations;
	struct mb_figure transferred_bytes, dirty_rate_pps;
	bool aborted;			/* by abort_after_iterations or *stop */
	char error[512];
};

/* Migrate dom (its connection is the source); 0 or -errno with error. */
int mb_migrate(virDomainPtr dom, const struct mb_migration_opts *o,
	       struct mb_migration_result *r);
void mb_migration_result_free(struct mb_migration_result *r);

#endif
