// SPDX-License-Identifier: MIT
#include "spec_flags.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_KEYS 64

unsigned int spec_flags_options(const struct mb_engine *e, struct option *opts,
				unsigned int max, int base)
{
	/* getopt keeps pointers to the names: one engine's table at a time */
	static char names[MAX_KEYS][48];
	unsigned int n = 0;

	for (const struct mb_engine_key *k = e->keys; k->name && n < max && n < MAX_KEYS; k++, n++) {
		mb_key_flag(k->name, names[n], sizeof(names[n]));
		opts[n] = (struct option){
			names[n], k->type == MB_KEY_BOOL ? optional_argument : required_argument,
			NULL, base + (int)n,
		};
	}
	return n;
}

const char *spec_flags_key(const struct mb_engine *e, int val, int base)
{
	int i = 0;

	for (const struct mb_engine_key *k = e->keys; k->name; k++, i++)
		if (base + i == val)
			return k->name;
	return NULL;
}

void spec_flags_usage(FILE *out, const struct mb_engine *e)
{
	for (const struct mb_engine_key *k = e->keys; k->name; k++) {
		char flag[64];

		mb_key_flag(k->name, flag, sizeof(flag));
		if (k->type == MB_KEY_BOOL)
			strcat(flag, "[=BOOL]");
		else
			strcat(flag, " VALUE");
		fprintf(out, "  --%-30s %s\n", flag, k->help);
	}
}

int spec_flags_set(const struct mb_engine *e, struct json_object *obj, const char *key,
		   const char *text, struct mb_error *err)
{
	struct json_object *v;
	int ret = e->value_from_text(key, text ? text : "true", &v, err);

	if (!ret)
		json_object_object_add(obj, key, v);
	return ret;
}

int spec_flags_set_sweep(const struct mb_engine *e, struct json_object *obj, const char *key,
			 const char *text, struct mb_error *err)
{
	const struct mb_engine_key *k = mb_engine_key(e, key);
	struct json_object *list;
	const char *p = text;

	if (!text || !strchr(text, ',') || mb_key_is_list(k) || k->type == MB_KEY_TEXT)
		return spec_flags_set(e, obj, key, text, err);
	list = json_object_new_array();
	do {
		char value[256];
		size_t n = strcspn(p, ",");
		struct json_object *v;

		if (!n || n >= sizeof(value)) {
			json_object_put(list);
			return mb_fail(err, key, "a sweep is values separated by commas, such as "
				       "1,2,4; got \"%.64s\"", text);
		}
		snprintf(value, sizeof(value), "%.*s", (int)n, p);
		if (e->value_from_text(key, value, &v, err)) {
			json_object_put(list);
			return -EINVAL;
		}
		json_object_array_add(list, v);
		p += n;
	} while (*p++ == ',');
	json_object_object_add(obj, key, list);
	return 0;
}
