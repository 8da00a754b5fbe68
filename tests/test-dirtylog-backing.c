// SPDX-License-Identifier: MIT
/*
 * Real runs on each backing source the host provides: anonymous, THP,
 * shmem, 2MiB and 1GiB hugetlb (reserved by the engine, and by this test
 * through the library), with the pools as they were afterwards.
 */
#include "backing.h"
#include "kvmtest.h"

static void pools(long *nr_1g, long *nr_2m)
{
	struct mb_hugepage_pool p;

	*nr_1g = mb_hugepages_read(MB_SIZE_1G, &p) ? -1 : p.nr;
	*nr_2m = mb_hugepages_read(MB_SIZE_2M, &p) ? -1 : p.nr;
}

static uint64_t huge_bytes(const struct mb_run_result *res)
{
	struct json_object *v;

	if (!json_object_object_get_ex(res->environment, "backing_huge_bytes", &v))
		return 0;
	return json_object_get_uint64(v);
}

static void run_backing(enum mb_backing backing, bool engine_reserves)
{
	const char *name = mb_backing_name(backing);
	struct mb_run_opts opts = { .reserve_hugepages = engine_reserves };
	struct mb_hugepage_reservation resv = { 0 };
	struct mb_run_result res;
	struct mb_spec spec;
	long before_1g, before_2m, after_1g, after_2m, need;
	uint64_t total;
	char label[96];
	struct mb_error err = { 0 };

	kvmtest_small_spec(&spec);
	spec.backing = backing;
	total = mb_spec_total_pages(&spec) * 4096;
	need = mb_backing_hugepages_needed(backing, total);
	snprintf(label, sizeof(label), "%s%s", name,
		 !need ? "" : engine_reserves ? " (engine reserves)" :
						" (test reserves)");
	if (kvmtest_backing_unavailable(&spec)) {
		tap_skip("%s: %s", label, kvmtest_backing_unavailable(&spec));
		return;
	}
	pools(&before_1g, &before_2m);
	if (need && !engine_reserves &&
	    !tap_ok(mb_hugepages_reserve(mb_backing_page_size(backing), need,
					 &resv, &err) == 0,
		    "%s: the test reserves %ld hugepage(s) (%s)", label, need, err.message))
		return;

	if (kvmtest_run(label, &spec, &opts, &res)) {
		uint64_t huge = huge_bytes(&res);

		if (need)
			tap_ok(huge == (uint64_t)need * mb_backing_page_size(backing),
			       "%s: guest memory is on %ld %s page(s)", label, need,
			       mb_hugepage_size_name(mb_backing_page_size(backing)));
		else if (backing == MB_BACKING_THP)
			tap_ok(huge > 0, "%s: %llu bytes on transparent hugepages",
			       label, (unsigned long long)huge);
		else if (backing == MB_BACKING_ANONYMOUS)
			tap_ok(huge == 0, "%s: no hugepages counted", label);
	}
	mb_run_result_free(&res);
	if (resv.active)
		tap_ok(mb_hugepages_release(&resv) == 0, "%s: the test gives its pages back", label);
	pools(&after_1g, &after_2m);
	tap_ok(after_1g == before_1g && after_2m == before_2m,
	       "%s: hugepage pools as before (1GiB %ld -> %ld, 2MiB %ld -> %ld)",
	       label, before_1g, after_1g, before_2m, after_2m);
}

int main(void)
{
	kvmtest_require_kvm();
	run_backing(MB_BACKING_ANONYMOUS, false);
	run_backing(MB_BACKING_THP, false);
	run_backing(MB_BACKING_SHMEM, false);
	run_backing(MB_BACKING_HUGETLB_2M, true);
	run_backing(MB_BACKING_HUGETLB_1G, true);
	run_backing(MB_BACKING_HUGETLB_1G, false);
	return tap_done();
}
