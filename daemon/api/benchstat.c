// SPDX-License-Identifier: MIT
/*
 * A run in the Go benchmark data format (golang.org/design/14313-benchmark-
 * format), which benchstat and the tools reviewers already use read: its
 * configuration lines, then one result line per metric with the run's
 * median over its iterations.  A run is one sample of each benchmark, so
 * the files of several runs of a label are what `benchstat base.txt
 * new.txt` compares, run against run.
 */
#include "api/benchstat.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "samples.h"
#include "units.h"

/* A configuration value: anything but a newline. */
static void config(struct textbuf *b, const char *key, const char *value)
{
	textbuf_printf(b, "%s:", key);
	if (value && *value)
		textbuf_printf(b, " ");
	for (const char *p = value ? value : ""; *p; p++)
		textbuf_append(b, *p == '\n' || *p == '\r' ? " " : p, 1);
	textbuf_append(b, "\n", 1);
}

/*
 * A value in the name: no space (which separates the fields) and no
 * slash (which separates the name's key=value parts: a destination's URI,
 * a guest kernel's path).
 */
static void name_text(struct textbuf *b, const char *s)
{
	for (; *s; s++)
		textbuf_append(b, isspace((unsigned char)*s) || !isprint((unsigned char)*s) ||
			       *s == '/' ? "_" : s, 1);
}

/* clear_dirty_log_ns -> ClearDirtyLog: the metric without its unit suffix, in words. */
static void benchmark_name(struct textbuf *b, const char *metric)
{
	static const char *const suffixes[] = { "_bytes_per_gib", "_ns", "_ms", "_bytes",
						"_mib_s", "_kib_s", NULL };
	size_t len = strlen(metric);
	bool upper = true;

	for (const char *const *s = suffixes; *s; s++)
		if (mb_metric_ends(metric, *s)) {
			len -= strlen(*s);
			break;
		}
	textbuf_printf(b, "Benchmark");
	for (size_t i = 0; i < len; i++) {
		char c = metric[i];

		if (c == '_') {
			upper = true;
			continue;
		}
		textbuf_append(b, (char[]){ upper ? (char)toupper((unsigned char)c) : c }, 1);
		upper = false;
	}
}

/* The spec keys that differ from the engine's defaults, as /key=value. */
static void spec_keys(struct textbuf *b, const struct mb_engine *e, struct json_object *spec)
{
	struct json_object *def = e ? mb_engine_defaults(e) : NULL;

	if (json_object_is_type(spec, json_type_object)) {
		json_object_object_foreach(spec, key, val) {
			struct json_object *d;

			if (json_object_object_get_ex(def, key, &d) && json_object_equal(val, d))
				continue;
			textbuf_printf(b, "/%s=", key);
			if (json_object_is_type(val, json_type_array)) {
				for (size_t i = 0; i < json_object_array_length(val); i++) {
					textbuf_printf(b, "%s", i ? "," : "");
					name_text(b, json_object_get_string(json_object_array_get_idx(val, i)));
				}
			} else {
				name_text(b, json_object_get_string(val));
			}
		}
	}
	json_object_put(def);
}

/* The value and unit benchstat scales: times in ns/op, sizes in B. */
static void value_unit(struct textbuf *b, const char *metric, double median)
{
	switch (mb_metric_unit(metric)) {
	case MB_UNIT_NS:
		textbuf_printf(b, " %.17g ns/op", median);
		break;
	case MB_UNIT_MS:
		textbuf_printf(b, " %.17g ns/op", median * 1e6);
		break;
	case MB_UNIT_BYTES:
		textbuf_printf(b, " %.17g B/op", median);
		break;
	case MB_UNIT_BYTES_PER_GIB:	/* the measurement unit is the last word: B */
		textbuf_printf(b, " %.17g per-GiB-B/op", median);
		break;
	case MB_UNIT_MIB_S:
		textbuf_printf(b, " %.17g MiB/s", median);
		break;
	case MB_UNIT_KIB_S:
		textbuf_printf(b, " %.17g KiB/s", median);
		break;
	default: {	/* a count: its unit the name's last word (dirty_pages: pages) */
		const char *word = strrchr(metric, '_');

		textbuf_printf(b, " %.17g %s/op", median, word ? word + 1 : metric);
		break;
	}
	}
}

int present_benchstat(const struct store_run *run, char **text, size_t *len)
{
	const struct mb_engine *e = run->kind ? mb_engine_find(run->kind) : NULL;
	struct json_object *spec = run->resolved_spec ? run->resolved_spec : run->spec;
	struct textbuf b = { 0 }, keys = { 0 };
	char id[32];

	snprintf(id, sizeof(id), "%lld", (long long)run->id);
	config(&b, "migbench-run", id);
	config(&b, "kind", run->kind);
	config(&b, "label", run->label);
	if (run->has_kernel) {
		config(&b, "kernel", run->kernel.release);
		config(&b, "kernel-version", run->kernel.version);
		config(&b, "boot-id", run->kernel.boot_id);
		config(&b, "cpu", run->kernel.cpu_model);
	}
	if (json_object_is_type(run->tags, json_type_object)) {
		json_object_object_foreach(run->tags, key, val) {
			textbuf_printf(&b, "tag-");
			for (const char *p = key; *p; p++) {
				/* a key: no space, no upper case, no colon, which ends it */
				char c = (char)tolower((unsigned char)*p);

				textbuf_append(&b, isalnum((unsigned char)c) || c == '.' || c == '_' ||
					       c == '-' ? &c : "-", 1);
			}
			config(&b, "", json_object_get_string(val));
		}
	}
	textbuf_append(&b, "\n", 1);
	spec_keys(&keys, e, spec);	/* the same for every line of the run */
	if (json_object_is_type(run->summary, json_type_object)) {
		json_object_object_foreach(run->summary, metric, s) {
			struct json_object *median;

			if (!mb_metric_label_of(metric) || !json_object_object_get_ex(s, "median", &median) ||
			    !median)
				continue;	/* kvm_stat.* and what has no median */
			benchmark_name(&b, metric);
			textbuf_append(&b, keys.data ? keys.data : "", keys.len);
			textbuf_printf(&b, " 1");
			value_unit(&b, metric, json_object_get_double(median));
			textbuf_append(&b, "\n", 1);
		}
	}
	free(keys.data);
	*text = keys.failed ? NULL : textbuf_take(&b, len);
	if (!*text)
		free(b.data);
	return *text ? 0 : -ENOMEM;
}
