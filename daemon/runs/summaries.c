// SPDX-License-Identifier: MIT

#include "runs/summaries.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/groups.h"
#include "store/sample_rows.h"
#include "store/store.h"
#include "stats.h"
#include "summary.h"

static int add_metric(void *ctx, const char *metric, double *values, size_t n)
{
	/* KVM's statistics are counts per phase: no median (as in the engine's summary) */
	if (!strncmp(metric, MB_KVM_STAT_PREFIX, strlen(MB_KVM_STAT_PREFIX)))
		return 0;
	mb_summary_add(ctx, metric, values, n);
	return 0;
}

struct json_object *summary_of_run(struct store *st, int64_t id)
{
	struct json_object *out = json_object_new_object();

	if (store_run_values(st, id, add_metric, out)) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

struct medians {
	double *v;
	size_t n, cap;
};

static int add_median(void *ctx, const char *unused, double *values, size_t n)
{
	struct medians *m = ctx;

	(void)unused;
	if (m->n == m->cap) {
		double *p = realloc(m->v, (m->cap = m->cap * 2 + 8) * sizeof(double));

		if (!p)
			return -ENOMEM;
		m->v = p;
	}
	mb_sort_doubles(values, n);
	m->v[m->n++] = mb_quantile_sorted(values, n, 0.5);
	return 0;
}

int summary_group_medians(struct store *st, int64_t group_id, const char *metric,
			  double **values, size_t *n)
{
	struct medians m = { 0 };
	int ret = store_group_values(st, group_id, metric, add_median, &m);

	if (ret) {
		free(m.v);
		m.v = NULL;
		m.n = 0;
	}
	*values = m.v;
	*n = m.n;
	return ret;
}
