/* SPDX-License-Identifier: MIT */
/*
 * Adaptive repetition: a group with a target CI gets one more run at a
 * time until the median of each of its engine's headline metrics is known
 * to within the target, or max_repeat is reached.
 */
#ifndef MIGBENCH_ADAPTIVE_H
#define MIGBENCH_ADAPTIVE_H

#include <stdint.h>

#include "store/store.h"
#include "engine.h"

/* After run id ended done: queue the next run of its group if it needs one. */
void adaptive_extend_group(struct store *st, const struct mb_engine *engine, int64_t id);

#endif
