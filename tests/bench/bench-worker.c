// SPDX-License-Identifier: MIT
/*
 * A stand-in for migbench-worker: it speaks the worker protocol but runs
 * nothing, emitting iterations x 100 clear_dirty_log_call_ns samples plus
 * the headline metrics with fixed values.  The load benchmark uses it to
 * time the daemon's own path (pipe, parsing, batched inserts, summary);
 * the adaptive-repetition test uses it for runs whose spread is known.
 * Never installed.
 */
#include <stdio.h>

#include "guest/pattern.h"
#include "hostinfo.h"
#include "spec.h"
#include "strict_json.h"

int main(void)
{
	static char buf[MB_JSON_MAX_BYTES + 1];
	struct mb_error err;
	struct json_object *obj, *head, *spec_obj;
	struct mb_spec spec;
	char jerr[256];
	size_t len = fread(buf, 1, sizeof(buf), stdin);

	mb_spec_init(&spec);
	/* the worker request: {"kind": "dirtylog", "spec": {...}} */
	if (mb_json_parse(buf, len, &obj, jerr, sizeof(jerr)) ||
	    !json_object_object_get_ex(obj, "spec", &spec_obj) ||
	    mb_spec_from_json(&spec, spec_obj, &err)) {
		printf("X bad-spec cannot read the spec\n");
		return 2;
	}
	json_object_put(obj);
	head = json_object_new_object();
	json_object_object_add(head, "spec", mb_spec_to_json(&spec));
	json_object_object_add(head, "environment", mb_hostinfo_json());
	printf("R %s\n", json_object_to_json_string_ext(head, JSON_C_TO_STRING_PLAIN));
	json_object_put(head);
	for (unsigned int it = 1; it <= spec.iterations; it++) {
		for (unsigned int seq = 0; seq < 100; seq++)
			printf("S clear_dirty_log_call_ns %u %u %llu\n", it, seq,
			       (unsigned long long)(900000 + mb_mix64(it * 100 + seq) % 100000));
		printf("S clear_dirty_log_ns %u 0 %llu\n", it,
		       (unsigned long long)(1000000 + mb_mix64(it) % 20000));
	}
	printf("S disable_dirty_log_ns 0 0 250000\n");
	printf("X ok \n");
	return 0;
}
