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
 * One row per metric: n, min, median, mean, p95, max, stdev and what it
 * measures; the engine's report order (headline first); times in
 * microseconds, counts (pages, bytes) as they are.
 */
void mb_report_summary_table(FILE *out, const struct mb_samples *samples);

#endif
