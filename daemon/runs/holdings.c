// SPDX-License-Identifier: MIT

#include "runs/holdings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/holdings.h"
#include "store/runs.h"
#include "store/store.h"

static int take_pool(struct store *st, int64_t run_id, uint64_t psize, long need,
		     struct mb_hugepage_reservation *resv, int64_t *holding_id,
		     struct mb_error *err)
{
	struct mb_hugepage_pool pool;
	int ret;

	if (mb_hugepages_read(psize, &pool))
		return mb_error_set(err, -EOPNOTSUPP, NULL, "this kernel has no %s hugepage pool",
				    mb_hugepage_size_name(psize));
	if (pool.free - pool.resv >= need)
		return 0;
	/* Written down before the pool grows, so a crash cannot leak it. */
	ret = store_holding_add(st, run_id, psize, pool.nr, holding_id);
	if (ret)
		return mb_error_set(err, ret, NULL, "cannot record the hugepage reservation: %s",
				    strerror(-ret));
	ret = mb_hugepages_reserve(psize, need, resv, err);
	if (ret || !resv->active) {
		store_holding_release(st, *holding_id);
		*holding_id = 0;
	}
	return ret;
}

int holdings_take(struct store *st, int64_t run_id, const struct mb_run_needs *needs,
		  struct holdings *h, struct mb_error *err)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < MB_MAX_POOLS; i++) {
		int ret;

		if (!needs->hugepages[i].pages)
			continue;
		ret = take_pool(st, run_id, needs->hugepages[i].page_size,
				needs->hugepages[i].pages, &h->pool[i].resv,
				&h->pool[i].holding_id, err);
		if (ret) {
			holdings_give_back(st, h);
			return ret;
		}
	}
	return 0;
}

void holdings_give_back(struct store *st, struct holdings *h)
{
	for (int i = MB_MAX_POOLS - 1; i >= 0; i--) {
		mb_hugepages_release(&h->pool[i].resv);
		if (h->pool[i].holding_id)
			store_holding_release(st, h->pool[i].holding_id);
		h->pool[i].holding_id = 0;
	}
}

static void give_back_holding(void *ctx, int64_t id, int64_t run_id,
			      uint64_t page_size, long previous_nr)
{
	struct store *st = ctx;
	struct mb_hugepage_reservation r = {
		.page_size = page_size, .previous_nr = previous_nr, .active = true,
	};
	char msg[160];

	if (mb_hugepages_release(&r) == 0) {
		store_holding_release(st, id);
		snprintf(msg, sizeof(msg),
			 "migbenchd restarted: %s hugepage pool put back to %ld",
			 mb_hugepage_size_name(page_size), previous_nr);
		store_add_event(st, run_id, msg);
	}
}

int holdings_restore(struct store *st)
{
	return store_holdings_open(st, give_back_holding, st);
}
