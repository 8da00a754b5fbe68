/* SPDX-License-Identifier: MIT */
/*
 * Strict JSON input: a size cap, a nesting cap, UTF-8 validated, the whole
 * text consumed, no NaN or Infinity anywhere.  Used for spec files now and
 * for request bodies by the daemon.
 */
#ifndef MIGBENCH_STRICT_JSON_H
#define MIGBENCH_STRICT_JSON_H

#include <stddef.h>
#include <json-c/json.h>

#define MB_JSON_MAX_BYTES	(1024 * 1024)
#define MB_JSON_MAX_DEPTH	16

/*
 * Parse text into *out (caller puts it).  On error returns -EINVAL (or
 * -E2BIG for size) with a message in err.
 */
int mb_json_parse(const char *text, size_t len, struct json_object **out,
		  char *err, size_t err_len);

/* Read and parse a whole file the same way. */
int mb_json_parse_file(const char *path, struct json_object **out,
		       char *err, size_t err_len);

#endif
