/* SPDX-License-Identifier: MIT */
/*
 * The mmu-notifier calls that reached KVM for the test memory, from KVM's
 * own tracepoints (kvm:kvm_unmap_hva_range, kvm:kvm_age_hva,
 * kvm:kvm_test_age_hva: in 6.1, 6.12 and later alike) in a tracefs
 * instance of the run's own, filtered to the test memory's host virtual
 * addresses.  The proof that an invalidation (or an aging pass) went
 * through KVM, and how much memory it covered.
 */
#ifndef MIGBENCH_NOTIFIER_H
#define MIGBENCH_NOTIFIER_H

#include <stdint.h>

#include "error.h"
#include "tracefs.h"

struct mb_notifier_trace {
	struct mb_tracefs_instance inst;
	uint64_t start, end;	/* the test memory, host virtual addresses */
};

struct mb_notifier_counts {
	uint64_t unmap_calls, unmap_pages;	/* kvm_unmap_hva_range */
	uint64_t age_calls, aged_pages;		/* kvm_age_hva */
	uint64_t test_age_calls;		/* kvm_test_age_hva */
};

/* Start counting the calls over [start, end). */
int mb_notifier_trace_start(struct mb_notifier_trace *t, uint64_t start, uint64_t end,
			    struct mb_error *err);
/*
 * Stop, count what was recorded, and remove the instance.  -EOVERFLOW
 * (err says so) when the buffer lost events: the counts would be short.
 */
int mb_notifier_trace_stop(struct mb_notifier_trace *t, struct mb_notifier_counts *c,
			   struct mb_error *err);

#endif
