/* SPDX-License-Identifier: MIT */
/*
 * Which metrics a comparison shows (its request's metrics): "all"; a
 * comma list of metric names; or, by default, the rows of the engine's
 * report order up to the end of its report_first list (the headline, the
 * zap paths, aging and kernel memory), so that a cover letter is not
 * buried under the guest loop's own figures.  Fewer rows tested is also
 * less for Holm's correction to pay for (compare_family.h).
 */
#ifndef MIGBENCH_COMPARE_SELECT_H
#define MIGBENCH_COMPARE_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define COMPARE_MAX_SELECTED	64

struct compare_select {
	bool all, listed;		/* neither: the default cut */
	char names[COMPARE_MAX_SELECTED][64];
	size_t n;
};

/* text: NULL or "" (the default), "all", or names; -EINVAL with err (field "metrics"). */
int compare_select_parse(const char *text, struct compare_select *s, struct mb_error *err);
/* Whether the metric of that report rank is shown, lead entries leading the report. */
bool compare_select_has(const struct compare_select *s, const char *metric, size_t rank,
			size_t lead);
/* "default", "all", or the names as given. */
const char *compare_select_name(const struct compare_select *s, const char *text);

#endif
