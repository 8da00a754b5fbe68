/* SPDX-License-Identifier: MIT */
/*
 * The direct dirty-log engine: drives /dev/kvm like the kernel's
 * dirty_log_perf_test and times each dirty-log ioctl.
 */
#ifndef MIGBENCH_DIRTYLOG_H
#define MIGBENCH_DIRTYLOG_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "engine.h"
#include "samples.h"
#include "spec.h"

/* This engine behind the engine interface (engine_kvm.c). */
extern const struct mb_engine mb_engine_kvm;

/*
 * Run one benchmark of spec, which comes back resolved (auto options
 * decided).  Whatever the outcome, the result holds what was measured and
 * recorded so far, and nothing is left behind: threads joined, VM closed,
 * memory unmapped, hugepage pools as they were.
 */
enum mb_run_status mb_dirtylog_run(struct mb_spec *spec,
				   const struct mb_run_opts *opts,
				   struct mb_run_result *res);

/*
 * Comparison of one memslot's dirty bitmap with the pages the guest wrote
 * in an iteration (recomputed from the shared access pattern).
 */
struct mb_dirty_check {
	uint64_t reported;	/* bits set */
	uint64_t missing;	/* written, not reported */
	uint64_t extra;		/* reported, not written */
};

void mb_dirty_check_slot(const uint64_t *bitmap, uint64_t first_page,
			 uint64_t pages, uint64_t seed, uint32_t iteration,
			 uint32_t write_percent, bool expect_all,
			 struct mb_dirty_check *acc);

#endif
