/* SPDX-License-Identifier: MIT */
/*
 * A run request as POST /runs takes it (and each of a campaign's runs):
 * the run keys (kind, label, tags, repeat, adaptive repetition) split from
 * the spec keys, which the run's engine parses, checks and resolves once,
 * or once per combination when they hold lists (a sweep, request/sweep.h).
 */
#ifndef MIGBENCH_RUN_REQUEST_H
#define MIGBENCH_RUN_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "request/sweep.h"
#include "engine.h"
#include "error.h"
#include "site.h"

#define MAX_REPEAT	100
#define MAX_NAME	64	/* labels and tag keys */

struct run_request {
	const struct mb_engine *engine;
	const char *label;
	struct json_object *tags;	/* borrowed */
	unsigned int repeat;
	bool repeat_given;
	double target_ci_percent;	/* 0: a fixed number of runs */
	unsigned int max_repeat;	/* 0: not given */
	struct json_object *spec;	/* normalised spec of its kind, owned; NULL for a sweep */
	struct mb_run_needs needs;	/* what a run of spec holds of the host */
	struct sweep *sweep;		/* spec keys with lists: each combination's spec; owned */
};

/*
 * Parse obj (borrowed; req's strings point into it): 0, or -EINVAL with
 * err naming the key.  The caller frees req with run_request_free().
 */
int run_request_parse(struct json_object *obj, const struct mb_site_policy *site,
		      struct run_request *req, struct mb_error *err);
void run_request_free(struct run_request *req);
/* The request's plain specs (one, or a sweep's combinations), each normalised and its needs. */
size_t run_request_nr_specs(const struct run_request *req);
struct json_object *run_request_spec(const struct run_request *req, size_t i);
const struct mb_run_needs *run_request_needs(const struct run_request *req, size_t i);
/* Labels and tag keys: 1..max letters, digits or ._-+:@/ (empty allowed: false). */
bool run_request_is_name(const char *s, size_t max);
/* A tags object: at most 32 names, each with a short printable string. */
int run_request_check_tags(struct json_object *tags, struct mb_error *err);

#endif
