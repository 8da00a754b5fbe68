/* SPDX-License-Identifier: MIT */
/*
 * What a comparison says of metrics its runs did not measure: the reasons
 * each side's runs gave (their "missing" objects), counted, and an entry
 * for each metric and side that some runs lack, so that a metric without
 * a row is not silently absent.
 */
#ifndef MIGBENCH_COMPARE_MISSING_H
#define MIGBENCH_COMPARE_MISSING_H

#include <stddef.h>
#include <json-c/json.h>

/* One more run gave reason: *why, {"reason": runs}, made on first use. */
void compare_missing_count(struct json_object **why, const char *reason);

/*
 * {"metric", "side", "runs_without", "runs", "reasons": [{"reason",
 * "runs"}]} for a side whose runs_with of runs have the metric; the runs
 * without a reason in why count as "no samples, no reason recorded".
 * NULL when every run has it.
 */
struct json_object *compare_missing_entry(const char *metric, const char *side, size_t runs,
					  size_t runs_with, struct json_object *why);

/*
 * The entries folded for a report: one line per reason, "REASON: new
 * side, 2 of 3 runs[; base side, ...]: METRIC, METRIC", the metrics in
 * the entries' order, each between quote ("" or markdown's "`").
 */
struct json_object *compare_missing_lines(struct json_object *missing, const char *quote);

#endif
