// SPDX-License-Identifier: MIT
/*
 * The registry: every engine migbench has, found by kind.  Adding an
 * engine is a folder under engine/ that defines its struct mb_engine, and
 * one line here.
 */
#include "engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENGINES(X) \
	X(mb_engine_kvm)	/* "dirtylog": engine/kvm/ */ \
	X(mb_engine_libvirt)	/* "migration": engine/libvirt/ */

#define DECLARE(name) extern const struct mb_engine name;
ENGINES(DECLARE)
#define ENTRY(name) &name,
static const struct mb_engine *const engines[] = { ENGINES(ENTRY) NULL };

const struct mb_engine *mb_engine_find(const char *kind)
{
	for (unsigned int i = 0; engines[i]; i++)
		if (!strcmp(engines[i]->kind, kind))
			return engines[i];
	return NULL;
}

const struct mb_engine *mb_engine_at(unsigned int index)
{
	return index < sizeof(engines) / sizeof(engines[0]) ? engines[index] : NULL;
}

const struct mb_engine *mb_engine_default(void)
{
	return engines[0];
}

void mb_engine_kinds(char *buf, size_t len)
{
	buf[0] = '\0';
	for (unsigned int i = 0; engines[i]; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s\"%s\"",
			 !i ? "" : engines[i + 1] ? ", " : " or ", engines[i]->kind);
}
int mb_engine_spec_parse(const struct mb_engine *e, struct json_object *obj,
			 const struct mb_site_policy *site, void **out, struct mb_error *err)
{
	void *spec = malloc(e->spec_size);
	int ret;

	if (!spec)
		return mb_error_set(err, -ENOMEM, NULL, "out of memory");
	if (!json_object_is_type(obj, json_type_object)) {
		free(spec);
		return mb_fail(err, NULL, "spec must be a JSON object, got %s",
			       json_type_to_name(json_object_get_type(obj)));
	}
	e->spec_init(spec);
	ret = e->spec_load(spec, obj, site, err);
	if (ret) {
		free(spec);
		return ret;
	}
	*out = spec;
	return 0;
}

void mb_engine_spec_line(const struct mb_engine *e, const char *kind,
			 struct json_object *spec, struct textbuf *out)
{
	size_t start = out->len;

	if (e && json_object_is_type(spec, json_type_object) && !e->spec_line(spec, out))
		return;
	out->len = start;	/* what spec_line wrote before it gave up */
	if (out->data)
		out->data[start] = '\0';
	textbuf_printf(out, "%s", kind ? kind : "?");
	if (!json_object_is_type(spec, json_type_object))
		return;
	json_object_object_foreach(spec, key, val)
		textbuf_printf(out, " %s=%s", key, json_object_get_string(val));
}

struct json_object *mb_engine_defaults(const struct mb_engine *e)
{
	void *defaults = malloc(e->spec_size);
	struct json_object *def = NULL;

	if (defaults) {
		e->spec_init(defaults);
		def = e->spec_to_json(defaults);
		free(defaults);
	}
	return def;
}

void mb_engine_describe(const struct mb_engine *e, struct json_object *spec,
			struct textbuf *out)
{
	struct json_object *def = mb_engine_defaults(e);

	textbuf_printf(out, "%s", e->command);
	json_object_object_foreach(spec, key, val) {
		struct json_object *d;

		if (json_object_object_get_ex(def, key, &d) && json_object_equal(val, d))
			continue;
		e->describe_key(out, key, val);
	}
	json_object_put(def);
}

int mb_engine_selftest(const struct mb_engine *e, struct json_object *spec,
		       struct textbuf *out, struct mb_error *err)
{
	if (!e->selftest)
		return mb_error_set(err, -EOPNOTSUPP, NULL, "no kernel selftest measures %s runs",
				    e->kind);
	if (!json_object_is_type(spec, json_type_object))
		return mb_fail(err, NULL, "spec must be a JSON object");
	return e->selftest(spec, out, err);
}

const struct mb_headline *mb_engine_report_first(const struct mb_engine *e)
{
	return e->report_first ? e->report_first : e->headline;
}

int mb_engine_normalise(const struct mb_engine *e, struct json_object *obj,
			const struct mb_site_policy *site, struct json_object **out,
			struct mb_run_needs *needs, struct mb_error *err)
{
	void *spec;
	int ret = mb_engine_spec_parse(e, obj, site, &spec, err);

	if (needs)
		memset(needs, 0, sizeof(*needs));
	if (ret)
		return ret;
	if (needs)
		e->needs(spec, needs);
	*out = e->spec_to_json(spec);
	free(spec);
	return *out ? 0 : mb_error_set(err, -ENOMEM, NULL, "out of memory");
}

void mb_run_result_free(struct mb_run_result *res)
{
	json_object_put(res->spec);
	json_object_put(res->environment);
	json_object_put(res->missing);
	res->spec = res->environment = res->missing = NULL;
	mb_samples_free(&res->samples);
}

void mb_run_missing(struct mb_run_result *res, enum mb_metric m, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!res->missing)
		res->missing = json_object_new_object();
	json_object_object_add(res->missing, mb_metric_name(m), json_object_new_string(why));
}
