/* SPDX-License-Identifier: MIT */
/*
 * A sweep: a run request whose spec keys hold lists ("vcpus": [1, 2, 4],
 * "backing": ["hugetlb-2m", "hugetlb-1g"]) stands for one plain spec per
 * combination of their values, the first key's values varying slowest.
 * A list is a sweep wherever a key's own value is not a list; a key whose
 * own value is a list (a CPU list such as "pin": [0, 1]) is swept with a
 * list of such lists ("pin": [[0, 1], [0, 2]]).  Each combination is
 * parsed, checked and resolved by the run's engine like any spec.
 */
#ifndef MIGBENCH_SWEEP_H
#define MIGBENCH_SWEEP_H

#include <stddef.h>
#include <json-c/json.h>

#include "engine.h"
#include "error.h"
#include "site.h"

/* Combinations one request may make; each is a group of runs. */
#define SWEEP_MAX_COMBINATIONS	64
#define SWEEP_MAX_KEYS		8

struct sweep {
	size_t nr_keys;
	const char *keys[SWEEP_MAX_KEYS];	/* the swept keys, as the request orders them */
	size_t len[SWEEP_MAX_KEYS];		/* how many values each has */
	size_t n;				/* combinations */
	struct json_object *points;	/* per combination: {"key": value} of the swept keys, resolved */
	struct json_object *specs;	/* per combination: its plain spec, resolved */
	struct mb_run_needs needs[SWEEP_MAX_COMBINATIONS];	/* per combination: what it holds */
};

/*
 * The spec keys of a request (borrowed): 0 with *out NULL when no key
 * holds a sweep, 0 with *out the sweep,
 * or -EINVAL with err naming the key, and the value's index in its list
 * ("vcpus[2]") when one value is at fault.
 */
int sweep_parse(const struct mb_engine *e, struct json_object *keys,
		const struct mb_site_policy *site, struct sweep **out, struct mb_error *err);
void sweep_free(struct sweep *s);

/*
 * An error found in combination i (its spec or its limits) told as the
 * value at fault: a swept key's field gets the value's index
 * ("mem_per_vcpu[1]"), any other error the combination it came from.
 * Returns err->code.
 */
int sweep_blame(const struct sweep *s, size_t i, struct mb_error *err);

#endif
