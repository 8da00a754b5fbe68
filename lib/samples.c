// SPDX-License-Identifier: MIT
#include "samples.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Each metric: its stored name, and what it measures in the words a
 * maintainer reads beside the name in a report (one table for every
 * engine, so a metric reads the same wherever it is shown; short enough
 * for a 75-column line).
 */
static const struct { const char *name, *label; } metrics[MB_NR_METRICS] = {
	[MB_POPULATE_NS] = { "populate_ns", "populate memory, first touch" },
	[MB_ENABLE_DIRTY_LOG_NS] = { "enable_dirty_log_ns", "enable dirty logging" },
	[MB_DIRTY_MEMORY_NS] = { "dirty_memory_ns", "dirty memory, slowest vCPU" },
	[MB_GET_DIRTY_LOG_NS] = { "get_dirty_log_ns", "get dirty log" },
	[MB_CLEAR_DIRTY_LOG_NS] = { "clear_dirty_log_ns", "clear dirty log" },
	[MB_CLEAR_DIRTY_LOG_CALL_NS] = { "clear_dirty_log_call_ns", "clear dirty log, one call" },
	[MB_DISABLE_DIRTY_LOG_NS] = { "disable_dirty_log_ns", "disable dirty logging" },
	[MB_DIRTY_RING_HARVEST_NS] = { "dirty_ring_harvest_ns", "harvest the dirty ring" },
	[MB_DIRTY_RING_RESET_NS] = { "dirty_ring_reset_ns", "reset the dirty rings" },
	[MB_DIRTY_PAGES] = { "dirty_pages", "dirty pages found" },
	[MB_DELETE_MEMSLOT_NS] = { "delete_memslot_ns", "delete memslot (zap all SPTEs)" },
	[MB_INVALIDATE_NS] = { "invalidate_ns", "invalidate guest memory, mmu notifier" },
	[MB_KVM_UNMAP_HVA_RANGE_CALLS] = { "kvm_unmap_hva_range_calls",
					   "invalidate: notifier unmaps in KVM" },
	[MB_KVM_UNMAP_HVA_RANGE_PAGES] = { "kvm_unmap_hva_range_pages",
					   "invalidate: pages KVM's unmaps covered" },
	[MB_MARK_IDLE_NS] = { "mark_idle_ns", "aging pass, mark memory idle" },
	[MB_ACCESS_IDLE_NS] = { "access_idle_ns", "access idle memory, slowest vCPU" },
	[MB_IDLE_PAGES] = { "idle_pages", "pages still idle after access" },
	[MB_KVM_AGING_CALLS] = { "kvm_aging_calls", "aging: notifier calls in KVM" },
	[MB_KVM_AGED_PAGES] = { "kvm_aged_pages", "aging: pages KVM's calls covered" },
	[MB_KVM_TEST_AGE_CALLS] = { "kvm_test_age_calls", "aging: test-young calls in KVM" },
	[MB_RECLAIM_SCANNED_PAGES] = { "reclaim_scanned_pages",
				       "reclaim: pages scanned for eviction" },
	[MB_RECLAIM_EVICTED_PAGES] = { "reclaim_evicted_pages", "reclaim: pages evicted" },
	[MB_RECLAIM_ACTIVATED_PAGES] = { "reclaim_activated_pages",
					 "reclaim: referenced pages activated" },
	[MB_RECLAIM_DEACTIVATED_PAGES] = { "reclaim_deactivated_pages",
					   "reclaim: active pages deactivated" },
	[MB_MEMSLOT_METADATA_BYTES] = { "memslot_metadata_bytes", "memslot metadata" },
	[MB_MEMSLOT_METADATA_BYTES_PER_GIB] = { "memslot_metadata_bytes_per_gib",
						"memslot metadata per GiB of guest" },
	[MB_DIRTY_BITMAP_BYTES] = { "dirty_bitmap_bytes", "dirty bitmaps" },
	[MB_DIRTY_BITMAP_BYTES_PER_GIB] = { "dirty_bitmap_bytes_per_gib",
					    "dirty bitmaps per GiB of guest" },
	[MB_MIGRATION_TOTAL_MS] = { "migration_total_ms", "migration, start to end" },
	[MB_MIGRATION_SETUP_MS] = { "migration_setup_ms", "migration setup" },
	[MB_MIGRATION_DOWNTIME_MS] = { "migration_downtime_ms", "downtime, guest paused" },
	[MB_MIGRATION_ITERATIONS] = { "migration_iterations", "precopy iterations" },
	[MB_MIGRATION_TRANSFERRED_BYTES] = { "migration_transferred_bytes", "bytes transferred" },
	[MB_MIGRATION_DIRTY_RATE_PPS] = { "migration_dirty_rate_pps", "QEMU dirty rate, pages/s" },
	[MB_MIGRATION_DEST_START_MS] = { "migration_dest_start_ms", "destination start" },
	[MB_MIGRATION_PRECOPY_MS] = { "migration_precopy_ms", "precopy phase" },
	[MB_MIGRATION_POSTCOPY_MS] = { "migration_postcopy_ms", "postcopy phase" },
	[MB_MIGRATION_ITERATION_T_MS] = { "migration_iteration_t_ms", "iteration start" },
	[MB_GUEST_BOOT_MS] = { "guest_boot_ms", "guest start to dirtying" },
	[MB_GUEST_DIRTY_RATE_MIB_S] = { "guest_dirty_rate_mib_s", "guest dirty rate, its own count" },
	[MB_DIRTY_RATE_CALC_MIB_S] = { "dirty_rate_calc_mib_s", "dirty rate, libvirt's calculation" },
	[MB_GUEST_STALL_MS] = { "guest_stall_ms", "longest guest stall" },
	[MB_GUEST_T_MS] = { "guest_t_ms", "guest window end" },
	[MB_GUEST_WRITE_RATE_KIB_S] = { "guest_write_rate_kib_s", "guest writes per vCPU" },
	[MB_QEMU_GET_DIRTY_LOG_NS] = { "qemu_get_dirty_log_ns", "QEMU get dirty log" },
	[MB_QEMU_CLEAR_DIRTY_LOG_NS] = { "qemu_clear_dirty_log_ns", "QEMU clear dirty log" },
	[MB_QEMU_RESET_DIRTY_RINGS_NS] = { "qemu_reset_dirty_rings_ns", "QEMU reset dirty rings" },
	[MB_QEMU_DISABLE_DIRTY_LOG_NS] = { "qemu_disable_dirty_log_ns", "QEMU disable dirty logging" },
	[MB_QEMU_ENABLE_DIRTY_LOG_NS] = { "qemu_enable_dirty_log_ns", "QEMU enable dirty logging" },
	[MB_JOB_T_MS] = { "job_t_ms", "job sample time" },
	[MB_JOB_MEMORY_PROCESSED_BYTES] = { "job_memory_processed_bytes", "job memory sent" },
	[MB_JOB_MEMORY_REMAINING_BYTES] = { "job_memory_remaining_bytes", "job memory remaining" },
	[MB_JOB_DIRTY_RATE_PPS] = { "job_dirty_rate_pps", "job dirty rate, pages/s" },
	[MB_JOB_BPS] = { "job_bps", "job transfer rate" },
	[MB_KVM_STAT] = { "kvm_stat", NULL },
};


static const char *const phase_names[MB_NR_PHASES] = {
	[MB_PHASE_POPULATE] = "populate",
	[MB_PHASE_ENABLE] = "enable",
	[MB_PHASE_ITERATION] = "iteration",
	[MB_PHASE_DISABLE] = "disable",
	[MB_PHASE_TOUCH] = "touch",
	[MB_PHASE_INVALIDATE] = "invalidate",
	[MB_PHASE_DELETE] = "delete",
};

bool mb_metric_ends(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n > k && !strcmp(name + n - k, suffix);
}

bool mb_metric_is_ns(const char *name)
{
	return mb_metric_ends(name, "_ns");
}

const char *mb_phase_name(unsigned int phase)
{
	return phase < MB_NR_PHASES ? phase_names[phase] : "unknown";
}

const char *mb_metric_name(enum mb_metric m)
{
	return m < MB_NR_METRICS ? metrics[m].name : "unknown";
}

int mb_metric_from_name(const char *name)
{
	/* a family is stored by its members' names only */
	for (int m = 0; m < MB_NR_METRICS; m++)
		if (m != MB_KVM_STAT && !strcmp(metrics[m].name, name))
			return m;
	return -1;
}

const char *mb_metric_label(enum mb_metric m)
{
	return m < MB_NR_METRICS && metrics[m].label ? metrics[m].label : "";
}

const char *mb_metric_label_of(const char *name)
{
	/* kvm_stat.<name> is a family's member, no metric: no label */
	int m = mb_metric_from_name(name);

	return m < 0 ? NULL : mb_metric_label((enum mb_metric)m);
}

size_t mb_headline_rank(const struct mb_headline *lead, const char *metric,
			bool (*has)(void *ctx, const char *metric), void *ctx)
{
	size_t i;

	for (i = 0; lead && lead[i].metric; i++)
		if (!strcmp(lead[i].metric, metric) ||
		    (lead[i].fallback && !strcmp(lead[i].fallback, metric) &&
		     !has(ctx, lead[i].metric)))
			return i;
	return i;
}

int mb_samples_reserve(struct mb_samples *s, size_t rows)
{
	struct mb_sample *p;

	if (s->len + rows <= s->cap)
		return 0;
	p = realloc(s->rows, (s->len + rows) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->rows = p;
	s->cap = s->len + rows;
	return 0;
}

int mb_samples_add(struct mb_samples *s, enum mb_metric metric,
		   uint32_t iteration, uint32_t seq, uint64_t value)
{
	return mb_samples_push(s, (struct mb_sample){ metric, iteration, seq, value, 0 });
}

int mb_samples_push(struct mb_samples *s, struct mb_sample row)
{
	if (s->len == s->cap) {
		int ret = mb_samples_reserve(s, s->cap ? s->cap : 64);

		if (ret)
			return ret;
	}
	s->rows[s->len++] = row;
	return 0;
}

static bool stat_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= MB_KVM_STAT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return false;
	return true;
}

int mb_samples_stat(struct mb_samples *s, const char *name)
{
	char **names, *copy;

	for (uint16_t i = 0; i < s->nr_stat_names; i++)
		if (!strcmp(s->stat_names[i], name))
			return i;
	if (!stat_name_ok(name))
		return -EINVAL;
	if (s->nr_stat_names >= MB_MAX_KVM_STATS)
		return -E2BIG;
	names = realloc(s->stat_names, (s->nr_stat_names + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	s->stat_names = names;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	names[s->nr_stat_names] = copy;
	return s->nr_stat_names++;
}

int mb_samples_add_stat(struct mb_samples *s, uint16_t stat, uint32_t reading,
			enum mb_phase phase, uint64_t value)
{
	return mb_samples_push(s, (struct mb_sample){ MB_KVM_STAT, reading, phase, value, stat });
}

const char *mb_sample_name(const struct mb_samples *s, const struct mb_sample *row,
			   char *buf, size_t len)
{
	if (row->metric != MB_KVM_STAT)
		return mb_metric_name(row->metric);
	snprintf(buf, len, MB_KVM_STAT_PREFIX "%s",
		 row->stat < s->nr_stat_names ? s->stat_names[row->stat] : "unknown");
	return buf;
}

void mb_samples_free(struct mb_samples *s)
{
	free(s->rows);
	s->rows = NULL;
	s->len = s->cap = 0;
	for (uint16_t i = 0; i < s->nr_stat_names; i++)
		free(s->stat_names[i]);
	free(s->stat_names);
	s->stat_names = NULL;
	s->nr_stat_names = 0;
}

size_t mb_samples_values(const struct mb_samples *s, enum mb_metric metric,
			 double **out)
{
	size_t n = 0;

	*out = malloc((s->len ? s->len : 1) * sizeof(**out));
	if (!*out)
		return 0;
	for (size_t i = 0; i < s->len; i++)
		if (s->rows[i].metric == metric)
			(*out)[n++] = (double)s->rows[i].value;
	return n;
}

uint64_t mb_samples_sum(const struct mb_samples *s, enum mb_metric metric,
			uint32_t iteration)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < s->len; i++)
		if (s->rows[i].metric == metric &&
		    s->rows[i].iteration == iteration)
			sum += s->rows[i].value;
	return sum;
}

int mb_samples_get(const struct mb_samples *s, enum mb_metric metric,
		   uint32_t iteration, uint64_t *value)
{
	for (size_t i = 0; i < s->len; i++) {
		if (s->rows[i].metric == metric &&
		    s->rows[i].iteration == iteration) {
			*value = s->rows[i].value;
			return 1;
		}
	}
	return 0;
}

struct json_object *mb_samples_to_json(const struct mb_samples *s)
{
	struct json_object *arr = json_object_new_array_ext((int)s->len);

	for (size_t i = 0; i < s->len; i++) {
		const struct mb_sample *r = &s->rows[i];
		struct json_object *o = json_object_new_object();
		char name[sizeof(MB_KVM_STAT_PREFIX) + MB_KVM_STAT_NAME_MAX];

		json_object_object_add(o, "metric",
				       json_object_new_string(mb_sample_name(s, r, name, sizeof(name))));
		json_object_object_add(o, "iteration",
				       json_object_new_int64(r->iteration));
		json_object_object_add(o, "seq", json_object_new_int64(r->seq));
		if (r->metric == MB_KVM_STAT)
			json_object_object_add(o, "phase",
					       json_object_new_string(mb_phase_name(r->seq)));
		json_object_object_add(o, "value", json_object_new_uint64(r->value));
		json_object_array_add(arr, o);
	}
	return arr;
}
