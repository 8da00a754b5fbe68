/* SPDX-License-Identifier: MIT */
/* Reading runs for comparisons: selectors, and a run's samples row by row. */
#ifndef MIGBENCH_STORE_SELECTORS_H
#define MIGBENCH_STORE_SELECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "error.h"

/*
 * The done runs a selector names, oldest first: LABEL, label:L,
 * kernel:RELEASE, tag:KEY=VALUE, sweep:ID or runs:1,2,3.  At most max, *truncated
 * when more match.  -EINVAL for a bad selector, -ENOENT when none match,
 * with the message in err naming what (the request field).
 */
int store_select_runs(struct store *st, const char *what, const char *selector,
		      int64_t *ids, size_t max, size_t *n, bool *truncated,
		      struct mb_error *err);
/* Each sample of the run, ordered by metric; fn's non-zero return stops. */
typedef int (*store_sample_fn)(void *ctx, const char *metric, uint32_t iteration,
			       double value);
int store_each_sample(struct store *st, int64_t id, store_sample_fn fn, void *ctx);

#endif
