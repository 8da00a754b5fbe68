/* SPDX-License-Identifier: MIT */
/*
 * What both engines let a spec choose about guest memory: where it comes
 * from, in which order the guest walks it, and the bounds of KVM's dirty
 * ring.  Names are the spec values ("hugetlb-1g", "random").
 */
#ifndef MIGBENCH_GUESTMEM_H
#define MIGBENCH_GUESTMEM_H

#include <stdint.h>

#define MB_RING_MIN_ENTRIES	256	/* one 4KiB page of kvm_dirty_gfn */
#define MB_RING_MAX_ENTRIES	65536	/* KVM_DIRTY_RING_MAX_ENTRIES */

enum mb_backing {
	MB_BACKING_ANONYMOUS,
	MB_BACKING_THP,
	MB_BACKING_HUGETLB_2M,
	MB_BACKING_HUGETLB_1G,
	MB_BACKING_SHMEM,
};

enum mb_access {
	MB_ACCESS_SEQUENTIAL,
	MB_ACCESS_RANDOM,
};

/* By enum value, NULL-terminated: for key tables and messages. */
extern const char *const mb_backing_names[];
extern const char *const mb_access_names[];

const char *mb_backing_name(enum mb_backing b);
const char *mb_access_name(enum mb_access a);

/* Persistent hugepage size of a hugetlb backing; 0 for the others. */
uint64_t mb_backing_hugepage_size(enum mb_backing b);

#endif
