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

#include "samples.h"
#include "spec.h"

enum mb_run_status {
	MB_RUN_OK,
	MB_RUN_BAD_SPEC,	/* the spec cannot run as written */
	MB_RUN_UNAVAILABLE,	/* the host lacks a resource or capability */
	MB_RUN_FAILED,		/* KVM or the dirty log misbehaved */
	MB_RUN_INTERRUPTED,	/* *stop was set */
};

struct mb_dirtylog_opts {
	bool reserve_hugepages;
	/* Set (e.g. from a signal handler) to abandon the run. */
	volatile sig_atomic_t *stop;
	/* Called between phases, never inside a timed region. */
	void (*progress)(void *ctx, const char *message);
	void *progress_ctx;
};

struct mb_dirtylog_result {
	struct mb_spec spec;		/* auto options resolved */
	struct json_object *environment;
	struct mb_samples samples;
	char error[512];
};

/*
 * Run one benchmark.  Whatever the outcome, the result holds what was
 * measured and recorded so far, and nothing is left behind: threads
 * joined, VM closed, memory unmapped, hugepage pools as they were.
 */
enum mb_run_status mb_dirtylog_run(const struct mb_spec *spec,
				   const struct mb_dirtylog_opts *opts,
				   struct mb_dirtylog_result *res);

void mb_dirtylog_result_free(struct mb_dirtylog_result *res);

/* {"spec", "environment", "samples", "summary"} */
struct json_object *mb_dirtylog_result_json(const struct mb_dirtylog_result *res);

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
