/* SPDX-License-Identifier: MIT */
/*
 * What weakens a comparison, read from its rows: one warning per kind of
 * weakness, however many rows it concerns, so that a report of a few
 * metrics does not bury its table under a warning per row and side.
 */
#ifndef MIGBENCH_COMPARE_WARNINGS_H
#define MIGBENCH_COMPARE_WARNINGS_H

#include <stddef.h>
#include <json-c/json.h>

#define COMPARE_HIGH_CV 0.10	/* a spread that can hide a change of that size */

/*
 * Append to warnings (an array of strings), each at most once: the rows
 * whose coefficient of variation is over COMPARE_HIGH_CV on a side; the
 * per-run rows whose runs are too few for the U test to reach alpha over
 * family (the number of per-run rows tested, whose verdicts are
 * Holm-adjusted).  rows: the model's "metrics"; a sweep's rows are named
 * with their "point".
 */
void compare_warn_rows(struct json_object *rows, double alpha, size_t family,
		       struct json_object *warnings);

#endif
