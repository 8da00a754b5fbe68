/* SPDX-License-Identifier: MIT */
/*
 * What migbench-worker writes on its standard output, one line each, for
 * migbenchd to read:
 *
 *   P <text>                          progress
 *   R <json>                          {"spec": resolved, "environment": {...},
 *                                      "missing": {"<metric>": "<why>", ...}}
 *   S <metric> <iteration> <seq> <value>
 *   X <outcome> <error text>          last line; outcome below
 *
 * The samples come after the run is over, never during it, and so does
 * the R line: "missing" names every metric the run should have and did
 * not measure, with the reason ({} when none is missing); such a metric
 * has no S line, never a 0.
 */
#ifndef MIGBENCH_WORKER_PROTOCOL_H
#define MIGBENCH_WORKER_PROTOCOL_H

#include "engine.h"

/* Outcome words, by enum mb_run_status. */
static const char *const worker_outcomes[] = {
	[MB_RUN_OK] = "ok",
	[MB_RUN_BAD_SPEC] = "bad-spec",
	[MB_RUN_UNAVAILABLE] = "host-unavailable",
	[MB_RUN_FAILED] = "run-failed",
	[MB_RUN_INTERRUPTED] = "interrupted",
};

#define WORKER_PARENT_ENV "MIGBENCH_PARENT_PID"

#endif
