// SPDX-License-Identifier: MIT
#include "summary.h"

#include <stdlib.h>

#include "stats.h"

void mb_summary_add(struct json_object *out, const char *metric,
		    double *values, size_t n)
{
	struct mb_summary sum;

	if (n && mb_summarize(values, n, &sum) == 0)
		json_object_object_add(out, metric, mb_summary_to_json(&sum));
}

struct json_object *mb_samples_summary_json(const struct mb_samples *s)
{
	struct json_object *obj = json_object_new_object();

	for (int m = 0; m < MB_NR_METRICS; m++) {
		double *v;
		size_t n;

		if (m == MB_KVM_STAT)
			continue;	/* counts per phase, not a distribution */
		n = mb_samples_values(s, m, &v);

		mb_summary_add(obj, mb_metric_name(m), v, n);
		free(v);
	}
	return obj;
}

struct json_object *mb_result_json(struct json_object *spec,
				   struct json_object *environment,
				   const struct mb_samples *samples,
				   struct json_object *missing)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "spec", json_object_get(spec));
	json_object_object_add(obj, "environment", json_object_get(environment));
	json_object_object_add(obj, "samples", mb_samples_to_json(samples));
	json_object_object_add(obj, "summary", mb_samples_summary_json(samples));
	if (missing)
		json_object_object_add(obj, "missing", json_object_get(missing));
	return obj;
}
