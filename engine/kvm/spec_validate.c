// SPDX-License-Identifier: MIT
/*
 * A spec's checks once every key is set: between keys, and against the
 * host (online CPUs, what an aging run needs).  Setting one key checks
 * only that key (spec.c); these are what no single key can say.
 */
#include "spec_validate.h"

#include <errno.h>
#include <stdint.h>

#include "aging.h"

/* An aging run leaves dirty logging off: its keys do not apply. */
static int validate_aging(const struct mb_spec *spec, struct mb_error *err)
{
	static const char off[] = "does not apply to an aging run (aging), which leaves dirty "
				  "logging off";

	if (spec->aging == MB_AGING_NONE)
		return 0;
	if (mb_spec_zaps(spec, MB_ZAP_DISABLE))
		return mb_fail(err, "zap", "lists \"disable\": an aging run (aging) leaves dirty "
			       "logging off");
	if (spec->dirty_ring_entries)
		return mb_fail(err, "dirty_ring_entries", "%s", off);
	if (spec->clear_chunk_pages)
		return mb_fail(err, "clear_chunk_pages", "%s", off);
	if (spec->manual_protect == MB_TRUE)
		return mb_fail(err, "manual_protect", "%s", off);
	if (spec->initially_set == MB_TRUE)
		return mb_fail(err, "initially_set", "%s", off);
	return mb_aging_host_check(spec->aging, spec->backing,
				   mb_spec_total_pages(spec) * 4096, err);
}

int mb_spec_validate(const struct mb_spec *spec, unsigned int online_cpus,
		     struct mb_error *err)
{
	uint64_t total_pages = mb_spec_total_pages(spec), slot_pages;
	uint64_t ring = spec->dirty_ring_entries;

	if (spec->vcpus > online_cpus)
		return mb_fail(err, "vcpus",
			    "must be between 1 and %u (online CPUs), got %u",
			    online_cpus, spec->vcpus);
	if (spec->mem_per_vcpu % 4096)
		return mb_fail(err, "mem_per_vcpu",
			    "must be a multiple of 4096 bytes, got %llu",
			    (unsigned long long)spec->mem_per_vcpu);
	if (total_pages * 4096 > (500ULL << 30))
		return mb_fail(err, "mem_per_vcpu",
			    "vcpus * mem_per_vcpu must be at most 500G");
	if (total_pages % spec->memslots)
		return mb_fail(err, "memslots",
			    "%u does not divide the %llu guest pages evenly",
			    spec->memslots, (unsigned long long)total_pages);
	slot_pages = total_pages / spec->memslots;
	if (slot_pages % 64)
		return mb_fail(err, "memslots",
			    "each memslot must hold a multiple of 64 pages, %u memslots hold %llu",
			    spec->memslots, (unsigned long long)slot_pages);
	if (spec->clear_chunk_pages % 64)
		return mb_fail(err, "clear_chunk_pages",
			    "must be 0 or a multiple of 64, got %llu",
			    (unsigned long long)spec->clear_chunk_pages);
	if (ring && (ring < MB_RING_MIN_ENTRIES || (ring & (ring - 1))))
		return mb_fail(err, "dirty_ring_entries",
			    "must be 0 or a power of two from %d to %d, got %llu",
			    MB_RING_MIN_ENTRIES, MB_RING_MAX_ENTRIES,
			    (unsigned long long)ring);
	if (ring && spec->manual_protect == MB_TRUE)
		return mb_fail(err, "manual_protect",
			    "does not apply with a dirty ring (dirty_ring_entries > 0)");
	if (ring && spec->initially_set == MB_TRUE)
		return mb_fail(err, "initially_set",
			    "does not apply with a dirty ring (dirty_ring_entries > 0)");
	if (spec->initially_set == MB_TRUE &&
	    spec->manual_protect == MB_FALSE)
		return mb_fail(err, "initially_set", "needs manual_protect");
	if (spec->clear_chunk_pages &&
	    (ring || spec->manual_protect == MB_FALSE))
		return mb_fail(err, "clear_chunk_pages",
			    "needs manual_protect (KVM_CLEAR_DIRTY_LOG)");
	if (spec->nr_pin && spec->nr_pin != spec->vcpus &&
	    spec->nr_pin != spec->vcpus + 1)
		return mb_fail(err, "pin",
			    "lists %u CPUs; give one per vCPU (%u), plus optionally one for the main thread",
			    spec->nr_pin, spec->vcpus);
	for (unsigned int i = 0; i < spec->nr_pin; i++)
		if ((unsigned int)spec->pin[i] >= online_cpus)
			return mb_fail(err, "pin",
				    "CPU %d is not online (0..%u)",
				    spec->pin[i], online_cpus - 1);
	if (spec->vcpus_run_during_disable && !mb_spec_zaps(spec, MB_ZAP_DISABLE))
		return mb_fail(err, "vcpus_run_during_disable",
			    "needs \"disable\" in zap");
	if (spec->invalidate != MB_INVALIDATE_MPROTECT && !mb_spec_zaps(spec, MB_ZAP_INVALIDATE))
		return mb_fail(err, "invalidate", "needs \"invalidate\" in zap");
	return validate_aging(spec, err);
}
