// SPDX-License-Identifier: MIT
/*
 * Every zap choice on every backing this host offers: deleting the
 * memslots while dirty logging has left 4KiB mappings and after huge
 * mappings came back, invalidating through mprotect and MADV_DONTNEED
 * while logging and after it; each run with its dirty log checked in
 * every iteration, its zap metrics, its KVM statistics per phase and
 * the pools as they were.
 */
#include "backing.h"
#include "kvmtest.h"

static const struct {
	const char *label;
	enum mb_zap_step steps[MB_NR_ZAP_STEPS];
	unsigned int n;
	enum mb_invalidate how;
} choices[] = {
	{ "delete while logging", { MB_ZAP_DELETE }, 1, MB_INVALIDATE_MPROTECT },
	{ "disable, touch, delete", { MB_ZAP_DISABLE, MB_ZAP_TOUCH, MB_ZAP_DELETE }, 3,
	  MB_INVALIDATE_MPROTECT },
	{ "mprotect while logging", { MB_ZAP_INVALIDATE, MB_ZAP_DISABLE, MB_ZAP_DELETE }, 3,
	  MB_INVALIDATE_MPROTECT },
	{ "dontneed after recovery",
	  { MB_ZAP_DISABLE, MB_ZAP_TOUCH, MB_ZAP_INVALIDATE, MB_ZAP_DELETE }, 4,
	  MB_INVALIDATE_DONTNEED },
	{ "dontneed while logging, then touch", { MB_ZAP_INVALIDATE, MB_ZAP_TOUCH }, 2,
	  MB_INVALIDATE_DONTNEED },
};

/* The phases of the kvm_stat readings, in time order, as the spec asks. */
static bool phases_in_order(const struct mb_samples *s, const struct mb_spec *spec)
{
	static const enum mb_phase of_step[MB_NR_ZAP_STEPS] = {
		[MB_ZAP_DISABLE] = MB_PHASE_DISABLE, [MB_ZAP_TOUCH] = MB_PHASE_TOUCH,
		[MB_ZAP_INVALIDATE] = MB_PHASE_INVALIDATE, [MB_ZAP_DELETE] = MB_PHASE_DELETE,
	};
	uint32_t n = 2 + spec->iterations + spec->nr_zap;

	for (size_t i = 0; i < s->len; i++) {
		const struct mb_sample *r = &s->rows[i];
		uint32_t k = r->iteration;
		enum mb_phase want;

		if (r->metric != MB_KVM_STAT)
			continue;
		if (k >= n)
			return false;
		want = k == 0 ? MB_PHASE_POPULATE : k == 1 ? MB_PHASE_ENABLE :
		       k < 2 + spec->iterations ? MB_PHASE_ITERATION :
		       of_step[spec->zap[k - 2 - spec->iterations]];
		if (r->seq != want)
			return false;
	}
	return true;
}

static void run_choice(enum mb_backing backing, unsigned int c)
{
	struct mb_run_opts opts = { .reserve_hugepages = true };
	struct mb_run_result res;
	struct mb_spec spec;
	struct json_object *missing = NULL, *why;
	char label[128];

	kvmtest_small_spec(&spec);
	spec.backing = backing;
	spec.iterations = 2;
	spec.nr_zap = choices[c].n;
	memcpy(spec.zap, choices[c].steps, sizeof(spec.zap));
	spec.invalidate = choices[c].how;
	snprintf(label, sizeof(label), "%s, %s", mb_backing_name(backing), choices[c].label);
	if (kvmtest_backing_unavailable(&spec)) {
		tap_skip("%s: %s", label, kvmtest_backing_unavailable(&spec));
		return;
	}
	if (kvmtest_run(label, &spec, &opts, &res)) {
		tap_ok(phases_in_order(&res.samples, &spec),
		       "%s: KVM's statistics read after each phase, in the spec's order", label);
		if (res.missing)
			missing = res.missing;
		tap_ok(mb_spec_zaps(&spec, MB_ZAP_DISABLE) ||
		       (missing && json_object_object_get_ex(missing, "disable_dirty_log_ns", &why) &&
			strstr(json_object_get_string(why), "\"disable\"")),
		       "%s: without disable, disable_dirty_log_ns is missing with its reason", label);
		tap_ok(mb_spec_zaps(&spec, MB_ZAP_DELETE) ||
		       (missing && json_object_object_get_ex(missing, "delete_memslot_ns", &why)),
		       "%s: without delete, delete_memslot_ns is missing with its reason", label);
		if (mb_spec_zaps(&spec, MB_ZAP_INVALIDATE)) {
			/* hugetlb invalidates whole huge pages: the test memory rounded up */
			uint64_t huge = mb_backing_page_size(backing);
			uint64_t bytes = mb_spec_total_pages(&spec) * 4096;
			uint64_t calls = 0, pages = 0, want = (bytes + huge - 1) / huge * huge / 4096;
			bool got = mb_samples_get(&res.samples, MB_KVM_UNMAP_HVA_RANGE_CALLS, 0,
						  &calls) &&
				   mb_samples_get(&res.samples, MB_KVM_UNMAP_HVA_RANGE_PAGES, 0,
						  &pages);

			tap_ok(got && calls > 0 && pages == want,
			       "%s: the invalidation reached KVM: %llu kvm_unmap_hva_range calls "
			       "covering %llu pages of the %llu (%s)", label,
			       (unsigned long long)calls, (unsigned long long)pages,
			       (unsigned long long)want,
			       got ? "traced" : missing && json_object_object_get_ex(
					missing, "kvm_unmap_hva_range_calls", &why) ?
					json_object_get_string(why) : "no figure, no reason");
		}
	}
	mb_run_result_free(&res);
}

int main(void)
{
	static const enum mb_backing backings[] = {
		MB_BACKING_ANONYMOUS, MB_BACKING_THP, MB_BACKING_SHMEM,
		MB_BACKING_HUGETLB_2M, MB_BACKING_HUGETLB_1G,
	};
	struct mb_hugepage_pool p1, p2;
	long before_1g, before_2m;

	kvmtest_require_kvm();
	before_1g = mb_hugepages_read(MB_SIZE_1G, &p1) ? -1 : p1.nr;
	before_2m = mb_hugepages_read(MB_SIZE_2M, &p2) ? -1 : p2.nr;
	for (size_t b = 0; b < sizeof(backings) / sizeof(backings[0]); b++)
		for (unsigned int c = 0; c < sizeof(choices) / sizeof(choices[0]); c++)
			run_choice(backings[b], c);
	tap_ok((mb_hugepages_read(MB_SIZE_1G, &p1) ? -1 : p1.nr) == before_1g &&
	       (mb_hugepages_read(MB_SIZE_2M, &p2) ? -1 : p2.nr) == before_2m,
	       "hugepage pools as before");
	return tap_done();
}
