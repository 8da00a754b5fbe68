// SPDX-License-Identifier: MIT
/*
 * The zap steps after the iterations, in the order the spec's zap lists
 * them: disable dirty logging, let the guest touch its memory again (so
 * huge mappings come back), invalidate the memory through the mmu
 * notifier, delete the test memslots.  Each timed region holds the calls
 * that zap and the two clock reads; KVM's statistics are read after each
 * step.
 */
#include "zap.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "clock.h"
#include "dirtylog_vcpu.h"
#include "kvm.h"
#include "notifier.h"

static enum mb_run_status disable(struct dirtylog_run *e)
{
	uint32_t last = e->spec.iterations;
	enum mb_run_status status;
	uint64_t ns;

	/* With vcpus_run_during_disable the guest keeps writing meanwhile. */
	if (e->spec.vcpus_run_during_disable)
		vcpu_release_pass(e, last + 1);
	status = dirtylog_set_logging(e, false, &ns);
	if (status)
		return status;
	mb_samples_add(&e->res->samples, MB_DISABLE_DIRTY_LOG_NS, 0, 0, ns);
	if (e->spec.vcpus_run_during_disable)
		status = vcpu_wait_pass(e);
	return status;
}

/* The guest reads every page: faults map what the host MMU allows now. */
static enum mb_run_status touch(struct dirtylog_run *e)
{
	vcpu_release_pass(e, e->touch_pass);
	return vcpu_wait_pass(e);
}

/* The test region as the backing mapped it: whole huge pages for hugetlb. */
static size_t region_bytes(const struct dirtylog_run *e)
{
	uint64_t page = mb_backing_page_size(e->spec.backing);
	size_t len = e->mem.size;

	if (page > 4096)
		len = (len + page - 1) / page * page;
	if ((char *)e->mem.hva + len > (char *)e->mem.map_base + e->mem.map_size)
		len = e->mem.size;
	return len;
}

/*
 * What of the invalidation reached KVM, from its kvm_unmap_hva_range
 * tracepoint: the proof that the notifier was called, and over how much of
 * the test memory.  The tracepoint fires inside the timed call (one event
 * per notifier call, a few per MiB at most), the counting happens after.
 */
static void record_unmaps(struct dirtylog_run *e, struct mb_notifier_trace *trace, bool traced,
			  struct mb_error *why)
{
	struct mb_notifier_counts c;

	if (traced && !mb_notifier_trace_stop(trace, &c, why)) {
		mb_samples_add(&e->res->samples, MB_KVM_UNMAP_HVA_RANGE_CALLS, 0, 0, c.unmap_calls);
		mb_samples_add(&e->res->samples, MB_KVM_UNMAP_HVA_RANGE_PAGES, 0, 0, c.unmap_pages);
		return;
	}
	mb_run_missing(e->res, MB_KVM_UNMAP_HVA_RANGE_CALLS, "%s", why->message);
	mb_run_missing(e->res, MB_KVM_UNMAP_HVA_RANGE_PAGES, "%s", why->message);
}

static enum mb_run_status invalidate(struct dirtylog_run *e)
{
	bool dontneed = e->spec.invalidate == MB_INVALIDATE_DONTNEED;
	size_t len = region_bytes(e);
	struct mb_notifier_trace trace;
	struct mb_error why = { 0 };
	uint64_t t0, t1;
	bool traced;
	int ret, saved;

	traced = !mb_notifier_trace_start(&trace, (uintptr_t)e->mem.hva,
					  (uintptr_t)e->mem.hva + len, &why);
	t0 = mb_now_ns();
	ret = dontneed ? madvise(e->mem.hva, len, MADV_DONTNEED) :
			 mprotect(e->mem.hva, len, PROT_READ);
	t1 = mb_now_ns();
	saved = errno;
	record_unmaps(e, &trace, traced, &why);
	errno = saved;
	if (ret)
		return dirtylog_fail(e, errno == EINVAL ? MB_RUN_UNAVAILABLE : MB_RUN_FAILED,
				     "invalidate: %s of the %s guest memory: %s",
				     dontneed ? "madvise(MADV_DONTNEED)" : "mprotect(PROT_READ)",
				     mb_backing_name(e->spec.backing), strerror(errno));
	mb_samples_add(&e->res->samples, MB_INVALIDATE_NS, 0, 0, t1 - t0);
	/* back to writable, untimed, as mmu_stress_test does, for later steps */
	if (!dontneed && mprotect(e->mem.hva, len, PROT_READ | PROT_WRITE))
		return dirtylog_fail(e, MB_RUN_FAILED, "invalidate: mprotect back to read-write: %s",
				     strerror(errno));
	return MB_RUN_OK;
}

/* Each memslot's deletion zaps every SPTE in it. */
static enum mb_run_status delete_slots(struct dirtylog_run *e)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < e->vm.nr_slots; i++) {
		uint64_t t0, t1;
		int ret;

		t0 = mb_now_ns();
		ret = kvm_vm_set_memslot(e->vm.vm_fd, MB_FIRST_TEST_SLOT + i, 0,
					 mb_vm_slot_gpa(&e->vm, i), 0, mb_vm_slot_hva(&e->vm, i));
		t1 = mb_now_ns();
		if (ret)
			return dirtylog_fail(e, MB_RUN_FAILED, "deleting memslot %u: %s",
					     MB_FIRST_TEST_SLOT + i, strerror(-ret));
		total += t1 - t0;
	}
	mb_samples_add(&e->res->samples, MB_DELETE_MEMSLOT_NS, 0, 0, total);
	return MB_RUN_OK;
}

static const struct {
	enum mb_run_status (*run)(struct dirtylog_run *e);
	enum mb_phase phase;
	const char *done;
} steps[MB_NR_ZAP_STEPS] = {
	[MB_ZAP_DISABLE] = { disable, MB_PHASE_DISABLE, "dirty logging disabled" },
	[MB_ZAP_TOUCH] = { touch, MB_PHASE_TOUCH, "guest memory touched again" },
	[MB_ZAP_INVALIDATE] = { invalidate, MB_PHASE_INVALIDATE, "guest memory invalidated" },
	[MB_ZAP_DELETE] = { delete_slots, MB_PHASE_DELETE, "test memslots deleted" },
};

/*
 * Why a run lacks a zap metric a default run has.  invalidate_ns is asked
 * for, never expected: its absence needs no reason.
 */
static void record_unasked(struct dirtylog_run *e)
{
	static const struct { enum mb_zap_step step; enum mb_metric metric; } timed[] = {
		{ MB_ZAP_DISABLE, MB_DISABLE_DIRTY_LOG_NS },
		{ MB_ZAP_DELETE, MB_DELETE_MEMSLOT_NS },
	};

	for (size_t i = 0; i < sizeof(timed) / sizeof(timed[0]); i++)
		if (!mb_spec_zaps(&e->spec, timed[i].step))
			mb_run_missing(e->res, timed[i].metric,
				       "the spec's zap does not list \"%s\"",
				       mb_zap_step_names[timed[i].step]);
}

enum mb_run_status zap_run(struct dirtylog_run *e)
{
	record_unasked(e);
	for (unsigned int i = 0; i < e->spec.nr_zap; i++) {
		enum mb_zap_step step = e->spec.zap[i];
		enum mb_run_status status = steps[step].run(e);

		if (status)
			return status;
		dirtylog_record_stats(e, steps[step].phase);
		dirtylog_progress(e, "%s", steps[step].done);
	}
	return MB_RUN_OK;
}
