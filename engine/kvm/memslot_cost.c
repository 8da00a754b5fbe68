// SPDX-License-Identifier: MIT
/*
 * What the test memslots cost the kernel: the memory KVM allocated when
 * they were created (memslot_metadata_bytes: reverse maps, large-page
 * info, write tracking) and when dirty logging was enabled on them
 * (dirty_bitmap_bytes), from a memory cgroup the main thread is in only
 * for those calls.  Each figure also per GiB of test memory.
 */
#include "memslot_cost.h"

#include <stdio.h>
#include <string.h>

#define GIB (1ULL << 30)

static void not_measured(struct dirtylog_run *e, enum mb_metric total, enum mb_metric per_gib)
{
	mb_run_missing(e->res, total, "%s", e->kmem_why);
	mb_run_missing(e->res, per_gib, "%s", e->kmem_why);
}

/* In the cgroup, with its counter read; false (and why) when it cannot be. */
static bool begin(struct dirtylog_run *e, uint64_t *before)
{
	struct mb_error err = { 0 };
	int ret;

	if (e->kmem_why[0])
		return false;
	ret = mb_kmem_open(&e->kmem, &err);
	if (!ret && (ret = mb_kmem_read(&e->kmem, before)))
		mb_error_set(&err, ret, NULL, "reading %s: %s", e->kmem.source, strerror(-ret));
	if (ret) {
		snprintf(e->kmem_why, sizeof(e->kmem_why), "kernel memory is not measured here: %.200s",
			 err.message);
		mb_kmem_close(&e->kmem);
	}
	return !ret;
}

static void end(struct dirtylog_run *e, uint64_t before, enum mb_metric total,
		enum mb_metric per_gib)
{
	uint64_t after = 0, bytes, test = e->vm.slot_bytes * e->vm.nr_slots;
	int ret = mb_kmem_read(&e->kmem, &after);

	mb_kmem_close(&e->kmem);
	if (ret || after < before) {
		snprintf(e->kmem_why, sizeof(e->kmem_why),
			 ret ? "reading %s: %s" : "%s went down during the call (%s)",
			 e->kmem.source ? e->kmem.source : "the cgroup's counter",
			 ret ? strerror(-ret) : "something else freed kernel memory");
		not_measured(e, total, per_gib);
		return;
	}
	bytes = after - before;
	mb_samples_add(&e->res->samples, total, 0, 0, bytes);
	mb_samples_add(&e->res->samples, per_gib, 0, 0,
		       (uint64_t)((double)bytes * GIB / (double)test + 0.5));
}

enum mb_run_status memslot_cost_create(struct dirtylog_run *e)
{
	struct mb_error err = { 0 };
	bool measured;
	uint64_t before = 0;
	int ret;

	measured = begin(e, &before);
	ret = mb_vm_add_test_slots(&e->vm, &err);
	if (measured)
		end(e, before, MB_MEMSLOT_METADATA_BYTES, MB_MEMSLOT_METADATA_BYTES_PER_GIB);
	else
		not_measured(e, MB_MEMSLOT_METADATA_BYTES, MB_MEMSLOT_METADATA_BYTES_PER_GIB);
	if (ret)
		return dirtylog_fail(e, MB_RUN_FAILED, "creating the guest: %s", err.message);
	if (e->kmem.source)
		json_object_object_add(e->res->environment, "kernel_memory_source",
				       json_object_new_string(e->kmem.source));
	return MB_RUN_OK;
}

enum mb_run_status memslot_cost_enable(struct dirtylog_run *e)
{
	enum mb_run_status status;
	bool measured;
	uint64_t before = 0, ns;

	measured = begin(e, &before);
	status = dirtylog_set_logging(e, true, &ns);
	if (measured)
		end(e, before, MB_DIRTY_BITMAP_BYTES, MB_DIRTY_BITMAP_BYTES_PER_GIB);
	else
		not_measured(e, MB_DIRTY_BITMAP_BYTES, MB_DIRTY_BITMAP_BYTES_PER_GIB);
	if (!status)
		mb_samples_add(&e->res->samples, MB_ENABLE_DIRTY_LOG_NS, 0, 0, ns);
	return status;
}
