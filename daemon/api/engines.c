// SPDX-License-Identifier: MIT
/*
 * GET /engines: the engines' own key tables, so that a form or a script
 * offers exactly the keys, words and defaults the engine takes, and no
 * page keeps a copy of them.  A key whose default the engine decides at
 * run time (manual_protect: on when KVM supports it) has no "default".
 */

#include "api/engines.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "api/replies.h"
#include "http/reply.h"
#include "engine.h"

static const char *const key_types[] = {
	[MB_KEY_BOOL] = "bool",
	[MB_KEY_UINT] = "uint",
	[MB_KEY_SIZE] = "size",
	[MB_KEY_NAME] = "name",
	[MB_KEY_TEXT] = "text",
	[MB_KEY_CPU_LIST] = "cpu_list",
	[MB_KEY_NAME_LIST] = "name_list",
};

static struct json_object *metric_list(const struct mb_headline *h)
{
	struct json_object *list = json_object_new_array();

	for (; h && h->metric; h++)
		json_object_array_add(list, json_object_new_string(h->metric));
	return list;
}

static struct json_object *key_json(const struct mb_engine_key *k, struct json_object *defaults)
{
	struct json_object *o = json_object_new_object(), *def;

	json_object_object_add(o, "name", json_object_new_string(k->name));
	json_object_object_add(o, "type", json_object_new_string(key_types[k->type]));
	json_object_object_add(o, "help", json_object_new_string(k->help));
	json_object_object_add(o, "list", json_object_new_boolean(mb_key_is_list(k)));
	if (k->values) {
		struct json_object *words = json_object_new_array();

		for (const char *const *w = k->values; *w; w++)
			json_object_array_add(words, json_object_new_string(*w));
		json_object_object_add(o, "allowed", words);
	}
	if (json_object_object_get_ex(defaults, k->name, &def))
		json_object_object_add(o, "default", json_object_get(def));
	return o;
}

/* One engine; NULL when its defaults cannot be made (out of memory). */
static struct json_object *engine_json(const struct mb_engine *e)
{
	struct json_object *o, *keys, *defaults;
	void *spec = calloc(1, e->spec_size);

	if (!spec)
		return NULL;
	e->spec_init(spec);
	defaults = e->spec_to_json(spec);
	free(spec);
	if (!defaults)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(e->kind));
	json_object_object_add(o, "title", json_object_new_string(e->title));
	json_object_object_add(o, "command", json_object_new_string(e->command));
	json_object_object_add(o, "default", json_object_new_boolean(e == mb_engine_default()));
	keys = json_object_new_array();
	for (const struct mb_engine_key *k = e->keys; k->name; k++)
		json_object_array_add(keys, key_json(k, defaults));
	json_object_object_add(o, "keys", keys);
	json_object_object_add(o, "headline", metric_list(e->headline));
	json_object_object_add(o, "report_first", metric_list(mb_engine_report_first(e)));
	json_object_put(defaults);
	return o;
}

enum MHD_Result api_engines(struct http_request *r, int64_t unused)
{
	struct json_object *out, *list;
	const struct mb_engine *e;
	enum MHD_Result reply;

	(void)unused;
	if (!api_check_query(r, NULL, &reply))
		return reply;
	list = json_object_new_array();
	for (unsigned int i = 0; (e = mb_engine_at(i)); i++) {
		struct json_object *one = engine_json(e);

		if (!one) {
			json_object_put(list);
			return api_reply_failure(r, -ENOMEM, "describing the engines");
		}
		json_object_array_add(list, one);
	}
	out = json_object_new_object();
	json_object_object_add(out, "engines", list);
	return http_reply_json(r, 200, out, NULL);
}
