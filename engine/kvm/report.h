/* SPDX-License-Identifier: MIT */
/* Printing a dirty-log run for people. */
#ifndef MIGBENCH_REPORT_H
#define MIGBENCH_REPORT_H

#include <stdio.h>

#include "dirtylog.h"

/*
 * The lines dirty_log_perf_test prints, in its order and format, so the
 * two tools' outputs can be read side by side.  Dirty-ring runs add
 * harvest/reset lines, which the selftest has no equivalent of.
 */
void mb_report_selftest_lines(FILE *out, const struct mb_spec *spec,
			      const struct mb_samples *samples);

/*
 * After those lines: the zap steps the selftest has no line for
 * ("Deleting memslots time: ..."), in the spec's order; the statement of
 * environment.huge_mappings; and the kernel memory of the test memslots
 * (metadata, dirty bitmap), each in bytes or with why it was not measured.
 */
void mb_report_after_lines(FILE *out, const struct mb_spec *spec,
			   const struct mb_samples *samples,
			   struct json_object *environment, struct json_object *missing);

/*
 * "METRIC not measured: WHY" for each metric of missing, except those
 * mb_report_after_lines() gave a reason for.
 */
void mb_report_missing(FILE *out, struct json_object *missing);

/*
 * "Equivalent selftest: dirty_log_perf_test -v 2 ...", the kernel's own
 * tool measuring the same, or "No dirty_log_perf_test equivalent: WHY".
 */
void mb_report_selftest_command(FILE *out, struct json_object *resolved_spec);

/*
 * One row per metric: n, min, median, mean, p95, max, stdev and what it
 * measures; the engine's report order (headline first); times in
 * microseconds, counts (pages, bytes) as they are; KVM's statistics
 * (kvm_stat.*) left out.
 */
void mb_report_summary_table(FILE *out, const struct mb_samples *samples);

#endif
