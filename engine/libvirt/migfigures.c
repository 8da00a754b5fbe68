// SPDX-License-Identifier: MIT
#include "migfigures.h"

#include <stdio.h>

/*
 * QEMU reports a dirty rate of 0 until it has computed one, which it does
 * only at a bitmap sync 1 s or more after the previous one (and with a
 * dirty ring its counter stayed 0 here even then): a 0 from it is no
 * measurement, and with a dirty ring it went back to 0 between rates
 * here.  Only its rates that are not 0 are kept.
 */
static const char *const rate_zero = "QEMU reported 0 pages/s: it computes its dirty rate only at "
	"a bitmap sync 1 s or more after the previous one; see dirty_rate_calc_mib_s and "
	"guest_dirty_rate_mib_s";

static void job_samples(const struct mb_migration_result *m, struct mb_run_result *res)
{
	struct mb_samples *s = &res->samples;
	bool rate_seen = false;

	for (size_t i = 0; i < m->n; i++) {
		const struct mb_jobstat *j = &m->series[i];
		uint32_t it = (uint32_t)j->iteration;

		mb_samples_add(s, MB_JOB_T_MS, it, (uint32_t)i, j->t_ms);
		mb_samples_add(s, MB_JOB_MEMORY_PROCESSED_BYTES, it, (uint32_t)i, j->processed);
		mb_samples_add(s, MB_JOB_MEMORY_REMAINING_BYTES, it, (uint32_t)i, j->remaining);
		mb_samples_add(s, MB_JOB_BPS, it, (uint32_t)i, j->bps);
		rate_seen |= j->dirty_rate != 0;
		if (j->dirty_rate)
			mb_samples_add(s, MB_JOB_DIRTY_RATE_PPS, it, (uint32_t)i, j->dirty_rate);
	}
	if (!rate_seen)
		mb_run_missing(res, MB_JOB_DIRTY_RATE_PPS, "%s", rate_zero);
}

static void final_figure(struct mb_run_result *res, enum mb_metric metric, struct mb_figure f,
			 const char *why)
{
	if (f.known)
		mb_samples_add(&res->samples, metric, 0, 0, f.v);
	else
		mb_run_missing(res, metric, "%s", why);
}

static void phases(const struct mb_migspec *spec, const struct mb_migration_result *m,
		   struct mb_run_result *res)
{
	uint64_t end_ms = (m->end_ns - m->start_ns) / 1000000;

	for (size_t i = 0; i < m->n_iteration_ms; i++)
		mb_samples_add(&res->samples, MB_MIGRATION_ITERATION_T_MS, (uint32_t)i + 1, 0,
			       m->iteration_ms[i]);
	if (!m->n_iteration_ms)
		mb_run_missing(res, MB_MIGRATION_ITERATION_T_MS,
			       "libvirt sent no migration-iteration events");
	final_figure(res, MB_MIGRATION_DEST_START_MS, m->first_byte_ms,
		     "no job statistics showed RAM moving before the job ended");
	if (m->first_byte_ms.known && m->stopped_ms.known && m->stopped_ms.v >= m->first_byte_ms.v)
		mb_samples_add(&res->samples, MB_MIGRATION_PRECOPY_MS, 0, 0,
			       m->stopped_ms.v - m->first_byte_ms.v);
	else
		mb_run_missing(res, MB_MIGRATION_PRECOPY_MS, "%s",
			       m->aborted ? "the migration was cancelled before switch-over" :
			       !m->stopped_ms.known ? "libvirt sent no event when the source stopped" :
			       "the source stopped before job statistics showed RAM moving");
	if (m->postcopy_started && m->stopped_ms.known)
		mb_samples_add(&res->samples, MB_MIGRATION_POSTCOPY_MS, 0, 0, end_ms - m->stopped_ms.v);
	else if (spec->postcopy_after_iterations)
		mb_run_missing(res, MB_MIGRATION_POSTCOPY_MS,
			       "the migration completed in precopy before iteration %llu",
			       (unsigned long long)spec->postcopy_after_iterations + 1);
}

void mb_migration_figures(const struct mb_migspec *spec, const struct mb_migration_result *m,
			  struct mb_run_result *res)
{
	job_samples(m, res);
	phases(spec, m, res);
	final_figure(res, MB_MIGRATION_TOTAL_MS, m->total_ms, "libvirt gave no elapsed time");
	final_figure(res, MB_MIGRATION_SETUP_MS, m->setup_ms, "libvirt gave no setup time");
	final_figure(res, MB_MIGRATION_ITERATIONS, m->iterations, "libvirt gave no iteration count");
	final_figure(res, MB_MIGRATION_TRANSFERRED_BYTES, m->transferred_bytes,
		     "libvirt gave no transferred bytes");
	if (m->aborted)
		mb_run_missing(res, MB_MIGRATION_DOWNTIME_MS,
			       "a cancelled migration has no downtime");
	else
		final_figure(res, MB_MIGRATION_DOWNTIME_MS, m->downtime_ms, "libvirt gave no downtime");
	if (m->dirty_rate_pps.known && m->dirty_rate_pps.v)
		mb_samples_add(&res->samples, MB_MIGRATION_DIRTY_RATE_PPS, 0, 0, m->dirty_rate_pps.v);
	else
		mb_run_missing(res, MB_MIGRATION_DIRTY_RATE_PPS, "%s", rate_zero);
}
