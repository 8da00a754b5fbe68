/* SPDX-License-Identifier: MIT */
/*
 * Guest memory of the test region, from the backing source the spec asks
 * for, checked to be what was asked.
 */
#ifndef MIGBENCH_BACKING_H
#define MIGBENCH_BACKING_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#include "spec.h"

struct mb_backing_mem {
	enum mb_backing type;
	void *hva;		/* aligned start used by the guest */
	size_t size;		/* bytes the guest uses */
	void *map_base;		/* what to munmap */
	size_t map_size;
	int memfd;		/* shmem only, else -1 */
};

/* Page size the backing gives (hugetlb) or aims for (thp). */
uint64_t mb_backing_page_size(enum mb_backing type);

/* How many persistent hugepages a region of bytes needs (0 if none). */
long mb_backing_hugepages_needed(enum mb_backing type, uint64_t bytes);

/*
 * Map the region.  Refuses with a message in err when the source cannot
 * give it (no free hugepages, THP disabled), and checks the mapping's
 * kernel page size afterwards.
 */
int mb_backing_alloc(struct mb_backing_mem *m, enum mb_backing type,
		     uint64_t bytes, struct mb_error *err);

/* Bytes of the region currently backed by huge pages (smaps). */
uint64_t mb_backing_huge_bytes(const struct mb_backing_mem *m);

void mb_backing_free(struct mb_backing_mem *m);

#endif
