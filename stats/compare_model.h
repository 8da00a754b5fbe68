/* SPDX-License-Identifier: MIT */
/*
 * Reading the comparison model (compare.h), where a member may be absent
 * or null: the reports and the warnings read it the same way.
 */
#ifndef MIGBENCH_COMPARE_MODEL_H
#define MIGBENCH_COMPARE_MODEL_H

#include <math.h>
#include <json-c/json.h>

/* The member, or NULL when absent or null. */
static inline struct json_object *model_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* The member as a number; NaN when absent or null. */
static inline double model_num(struct json_object *o, const char *key)
{
	struct json_object *v = model_get(o, key);

	return v ? json_object_get_double(v) : NAN;
}

/* The member as text; "" when absent or null. */
static inline const char *model_str(struct json_object *o, const char *key)
{
	struct json_object *v = model_get(o, key);

	return v ? json_object_get_string(v) : "";
}

#endif
