/* SPDX-License-Identifier: MIT */
/*
 * The access pattern of the dirty-log guest, shared by the guest code and
 * the host.  Both sides compile these functions, so the host can work out
 * exactly which pages the guest wrote in an iteration and check the dirty
 * log against it, whatever the access order or write percentage.
 *
 * Freestanding: no libc, no floating point (the guest is built with
 * -mgeneral-regs-only).
 */
#ifndef MIGBENCH_GUEST_PATTERN_H
#define MIGBENCH_GUEST_PATTERN_H

#include <stdint.h>

#define MB_GUEST_PAGE_SIZE	4096ULL
#define MB_GUEST_SYNC_PORT	0x7e0	/* guest -> host: pass finished */

/* One per vCPU, in the guest's system memory; the host fills it in. */
struct mb_guest_args {
	uint64_t gva_base;		/* first byte of this vCPU's slice */
	uint64_t pages;			/* 4KiB pages in the slice */
	uint64_t seed;
	uint64_t first_page;		/* slice's index in the test region */
	uint32_t write_percent;
	uint32_t random_access;
	volatile uint64_t iteration;	/* pass number, 0 = populate */
	volatile uint64_t pages_written;	/* guest -> host, per pass */
	uint32_t pattern_loop;		/* every pass page by page: guest.c */
	uint32_t pad;
};

static inline uint64_t mb_mix64(uint64_t x)
{
	/* splitmix64 finaliser: cheap, well distributed, no tables */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Passes that write every page: populate (pass 0), and 100% writes. */
static inline int mb_pass_writes_all(uint64_t iteration, uint32_t write_percent)
{
	return iteration == 0 || write_percent >= 100;
}

/* Passes that write no page. */
static inline int mb_pass_reads_all(uint64_t iteration, uint32_t write_percent)
{
	return !mb_pass_writes_all(iteration, write_percent) && write_percent == 0;
}

/*
 * Whether a page is written (else read) in a pass.  Keyed on the page's
 * index in the whole test region, not on the visiting order, so the host
 * can recompute it page by page.
 */
static inline int mb_page_is_written(uint64_t seed, uint64_t iteration,
				     uint64_t region_page,
				     uint32_t write_percent)
{
	if (mb_pass_writes_all(iteration, write_percent))
		return 1;
	if (mb_pass_reads_all(iteration, write_percent))
		return 0;
	return mb_mix64(seed ^ mb_mix64(iteration << 40 ^ region_page)) % 100 <
	       write_percent;
}

/*
 * The i-th page to visit out of n in random order: a keyed 4-round Feistel
 * permutation over the next even power of two, cycle-walked into [0, n).
 * Every page is visited exactly once per pass, so "pages written" is a
 * count of distinct pages and the dirty log can be checked exactly.
 */
static inline uint64_t mb_page_order(uint64_t i, uint64_t n, uint64_t key)
{
	unsigned int half = 1;
	uint64_t mask, x = i;

	while ((1ULL << (2 * half)) < n)
		half++;
	mask = (1ULL << half) - 1;
	do {
		uint64_t l = x >> half, r = x & mask;
		for (unsigned int round = 0; round < 4; round++) {
			uint64_t f = mb_mix64(r ^ key ^ (uint64_t)round << 56);
			uint64_t t = r;

			r = (l ^ f) & mask;
			l = t;
		}
		x = l << half | r;
	} while (x >= n);
	return x;
}

static inline uint64_t mb_order_key(uint64_t seed, uint64_t iteration,
				    uint64_t first_page)
{
	return mb_mix64(seed + mb_mix64(iteration ^ first_page << 20));
}

#endif
