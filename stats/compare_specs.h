/* SPDX-License-Identifier: MIT */
/*
 * What the runs of a comparison must share: their specs, but for the keys
 * named as varied and the keys a sweep splits them by; what it warns of
 * when they do not share their host (its name, CPU model, KVM module
 * parameters); and what the engine says of their spec (the kernel
 * selftest's line).
 */
#ifndef MIGBENCH_COMPARE_SPECS_H
#define MIGBENCH_COMPARE_SPECS_H

#include <stddef.h>
#include <json-c/json.h>

#include "compare.h"
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

/*
 * Whether the selftest of desc (filled for the comparison's spec) cannot
 * run spec, the runs' spec at a sweep's point where ("vcpus=2"): then
 * desc says so, its line dropped, and the result is true; also true when
 * desc has no selftest or no line already, so that the first point that
 * cannot is the one named.
 */
bool compare_selftest_check(const struct compare_source *src, const char *kind,
			    struct json_object *spec, const char *where,
			    struct compare_description *desc);

/*
 * The model's "selftest": {"name", "command"} or {"name", "command": null,
 * "reason"}; NULL without a selftest.  Takes desc's line.
 */
struct json_object *compare_selftest_json(struct compare_description *desc);

/* Free what describe filled in. */
void compare_description_free(struct compare_description *desc);

#endif
