/* SPDX-License-Identifier: MIT */
/*
 * Hugepages migbenchd raises the pools by for a run.  Each is written to
 * the store before the pool grows, so that after a crash (even kill -9)
 * the next start can put every pool back.
 */
#ifndef MIGBENCH_HOLDINGS_H
#define MIGBENCH_HOLDINGS_H

#include <stdint.h>

#include "store/store.h"
#include "engine.h"
#include "hugepages.h"

struct holdings {
	struct {
		struct mb_hugepage_reservation resv;
		int64_t holding_id;	/* 0: nothing recorded */
	} pool[MB_MAX_POOLS];
};

/*
 * Make sure the pools have what the run needs, raising them if they lack
 * free pages.  On failure nothing is held and err says why.
 */
int holdings_take(struct store *st, int64_t run_id, const struct mb_run_needs *needs,
		  struct holdings *h, struct mb_error *err);
/* Put the pools back as they were before holdings_take(). */
void holdings_give_back(struct store *st, struct holdings *h);
/* After a restart: give back what runs of an earlier migbenchd held. */
int holdings_restore(struct store *st);

#endif
