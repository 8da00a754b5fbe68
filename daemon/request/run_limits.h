/* SPDX-License-Identifier: MIT */
/*
 * What one request may ask of the host: guest memory and hugepages per run
 * (a local migration's two ends together), samples per run, runs waiting
 * in the queue.  Set by the administrator ("limits" in the config file);
 * the defaults keep one request from taking the machine.
 */
#ifndef MIGBENCH_RUN_LIMITS_H
#define MIGBENCH_RUN_LIMITS_H

#include <stdint.h>

#include <json-c/json.h>

#include "engine.h"

struct limits {
	uint64_t guest_memory_per_run;		/* bytes */
	uint64_t hugepage_memory_per_run;	/* bytes, all page sizes */
	uint64_t samples_per_run;
	uint64_t queued_runs;
};

/* Defaults: half of RAM for guests, 10 million samples, 1000 queued runs. */
void limits_default(struct limits *l);
/* The config file's "limits" object over the defaults; 0 or -EINVAL. */
int limits_load(struct limits *l, struct json_object *obj, char *err, size_t err_len);
/* Whether one run of these needs stays in the limits; the key at fault. */
int limits_check_run(const struct limits *l, const struct mb_run_needs *needs,
		     struct mb_error *err);

#endif
