// SPDX-License-Identifier: MIT
#include "dirtylog.h"
#include "guest/pattern.h"

void mb_dirty_check_slot(const uint64_t *bitmap, uint64_t first_page,
			 uint64_t pages, uint64_t seed, uint32_t iteration,
			 uint32_t write_percent, bool expect_all,
			 struct mb_dirty_check *acc)
{
	for (uint64_t w = 0; w < (pages + 63) / 64; w++) {
		uint64_t expected = 0, got = bitmap[w];
		uint64_t in_word = pages - w * 64 < 64 ? pages - w * 64 : 64;

		for (uint64_t b = 0; b < in_word; b++)
			if (expect_all ||
			    mb_page_is_written(seed, iteration,
					       first_page + w * 64 + b,
					       write_percent))
				expected |= 1ULL << b;
		if (in_word < 64)
			got &= (1ULL << in_word) - 1;
		acc->reported += (uint64_t)__builtin_popcountll(got);
		acc->missing += (uint64_t)__builtin_popcountll(expected & ~got);
		acc->extra += (uint64_t)__builtin_popcountll(got & ~expected);
	}
}
