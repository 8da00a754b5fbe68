/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the tests that run the dirty-log engine on /dev/kvm: skip
 * only when there is no usable /dev/kvm, and check every run the same
 * way (status, dirty counts recomputed here, one sample set per phase).
 */
#ifndef MIGBENCH_KVMTEST_H
#define MIGBENCH_KVMTEST_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "backing.h"
#include "dirtylog.h"
#include "hugepages.h"
#include "guest/pattern.h"
#include "hostinfo.h"
#include "tap.h"

static inline void kvmtest_require_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		char why[128];

		snprintf(why, sizeof(why), "/dev/kvm: %s", strerror(errno));
		tap_skip_all(why);
	}
	close(fd);
}

/*
 * Whether a hugepage pool can give n pages for a test: free already, or
 * raisable because we are root.  Otherwise the reason to skip.
 */
static inline const char *kvmtest_hugepages_unavailable(uint64_t page_size,
							long n)
{
	struct mb_hugepage_pool pool;

	if (mb_hugepages_read(page_size, &pool))
		return "this kernel has no such hugepage pool";
	if (pool.free - pool.resv >= n || geteuid() == 0)
		return NULL;
	return "not root, so the hugepage pool cannot be raised, and it has too few free pages";
}

static inline bool kvmtest_thp_available(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return !strstr(buf, "[never]");
}

/*
 * Why this host cannot run a spec's backing (hugepages it cannot reserve,
 * THP disabled), or NULL.
 */
static inline const char *kvmtest_backing_unavailable(const struct mb_spec *spec)
{
	long need = mb_backing_hugepages_needed(spec->backing,
						mb_spec_total_pages(spec) * 4096);

	if (need)
		return kvmtest_hugepages_unavailable(mb_backing_page_size(spec->backing), need);
	if (spec->backing == MB_BACKING_THP && !kvmtest_thp_available())
		return "transparent hugepages are disabled on this kernel";
	return NULL;
}

/* A small spec that still runs every phase: 8MiB per vCPU. */
static inline void kvmtest_small_spec(struct mb_spec *spec)
{
	mb_spec_init(spec);
	spec->vcpus = mb_online_cpus() >= 2 ? 2 : 1;
	spec->mem_per_vcpu = 8ULL << 20;
	spec->iterations = 3;
}

static inline size_t kvmtest_count(const struct mb_samples *s,
				   enum mb_metric m)
{
	size_t n = 0;

	for (size_t i = 0; i < s->len; i++)
		n += s->rows[i].metric == m;
	return n;
}

/* Pages the guest writes in an iteration, worked out independently. */
static inline uint64_t kvmtest_expected_dirty(const struct mb_spec *spec,
					      uint32_t it)
{
	uint64_t total = mb_spec_total_pages(spec), n = 0;

	if (it == 1 && spec->initially_set == MB_TRUE)
		return total;
	for (uint64_t p = 0; p < total; p++)
		n += mb_page_is_written(spec->seed, it, p, spec->write_percent);
	return n;
}

/*
 * Run spec (it comes back resolved) and check what every successful run
 * must satisfy.
 */
static inline int kvmtest_run(const char *name, struct mb_spec *spec,
			      const struct mb_run_opts *opts,
			      struct mb_run_result *res)
{
	struct mb_run_opts none = { 0 };
	enum mb_run_status st = mb_dirtylog_run(spec, opts ? opts : &none, res);
	const struct mb_samples *s = &res->samples;
	const struct mb_spec *r = spec;
	bool ring = r->dirty_ring_entries != 0;
	bool clear = !ring && r->manual_protect == MB_TRUE;
	uint64_t chunk = r->clear_chunk_pages, slot_pages;
	size_t calls;
	bool counts_ok = true, times_ok = true;

	if (!tap_ok(st == MB_RUN_OK, "%s: run succeeds", name)) {
		tap_diag("status %d: %s", st, res->error.message);
		return 0;
	}
	slot_pages = mb_spec_total_pages(r) / r->memslots;
	calls = r->memslots * (chunk ? (slot_pages + chunk - 1) / chunk : 1);
	tap_ok(kvmtest_count(s, MB_POPULATE_NS) == 1 &&
	       kvmtest_count(s, MB_ENABLE_DIRTY_LOG_NS) == 1 &&
	       kvmtest_count(s, MB_DISABLE_DIRTY_LOG_NS) == mb_spec_zaps(r, MB_ZAP_DISABLE) &&
	       kvmtest_count(s, MB_INVALIDATE_NS) == mb_spec_zaps(r, MB_ZAP_INVALIDATE) &&
	       kvmtest_count(s, MB_KVM_UNMAP_HVA_RANGE_CALLS) ==
		       mb_spec_zaps(r, MB_ZAP_INVALIDATE) &&
	       kvmtest_count(s, MB_DELETE_MEMSLOT_NS) == mb_spec_zaps(r, MB_ZAP_DELETE) &&
	       kvmtest_count(s, MB_DIRTY_MEMORY_NS) == r->iterations &&
	       kvmtest_count(s, MB_DIRTY_PAGES) == r->iterations,
	       "%s: one sample per phase, iteration and zap step", name);
	/* every statistic read after populate, enable, each iteration and zap */
	tap_ok(s->nr_stat_names > 0 &&
	       kvmtest_count(s, MB_KVM_STAT) == s->nr_stat_names * (2 + r->iterations + r->nr_zap),
	       "%s: %u KVM statistics read %u times each", name, s->nr_stat_names,
	       2 + r->iterations + r->nr_zap);
	tap_ok(kvmtest_count(s, MB_GET_DIRTY_LOG_NS) == (ring ? 0 : r->iterations) &&
	       kvmtest_count(s, MB_CLEAR_DIRTY_LOG_NS) == (clear ? r->iterations : 0) &&
	       kvmtest_count(s, MB_CLEAR_DIRTY_LOG_CALL_NS) ==
		       (clear ? r->iterations * calls : 0) &&
	       kvmtest_count(s, MB_DIRTY_RING_HARVEST_NS) == (ring ? r->iterations : 0) &&
	       kvmtest_count(s, MB_DIRTY_RING_RESET_NS) == (ring ? r->iterations : 0),
	       "%s: the metrics of its dirty-log mode (%zu clear calls per iteration)",
	       name, clear ? calls : 0);
	for (size_t i = 0; i < s->len; i++) {
		const struct mb_sample *row = &s->rows[i];

		if (row->metric == MB_DIRTY_PAGES) {
			uint64_t want = kvmtest_expected_dirty(r, row->iteration);

			if (row->value != want) {
				counts_ok = false;
				tap_diag("iteration %u: %llu dirty, expected %llu",
					 row->iteration,
					 (unsigned long long)row->value,
					 (unsigned long long)want);
			}
		} else if (row->value == 0 && row->metric != MB_DIRTY_RING_HARVEST_NS &&
			   mb_metric_is_ns(mb_metric_name(row->metric))) {
			times_ok = false;
			tap_diag("%s iteration %u seq %u is 0 ns",
				 mb_metric_name(row->metric), row->iteration, row->seq);
		}
	}
	tap_ok(counts_ok, "%s: dirty pages per iteration are the pages written", name);
	tap_ok(times_ok, "%s: every timed call took a positive time", name);
	return 1;
}

#endif
