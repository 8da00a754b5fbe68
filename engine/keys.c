// SPDX-License-Identifier: MIT
/* Spec values from command-line text, by the key's type. */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

int mb_key_value_from_text(const struct mb_engine_key *k, const char *text,
			   struct json_object **out, struct mb_error *err)
{
	uint64_t v;

	switch (k->type) {
	case MB_KEY_BOOL: {
		bool b;

		if (mb_text_bool(k->name, text, &b, err))
			return -EINVAL;
		*out = json_object_new_boolean(b);
		return 0;
	}
	case MB_KEY_UINT:
		if (mb_text_u64(k->name, text, &v, err))
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
			if (n >= sizeof(cpu) || mb_text_u64(k->name, cpu, &v, err)) {
				json_object_put(list);
				return mb_fail(err, k->name, "must be a list of CPUs such as 0,1,2");
			}
			json_object_array_add(list, json_object_new_uint64(v));
			p += n;
		} while (*p++ == ',');
		*out = list;
		return 0;
	}
	case MB_KEY_NAME_LIST: {
		struct json_object *list = json_object_new_array();
		const char *p = text;

		if (!strcmp(text, "none")) {
			*out = list;
			return 0;
		}
		do {
			size_t n = strcspn(p, ",");

			if (!n) {
				json_object_put(list);
				return mb_fail(err, k->name, "must be names separated by commas, such as disable,delete");
			}
			json_object_array_add(list, json_object_new_string_len(p, (int)n));
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

const char *mb_spec_text(struct json_object *spec, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(spec, key, &v) && v ? json_object_get_string(v) : NULL;
}

int64_t mb_spec_int(struct json_object *spec, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(spec, key, &v) ? json_object_get_int64(v) : 0;
}

void mb_key_flag(const char *key, char *out, size_t len)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < len; i++)
		out[i] = key[i] == '_' ? '-' : key[i];
	out[i] = '\0';
}

const struct mb_engine_key *mb_engine_key(const struct mb_engine *e, const char *name)
{
	for (const struct mb_engine_key *k = e->keys; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}
