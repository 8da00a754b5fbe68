// SPDX-License-Identifier: MIT
/*
 * The direct engine behind the engine interface: kind "dirtylog", its
 * spec (spec.c), the run (dirtylog.c) and what a report shows of it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aging.h"
#include "backing.h"
#include "dirtylog.h"
#include "engine.h"
#include "hostinfo.h"
#include "kmem.h"
#include "selftest.h"
#include "spec.h"
#include "spec_validate.h"
#include "tracefs.h"
#include "vm.h"

static const struct mb_engine_key keys[] = {
	{ "vcpus", MB_KEY_UINT, "vCPUs, 1 .. online CPUs (1)", NULL },
	{ "mem_per_vcpu", MB_KEY_SIZE, "test memory per vCPU, a multiple of 4KiB (1G)", NULL },
	{ "backing", MB_KEY_NAME, "anonymous, thp, hugetlb-2m, hugetlb-1g or shmem (anonymous)",
	  mb_backing_names },
	{ "guest_page_size", MB_KEY_NAME, "page size of the guest's mapping of its test memory, 4k (the selftest's) or 2m (4k)",
	  mb_guest_page_size_names },
	{ "iterations", MB_KEY_UINT, "passes with dirty logging on (2)", NULL },
	{ "write_percent", MB_KEY_UINT, "pages written rather than read, 0 .. 100 (100)", NULL },
	{ "access", MB_KEY_NAME, "sequential or random (sequential)", mb_access_names },
	{ "seed", MB_KEY_UINT, "seed of the access pattern (1)", NULL },
	{ "manual_protect", MB_KEY_BOOL, "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 (on when supported)", NULL },
	{ "initially_set", MB_KEY_BOOL, "KVM_DIRTY_LOG_INITIALLY_SET (on when supported)", NULL },
	{ "clear_chunk_pages", MB_KEY_UINT, "pages per KVM_CLEAR_DIRTY_LOG, 0: one per memslot (0)", NULL },
	{ "memslots", MB_KEY_UINT, "test memslots (1)", NULL },
	{ "vcpus_run_during_disable", MB_KEY_BOOL, "vCPUs write while dirty logging is disabled (false)", NULL },
	{ "dirty_ring_entries", MB_KEY_UINT, "0: dirty bitmap, else a power of two 256 .. 65536 (0)", NULL },
	{ "pin", MB_KEY_CPU_LIST, "CPUs for the vCPU threads, then optionally the main thread", NULL },
	{ "zap", MB_KEY_NAME_LIST,
	  "after the iterations, in order: disable, touch (the guest reads all memory), invalidate, delete; none (disable,delete)",
	  mb_zap_step_names },
	{ "invalidate", MB_KEY_NAME, "how invalidate zaps: mprotect (read-only and back) or dontneed (mprotect)",
	  mb_invalidate_names },
	{ "aging", MB_KEY_NAME, "age the memory each iteration instead of dirty logging: none, lru_gen, page_idle, reclaim, damon (none)",
	  mb_aging_names },
	{ NULL, 0, NULL, NULL },
};

/*
 * Without manual protect, getting the dirty log is what clears it.  An
 * aging run has no dirty-log figures: its pass leads instead.
 */
static const struct mb_headline headline[] = {
	{ "clear_dirty_log_ns", "get_dirty_log_ns" },
	{ "disable_dirty_log_ns", NULL },
	{ "mark_idle_ns", NULL },
	{ NULL, NULL },
};

/*
 * Reports: the headline, then the zap paths (deleting the memslots zaps
 * every SPTE; an invalidation goes through the mmu notifier, and KVM's
 * own count of the ranges it unmapped), aging (whether it reached KVM,
 * and what reclaim made of it) and the kernel memory of the memslots:
 * what the series migbench measures change.  A comparison shows these
 * rows by default; the guest loop's own figures (populate, dirtying) only
 * when asked for.  Apart from the headline so that adaptive repetition
 * does not wait on them too.
 */
static const struct mb_headline report_first[] = {
	{ "clear_dirty_log_ns", "get_dirty_log_ns" },
	{ "disable_dirty_log_ns", NULL },
	{ "mark_idle_ns", NULL },
	{ "delete_memslot_ns", NULL },
	{ "invalidate_ns", NULL },
	{ "kvm_unmap_hva_range_calls", NULL },
	{ "kvm_unmap_hva_range_pages", NULL },
	{ "access_idle_ns", NULL },
	{ "idle_pages", NULL },
	{ "kvm_aging_calls", NULL },
	{ "kvm_aged_pages", NULL },
	{ "kvm_test_age_calls", NULL },
	{ "reclaim_scanned_pages", NULL },
	{ "reclaim_evicted_pages", NULL },
	{ "reclaim_activated_pages", NULL },
	{ "reclaim_deactivated_pages", NULL },
	{ "memslot_metadata_bytes", NULL },
	{ "memslot_metadata_bytes_per_gib", NULL },
	{ "dirty_bitmap_bytes", NULL },
	{ "dirty_bitmap_bytes_per_gib", NULL },
	{ NULL, NULL },
};

static void spec_init(void *spec)
{
	mb_spec_init(spec);
}

/* A direct run opens nothing the administrator must allow: no site policy. */
static int spec_load(void *spec, struct json_object *obj, const struct mb_site_policy *site,
		     struct mb_error *err)
{
	int ret;

	(void)site;
	ret = mb_spec_from_json(spec, obj, err);

	return ret ? ret : mb_spec_validate(spec, mb_online_cpus(), err);
}

static struct json_object *spec_to_json(const void *spec)
{
	return mb_spec_to_json(spec);
}

/* Through the spec's own text parser, so flags read as they always did. */
static int value_from_text(const char *key, const char *text,
			   struct json_object **out, struct mb_error *err)
{
	struct json_object *obj, *v;
	struct mb_spec scratch;
	int ret;

	mb_spec_init(&scratch);
	ret = mb_spec_set_text(&scratch, key, text, err);
	if (ret)
		return ret;
	obj = mb_spec_to_json(&scratch);
	if (!json_object_object_get_ex(obj, key, &v)) {
		json_object_put(obj);
		return mb_fail(err, key, "has no JSON value");
	}
	*out = json_object_get(v);
	json_object_put(obj);
	return 0;
}

static void needs(const void *p, struct mb_run_needs *out)
{
	const struct mb_spec *spec = p;

	uint64_t pages = mb_spec_total_pages(spec);
	uint64_t clears = spec->clear_chunk_pages ?
			  pages / spec->clear_chunk_pages + spec->memslots : spec->memslots;

	memset(out, 0, sizeof(*out));
	out->hugepages[0].page_size = mb_backing_hugepage_size(spec->backing);
	out->hugepages[0].pages = mb_backing_hugepages_needed(spec->backing, pages * 4096);
	/* the guest's own memory too: its page tables grow with 4KiB pages */
	out->memory_bytes = pages * 4096 +
			    mb_vm_system_bytes(spec->vcpus, pages, mb_spec_guest_page_bytes(spec));
	out->memory_key = "mem_per_vcpu";
	/*
	 * Per pass at most: dirtying, get or clear (one sample per call and
	 * their sum), the ring's harvest and reset, dirty pages; then
	 * populate, enable, the zaps and the memory figures once; and KVM's
	 * statistics after populate, enable, each iteration and zap step.
	 */
	out->samples = 11 + (uint64_t)spec->iterations * (5 + clears) +
		       (uint64_t)MB_MAX_KVM_STATS * (2 + spec->iterations + spec->nr_zap);
	out->samples_key = "iterations";
}

/* As migbench-dirtylog's flags. */
static void describe_key(struct textbuf *b, const char *key, struct json_object *val)
{
	char flag[64];

	mb_key_flag(key, flag, sizeof(flag));
	if (json_object_is_type(val, json_type_boolean)) {
		textbuf_printf(b, " --%s%s", flag, json_object_get_boolean(val) ? "" : "=false");
	} else if (json_object_is_type(val, json_type_array)) {
		textbuf_printf(b, " --%s %s", flag, json_object_array_length(val) ? "" : "none");
		for (size_t i = 0; i < json_object_array_length(val); i++)
			textbuf_printf(b, "%s%s", i ? "," : "",
				       json_object_get_string(json_object_array_get_idx(val, i)));
	} else {
		textbuf_printf(b, " --%s %s", flag, json_object_get_string(val));
	}
}

/* Whether zap names the default steps, which every plain run takes. */
static bool default_zap(struct json_object *zap)
{
	struct mb_spec def;
	struct json_object *d, *dz = NULL;
	bool same;

	spec_init(&def);
	d = spec_to_json(&def);
	same = json_object_object_get_ex(d, "zap", &dz) && json_object_equal(zap, dz);
	json_object_put(d);
	return same;
}

/* "dirtylog 2 x 512M hugetlb-1g, 3 iterations, zap disable,invalidate,delete" */
static int spec_line(struct json_object *spec, struct textbuf *b)
{
	const char *mem = mb_spec_text(spec, "mem_per_vcpu"), *backing = mb_spec_text(spec, "backing");
	const char *aging = mb_spec_text(spec, "aging"), *gps = mb_spec_text(spec, "guest_page_size");
	struct json_object *v, *zap = NULL;
	int64_t iterations = mb_spec_int(spec, "iterations");

	if (!json_object_object_get_ex(spec, "vcpus", &v) || !mem || !backing)
		return -ENOENT;
	textbuf_printf(b, "dirtylog %" PRId64 " x %s %s", json_object_get_int64(v), mem, backing);
	if (json_object_object_get_ex(spec, "iterations", NULL))
		textbuf_printf(b, ", %" PRId64 " iteration%s", iterations, iterations == 1 ? "" : "s");
	if (gps && !strcmp(gps, "2m"))
		textbuf_printf(b, ", 2MiB guest pages");
	if (mb_spec_int(spec, "dirty_ring_entries") > 0)
		textbuf_printf(b, ", dirty ring %" PRId64, mb_spec_int(spec, "dirty_ring_entries"));
	if (json_object_object_get_ex(spec, "manual_protect", &v) && !json_object_get_boolean(v))
		textbuf_printf(b, ", no manual protect");
	if (json_object_object_get_ex(spec, "zap", &zap) && !default_zap(zap)) {
		textbuf_printf(b, ", zap ");
		for (size_t i = 0; i < json_object_array_length(zap); i++)
			textbuf_printf(b, "%s%s", i ? "," : "",
				       json_object_get_string(json_object_array_get_idx(zap, i)));
	}
	if (aging && strcmp(aging, "none"))
		textbuf_printf(b, ", aging %s", aging);
	return 0;
}

static enum mb_run_status run(void *spec, const struct mb_run_opts *opts,
			      struct mb_run_result *res)
{
	return mb_dirtylog_run(spec, opts, res);
}

/*
 * A direct run's VM, memory and pools belong to its process; only the
 * memory cgroups it measures kernel memory and ages memory in (with the
 * MGLRU state it changed) and the tracefs instance it counts notifier
 * calls in can outlive a killed worker.
 */
static int reap_leftovers(const struct mb_site_policy *site)
{
	(void)site;
	return mb_kmem_reap() + mb_aging_reap() + mb_tracefs_reap();
}

const struct mb_engine mb_engine_kvm = {
	.kind = "dirtylog",
	.title = "the direct /dev/kvm dirty-log benchmark (migbench-dirtylog)",
	.report_title = "KVM dirty-log comparison",
	.keys = keys,
	.headline = headline,
	.report_first = report_first,
	.spec_size = sizeof(struct mb_spec),
	.spec_init = spec_init,
	.spec_load = spec_load,
	.spec_to_json = spec_to_json,
	.value_from_text = value_from_text,
	.needs = needs,
	.command = "migbench-dirtylog",
	.describe_key = describe_key,
	.spec_line = spec_line,
	.selftest = mb_selftest_command,
	.selftest_name = MB_SELFTEST_NAME,
	.run = run,
	.reap_leftovers = reap_leftovers,
};
