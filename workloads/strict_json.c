// SPDX-License-Identifier: MIT
#include "strict_json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* json-c accepts NaN and Infinity literals; JSON does not. */
static const char *find_non_finite(struct json_object *obj)
{
	switch (json_object_get_type(obj)) {
	case json_type_double:
		return isfinite(json_object_get_double(obj)) ? NULL :
		       "NaN and Infinity are not JSON numbers";
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(obj); i++) {
			const char *why = find_non_finite(
				json_object_array_get_idx(obj, i));
			if (why)
				return why;
		}
		return NULL;
	case json_type_object: {
		json_object_object_foreach(obj, key, val) {
			const char *why = find_non_finite(val);

			(void)key;
			if (why)
				return why;
		}
		return NULL;
	}
	default:
		return NULL;
	}
}

int mb_json_parse(const char *text, size_t len, struct json_object **out,
		  char *err, size_t err_len)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	const char *why;

	*out = NULL;
	if (len > MB_JSON_MAX_BYTES) {
		snprintf(err, err_len, "JSON text is %zu bytes, limit %d",
			 len, MB_JSON_MAX_BYTES);
		return -E2BIG;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, err_len, "JSON text contains a NUL byte");
		return -EINVAL;
	}
	tok = json_tokener_new_ex(MB_JSON_MAX_DEPTH);
	if (!tok) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
				    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue) {
		snprintf(err, err_len, "JSON text ends early");
		goto bad;
	}
	if (jerr != json_tokener_success) {
		snprintf(err, err_len, "invalid JSON at byte %zu: %s",
			 json_tokener_get_parse_end(tok),
			 json_tokener_error_desc(jerr));
		goto bad;
	}
	if (json_tokener_get_parse_end(tok) != len) {
		size_t end = json_tokener_get_parse_end(tok);

		while (end < len && strchr(" \t\r\n", text[end]))
			end++;
		if (end != len) {
			snprintf(err, err_len,
				 "trailing data after JSON value at byte %zu",
				 end);
			goto bad;
		}
	}
	why = find_non_finite(obj);
	if (why) {
		snprintf(err, err_len, "%s", why);
		goto bad;
	}
	json_tokener_free(tok);
	*out = obj;
	return 0;
bad:
	json_object_put(obj);
	json_tokener_free(tok);
	return -EINVAL;
}

int mb_json_parse_file(const char *path, struct json_object **out,
		       char *err, size_t err_len)
{
	char *buf = malloc(MB_JSON_MAX_BYTES + 1);
	size_t len;
	FILE *f;
	int ret;

	*out = NULL;
	if (!buf) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		free(buf);
		return ret;
	}
	len = fread(buf, 1, MB_JSON_MAX_BYTES + 1, f);
	if (ferror(f)) {
		snprintf(err, err_len, "%s: read error", path);
		ret = -EIO;
	} else {
		ret = mb_json_parse(buf, len, out, err, err_len);
	}
	fclose(f);
	free(buf);
	return ret;
}
