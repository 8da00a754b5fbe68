/* SPDX-License-Identifier: MIT */
/*
 * A live peer-to-peer migration through libvirt, with the job statistics
 * sampled every 100 ms while it runs.
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
	/* abort the job once it reaches this iteration (0: never) */
	uint64_t abort_after_iterations;
	volatile int *stop;		/* set: abort the job */
};

/* One sample of virDomainGetJobStats. */
struct mb_jobstat {
	uint64_t t_ms;			/* since the migration started */
	uint64_t processed, remaining, total;	/* memory bytes */
	uint64_t dirty_rate;		/* pages/s */
	uint64_t iteration;
	uint64_t bps;
};

struct mb_migration_result {
	struct mb_jobstat *series;
	size_t n;
	/* final figures, as the issue names them */
	uint64_t total_ms, setup_ms, downtime_ms, iterations;
	uint64_t transferred_bytes, dirty_rate_pps;
	bool aborted;			/* by abort_after_iterations or *stop */
	char error[512];
};

/* Migrate dom (its connection is the source); 0 or -errno with error. */
int mb_migrate(virDomainPtr dom, const struct mb_migration_opts *o,
	       struct mb_migration_result *r);
void mb_migration_result_free(struct mb_migration_result *r);

#endif
