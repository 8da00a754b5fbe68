/* SPDX-License-Identifier: MIT */
/* Host resources runs hold (hugepages now), recorded before they are taken. */
#ifndef MIGBENCH_STORE_HOLDINGS_H
#define MIGBENCH_STORE_HOLDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Host holdings: written before a resource is taken. */
int store_holding_add(struct store *st, int64_t run_id, uint64_t page_size,
		      long previous_nr, int64_t *holding_id);
int store_holding_release(struct store *st, int64_t holding_id);
/* Call fn for every holding not yet released. */
int store_holdings_open(struct store *st,
			void (*fn)(void *ctx, int64_t id, int64_t run_id,
				   uint64_t page_size, long previous_nr),
			void *ctx);

#endif
