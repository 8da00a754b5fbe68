/* SPDX-License-Identifier: MIT */
/*
 * The run spec of the direct dirty-log engine.  The same key names are
 * used in JSON (spec files, the REST API, the database) and, in kebab
 * case, as command-line flags.
 */
#ifndef MIGBENCH_SPEC_H
#define MIGBENCH_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "error.h"
#include "guestmem.h"

#define MB_MAX_VCPUS		512
#define MB_MAX_MEMSLOTS		512
#define MB_MAX_ITERATIONS	100000
/*
 * How the guest's page tables map the test memory.  4KiB pages are what
 * dirty_log_perf_test's guest uses; with 2MiB pages a shadow MMU has fewer
 * guest page tables to shadow, so the two can time differently there.
 */
enum mb_guest_page_size {
	MB_GUEST_PAGE_4K,
	MB_GUEST_PAGE_2M,
};

/* By enum value, NULL-terminated: "4k", "2m". */
extern const char *const mb_guest_page_size_names[];

/* For options whose default depends on what the kernel supports. */
enum mb_auto_bool {
	MB_AUTO = -1,
	MB_FALSE = 0,
	MB_TRUE = 1,
};

/* What a run zaps after its iterations, in the order listed (key zap). */
enum mb_zap_step {
	MB_ZAP_DISABLE,		/* disable dirty logging: disable_dirty_log_ns */
	MB_ZAP_TOUCH,		/* the guest reads every page: huge mappings come back */
	MB_ZAP_INVALIDATE,	/* mmu-notifier invalidation: invalidate_ns */
	MB_ZAP_DELETE,		/* delete the test memslots: delete_memslot_ns */
	MB_NR_ZAP_STEPS,
};

/* How the invalidation is made (key invalidate). */
enum mb_invalidate {
	MB_INVALIDATE_MPROTECT,	/* mprotect read-only, then back (mmu_stress_test) */
	MB_INVALIDATE_DONTNEED,	/* madvise(MADV_DONTNEED) */
};

/* How an iteration ages the test memory (key aging; aging.h). */
enum mb_aging {
	MB_AGING_NONE,		/* no aging: a dirty-log iteration */
	MB_AGING_LRU_GEN,	/* the multi-gen LRU's aging pass */
	MB_AGING_PAGE_IDLE,	/* /sys/kernel/mm/page_idle */
	MB_AGING_RECLAIM,	/* cgroup v2 memory.reclaim */
	MB_AGING_DAMON,		/* DAMON's virtual-address monitoring */
};

extern const char *const mb_zap_step_names[];
extern const char *const mb_aging_names[];
extern const char *const mb_invalidate_names[];

struct mb_spec {
	unsigned int vcpus;
	uint64_t mem_per_vcpu;
	enum mb_backing backing;
	enum mb_guest_page_size guest_page_size;
	unsigned int iterations;
	unsigned int write_percent;
	enum mb_access access;
	uint64_t seed;
	enum mb_auto_bool manual_protect;
	enum mb_auto_bool initially_set;
	uint64_t clear_chunk_pages;
	unsigned int memslots;
	bool vcpus_run_during_disable;
	uint64_t dirty_ring_entries;
	unsigned int nr_pin;
	int pin[MB_MAX_VCPUS + 1];	/* vCPU i -> pin[i]; one more: main */
	unsigned int nr_zap;
	enum mb_zap_step zap[MB_NR_ZAP_STEPS];	/* each step at most once */
	enum mb_invalidate invalidate;
	/* how each iteration ages the memory; none: a dirty-log iteration */
	enum mb_aging aging;
	bool zap_set;		/* zap given, not the default */
};

/* Whether the spec's zap list has step. */
bool mb_spec_zaps(const struct mb_spec *spec, enum mb_zap_step step);

void mb_spec_init(struct mb_spec *spec);
/*
 * Defaults that depend on other keys, once every key is set: an aging
 * run, which leaves dirty logging off, zaps by deleting the memslots
 * unless zap says otherwise.
 */
void mb_spec_settle(struct mb_spec *spec);

/* Set one key from a JSON value (the REST API and spec files). */
int mb_spec_set_json(struct mb_spec *spec, const char *key,
		     struct json_object *value, struct mb_error *err);

/* Set one key from command-line text ("512M", "true", "0,1"). */
int mb_spec_set_text(struct mb_spec *spec, const char *key,
		     const char *text, struct mb_error *err);

/* Set every key of a JSON object; any unknown key is an error. */
int mb_spec_from_json(struct mb_spec *spec, struct json_object *obj,
		      struct mb_error *err);

/* The spec as a JSON object; auto options that are unresolved omitted. */
struct json_object *mb_spec_to_json(const struct mb_spec *spec);

/* Iterate the key names (for --help and flag tables); NULL at the end. */
const char *mb_spec_key_name(unsigned int index);
bool mb_spec_key_is_bool(const char *key);

static inline uint64_t mb_spec_total_pages(const struct mb_spec *spec)
{
	return spec->vcpus * (spec->mem_per_vcpu / 4096);
}

static inline uint64_t mb_spec_guest_page_bytes(const struct mb_spec *spec)
{
	return spec->guest_page_size == MB_GUEST_PAGE_2M ? 2ULL << 20 : 4096;
}

#endif
