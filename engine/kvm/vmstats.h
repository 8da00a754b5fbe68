/* SPDX-License-Identifier: MIT */
/*
 * KVM's own statistics of a VM (KVM_GET_STATS_FD): read between phases and
 * kept as kvm_stat samples, so a run shows what KVM mapped, split and
 * zapped (pages_4k, pages_2m, pages_1g, mmu_shadow_zapped, ...).
 */
#ifndef MIGBENCH_VMSTATS_H
#define MIGBENCH_VMSTATS_H

#include <stdint.h>

#include "error.h"
#include "samples.h"

struct mb_vmstats {
	int fd;
	unsigned int nr;	/* statistics kept: those of one value */
	uint16_t *stat;		/* each one's name index in the samples */
	uint32_t *offset;	/* each one's place in the data block, bytes */
	uint64_t *data;		/* the data block, read whole */
	size_t data_off, data_size;
	uint32_t readings;	/* the next reading's number */
	unsigned int skipped;	/* histograms and names past the limit */
};

/*
 * Open the VM's statistics and name each in samples.  -EOPNOTSUPP (with
 * err) when the kernel has no KVM_GET_STATS_FD.
 */
int mb_vmstats_open(struct mb_vmstats *vs, int vm_fd, struct mb_samples *samples,
		    struct mb_error *err);
/* One sample per statistic, after phase; outside any timed region. */
int mb_vmstats_record(struct mb_vmstats *vs, struct mb_samples *samples,
		      enum mb_phase phase);
void mb_vmstats_close(struct mb_vmstats *vs);

#endif
