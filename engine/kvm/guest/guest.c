// SPDX-License-Identifier: MIT
/*
 * The dirty-log guest: each vCPU walks its own slice of the test region
 * once per pass, writing or reading each 4KiB page per the shared pattern,
 * then reports to the host through an I/O port exit.  The host changes
 * args->iteration between passes.
 *
 * A host may run guest code through KVM's instruction emulator (the
 * development machine's nested shadow-MMU KVM ran every instruction of a
 * pass there): then each instruction and memory operand of the loop costs
 * about as much as KVM's own work for the page.  So the passes of
 * dirty_log_perf_test's kind (every page written, or every page read, in
 * order) have a loop of their own: four instructions and one 8-byte
 * access a page, the pass's values in registers rather than reloaded
 * from args after each store.
 */
#include "pattern.h"

static inline void guest_sync(void)
{
	__asm__ volatile("outb %b0, %w1" : : "a"(1), "Nd"(MB_GUEST_SYNC_PORT)
			 : "memory");
}

static void write_every_page(uint64_t addr, uint64_t end, uint64_t value)
{
	for (; addr < end; addr += MB_GUEST_PAGE_SIZE)
		*(volatile uint64_t *)addr = value;
}

static void read_every_page(uint64_t addr, uint64_t end)
{
	for (; addr < end; addr += MB_GUEST_PAGE_SIZE)
		(void)*(volatile uint64_t *)addr;
}

/*
 * Page by page as the pattern says: any order, any share of writes.  Runs
 * with a dirty ring keep to this loop for every pass: the development
 * machine's emulator ran up to 1024 guest instructions between two looks
 * at the ring's soft limit, and KVM keeps only 64 entries in reserve
 * above it, so at 4 instructions a page a 256-entry ring overflowed and
 * lost entries; this loop takes about 18 a page.
 */
static uint64_t walk_pattern(struct mb_guest_args *args, uint64_t iteration)
{
	uint64_t key = mb_order_key(args->seed, iteration, args->first_page);
	uint64_t written = 0;

	for (uint64_t i = 0; i < args->pages; i++) {
		uint64_t page = args->random_access ?
			mb_page_order(i, args->pages, key) : i;
		volatile uint64_t *p = (volatile uint64_t *)
			(args->gva_base + page * MB_GUEST_PAGE_SIZE);

		if (mb_page_is_written(args->seed, iteration,
				       args->first_page + page,
				       args->write_percent)) {
			*p = iteration;
			written++;
		} else {
			(void)*p;
		}
	}
	return written;
}

/* Pages written; the pattern decides which. */
static uint64_t run_pass(struct mb_guest_args *args, uint64_t iteration)
{
	uint64_t base = args->gva_base;
	uint64_t end = base + args->pages * MB_GUEST_PAGE_SIZE;

	if (args->random_access || args->pattern_loop)
		return walk_pattern(args, iteration);
	if (mb_pass_writes_all(iteration, args->write_percent)) {
		write_every_page(base, end, iteration);
		return args->pages;
	}
	if (mb_pass_reads_all(iteration, args->write_percent)) {
		read_every_page(base, end);
		return 0;
	}
	return walk_pattern(args, iteration);
}

void guest_main(struct mb_guest_args *args);

void guest_main(struct mb_guest_args *args)
{
	for (;;) {
		args->pages_written = run_pass(args, args->iteration);
		guest_sync();
	}
}
