// SPDX-License-Identifier: MIT
/*
 * The dirty-log guest: each vCPU walks its own slice of the test region
 * once per pass, writing or reading each 4KiB page per the shared pattern,
 * then reports to the host through an I/O port exit.  The host changes
 * args->iteration between passes.
 */
#include "pattern.h"

static inline void guest_sync(void)
{
	__asm__ volatile("outb %b0, %w1" : : "a"(1), "Nd"(MB_GUEST_SYNC_PORT)
			 : "memory");
}

void guest_main(struct mb_guest_args *args);

void guest_main(struct mb_guest_args *args)
{
	for (;;) {
		uint64_t iteration = args->iteration;
		uint64_t key = mb_order_key(args->seed, iteration,
					    args->first_page);
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
		args->pages_written = written;
		guest_sync();
	}
}
