/* SPDX-License-Identifier: MIT */
/*
 * A comparison across a sweep.  Spec keys whose values differ among the
 * runs of one side (a sweep's keys, or a selection of runs made with
 * several values) split both sides into points, one per combination of
 * those values, and each point is compared on its own: a row per metric
 * and value, the vCPU-scaling table of a cover letter.  Points follow
 * their values: numbers and byte counts ascending, other values in the
 * order the runs first have them.
 */
#ifndef MIGBENCH_COMPARE_SWEEP_H
#define MIGBENCH_COMPARE_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "error.h"

#define COMPARE_SWEEP_MAX_KEYS		8
#define COMPARE_SWEEP_MAX_POINTS	64

struct compare_sweep;

/*
 * Split the runs of both sides (specs[side][run], resolved, n[side] of
 * them) by their values of keys ("vcpus,backing").  0, or a negative errno
 * with err (-EINVAL: too many points to be a table).
 */
int compare_sweep_make(const char *keys, struct json_object *const *const specs[2],
		       const size_t n[2], struct compare_sweep **out, struct mb_error *err);
void compare_sweep_free(struct compare_sweep *s);

size_t compare_sweep_points(const struct compare_sweep *s);
/* The point a run of a side belongs to. */
size_t compare_sweep_point_of(const struct compare_sweep *s, int side, size_t run);
/* How many runs of a side a point has. */
size_t compare_sweep_runs(const struct compare_sweep *s, size_t point, int side);
/* "vcpus=2, backing=hugetlb-1g", for warnings. */
const char *compare_sweep_label(const struct compare_sweep *s, size_t point);
/* The point's values, {"vcpus": 2, ...}: a new object. */
struct json_object *compare_sweep_values(const struct compare_sweep *s, size_t point);
/*
 * A copy of spec with each swept key's values as a list, as the request of
 * a sweep gives them (lists), or without the swept keys (for the command
 * line, which the sweep's own line completes).
 */
struct json_object *compare_sweep_spec(const struct compare_sweep *s, struct json_object *spec,
				       bool lists);
/*
 * The model's "sweep": {"keys": [...], "points": [{"values", "label",
 * "base": [run ids], "new": [run ids]}]}; ids[side] as the specs were.
 */
struct json_object *compare_sweep_json(const struct compare_sweep *s,
				       const int64_t *const ids[2]);

/* A value as a report shows it: a name as it is, a CPU list "0,1", else JSON. */
void compare_sweep_value_text(struct json_object *v, char *out, size_t len);

#endif
