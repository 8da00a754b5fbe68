// SPDX-License-Identifier: MIT
/*
 * The spec as dirty_log_perf_test's command line.  migbench's defaults are
 * the selftest's (spec.c), so a flag is written only where the spec
 * differs; where the selftest cannot do what the spec asks, nothing is
 * written and every reason is given, since a line that runs something
 * else would be worse than none.
 */
#include "selftest.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "units.h"

#define DEFAULT_BYTES_PER_VCPU	(1ULL << 30)	/* -b 1G */
#define DEFAULT_ITERATIONS	2		/* -i 2, also its minimum */

/* The keys read here; any other key is checked against its default. */
static const char *const known_keys[] = {
	"vcpus", "mem_per_vcpu", "backing", "iterations", "write_percent", "access", "seed",
	"manual_protect", "initially_set", "clear_chunk_pages", "memslots",
	"vcpus_run_during_disable", "dirty_ring_entries", "pin", "guest_page_size", "zap",
	"invalidate", "aging", NULL,
};

/* migbench's backing names as kvm_util's (lib/test_util.c), anonymous its default. */
static const struct { const char *spec, *selftest; } backings[] = {
	{ "anonymous", NULL },
	{ "thp", "anonymous_thp" },
	{ "hugetlb-2m", "anonymous_hugetlb_2mb" },
	{ "hugetlb-1g", "anonymous_hugetlb_1gb" },
	{ "shmem", "shmem" },
};

/* What cannot be expressed, each "key: why", joined by "; ". */
struct reasons {
	char text[sizeof(((struct mb_error *)0)->message)];
	char first[sizeof(((struct mb_error *)0)->field)];
};

static void cannot(struct reasons *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cannot(struct reasons *r, const char *key, const char *fmt, ...)
{
	size_t at = strlen(r->text);
	va_list ap;

	if (!r->first[0])
		snprintf(r->first, sizeof(r->first), "%s", key);
	at += (size_t)snprintf(r->text + at, sizeof(r->text) - at, "%s%s: ", at ? "; " : "", key);
	if (at >= sizeof(r->text))
		return;
	va_start(ap, fmt);
	vsnprintf(r->text + at, sizeof(r->text) - at, fmt, ap);
	va_end(ap);
}

static struct json_object *value(struct json_object *spec, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(spec, key, &v);
	return v;
}

static int64_t number(struct json_object *spec, const char *key, int64_t def)
{
	struct json_object *v = value(spec, key);

	return v ? json_object_get_int64(v) : def;
}

static const char *text(struct json_object *spec, const char *key, const char *def)
{
	struct json_object *v = value(spec, key);

	return v ? json_object_get_string(v) : def;
}

/* true, false, or -1 when absent (an automatic choice not yet resolved). */
static int flag(struct json_object *spec, const char *key)
{
	struct json_object *v = value(spec, key);

	return v ? json_object_get_boolean(v) : -1;
}

/* -v, -b, -s, -i, -x: the size and shape of the VM. */
static void shape(struct json_object *spec, struct textbuf *out, struct reasons *r)
{
	struct json_object *mem = value(spec, "mem_per_vcpu");
	const char *backing = text(spec, "backing", "anonymous");
	uint64_t bytes = DEFAULT_BYTES_PER_VCPU;
	int64_t iterations = number(spec, "iterations", DEFAULT_ITERATIONS);
	size_t i;

	if (number(spec, "vcpus", 1) != 1)
		textbuf_printf(out, " -v %lld", (long long)number(spec, "vcpus", 1));
	if (mem && json_object_is_type(mem, json_type_string) &&
	    mb_parse_size(json_object_get_string(mem), &bytes))
		cannot(r, "mem_per_vcpu", "\"%s\" is not a size", json_object_get_string(mem));
	else if (mem && !json_object_is_type(mem, json_type_string))
		bytes = json_object_get_uint64(mem);
	if (bytes != DEFAULT_BYTES_PER_VCPU) {
		char size[32];

		mb_format_size(bytes, size, sizeof(size));	/* as parse_size() reads it */
		textbuf_printf(out, " -b %s", size);
	}
	for (i = 0; i < sizeof(backings) / sizeof(backings[0]); i++)
		if (!strcmp(backings[i].spec, backing))
			break;
	if (i == sizeof(backings) / sizeof(backings[0]))
		cannot(r, "backing", "the selftest has no backing for \"%s\"", backing);
	else if (backings[i].selftest)
		textbuf_printf(out, " -s %s", backings[i].selftest);
	if (iterations < DEFAULT_ITERATIONS)
		cannot(r, "iterations", "the selftest runs at least %d", DEFAULT_ITERATIONS);
	else if (iterations != DEFAULT_ITERATIONS)
		textbuf_printf(out, " -i %lld", (long long)iterations);
	if (number(spec, "memslots", 1) != 1)
		textbuf_printf(out, " -x %lld", (long long)number(spec, "memslots", 1));
}

/*
 * -w, -a, -r: what the guest does.  The selftest draws its pages from its
 * own generator, so the same seed picks other pages than migbench's: the
 * same kind of run, not the same pages.  The seed matters only where a
 * page is drawn.
 */
static void guest_access(struct json_object *spec, struct textbuf *out, struct reasons *r)
{
	int64_t percent = number(spec, "write_percent", 100);
	int64_t seed = number(spec, "seed", 1);
	bool random = !strcmp(text(spec, "access", "sequential"), "random");

	if (percent != 100)
		textbuf_printf(out, " -w %lld", (long long)percent);
	if (random)
		textbuf_printf(out, " -a");
	if (seed == 1 || (!random && (percent == 0 || percent == 100)))
		return;
	if (seed < 1 || seed > INT_MAX)
		cannot(r, "seed", "the selftest's -r takes 1 .. %d", INT_MAX);
	else
		textbuf_printf(out, " -r %lld", (long long)seed);
}

/*
 * -g, and what has no flag: the selftest turns on manual protect and
 * INITIALLY_SET together whenever the kernel offers them, or neither with
 * -g; it clears a whole memslot per call, reads the bitmap, and maps the
 * guest with 4KiB pages.
 */
static void dirty_log(struct json_object *spec, struct textbuf *out, struct reasons *r)
{
	int manual = flag(spec, "manual_protect"), initially = flag(spec, "initially_set");

	if (manual == 0 && initially == 1)
		cannot(r, "initially_set", "needs manual_protect");
	else if (manual == 0)
		textbuf_printf(out, " -g");
	else if (initially == 0)
		cannot(r, "initially_set", "the selftest sets KVM_DIRTY_LOG_INITIALLY_SET whenever "
		       "the kernel offers it (-g turns manual protect off as well)");
	if (number(spec, "clear_chunk_pages", 0))
		cannot(r, "clear_chunk_pages", "the selftest clears each memslot in one "
		       "KVM_CLEAR_DIRTY_LOG");
	if (number(spec, "dirty_ring_entries", 0))
		cannot(r, "dirty_ring_entries", "the selftest reads the dirty bitmap, not a dirty ring");
	if (strcmp(text(spec, "guest_page_size", "4k"), "4k"))
		cannot(r, "guest_page_size", "the selftest's guest maps its memory with 4KiB pages");
}

/*
 * The steps after the iterations: the selftest disables dirty logging
 * (timed), then frees the VM, which deletes the memslots (not timed).
 * A zap of "disable", or "disable" then "delete", is that.
 */
static void zap(struct json_object *spec, struct reasons *r)
{
	struct json_object *steps = value(spec, "zap");
	size_t n = steps ? json_object_array_length(steps) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *step = json_object_get_string(json_object_array_get_idx(steps, i));
		bool disable = !strcmp(step, "disable");

		if (!disable && strcmp(step, "delete")) {
			cannot(r, "zap", "the selftest has no %s step", step);
			return;
		}
		if (disable != (i == 0) || i > 1) {
			cannot(r, "zap", "the selftest disables dirty logging right after the "
			       "iterations, then deletes the memslots");
			return;
		}
	}
	if (steps && !n)
		cannot(r, "zap", "the selftest disables dirty logging after the iterations");
}

/* -e, -c */
static void threads(struct json_object *spec, struct textbuf *out)
{
	struct json_object *pin = value(spec, "pin");

	if (flag(spec, "vcpus_run_during_disable") == 1)
		textbuf_printf(out, " -e");
	if (!pin || !json_object_array_length(pin))
		return;
	textbuf_printf(out, " -c ");
	for (size_t i = 0; i < json_object_array_length(pin); i++)
		textbuf_printf(out, "%s%lld", i ? "," : "",
			       (long long)json_object_get_int64(json_object_array_get_idx(pin, i)));
}

/*
 * An aging run is access_tracking_perf_test's subject, whose shape is
 * fixed: populate, write and read the populated memory, then age, write,
 * age, read.  migbench ages every iteration and accesses by write_percent,
 * so no line of it runs the same; the nearest is named, with its flags
 * (-v, -b, -s) and the kernels whose selftest ages that way.
 */
static void aging(struct json_object *spec, struct reasons *r)
{
	const char *how = text(spec, "aging", "none"), *backing = text(spec, "backing", "anonymous");
	struct json_object *mem = value(spec, "mem_per_vcpu");
	const char *s_flag = NULL, *kernels;
	uint64_t bytes = DEFAULT_BYTES_PER_VCPU;
	char size[32];

	if (!strcmp(how, "none"))
		return;
	if (!strcmp(how, "reclaim") || !strcmp(how, "damon")) {
		cannot(r, "aging", "dirty_log_perf_test does not age memory, and "
		       "access_tracking_perf_test ages only through page_idle (up to 6.15) or "
		       "MGLRU's lru_gen (from 6.16): no selftest ages through %s", how);
		return;
	}
	kernels = !strcmp(how, "lru_gen") ? "from 6.16, with MGLRU on" :
		  "up to 6.15, with CONFIG_IDLE_PAGE_TRACKING";
	if (mem && json_object_is_type(mem, json_type_string))
		mb_parse_size(json_object_get_string(mem), &bytes);
	else if (mem)
		bytes = json_object_get_uint64(mem);
	mb_format_size(bytes, size, sizeof(size));
	for (size_t i = 0; i < sizeof(backings) / sizeof(backings[0]); i++)
		if (!strcmp(backings[i].spec, backing))
			s_flag = backings[i].selftest;
	cannot(r, "aging", "dirty_log_perf_test does not age memory; access_tracking_perf_test "
	       "(%s) ages twice, writing after the first pass and reading after the second, "
	       "where migbench ages every iteration and accesses by write_percent: no line runs "
	       "the same; the nearest is access_tracking_perf_test -v %lld -b %s%s%s", kernels,
	       (long long)number(spec, "vcpus", 1), size, s_flag ? " -s " : "", s_flag ? s_flag : "");
}

/* A key this file does not read is fine at its default, and nowhere else. */
static void other_keys(struct json_object *spec, struct reasons *r)
{
	struct json_object *defaults;
	struct mb_spec def;

	mb_spec_init(&def);
	defaults = mb_spec_to_json(&def);
	json_object_object_foreach(spec, key, val) {
		const char *const *k;

		for (k = known_keys; *k && strcmp(*k, key); k++)
			;
		if (!*k && !json_object_equal(val, value(defaults, key)))
			cannot(r, key, "the selftest has no flag for it");
	}
	json_object_put(defaults);
}

int mb_selftest_command(struct json_object *spec, struct textbuf *out, struct mb_error *err)
{
	struct textbuf line = { 0 };
	struct reasons r = { "", "" };
	size_t len;
	char *made;

	textbuf_printf(&line, "%s", MB_SELFTEST_NAME);
	shape(spec, &line, &r);
	guest_access(spec, &line, &r);
	dirty_log(spec, &line, &r);
	threads(spec, &line);
	zap(spec, &r);
	aging(spec, &r);
	other_keys(spec, &r);
	made = textbuf_take(&line, &len);
	if (!made)
		return mb_error_set(err, -ENOMEM, NULL, "out of memory");
	if (!r.text[0])
		textbuf_append(out, made, len);
	free(made);
	if (!r.text[0])
		return 0;
	mb_error_set(err, -ENOENT, NULL, "%s", r.text);
	snprintf(err->field, sizeof(err->field), "%s", r.first);
	return -ENOENT;
}
