// SPDX-License-Identifier: MIT
#include "compare_missing.h"

#include <stdint.h>

void compare_missing_count(struct json_object **why, const char *reason)
{
	struct json_object *n;

	if (!*why)
		*why = json_object_new_object();
	json_object_object_add(*why, reason, json_object_new_int64(
		json_object_object_get_ex(*why, reason, &n) ? json_object_get_int64(n) + 1 : 1));
}

static void add_reason(struct json_object *reasons, const char *reason, int64_t runs)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "reason", json_object_new_string(reason));
	json_object_object_add(r, "runs", json_object_new_int64(runs));
	json_object_array_add(reasons, r);
}

struct json_object *compare_missing_entry(const char *metric, const char *side, size_t runs,
					  size_t runs_with, struct json_object *why)
{
	struct json_object *e, *reasons;
	size_t without = runs - runs_with, told = 0;

	if (!without)
		return NULL;
	reasons = json_object_new_array();
	if (why) {
		json_object_object_foreach(why, reason, n) {
			add_reason(reasons, reason, json_object_get_int64(n));
			told += (size_t)json_object_get_int64(n);
		}
	}
	/* a run may also lack a metric it did not name: it said nothing why */
	if (told < without)
		add_reason(reasons, "no samples, no reason recorded", (int64_t)(without - told));
	e = json_object_new_object();
	json_object_object_add(e, "metric", json_object_new_string(metric));
	json_object_object_add(e, "side", json_object_new_string(side));
	json_object_object_add(e, "runs_without", json_object_new_int64((int64_t)without));
	json_object_object_add(e, "runs", json_object_new_int64((int64_t)runs));
	json_object_object_add(e, "reasons", reasons);
	return e;
}
