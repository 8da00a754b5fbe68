/* SPDX-License-Identifier: MIT */
/* A run in the Go benchmark data format, for benchstat. */
#ifndef MIGBENCH_API_BENCHSTAT_H
#define MIGBENCH_API_BENCHSTAT_H

#include <stddef.h>

#include "store/runs.h"

/*
 * Configuration lines (migbench-run, kind, label, kernel, its version,
 * boot and CPU, tag-KEY), then one result line per summarised metric:
 * Benchmark<Metric>/<key>=<value>... (the spec keys that differ from the
 * engine's defaults) 1 <the run's median> <unit>/op.  Caller frees *text.
 */
int present_benchstat(const struct store_run *run, char **text, size_t *len);

#endif
