// SPDX-License-Identifier: MIT

#include "runs/adaptive.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "compare_family.h"
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

/* The smallest two-sided U-test p with n runs a side: 2 / C(2n, n). */
static double min_u_p(size_t n)
{
	double c = 1;

	for (size_t k = 1; k <= n; k++)
		c = c * (double)(n + k) / (double)k;
	return 2.0 / c;
}

/*
 * The change a comparison with another group of as many runs and the same
 * spread would detect at level (compare_family.h, both sides alike); NaN
 * with fewer than two runs.
 */
static double detectable(double *sorted, size_t n, double median, double level)
{
	struct mb_summary s;

	if (n < 2 || mb_summarize(sorted, n, &s))
		return NAN;
	return compare_detectable_pct(s.stdev * sqrt(2.0 / (double)n), 2.0 * (double)n - 2, median,
				      level);
}

/*
 * Whether the group's median of the headline metric is known to within
 * target percent (95% CI half-width), and its runs are enough for a
 * comparison against a group like it to call a change of
 * COMPARE_DETECTABLE_PCT at level (alpha over the rows a report shows by
 * default, Holm's first step); if not, why, in reason.  Absent metrics
 * pass.
 */
static bool within_target(struct store *st, int64_t group, const struct mb_headline *h,
			  double target, double level, char *reason, size_t len)
{
	double *v = NULL, lo, hi, median, half, seen;
	const char *metric;
	bool ok = true;
	size_t n = 0;

	headline_medians(st, group, h, &metric, &v, &n);
	if (!n) {
		free(v);
		return true;
	}
	mb_sort_doubles(v, n);
	median = mb_quantile_sorted(v, n, 0.5);
	if (!mb_median_ci(v, n, 0.95, &lo, &hi)) {
		snprintf(reason, len, "%s: %zu runs give no 95%% CI of the median yet", metric, n);
		ok = false;
	} else if ((half = (hi - lo) / 2 / median * 100) > target) {
		snprintf(reason, len, "%s: median CI +/-%.1f%% over the %g%% target",
			 metric, half, target);
		ok = false;
	} else if (min_u_p(n) >= level) {
		snprintf(reason, len, "%s: %zu runs a side cannot reach the U test's p < %.2g", metric,
			 n, level);
		ok = false;
	} else if (!((seen = detectable(v, n, median, level)) <= COMPARE_DETECTABLE_PCT)) {
		snprintf(reason, len, "%s: a %.0f%% change is not detectable yet (%.1f%% with %zu "
			 "runs a side)", metric, COMPARE_DETECTABLE_PCT, seen, n);
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
	const struct mb_headline *rows = mb_engine_report_first(engine);
	struct group_state g;
	char reason[200] = "", msg[300];
	size_t family = 0;
	int64_t next;

	if (store_group_state(st, id, &g) || g.target_ci_percent <= 0 || g.pending)
		return;
	while (rows && rows[family].metric)	/* the rows a comparison shows by default */
		family++;
	for (const struct mb_headline *h = engine->headline; h->metric && !reason[0]; h++)
		within_target(st, g.group_id, h, g.target_ci_percent,
			      COMPARE_ALPHA / (double)(family ? family : 1), reason, sizeof(reason));
	if (!reason[0])
		snprintf(msg, sizeof(msg), "group %lld: every headline CI within %g%%, and a %.0f%% "
			 "change detectable, after %u runs", (long long)g.group_id,
			 g.target_ci_percent, COMPARE_DETECTABLE_PCT, g.runs);
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
