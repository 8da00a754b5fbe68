/* SPDX-License-Identifier: MIT */
/* What the test memslots cost the kernel (memslot_cost.c). */
#ifndef MIGBENCH_MEMSLOT_COST_H
#define MIGBENCH_MEMSLOT_COST_H

#include "dirtylog_run.h"

/* The test memslots made, what the kernel allocated for them measured. */
enum mb_run_status memslot_cost_create(struct dirtylog_run *e);
/* Dirty logging enabled (enable_dirty_log_ns), its allocation measured. */
enum mb_run_status memslot_cost_enable(struct dirtylog_run *e);

#endif
