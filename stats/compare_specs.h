/* SPDX-License-Identifier: MIT */
/*
 * What the runs of a comparison must share: their specs, but for the keys
 * named as varied and the keys a sweep splits them by; and what it warns
 * of when they do not share their host (its name, CPU model, KVM module
 * parameters).
 */
#ifndef MIGBENCH_COMPARE_SPECS_H
#define MIGBENCH_COMPARE_SPECS_H

#include <stddef.h>
#include <json-c/json.h>

#include "error.h"

/*
 * The spec keys in which the runs of the two sides (specs[side][run],
 * resolved; n[side]) differ and that vary ("a,b") does not name: those
 * that take several values on a side are a sweep and go to split ("a,b",
 * in the specs' key order); those that differ only between the sides are
 * refused, -EINVAL with err naming them.
 */
int compare_check_specs(struct json_object *const *const specs[2], const size_t n[2],
			const char *vary, char *split, size_t split_len, struct mb_error *err);

/* Warnings (strings added to warnings) when the runs' environments differ. */
void compare_environment_warnings(struct json_object *const *const envs[2], const size_t n[2],
				  const char *vary, struct json_object *warnings);

/* env[a] or env[a][b] as text; "" when absent. */
const char *compare_env_str(struct json_object *env, const char *a, const char *b);

#endif
