// SPDX-License-Identifier: MIT
#include "strict_json.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * RFC 8259 grammar check, run before json-c: json-c's strict mode still
 * takes single-quoted names, and its messages do not say what is wrong.
 */
struct scan {
	const unsigned char *p, *end, *start;
	int depth;
	const char *why;
	/*
	 * Members of each object in document order: json-c keeps the last of
	 * a repeated name, so an object it holds with fewer members than
	 * were written had a name twice.
	 */
	unsigned int *members;
	size_t nr_objects, cap;
};

static int scan_fail(struct scan *s, const char *why)
{
	if (!s->why)
		s->why = why;
	return -1;
}

static void scan_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
				 *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int scan_literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n))
		return scan_fail(s, "unexpected character");
	s->p += n;
	return 0;
}

/* One UTF-8 sequence: shortest form, no surrogates, at most U+10FFFF. */
static int scan_utf8(struct scan *s)
{
	unsigned char c = *s->p;
	unsigned int cp, n;

	if (c < 0x80) {
		s->p++;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else {
		return scan_fail(s, "invalid UTF-8");
	}
	if (s->end - s->p <= (long)n)
		return scan_fail(s, "invalid UTF-8");
	for (unsigned int i = 1; i <= n; i++) {
		if ((s->p[i] & 0xc0) != 0x80)
			return scan_fail(s, "invalid UTF-8");
		cp = cp << 6 | (s->p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return scan_fail(s, "invalid UTF-8");
	s->p += n + 1;
	return 0;
}

static int scan_string(struct scan *s)
{
	s->p++;		/* opening quote */
	while (s->p < s->end) {
		unsigned char c = *s->p;

		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return scan_fail(s, "control character in string");
		if (c != '\\') {
			if (scan_utf8(s))
				return -1;
			continue;
		}
		if (++s->p >= s->end)
			break;
		if (*s->p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (s->p + i >= s->end || !isxdigit(s->p[i]))
					return scan_fail(s, "bad \\u escape");
			/* a C string ends there: "vcpus\u0000x" would read as "vcpus" */
			if (!memcmp(s->p + 1, "0000", 4))
				return scan_fail(s, "\\u0000 (NUL) in a string");
			s->p += 5;
		} else if (strchr("\"\\/bfnrt", *s->p) && *s->p) {
			s->p++;
		} else {
			return scan_fail(s, "bad escape in string");
		}
	}
	return scan_fail(s, "unterminated string");
}

static int scan_digits(struct scan *s)
{
	const unsigned char *from = s->p;

	while (s->p < s->end && isdigit(*s->p))
		s->p++;
	return s->p > from ? 0 : scan_fail(s, "bad number");
}

static int scan_number(struct scan *s)
{
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (scan_digits(s))
		return -1;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (scan_digits(s))
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (scan_digits(s))
			return -1;
	}
	return 0;
}

static int scan_value(struct scan *s);

/* An object or array: open, items separated by commas, close. */
static int scan_container(struct scan *s, bool object)
{
	char close = object ? '}' : ']';
	size_t self = s->nr_objects;

	if (++s->depth > MB_JSON_MAX_DEPTH)
		return scan_fail(s, "nesting too deep");
	if (object) {
		if (s->nr_objects == s->cap) {
			unsigned int *m = realloc(s->members, (s->cap * 2 + 16) * sizeof(*m));

			if (!m)
				return scan_fail(s, "out of memory");
			s->members = m;
			s->cap = s->cap * 2 + 16;
		}
		s->members[s->nr_objects++] = 0;
	}
	s->p++;
	scan_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (object) {
			if (s->p >= s->end || *s->p != '"')
				return scan_fail(s, "expected a double-quoted name");
			if (scan_string(s))
				return -1;
			s->members[self]++;
			scan_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return scan_fail(s, "expected ':'");
			s->p++;
		}
		if (scan_value(s))
			return -1;
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			scan_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			s->depth--;
			return 0;
		}
		return scan_fail(s, object ? "expected ',' or '}'" :
					     "expected ',' or ']'");
	}
}

static int scan_value(struct scan *s)
{
	int ret;

	scan_ws(s);
	if (s->p >= s->end)
		return scan_fail(s, "JSON text ends early");
	switch (*s->p) {
	case '{':
		ret = scan_container(s, true);
		break;
	case '[':
		ret = scan_container(s, false);
		break;
	case '"':
		ret = scan_string(s);
		break;
	case 't':
		ret = scan_literal(s, "true");
		break;
	case 'f':
		ret = scan_literal(s, "false");
		break;
	case 'n':
		ret = scan_literal(s, "null");
		break;
	default:
		if (*s->p == 'N' || *s->p == 'I' ||
		    (*s->p == '-' && s->p + 1 < s->end && s->p[1] == 'I'))
			ret = scan_fail(s, "NaN and Infinity are not JSON numbers");
		else if (*s->p == '-' || isdigit(*s->p))
			ret = scan_number(s);
		else
			ret = scan_fail(s, "unexpected character");
	}
	if (!ret)
		scan_ws(s);
	return ret;
}

static int scan_document(struct scan *sp, const char *text, size_t len,
			 char *err, size_t err_len)
{
	struct scan s = {
		.p = (const unsigned char *)text,
		.end = (const unsigned char *)text + len,
		.start = (const unsigned char *)text,
	};

	if (!scan_value(&s) && s.p != s.end)
		scan_fail(&s, "trailing data after the JSON value");
	*sp = s;
	if (!s.why)
		return 0;
	if (s.p >= s.end && strcmp(s.why, "JSON text ends early") &&
	    strcmp(s.why, "trailing data after the JSON value"))
		snprintf(err, err_len, "invalid JSON: text ends early (%s)", s.why);
	else
		snprintf(err, err_len, "invalid JSON at byte %zu: %s",
			 (size_t)(s.p - s.start), s.why);
	return -EINVAL;
}

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

/*
 * Walk objects in document order beside the scanner's member counts; 1 and
 * the path of the first object that lost a repeated name.
 */
static int find_repeated_name(struct json_object *obj, const struct scan *s,
			      size_t *next, char *path, size_t path_len)
{
	size_t used = strlen(path);

	switch (json_object_get_type(obj)) {
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(obj); i++) {
			snprintf(path + used, path_len - used, "/%zu", i);
			if (find_repeated_name(json_object_array_get_idx(obj, i), s,
					       next, path, path_len))
				return 1;
		}
		break;
	case json_type_object:
		if (*next >= s->nr_objects ||
		    (size_t)json_object_object_length(obj) != s->members[(*next)++])
			return 1;
		{
			json_object_object_foreach(obj, key, val) {
				snprintf(path + used, path_len - used, "/%s", key);
				if (find_repeated_name(val, s, next, path, path_len))
					return 1;
			}
		}
		break;
	default:
		break;
	}
	path[used] = '\0';
	return 0;
}

int mb_json_parse(const char *text, size_t len, struct json_object **out,
		  char *err, size_t err_len)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	const char *why;
	struct scan s;
	char path[256] = "";
	size_t next = 0;

	*out = NULL;
	if (len > MB_JSON_MAX_BYTES) {
		snprintf(err, err_len, "JSON text is %zu bytes, limit %d",
			 len, MB_JSON_MAX_BYTES);
		return -E2BIG;
	}
	if (scan_document(&s, text, len, err, err_len)) {
		free(s.members);
		return -EINVAL;
	}
	tok = json_tokener_new_ex(MB_JSON_MAX_DEPTH);
	if (!tok) {
		free(s.members);
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
	if (find_repeated_name(obj, &s, &next, path, sizeof(path))) {
		snprintf(err, err_len, "invalid JSON: a name appears twice in the object at %s",
			 path[0] ? path : "the top level");
		goto bad;
	}
	free(s.members);
	json_tokener_free(tok);
	*out = obj;
	return 0;
bad:
	free(s.members);
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
