// SPDX-License-Identifier: MIT
/*
 * An aging run's iterations, in access_tracking_perf_test's shape: one
 * aging pass over the run's memory (mark_idle_ns), the vCPUs' pass over
 * all their memory (access_idle_ns, the slowest vCPU), then how much of
 * the memory the mechanism still sees idle (idle_pages), counted by it.
 * Dirty logging stays off.  KVM's aging notifier calls during each aging
 * pass prove whether it reached KVM, and the run says so in one sentence
 * (environment.aging).
 */
#include "aging_run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "aging.h"
#include "dirtylog_vcpu.h"

struct last_pass {
	struct mb_notifier_counts kvm;
	uint64_t idle, total;
	bool reached;		/* any pass reached KVM */
};

static void add(struct dirtylog_run *e, enum mb_metric m, uint32_t it, uint64_t v)
{
	mb_samples_add(&e->res->samples, m, it, 0, v);
}

/* What a reclaim pass did, by the cgroup's own counters. */
static void reclaim_figures(struct dirtylog_run *e, uint32_t it)
{
	const struct mb_aging_vmstat *p = &e->aging.pass;

	add(e, MB_RECLAIM_SCANNED_PAGES, it, p->pgscan);
	add(e, MB_RECLAIM_EVICTED_PAGES, it, p->pgsteal);
	add(e, MB_RECLAIM_ACTIVATED_PAGES, it, p->pgactivate);
	add(e, MB_RECLAIM_DEACTIVATED_PAGES, it, p->pgdeactivate);
}

/* A pass that failed, or that a stop request ended (-EINTR). */
static enum mb_run_status failed(struct dirtylog_run *e, uint32_t it, int ret,
				 const struct mb_error *err)
{
	if (ret == -EINTR)
		return MB_RUN_INTERRUPTED;
	return dirtylog_fail(e, MB_RUN_FAILED, "iteration %u: %s", it, err->message);
}

static enum mb_run_status iteration(struct dirtylog_run *e, uint32_t it, struct last_pass *last)
{
	uint64_t start = (uintptr_t)e->mem.hva, end = start + e->mem.size, ns;
	struct mb_error err = { 0 };
	enum mb_run_status status;
	int ret;

	ret = mb_aging_mark(&e->aging, start, end, &ns, &last->kvm, &err);
	if (ret)
		return failed(e, it, ret, &err);
	add(e, MB_MARK_IDLE_NS, it, ns);
	add(e, MB_KVM_AGING_CALLS, it, last->kvm.age_calls);
	add(e, MB_KVM_AGED_PAGES, it, last->kvm.aged_pages);
	if (e->spec.aging == MB_AGING_RECLAIM)
		reclaim_figures(e, it);
	status = vcpu_run_pass(e, it);
	if (status)
		return status;
	add(e, MB_ACCESS_IDLE_NS, it, vcpu_slowest_run_ns(e, it));
	/* idle_pages is named missing once, before the iterations, where there is none */
	if (!mb_aging_no_idle(&e->aging)) {
		ret = mb_aging_count_idle(&e->aging, &last->idle, &last->total, &err);
		if (ret)
			return failed(e, it, ret, &err);
		add(e, MB_IDLE_PAGES, it, last->idle);
		last->kvm.test_age_calls += e->aging.checked_test_age;
	}
	add(e, MB_KVM_TEST_AGE_CALLS, it, last->kvm.test_age_calls);
	last->reached |= last->kvm.age_calls || last->kvm.test_age_calls;
	return MB_RUN_OK;
}

/*
 * "reached KVM: N kvm_age_hva calls covering P pages", or that it did
 * not: lru_gen's walk then cleared the primary MMU's bits only, while a
 * reclaim pass that asked KVM nothing may not have scanned the test pages.
 */
static int reach(char *out, size_t len, const struct dirtylog_run *e, const char *kernel,
		 const struct last_pass *l)
{
	const char *how = mb_aging_names[e->spec.aging];

	if (l->reached)
		return snprintf(out, len, "%s aging%s reached KVM: %llu kvm_age_hva calls "
				"covering %llu pages in the last pass", how, kernel,
				(unsigned long long)l->kvm.age_calls,
				(unsigned long long)l->kvm.aged_pages);
	if (e->spec.aging == MB_AGING_RECLAIM)
		return snprintf(out, len, "reclaim aging%s did not reach KVM: 0 kvm_age_hva "
				"calls", kernel);
	return snprintf(out, len, "%s aging%s cleared the primary MMU's Accessed bits only: "
			"0 kvm_age_hva calls", how, kernel);
}

/* What the last pass saw, as a sentence and as fields. */
static struct json_object *statement(const struct dirtylog_run *e, const struct last_pass *l)
{
	const char *how = mb_aging_names[e->spec.aging];
	const struct mb_aging_vmstat *p = &e->aging.pass;
	uint64_t test = mb_spec_total_pages(&e->spec);
	struct json_object *o = json_object_new_object();
	struct utsname u;
	char text[768], kernel[96] = "";
	size_t n;

	if (!uname(&u))
		snprintf(kernel, sizeof(kernel), " on %.80s", u.release);
	n = (size_t)reach(text, sizeof(text), e, kernel, l);
	if (n < sizeof(text) && e->spec.aging == MB_AGING_RECLAIM) {
		char lists[160];

		/* only the classic LRU activates and deactivates what it found */
		if (e->aging.mglru)
			snprintf(lists, sizeof(lists), " (what it finds accessed moves to a younger "
				 "generation, not counted as activated)");
		else
			snprintf(lists, sizeof(lists), ", activated %llu it found referenced, "
				 "deactivated %llu,", (unsigned long long)p->pgactivate,
				 (unsigned long long)p->pgdeactivate);
		snprintf(text + n, sizeof(text) - n,
			 "; asked for the test memory's %llu pages with the %s LRU, it scanned %llu "
			 "of the run's pages for eviction%s and evicted %llu%s; it counts no pages "
			 "still idle", (unsigned long long)test,
			 e->aging.mglru ? "multi-gen" : "classic", (unsigned long long)p->pgscan,
			 lists, (unsigned long long)p->pgsteal,
			 e->aging.short_of_request ? ", short of the request" : "");
	} else if (n < sizeof(text))
		snprintf(text + n, sizeof(text) - n, "; %s: %llu of %llu pages still idle after "
			 "the guest touched its %llu test pages",
			 l->reached ? "it saw the guest's accesses" :
			 "it did not see the guest's accesses",
			 (unsigned long long)l->idle, (unsigned long long)l->total,
			 (unsigned long long)test);
	json_object_object_add(o, "mechanism", json_object_new_string(how));
	json_object_object_add(o, "reached_kvm", json_object_new_boolean(l->reached));
	json_object_object_add(o, "kvm_aging_calls", json_object_new_uint64(l->kvm.age_calls));
	json_object_object_add(o, "kvm_aged_pages", json_object_new_uint64(l->kvm.aged_pages));
	json_object_object_add(o, "kvm_test_age_calls",
			       json_object_new_uint64(l->kvm.test_age_calls));
	if (!mb_aging_no_idle(&e->aging)) {
		json_object_object_add(o, "idle_pages", json_object_new_uint64(l->idle));
		json_object_object_add(o, mb_aging_counted(&e->aging),
				       json_object_new_uint64(l->total));
	}
	if (e->spec.aging == MB_AGING_RECLAIM) {
		json_object_object_add(o, "lru", json_object_new_string(e->aging.mglru ?
					"multi-gen" : "classic"));
		json_object_object_add(o, "short_of_request",
				       json_object_new_boolean(e->aging.short_of_request));
	}
	json_object_object_add(o, "test_pages", json_object_new_uint64(test));
	json_object_object_add(o, "statement", json_object_new_string(text));
	return o;
}

enum mb_run_status aging_run(struct dirtylog_run *e)
{
	static const enum mb_metric off[] = {
		MB_ENABLE_DIRTY_LOG_NS, MB_DIRTY_BITMAP_BYTES, MB_DIRTY_BITMAP_BYTES_PER_GIB,
	};
	struct last_pass last = { 0 };
	enum mb_run_status status = MB_RUN_OK;

	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		mb_run_missing(e->res, off[i], "an aging run (aging: %s) leaves dirty logging off",
			       mb_aging_names[e->spec.aging]);
	if (mb_aging_no_idle(&e->aging))
		mb_run_missing(e->res, MB_IDLE_PAGES, "%s", mb_aging_no_idle(&e->aging));
	e->aging.populate_ns = vcpu_slowest_run_ns(e, 0);	/* damon's interval */
	e->aging.stop = e->opts->stop;
	for (uint32_t it = 1; it <= e->spec.iterations && !status; it++) {
		status = iteration(e, it, &last);
		if (status)
			break;
		dirtylog_record_stats(e, MB_PHASE_ITERATION);
		if (mb_aging_no_idle(&e->aging)) {
			dirtylog_progress(e, "iteration %u/%u: %llu kvm_age_hva calls, %llu pages "
					  "covered", it, e->spec.iterations,
					  (unsigned long long)last.kvm.age_calls,
					  (unsigned long long)last.kvm.aged_pages);
			continue;
		}
		dirtylog_progress(e, "iteration %u/%u: %llu of %llu pages still idle", it,
				  e->spec.iterations, (unsigned long long)last.idle,
				  (unsigned long long)last.total);
	}
	if (!status)
		json_object_object_add(e->res->environment, "aging", statement(e, &last));
	return status;
}
