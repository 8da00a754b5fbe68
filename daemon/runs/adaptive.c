// SPDX-License-Identifier: MIT

#include "runs/adaptive.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "runs/summaries.h"
#include "store/groups.h"
#include "store/runs.h"
#include "store/store.h"
#include "stats.h"
#include "twosample.h"

/*
 * The medians (one per done run) of the headline metric the group has:
 * the metric, or its fallback when the runs have none of it.  Its name in
 * *metric; no values when the group has neither.
 */
static void headline_medians(struct store *st, int64_t group, const struct mb_headline *h,
			     const char **metric, double **v, size_t *n)
{
	*metric = h->metric;
	if (summary_group_medians(st, group, h->metric, v, n) || *n || !h->fallback)
		return;
	free(*v);
	*metric = h->fallback;
	if (summary_group_medians(st, group, h->fallback, v, n))
		*n = 0;
}

/*
 * Whether the group's median of the headline metric is known to within
 * target percent (95% CI half-width); if not, why, in reason.  Absent
 * metrics pass.
 */
static bool within_target(struct store *st, int64_t group, const struct mb_headline *h,
			  double target, char *reason, size_t len)
{
	double *v = NULL, lo, hi, median, half;
	const char *metric;
	bool ok = true;
	size_t n = 0;

	headline_medians(st, group, h, &metric, &v, &n);
	if (!n) {
		free(v);
		return true;
	}
	qsort(v, n, sizeof(double), mb_cmp_double);
	median = mb_quantile_sorted(v, n, 0.5);
	if (!mb_median_ci(v, n, 0.95, &lo, &hi)) {
		snprintf(reason, len, "%s: %zu runs give no 95%% CI of the median yet", metric, n);
		ok = false;
	} else if ((half = (hi - lo) / 2 / median * 100) > target) {
		snprintf(reason, len, "%s: median CI +/-%.1f%% over the %g%% target",
			 metric, half, target);
		ok = false;
	}
	free(v);
	return ok;
}

/*
 * After a run of a group with a target, queue one more run while a
 * headline metric of its engine (e.g. clearing the dirty log and disabling
 * dirty logging) has a 95% CI of its median (one value per done run) wider
 * than the target.  One run at a time, so groups queued together stay
 * interleaved.
 */
void adaptive_extend_group(struct store *st, const struct mb_engine *engine, int64_t id)
{
	struct group_state g;
	char reason[200] = "", msg[300];
	int64_t next;

	if (store_group_state(st, id, &g) || g.target_ci_percent <= 0 || g.pending)
		return;
	for (const struct mb_headline *h = engine->headline; h->metric && !reason[0]; h++)
		within_target(st, g.group_id, h, g.target_ci_percent, reason, sizeof(reason));
	if (!reason[0])
		snprintf(msg, sizeof(msg), "group %lld: every headline CI within %g%% after %u runs",
			 (long long)g.group_id, g.target_ci_percent, g.runs);
	else if (g.runs >= g.max_repeat)
		snprintf(msg, sizeof(msg), "group %lld: max_repeat %u reached (%s)",
			 (long long)g.group_id, g.max_repeat, reason);
	else if (store_extend_group(st, g.group_id, &next) == 0)
		snprintf(msg, sizeof(msg), "group %lld: %s; queued run %lld",
			 (long long)g.group_id, reason, (long long)next);
	else
		snprintf(msg, sizeof(msg), "group %lld: could not queue another run",
			 (long long)g.group_id);
	store_add_event(st, id, msg);
}
