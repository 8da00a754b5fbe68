// SPDX-License-Identifier: MIT
/*
 * The OpenAPI document and the server's route table name the same
 * routes: every route migbenchd answers is documented, and every
 * documented route is one it answers.
 */
#include <ctype.h>
#include <string.h>

#include "api/routes.h"
#include "strict_json.h"
#include "tap.h"

static void lower(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

int main(int argc, char **argv)
{
	struct json_object *doc, *paths;
	char err[256], method[16];
	int documented = 0, routes = 0;

	if (!tap_ok(argc > 1 && mb_json_parse_file(argv[1], &doc, err, sizeof(err)) == 0,
		    "read the OpenAPI document (%s)", argc > 1 ? err : "no path given"))
		return tap_done();
	tap_ok(json_object_object_get_ex(doc, "paths", &paths), "it has paths");

	for (const struct route *rt = api_routes; rt->method; rt++) {
		struct json_object *item, *op;

		routes++;
		lower(rt->method, method, sizeof(method));
		tap_ok(json_object_object_get_ex(paths, rt->path, &item) &&
		       json_object_object_get_ex(item, method, &op),
		       "route %s %s is documented", rt->method, rt->path);
	}
	json_object_object_foreach(paths, path, item) {
		json_object_object_foreach(item, m, op) {
			bool found = false;

			(void)op;
			documented++;
			for (const struct route *rt = api_routes; rt->method; rt++) {
				lower(rt->method, method, sizeof(method));
				found |= !strcmp(rt->path, path) && !strcmp(method, m);
			}
			tap_ok(found, "documented %s %s is a route", m, path);
		}
	}
	tap_ok(documented == routes, "%d routes, %d documented operations", routes, documented);
	json_object_put(doc);
	return tap_done();
}
