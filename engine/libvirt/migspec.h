/* SPDX-License-Identifier: MIT */
/*
 * The spec of a migration run: the guest, where it goes and how, as JSON
 * keys (the REST API and the database).  Unknown keys and bad values are
 * errors that name the key.
 */
#ifndef MIGBENCH_MIGSPEC_H
#define MIGBENCH_MIGSPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "error.h"
#include "guestmem.h"
#include "site.h"

/* The backings a migration guest takes, NULL-ended. */
extern const char *const mig_backing_names[];

struct mb_migspec {
	unsigned int vcpus;
	uint64_t memory;		/* bytes */
	enum mb_backing backing;	/* hugetlb-1g, hugetlb-2m or anonymous */
	uint64_t wss;			/* 0: most of memory */
	enum mb_access access;
	uint64_t rate_mib_s;		/* 0: no cap */
	char destination[256];		/* "local" or a libvirt URI (destination.h) */
	uint64_t max_bandwidth;		/* MiB/s, 0: libvirt's default */
	uint64_t downtime_limit_ms;	/* 0: QEMU's default */
	bool postcopy, auto_converge;
	uint64_t dirty_ring_entries;	/* QEMU's kvm dirty-ring-size, 0: bitmap */
	uint64_t cancel_after_iterations;	/* 0: let it complete */
	/* with postcopy: switch to it once this many iterations completed, 0: never */
	uint64_t postcopy_after_iterations;
	bool trace;			/* trace QEMU's dirty-log ioctls */
	/* also log QEMU's own kvm_vm_ioctl events and check the trace against them */
	bool verify_trace;
	/* libvirt's dirty-rate calculation before the migration, 0: none */
	uint64_t dirty_rate_calc_s;
	/* absolute paths in the site's guest kernel directory (guestfile.h) */
	char guest_kernel[256], guest_initrd[256], guest_cmdline[512];
};

void mb_migspec_init(struct mb_migspec *s);
/* site: what the administrator allows (guest kernels, destination parameters). */
int mb_migspec_from_json(struct mb_migspec *s, struct json_object *obj,
			 unsigned int online_cpus, const struct mb_site_policy *site,
			 struct mb_error *err);
struct json_object *mb_migspec_to_json(const struct mb_migspec *s);
/* 1GiB or 2MiB pages for the guest's memory; 0 for normal pages. */
uint64_t mb_migspec_page_size(const struct mb_migspec *s);

#endif
