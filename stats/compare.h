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

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "samples.h"
#include "textbuf.h"

struct compare_request {
	const char *base;	/* selector: LABEL, label:L, kernel:RELEASE,
				 * tag:KEY=VALUE or runs:1,2,3 */
	const char *new;
	double alpha;		/* significance level, default 0.05 */
	const char *vary;	/* comma-separated spec keys (or kvm params
				 * as module.param) allowed to differ */
	const char *metrics;	/* the rows shown: NULL (the default cut),
				 * "all" or names (compare_select.h) */
};

/*
 * What the runs' engine says of their spec, for the report (filled by
 * compare_source.describe; compare_build frees the buffers).
 */
struct compare_description {
	const char *title;		/* "KVM dirty-log comparison" */
	struct textbuf command;		/* the spec as migbench's command line */
	const char *selftest_name;	/* the kernel selftest that measures such
					 * runs ("dirty_log_perf_test"); NULL: none */
	struct textbuf selftest;	/* its command line for this spec, or empty */
	char selftest_none[512];	/* why this spec has none */
	/* the metrics shown first, in order (samples.h); NULL: by name only */
	const struct mb_headline *lead;
};

/*
 * Where the runs come from (migbenchd's store), so that statistics read
 * nothing themselves: each call returns 0 or a negative errno with err.
 */
struct compare_source {
	void *ctx;
	/* The done runs a selector names, oldest first; what: "base"/"new". */
	int (*select)(void *ctx, const char *what, const char *selector, int64_t *ids,
		      size_t max, size_t *n, bool *truncated, struct mb_error *err);
	/* The run as the API shows it (resolved_spec, environment, label, tags, kind). */
	struct json_object *(*run)(void *ctx, int64_t id);
	/* Its samples, ordered by metric. */
	int (*samples)(void *ctx, int64_t id,
		       int (*fn)(void *fctx, const char *metric, uint32_t iteration, double value),
		       void *fctx);
	/* What the engine of the runs' kind says of their spec (resolved). */
	void (*describe)(void *ctx, const char *kind, struct json_object *spec,
			 struct compare_description *out);
};

/*
 * The comparison model, or NULL with err (its field the request parameter
 * at fault) when it cannot be made: a bad selector, no done runs on a
 * side, specs that differ in keys not named in vary.
 */
struct json_object *compare_build(const struct compare_source *src,
				  const struct compare_request *req, struct mb_error *err);

#endif
