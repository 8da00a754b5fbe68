// SPDX-License-Identifier: MIT
#include "samples.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


static const char *const metric_names[MB_NR_METRICS] = {
	[MB_POPULATE_NS] = "populate_ns",
	[MB_ENABLE_DIRTY_LOG_NS] = "enable_dirty_log_ns",
	[MB_DIRTY_MEMORY_NS] = "dirty_memory_ns",
	[MB_GET_DIRTY_LOG_NS] = "get_dirty_log_ns",
	[MB_CLEAR_DIRTY_LOG_NS] = "clear_dirty_log_ns",
	[MB_CLEAR_DIRTY_LOG_CALL_NS] = "clear_dirty_log_call_ns",
	[MB_DISABLE_DIRTY_LOG_NS] = "disable_dirty_log_ns",
	[MB_DIRTY_RING_HARVEST_NS] = "dirty_ring_harvest_ns",
	[MB_DIRTY_RING_RESET_NS] = "dirty_ring_reset_ns",
	[MB_DIRTY_PAGES] = "dirty_pages",
	[MB_MIGRATION_TOTAL_MS] = "migration_total_ms",
	[MB_MIGRATION_SETUP_MS] = "migration_setup_ms",
	[MB_MIGRATION_DOWNTIME_MS] = "migration_downtime_ms",
	[MB_MIGRATION_ITERATIONS] = "migration_iterations",
	[MB_MIGRATION_TRANSFERRED_BYTES] = "migration_transferred_bytes",
	[MB_MIGRATION_DIRTY_RATE_PPS] = "migration_dirty_rate_pps",
	[MB_MIGRATION_DEST_START_MS] = "migration_dest_start_ms",
	[MB_MIGRATION_PRECOPY_MS] = "migration_precopy_ms",
	[MB_MIGRATION_POSTCOPY_MS] = "migration_postcopy_ms",
	[MB_MIGRATION_ITERATION_T_MS] = "migration_iteration_t_ms",
	[MB_GUEST_DIRTY_RATE_MIB_S] = "guest_dirty_rate_mib_s",
	[MB_DIRTY_RATE_CALC_MIB_S] = "dirty_rate_calc_mib_s",
	[MB_GUEST_STALL_MS] = "guest_stall_ms",
	[MB_GUEST_T_MS] = "guest_t_ms",
	[MB_GUEST_WRITE_RATE_KIB_S] = "guest_write_rate_kib_s",
	[MB_QEMU_GET_DIRTY_LOG_NS] = "qemu_get_dirty_log_ns",
	[MB_QEMU_CLEAR_DIRTY_LOG_NS] = "qemu_clear_dirty_log_ns",
	[MB_QEMU_RESET_DIRTY_RINGS_NS] = "qemu_reset_dirty_rings_ns",
	[MB_QEMU_DISABLE_DIRTY_LOG_NS] = "qemu_disable_dirty_log_ns",
	[MB_QEMU_ENABLE_DIRTY_LOG_NS] = "qemu_enable_dirty_log_ns",
	[MB_JOB_T_MS] = "job_t_ms",
	[MB_JOB_MEMORY_PROCESSED_BYTES] = "job_memory_processed_bytes",
	[MB_JOB_MEMORY_REMAINING_BYTES] = "job_memory_remaining_bytes",
	[MB_JOB_DIRTY_RATE_PPS] = "job_dirty_rate_pps",
	[MB_JOB_BPS] = "job_bps",
};

const char *mb_metric_name(enum mb_metric m)
{
	return m < MB_NR_METRICS ? metric_names[m] : "unknown";
}

int mb_metric_from_name(const char *name)
{
	for (int m = 0; m < MB_NR_METRICS; m++)
		if (!strcmp(metric_names[m], name))
			return m;
	return -1;
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
	if (s->len == s->cap) {
		int ret = mb_samples_reserve(s, s->cap ? s->cap : 64);

		if (ret)
			return ret;
	}
	s->rows[s->len++] = (struct mb_sample){ metric, iteration, seq, value };
	return 0;
}

void mb_samples_free(struct mb_samples *s)
{
	free(s->rows);
	s->rows = NULL;
	s->len = s->cap = 0;
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

		json_object_object_add(o, "metric",
				       json_object_new_string(mb_metric_name(r->metric)));
		json_object_object_add(o, "iteration",
				       json_object_new_int64(r->iteration));
		json_object_object_add(o, "seq", json_object_new_int64(r->seq));
		json_object_object_add(o, "value", json_object_new_uint64(r->value));
		json_object_array_add(arr, o);
	}
	return arr;
}
