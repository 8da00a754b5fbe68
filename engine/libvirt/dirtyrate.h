/* SPDX-License-Identifier: MIT */
/*
 * libvirt's own measurement of a guest's dirty rate
 * (virDomainStartDirtyRateCalc): QEMU counts the pages the guest dirties
 * for a number of seconds, through the dirty bitmap or, when the guest
 * runs with a dirty ring, through the ring.  Run before a migration, it is
 * the figure the migration's numbers are read against.
 */
#ifndef MIGBENCH_DIRTYRATE_H
#define MIGBENCH_DIRTYRATE_H

#include <stdbool.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

struct mb_dirty_rate {
	uint64_t mib_s;			/* QEMU's result, MiB/s */
	uint64_t start_ns, end_ns;	/* CLOCK_MONOTONIC: the calculation's period */
};

/*
 * Measure for seconds and wait for the result; ring: the dirty-ring mode.
 * -errno and why in err when libvirt or QEMU refuse or give no result.
 */
int mb_dirty_rate_calc(virDomainPtr dom, unsigned int seconds, bool ring,
		       struct mb_dirty_rate *out, char *err, size_t err_len);

#endif
