// SPDX-License-Identifier: MIT
/* Spec values from command-line text, by the key's type. */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "units.h"

static int text_to_uint(const struct mb_engine_key *k, const char *text, uint64_t *v,
			struct mb_error *err)
{
	char *end;

	if (*text < '0' || *text > '9')
		return mb_fail(err, k->name, "must be a non-negative integer, got \"%.40s\"", text);
	errno = 0;
	*v = strtoull(text, &end, 10);
	if (errno || *end)
		return mb_fail(err, k->name, "must be a non-negative integer, got \"%.40s\"", text);
	return 0;
}

int mb_key_value_from_text(const struct mb_engine_key *k, const char *text,
			   struct json_object **out, struct mb_error *err)
{
	uint64_t v;

	switch (k->type) {
	case MB_KEY_BOOL:
		if (!strcasecmp(text, "true") || !strcmp(text, "1") ||
		    !strcasecmp(text, "yes") || !strcasecmp(text, "on"))
			*out = json_object_new_boolean(1);
		else if (!strcasecmp(text, "false") || !strcmp(text, "0") ||
			 !strcasecmp(text, "no") || !strcasecmp(text, "off"))
			*out = json_object_new_boolean(0);
		else
			return mb_fail(err, k->name, "must be true or false, got \"%.40s\"", text);
		return 0;
	case MB_KEY_UINT:
		if (text_to_uint(k, text, &v, err))
			return -EINVAL;
		*out = json_object_new_uint64(v);
		return 0;
	case MB_KEY_SIZE:
		if (mb_parse_size(text, &v))
			return mb_fail(err, k->name, "must be a byte count such as 1G or 512M, got \"%.40s\"",
				       text);
		*out = json_object_new_string(text);
		return 0;
	case MB_KEY_CPU_LIST: {
		struct json_object *list = json_object_new_array();
		const char *p = text;

		do {
			char cpu[24];
			size_t n = strcspn(p, ",");

			snprintf(cpu, sizeof(cpu), "%.*s", (int)(n < sizeof(cpu) ? n : sizeof(cpu) - 1), p);
			if (n >= sizeof(cpu) || text_to_uint(k, cpu, &v, err)) {
				json_object_put(list);
				return mb_fail(err, k->name, "must be a list of CPUs such as 0,1,2");
			}
			json_object_array_add(list, json_object_new_uint64(v));
			p += n;
		} while (*p++ == ',');
		*out = list;
		return 0;
	}
	case MB_KEY_NAME:
	case MB_KEY_TEXT:
		*out = json_object_new_string(text);
		return 0;
	}
	return mb_fail(err, k->name, "internal error: key type");
}

const struct mb_engine_key *mb_engine_key(const struct mb_engine *e, const char *name)
{
	for (const struct mb_engine_key *k = e->keys; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}
