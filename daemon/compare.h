/* SPDX-License-Identifier: MIT */
/*
 * A/B comparison of two groups of finished runs: per metric, descriptive
 * statistics, the Mann-Whitney U test (verdict), Welch's t, a 95% CI of
 * each median and of the delta, and warnings about what weakens the
 * comparison.  The result is one JSON model; compare_report.c renders it.
 */
#ifndef MIGBENCH_COMPARE_H
#define MIGBENCH_COMPARE_H

#include <stddef.h>
#include <json-c/json.h>

#include "store.h"

struct compare_request {
	const char *base;	/* selector: LABEL, label:L, kernel:RELEASE,
				 * tag:KEY=VALUE or runs:1,2,3 */
	const char *new;
	double alpha;		/* significance level, default 0.05 */
	const char *vary;	/* comma-separated spec keys (or kvm params
				 * as module.param) allowed to differ */
};

/*
 * The comparison model, or NULL with err (and the request field at fault
 * in *field) when it cannot be made: a bad selector, no done runs on a
 * side, specs that differ in keys not named in vary.
 */
struct json_object *compare_build(struct store *st,
				  const struct compare_request *req,
				  char *err, size_t err_len, const char **field);

#endif
