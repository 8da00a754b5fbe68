/* SPDX-License-Identifier: MIT */
/*
 * Measured values of a run, one row per (metric, iteration, seq), in the
 * order they were taken.  Rows are appended between timed regions and
 * stored or printed after the run.
 */
#ifndef MIGBENCH_SAMPLES_H
#define MIGBENCH_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

enum mb_metric {
	MB_POPULATE_NS,
	MB_ENABLE_DIRTY_LOG_NS,
	MB_DIRTY_MEMORY_NS,
	MB_GET_DIRTY_LOG_NS,
	MB_CLEAR_DIRTY_LOG_NS,
	MB_CLEAR_DIRTY_LOG_CALL_NS,
	MB_DISABLE_DIRTY_LOG_NS,
	MB_DIRTY_RING_HARVEST_NS,
	MB_DIRTY_RING_RESET_NS,
	MB_DIRTY_PAGES,
	/* the zaps after the iterations (spec key zap) */
	MB_DELETE_MEMSLOT_NS,
	MB_INVALIDATE_NS,
	/* ... the mmu-notifier unmaps that reached KVM during the invalidation */
	MB_KVM_UNMAP_HVA_RANGE_CALLS,
	MB_KVM_UNMAP_HVA_RANGE_PAGES,
	/*
	 * an aging run's iterations (iteration: its number): the aging pass,
	 * the vCPUs' pass over all memory after it, the cgroup's pages the
	 * mechanism still sees idle after that, and KVM's aging notifier
	 * calls during the aging pass
	 */
	MB_MARK_IDLE_NS,
	MB_ACCESS_IDLE_NS,
	MB_IDLE_PAGES,
	MB_KVM_AGING_CALLS,
	MB_KVM_AGED_PAGES,
	MB_KVM_TEST_AGE_CALLS,
	/*
	 * ... and what a reclaim pass did, from the run cgroup's memory.stat:
	 * pages scanned for eviction, evicted, activated (found referenced on
	 * the inactive list) and moved off the active one (deactivated)
	 */
	MB_RECLAIM_SCANNED_PAGES,
	MB_RECLAIM_EVICTED_PAGES,
	MB_RECLAIM_ACTIVATED_PAGES,
	MB_RECLAIM_DEACTIVATED_PAGES,
	/* kernel memory charged to the run for the test memslots */
	MB_MEMSLOT_METADATA_BYTES,
	MB_MEMSLOT_METADATA_BYTES_PER_GIB,
	MB_DIRTY_BITMAP_BYTES,
	MB_DIRTY_BITMAP_BYTES_PER_GIB,
	/* migration runs: final figures */
	MB_MIGRATION_TOTAL_MS,
	MB_MIGRATION_SETUP_MS,
	MB_MIGRATION_DOWNTIME_MS,
	MB_MIGRATION_ITERATIONS,
	MB_MIGRATION_TRANSFERRED_BYTES,
	MB_MIGRATION_DIRTY_RATE_PPS,
	/* ... its phases: job start to first RAM byte, to switch-over, to the end */
	MB_MIGRATION_DEST_START_MS,
	MB_MIGRATION_PRECOPY_MS,
	MB_MIGRATION_POSTCOPY_MS,
	/* ... when each iteration began, ms after the job started (iteration: its number) */
	MB_MIGRATION_ITERATION_T_MS,
	/*
	 * ... from starting migbench's guest to its console saying every vCPU
	 * dirties memory (firmware, the multiboot load, AP start-up)
	 */
	MB_GUEST_BOOT_MS,
	/* ... the guest's dirty rate before the migration: its own count, libvirt's calculation */
	MB_GUEST_DIRTY_RATE_MIB_S,
	MB_DIRTY_RATE_CALC_MIB_S,
	/* ... the longest time a vCPU of the guest made no progress during the migration */
	MB_GUEST_STALL_MS,
	/*
	 * ... the guest's writes per 10 ms window during the migration: the
	 * window's end in ms after the job started (seq: window) and each
	 * vCPU's rate in it (iteration: the vCPU, seq: window)
	 */
	MB_GUEST_T_MS,
	MB_GUEST_WRITE_RATE_KIB_S,
	/* ... the dirty-log ioctls of the source QEMU, per call */
	MB_QEMU_GET_DIRTY_LOG_NS,
	MB_QEMU_CLEAR_DIRTY_LOG_NS,
	MB_QEMU_RESET_DIRTY_RINGS_NS,
	MB_QEMU_DISABLE_DIRTY_LOG_NS,
	MB_QEMU_ENABLE_DIRTY_LOG_NS,
	/* ... and the job statistics every 100 ms (seq: sample number) */
	MB_JOB_T_MS,
	MB_JOB_MEMORY_PROCESSED_BYTES,
	MB_JOB_MEMORY_REMAINING_BYTES,
	MB_JOB_DIRTY_RATE_PPS,
	MB_JOB_BPS,
	/*
	 * A family: one of KVM's own VM statistics (KVM_GET_STATS_FD), named
	 * "kvm_stat.<name>" by the sample's stat.  iteration: the reading's
	 * number in time order; seq: the phase it followed (enum mb_phase).
	 * Not summarised: a count per phase has no median.
	 */
	MB_KVM_STAT,
	MB_NR_METRICS,
};

#define MB_KVM_STAT_PREFIX	"kvm_stat."
#define MB_KVM_STAT_NAME_MAX	48	/* KVM_STATS_NAME_SIZE */
#define MB_MAX_KVM_STATS	32	/* x86 has 15; more are counted as skipped */

/* What a kvm_stat reading followed. */
enum mb_phase {
	MB_PHASE_POPULATE,
	MB_PHASE_ENABLE,	/* dirty logging enabled */
	MB_PHASE_ITERATION,	/* an iteration's dirty log taken */
	MB_PHASE_DISABLE,	/* the zap steps, as spec key zap names them */
	MB_PHASE_TOUCH,
	MB_PHASE_INVALIDATE,
	MB_PHASE_DELETE,
	MB_NR_PHASES,
};

const char *mb_phase_name(unsigned int phase);

struct mb_sample {
	enum mb_metric metric;
	uint32_t iteration;	/* 0 for once-per-run metrics */
	uint32_t seq;		/* call number within the iteration */
	uint64_t value;
	uint16_t stat;		/* MB_KVM_STAT: index in stat_names */
};

struct mb_samples {
	struct mb_sample *rows;
	size_t len;
	size_t cap;
	char **stat_names;	/* of the MB_KVM_STAT rows, without the prefix */
	uint16_t nr_stat_names;
};

/* The stored name of a metric ("clear_dirty_log_ns"). */
const char *mb_metric_name(enum mb_metric m);
/* Whether a metric's name ends in its unit, suffix ("_ns", "_bytes_per_gib"). */
bool mb_metric_ends(const char *name, const char *suffix);
/* Whether a metric is a time in nanoseconds (its name ends in _ns). */
bool mb_metric_is_ns(const char *name);
/* The metric of a stored name; -1 when there is none. */
int mb_metric_from_name(const char *name);
/*
 * A few words saying what it measures ("clear dirty log"), for reports;
 * "" for MB_KVM_STAT, a family that is never summarised or compared.
 */
const char *mb_metric_label(enum mb_metric m);
/* The same by stored name; NULL for a name migbench does not know and for kvm_stat.*. */
const char *mb_metric_label_of(const char *name);

/*
 * A metric reports and adaptive repetition lead with; where the runs have
 * no samples of it, its fallback (getting the dirty log, which also
 * clears it without manual protect).
 */
struct mb_headline {
	const char *metric;
	const char *fallback;	/* NULL: none */
};

/*
 * Where metric stands in a report that leads with lead (ends with a NULL
 * metric; may be NULL): the index of the entry it is, or whose fallback
 * it is while has(ctx, that entry's metric) is false; else the number of
 * entries, after them all.
 */
size_t mb_headline_rank(const struct mb_headline *lead, const char *metric,
			bool (*has)(void *ctx, const char *metric), void *ctx);

/* Reserve room up front so appends during a run do not allocate. */
int mb_samples_reserve(struct mb_samples *s, size_t rows);
int mb_samples_add(struct mb_samples *s, enum mb_metric metric,
		   uint32_t iteration, uint32_t seq, uint64_t value);
/* A whole row, its stat index included (a worker's kvm_stat samples). */
int mb_samples_push(struct mb_samples *s, struct mb_sample row);
void mb_samples_free(struct mb_samples *s);

/*
 * The index of a KVM statistic's name, added when new; -EINVAL for a
 * name that is not lower-case letters, digits and '_', -E2BIG past
 * MB_MAX_KVM_STATS names.
 */
int mb_samples_stat(struct mb_samples *s, const char *name);
int mb_samples_add_stat(struct mb_samples *s, uint16_t stat, uint32_t reading,
			enum mb_phase phase, uint64_t value);
/* A row's stored metric name ("clear_dirty_log_ns", "kvm_stat.pages_1g"). */
const char *mb_sample_name(const struct mb_samples *s, const struct mb_sample *row,
			   char *buf, size_t len);

/* Values of one metric, in order; caller frees.  Returns the count. */
size_t mb_samples_values(const struct mb_samples *s, enum mb_metric metric,
			 double **out);
uint64_t mb_samples_sum(const struct mb_samples *s, enum mb_metric metric,
			uint32_t iteration);
/* The first value of metric in iteration; false when there is none. */
int mb_samples_get(const struct mb_samples *s, enum mb_metric metric,
		   uint32_t iteration, uint64_t *value);

/* [{"metric","iteration","seq","value"}, ...], "phase" on kvm_stat rows */
struct json_object *mb_samples_to_json(const struct mb_samples *s);

#endif
