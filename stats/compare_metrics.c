// SPDX-License-Identifier: MIT
/* A comparison's metrics, each by name, with its values per side. */
#include "compare_metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int compare_values_push(struct compare_values *vals, double v)
{
	if (vals->n == vals->cap) {
		size_t cap = vals->cap ? vals->cap * 2 : 16;
		double *p = realloc(vals->v, cap * sizeof(double));

		if (!p)
			return -ENOMEM;
		vals->v = p;
		vals->cap = cap;
	}
	vals->v[vals->n++] = v;
	return 0;
}

struct compare_metric *compare_metrics_find(struct compare_metrics *set, const char *name)
{
	for (size_t i = 0; i < set->nm; i++)
		if (!strcmp(set->m[i].name, name))
			return &set->m[i];
	return NULL;
}

struct compare_metric *compare_metrics_get(struct compare_metrics *set, const char *name)
{
	struct compare_metric *m = compare_metrics_find(set, name);

	if (m)
		return m;
	m = realloc(set->m, (set->nm + 1) * sizeof(*m));
	if (!m)
		return NULL;
	set->m = m;
	m = &set->m[set->nm++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	return m;
}

void compare_metrics_free(struct compare_metrics *set)
{
	for (size_t i = 0; i < set->nm; i++)
		for (int sd = 0; sd < 2; sd++) {
			free(set->m[i].runs[sd].v);
			free(set->m[i].samples[sd].v);
			json_object_put(set->m[i].why[sd]);
		}
	free(set->m);
}
