/* SPDX-License-Identifier: MIT */
/*
 * The tests of one comparison as one family.  Every per-run row (each
 * point's, in a sweep) is a test; its U-test p is Holm-adjusted over all
 * of them (p_adjusted), its verdict comes from the adjusted p, and it
 * states the smallest change its runs could have shown (detectable_pct):
 * Welch's t at alpha over the family's size, with 80% power, from the
 * per-run values' spread.  A row that shows no change but could not have
 * shown one of COMPARE_DETECTABLE_PCT says "could not tell", not "~".
 * Rows over iterations are described, never tested: a run's iterations
 * share its boot, VM and memory layout, and are no independent samples.
 */
#ifndef MIGBENCH_COMPARE_FAMILY_H
#define MIGBENCH_COMPARE_FAMILY_H

#include <stddef.h>
#include <json-c/json.h>

#define COMPARE_ALPHA		0.05	/* a comparison's, unless asked otherwise */
#define COMPARE_DETECTABLE_PCT	5.0
#define COMPARE_POWER		0.8

/*
 * The smallest relative change, in %, that Welch's t finds at level with
 * COMPARE_POWER, given the standard error of the difference, its degrees
 * of freedom and the base median: (t(1 - level/2) + t(power)) x se over
 * the median.  0 without spread; NaN for a median of 0 or no df.
 */
double compare_detectable_pct(double se, double df, double median, double level);

/* Adjust, judge and size every per-run row of rows at alpha; the family's size. */
size_t compare_family_judge(struct json_object *rows, double alpha);

#endif
