/* SPDX-License-Identifier: MIT */
/*
 * Command-line flags from an engine's spec keys: the JSON key with '-' for
 * '_' (--mem-per-vcpu), bool keys with an optional =true|false.  Shared by
 * migbench and migbench-dirtylog, so the same key reads the same way in
 * both.
 */
#ifndef MIGBENCH_SPEC_FLAGS_H
#define MIGBENCH_SPEC_FLAGS_H

#include <getopt.h>
#include <stdio.h>
#include <json-c/json.h>

#include "engine.h"

/*
 * Append one getopt option per key of e to opts (at most max), each with
 * val = base + the key's index; returns how many were added.
 */
unsigned int spec_flags_options(const struct mb_engine *e, struct option *opts,
				unsigned int max, int base);

/* The key an option value from spec_flags_options() stands for; NULL if none. */
const char *spec_flags_key(const struct mb_engine *e, int val, int base);

/* "  --mem-per-vcpu VALUE   help" for each key. */
void spec_flags_usage(FILE *out, const struct mb_engine *e);

/* Set key in obj from a flag's text (a bool flag without a value: "true"). */
int spec_flags_set(const struct mb_engine *e, struct json_object *obj, const char *key,
		   const char *text, struct mb_error *err);

/*
 * As spec_flags_set(), where values separated by commas ("--vcpus 1,2,4")
 * make a sweep: a list of the values (migbench run).  Only for keys whose
 * own values hold no comma: a CPU list ("--pin 0,1") or free text (a URI,
 * a command line) is one value, and is swept from a --spec file.
 */
int spec_flags_set_sweep(const struct mb_engine *e, struct json_object *obj, const char *key,
			 const char *text, struct mb_error *err);

#endif
