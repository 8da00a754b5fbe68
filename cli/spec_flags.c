// SPDX-License-Identifier: MIT
#include "spec_flags.h"

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
