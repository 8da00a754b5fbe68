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
#include <string.h>

#include "guest/pattern.h"
#include "hostinfo.h"
#include "spec.h"
#include "strict_json.h"

/* digits of v, backwards from end; returns where they start */
static char *digits(char *end, unsigned long long v)
{
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

/* "S name it seq value\n", as printf would write it, without printf's cost */
static void put_sample(const char *name, unsigned int it, unsigned int seq,
		       unsigned long long value)
{
	char line[128], num[24], *p = line;
	size_t n = strlen(name);
	const unsigned long long parts[3] = { it, seq, value };

	*p++ = 'S';
	*p++ = ' ';
	memcpy(p, name, n);
	p += n;
	for (int i = 0; i < 3; i++) {
		char *d = digits(num + sizeof(num), parts[i]);
		size_t len = (size_t)(num + sizeof(num) - d);

		*p++ = ' ';
		memcpy(p, d, len);
		p += len;
	}
	*p++ = '\n';
	fwrite_unlocked(line, 1, (size_t)(p - line), stdout);
}

int main(void)
{
	static char buf[MB_JSON_MAX_BYTES + 1], out[1 << 20];
	struct mb_error err;
	struct json_object *obj, *head, *spec_obj;
	struct mb_spec spec;
	char jerr[256];
	size_t len;

	/* before any output; as fast as the pipe takes them: the daemon's reading is timed, not this */
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	len = fread(buf, 1, sizeof(buf), stdin);

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
			put_sample("clear_dirty_log_call_ns", it, seq,
				   900000 + mb_mix64(it * 100 + seq) % 100000);
		put_sample("clear_dirty_log_ns", it, 0, 1000000 + mb_mix64(it) % 20000);
	}
	printf("S disable_dirty_log_ns 0 0 250000\n");
	printf("X ok \n");
	return 0;
}
