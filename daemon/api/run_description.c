// SPDX-License-Identifier: MIT

#include "api/run_description.h"

#include <stdbool.h>
#include <stdlib.h>

#include "engine.h"
#include "samples.h"
#include "textbuf.h"
#include "units.h"

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static bool in_summary(void *ctx, const char *metric)
{
	return json_object_object_get_ex(ctx, metric, NULL);
}

/* The same members, the engine's first metrics first, the rest as they were. */
static void order_summary(struct json_object *run, const struct mb_engine *e)
{
	const struct mb_headline *lead = mb_engine_report_first(e);
	struct json_object *summary = member(run, "summary"), *ordered;
	size_t last;

	if (!json_object_is_type(summary, json_type_object))
		return;
	last = mb_headline_rank(lead, "", in_summary, summary);	/* the rest's rank */
	ordered = json_object_new_object();
	for (size_t rank = 0; rank <= last; rank++) {
		json_object_object_foreach(summary, metric, s) {
			if (mb_headline_rank(lead, metric, in_summary, summary) == rank)
				json_object_object_add(ordered, metric, json_object_get(s));
		}
	}
	json_object_object_add(run, "summary", ordered);
}

static void add_labels(struct json_object *labels, struct json_object *metrics)
{
	if (!json_object_is_type(metrics, json_type_object))
		return;
	json_object_object_foreach(metrics, metric, unused) {
		const char *label = mb_metric_label_of(metric);

		(void)unused;
		if (label)
			json_object_object_add(labels, metric, json_object_new_string(label));
	}
}

/* Each metric's stored unit ("ns", "bytes/GiB", "" for a count), so no reader guesses it. */
static void add_units(struct json_object *units, struct json_object *metrics)
{
	if (!json_object_is_type(metrics, json_type_object))
		return;
	json_object_object_foreach(metrics, metric, unused) {
		(void)unused;
		json_object_object_add(units, metric,
				       json_object_new_string(mb_unit_name(mb_metric_unit(metric))));
	}
}

static struct json_object *text_of(struct textbuf *b)
{
	size_t len;
	char *text = textbuf_take(b, &len);
	struct json_object *s = text ? json_object_new_string(text) : NULL;

	free(text);
	return s;
}

static struct json_object *selftest(const struct mb_engine *e, struct json_object *spec)
{
	struct json_object *o, *command;
	struct textbuf line = { 0 };
	struct mb_error err = { 0 };
	int ret;

	if (!e->selftest)
		return NULL;
	ret = mb_engine_selftest(e, spec, &line, &err);
	command = text_of(&line);
	if (ret) {
		json_object_put(command);
		command = NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(e->selftest_name));
	json_object_object_add(o, "command", command);
	json_object_object_add(o, "reason", ret ? json_object_new_string(err.message) : NULL);
	return o;
}

void run_describe(struct json_object *run)
{
	struct json_object *kind = member(run, "kind"), *spec = member(run, "resolved_spec");
	const struct mb_engine *e = kind ? mb_engine_find(json_object_get_string(kind)) : NULL;
	struct json_object *labels, *units;
	struct textbuf command = { 0 };

	if (!json_object_is_type(spec, json_type_object))
		spec = member(run, "spec");
	if (!e || !json_object_is_type(spec, json_type_object))
		return;
	mb_engine_describe(e, spec, &command);
	json_object_object_add(run, "command", text_of(&command));
	json_object_object_add(run, "selftest", selftest(e, spec));
	order_summary(run, e);
	labels = json_object_new_object();
	add_labels(labels, member(run, "summary"));
	add_labels(labels, member(run, "missing"));
	json_object_object_add(run, "metric_labels", labels);
	units = json_object_new_object();
	add_units(units, member(run, "summary"));
	add_units(units, member(run, "missing"));
	json_object_object_add(run, "metric_units", units);
}
