// SPDX-License-Identifier: MIT
/*
 * The pieces under the engine that need no KVM: size parsing, summary
 * statistics and their sort, the guest's access pattern, the dirty-log
 * check, the metrics' names, labels and report order, and a comparison's
 * warnings folded one per kind.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare_family.h"
#include "compare_row.h"
#include "compare_warnings.h"
#include "dirtylog.h"
#include "guest/pattern.h"
#include "stats.h"
#include "strict_json.h"
#include "tap.h"
#include "twosample.h"
#include "units.h"

static void test_sizes(void)
{
	static const struct {
		const char *text;
		uint64_t value;
	} good[] = {
		{ "4096", 4096 }, { "4K", 4096 }, { "4k", 4096 },
		{ "512M", 512ULL << 20 }, { "1G", 1ULL << 30 },
		{ "1GiB", 1ULL << 30 }, { "2T", 2ULL << 40 }, { "3MB", 3ULL << 20 },
	};
	static const char *const bad[] = { "", "G", "1X", "1.5G", "-1", " 1", "1G ", "1GG" };
	char buf[32];
	uint64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		tap_ok(mb_parse_size(good[i].text, &v) == 0 && v == good[i].value,
		       "size \"%s\" is %llu", good[i].text,
		       (unsigned long long)good[i].value);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_ok(mb_parse_size(bad[i], &v) == -EINVAL, "size \"%s\" rejected", bad[i]);
	tap_ok(mb_parse_size("18446744073709551616", &v) == -ERANGE, "size overflow rejected");
	tap_ok(mb_parse_size("17179869184G", &v) == -ERANGE, "size suffix overflow rejected");
	mb_format_size(512ULL << 20, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "512M"), "512MiB formats as 512M");
	mb_format_size(12345, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "12345"), "odd byte count formats as digits");
}

/* The one number format: each unit family, its scales and 3 significant digits. */
static void test_metric_format(void)
{
	static const struct { const char *metric; double v; const char *want, *unit; } cases[] = {
		{ "clear_dirty_log_ns", 1830000, "1.83ms", "ns" },
		{ "clear_dirty_log_ns", 13100, "13.1us", "ns" },
		{ "clear_dirty_log_ns", 950, "950ns", "ns" },
		{ "migration_total_ms", 5090, "5.09s", "ms" },
		{ "memslot_metadata_bytes", 36864, "36.0KiB", "bytes" },
		{ "memslot_metadata_bytes_per_gib", 4718592, "4.50MiB/GiB", "bytes/GiB" },
		{ "guest_dirty_rate_mib_s", 64, "64.0MiB/s", "MiB/s" },
		{ "x_kib_s", 512, "512KiB/s", "KiB/s" },
		{ "dirty_pages", 262144, "262144", "" },
		{ "dirty_pages", NAN, "-", "" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mb_format_metric(cases[i].metric, cases[i].v, buf, sizeof(buf));
		tap_ok(!strcmp(buf, cases[i].want) &&
		       !strcmp(mb_unit_name(mb_metric_unit(cases[i].metric)), cases[i].unit),
		       "%s %g is %s, unit \"%s\" (%s)", cases[i].metric, cases[i].v, cases[i].want,
		       cases[i].unit, buf);
	}
}

static int close_to(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b));
}

/*
 * Reference values worked out by hand with the definitions used
 * (quantiles by linear interpolation between order statistics, as
 * numpy's default; sample standard deviation).
 */
static void test_stats(void)
{
	double ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	double outlier[] = { 1, 100, 1, 1, 1 };
	double ties[] = { 3, 3, 3 };
	double one[] = { 42 };
	struct mb_summary s;
	struct json_object *j;

	tap_ok(mb_summarize(ten, 10, &s) == 0 && s.n == 10 && s.min == 1 &&
	       s.max == 10 && close_to(s.mean, 5.5) && close_to(s.median, 5.5) &&
	       close_to(s.p95, 9.55) && close_to(s.stdev, sqrt(55.0 / 6.0)),
	       "summary of 1..10");
	tap_ok(mb_summarize(outlier, 5, &s) == 0 && close_to(s.median, 1) &&
	       close_to(s.mean, 20.8) && close_to(s.p95, 80.2) &&
	       close_to(s.stdev, sqrt(1960.2)),
	       "summary with one outlier");
	tap_ok(mb_summarize(ties, 3, &s) == 0 && s.median == 3 && s.stdev == 0,
	       "summary of identical values");
	tap_ok(mb_summarize(one, 1, &s) == 0 && s.median == 42 && s.p95 == 42 &&
	       isnan(s.stdev), "summary of one value has no stdev");
	j = mb_summary_to_json(&s);
	tap_ok(!strcmp(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
		       "{\"n\":1,\"min\":42,\"median\":42,\"mean\":42,\"p95\":42,\"max\":42,\"stdev\":null}"),
	       "undefined stdev is written as null, never NaN");
	json_object_put(j);
	tap_ok(mb_summarize(one, 0, &s) == -EINVAL, "no values is an error");
}

/* mb_sort_doubles against qsort on the same values: equal element by
 * element (-0.0 and +0.0 compare equal, as qsort leaves them), over the
 * radix path and below it. */
static bool sorts_as_qsort(double *v, size_t n)
{
	double *want = malloc((n ? n : 1) * sizeof(*want));
	bool same = want != NULL;

	if (!same)
		return false;
	memcpy(want, v, n * sizeof(*v));
	qsort(want, n, sizeof(*want), mb_cmp_double);
	mb_sort_doubles(v, n);
	for (size_t i = 0; same && i < n; i++)
		same = v[i] == want[i];
	free(want);
	return same;
}

static void test_sort(void)
{
	enum { N = 200003 };
	double *v = malloc(N * sizeof(*v));
	uint64_t x = 88172645463325252ULL;
	size_t ns[] = { 0, 1, 2, 1023, 1024, N };
	bool all = true;

	if (!v) {
		tap_ok(false, "memory for the sort's values");
		return;
	}
	/* xorshift64: the same values every run */
#define NEXT() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
	for (size_t k = 0; all && k < sizeof(ns) / sizeof(ns[0]); k++) {
		for (size_t i = 0; i < ns[k]; i++) {
			uint64_t bits = NEXT();	/* any sign and exponent, subnormals too */

			memcpy(&v[i], &bits, sizeof(bits));
			if (isnan(v[i]))
				v[i] = (double)i;	/* qsort has no order for NaNs */
		}
		all = sorts_as_qsort(v, ns[k]);
	}
	tap_ok(all, "random doubles of any sign and exponent sort as qsort sorts them (n 0 to %d)", N);
	for (size_t i = 0; i < N; i++)
		v[i] = (double)(NEXT() % 5000000 + 100000);	/* latencies in ns: low digits all zero */
	tap_ok(sorts_as_qsort(v, N), "integer nanoseconds sort as qsort sorts them");
	/* an odd number of passes ends in the other buffer: 3 here, then 1 */
	for (size_t i = 0; i < N; i++)
		v[i] = (double)(NEXT() % 1048576 + 1048576);
	all = sorts_as_qsort(v, N);
	for (size_t i = 0; i < N; i++)
		v[i] = 1.0 + (double)(NEXT() % 2048) * 0x1p-52;
	tap_ok(all && sorts_as_qsort(v, N), "three passes and one pass end sorted too");
	for (size_t i = 0; i < N; i++)
		v[i] = i % 3 ? 7.0 : (i % 2 ? -0.0 : 0.0);
	v[17] = INFINITY;
	v[N / 2] = -INFINITY;
	v[N - 1] = -1e-300;
	tap_ok(sorts_as_qsort(v, N) && v[0] == -INFINITY && v[1] == -1e-300 &&
	       v[N - 1] == INFINITY && v[N - 2] == 7.0,
	       "ties, signed zeros and infinities in order");
	for (size_t i = 0; i < N; i++)
		v[i] = 42;
	tap_ok(sorts_as_qsort(v, N), "one value throughout: every pass skipped");
#undef NEXT
	free(v);
}

static void test_permutation(void)
{
	static const uint64_t sizes[] = { 1, 2, 3, 64, 1000, 4097, 65536 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint64_t n = sizes[k], in_order = 0;
		unsigned char *seen = calloc(n, 1);
		int ok = seen != NULL;

		for (uint64_t i = 0; ok && i < n; i++) {
			uint64_t p = mb_page_order(i, n, mb_order_key(7, 3, 0));

			ok = p < n && !seen[p];
			if (ok)
				seen[p] = 1;
			in_order += p == i;
		}
		tap_ok(ok, "random order visits each of %llu pages once",
		       (unsigned long long)n);
		if (n >= 1000)
			tap_ok(in_order < n / 10, "random order of %llu pages is shuffled (%llu in place)",
			       (unsigned long long)n, (unsigned long long)in_order);
		free(seen);
	}
}

static void test_write_percent(void)
{
	const uint64_t n = 100000;
	uint64_t w50 = 0, w0 = 0, w100 = 0, pop = 0, again = 0;

	for (uint64_t p = 0; p < n; p++) {
		w50 += mb_page_is_written(1, 2, p, 50);
		again += mb_page_is_written(1, 3, p, 50);
		w0 += mb_page_is_written(1, 2, p, 0);
		w100 += mb_page_is_written(1, 2, p, 100);
		pop += mb_page_is_written(1, 0, p, 0);
	}
	tap_ok(w50 > n * 49 / 100 && w50 < n * 51 / 100, "50%% writes: %llu of %llu",
	       (unsigned long long)w50, (unsigned long long)n);
	tap_ok(w50 != again, "each iteration writes a different set");
	tap_ok(w0 == 0 && w100 == n, "0%% and 100%% are exact");
	tap_ok(pop == n, "populate (iteration 0) writes every page");
}

static void test_dirty_check(void)
{
	uint64_t bits[2] = { ~0ULL, ~0ULL }, partial[2] = { ~0ULL, ~0ULL };
	struct mb_dirty_check c;

	c = (struct mb_dirty_check){ 0 };
	mb_dirty_check_slot(bits, 0, 128, 1, 1, 100, false, &c);
	tap_ok(c.reported == 128 && !c.missing && !c.extra, "full log matches 100%% writes");

	bits[1] &= ~(1ULL << 5);
	c = (struct mb_dirty_check){ 0 };
	mb_dirty_check_slot(bits, 0, 128, 1, 1, 100, false, &c);
	tap_ok(c.reported == 127 && c.missing == 1 && !c.extra, "a lost dirty bit is found");

	c = (struct mb_dirty_check){ 0 };
	mb_dirty_check_slot(bits, 0, 128, 1, 1, 0, false, &c);
	tap_ok(c.extra == 127 && !c.missing, "dirty bits for pages only read are found");

	c = (struct mb_dirty_check){ 0 };
	mb_dirty_check_slot(bits, 0, 128, 1, 1, 0, true, &c);
	tap_ok(c.missing == 1 && !c.extra, "initially-set iteration expects every page");

	/* bits past the end of a memslot are not pages */
	c = (struct mb_dirty_check){ 0 };
	mb_dirty_check_slot(partial, 0, 100, 1, 1, 100, false, &c);
	tap_ok(c.reported == 100 && !c.extra, "bits past the memslot end are ignored");

	/* the check keys on the page's place in the whole region */
	{
		uint64_t want[1] = { 0 };

		for (int b = 0; b < 64; b++)
			if (mb_page_is_written(9, 4, 640 + b, 30))
				want[0] |= 1ULL << b;
		c = (struct mb_dirty_check){ 0 };
		mb_dirty_check_slot(want, 640, 64, 9, 4, 30, false, &c);
		tap_ok(!c.missing && !c.extra, "a slot's first page is its offset in the region");
	}
}

static void test_strict_json(void)
{
	static const struct {
		const char *text;
		const char *error;
	} bad[] = {
		{ "{\"a\": NaN}", "invalid JSON at byte 6: NaN and Infinity are not JSON numbers" },
		{ "{\"a\": -Infinity}", "invalid JSON at byte 6: NaN and Infinity are not JSON numbers" },
		{ "{\"a\": 1} x", "invalid JSON at byte 9: trailing data after the JSON value" },
		{ "{\"a\": ", "invalid JSON at byte 6: JSON text ends early" },
		{ "{\"a\": \"\xff\"}", "invalid JSON at byte 7: invalid UTF-8" },
		{ "{\"a\": \"\xed\xa0\x80\"}", "invalid JSON at byte 7: invalid UTF-8" },
		{ "{\"a\": \"\xc0\xaf\"}", "invalid JSON at byte 7: invalid UTF-8" },
		{ "[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]", "invalid JSON at byte 16: nesting too deep" },
		{ "{'a': 1}", "invalid JSON at byte 1: expected a double-quoted name" },
		{ "{\"a\": 01}", "invalid JSON at byte 7: expected ',' or '}'" },
		{ "{\"a\": 1,}", "invalid JSON at byte 8: expected a double-quoted name" },
		{ "{\"a\": \"x\ty\"}", "invalid JSON at byte 8: control character in string" },
		{ "{\"a\": \"\\q\"}", "invalid JSON at byte 8: bad escape in string" },
		{ "/* c */ {}", "invalid JSON at byte 0: unexpected character" },
		{ "{\"a\": tru}", "invalid JSON at byte 6: unexpected character" },
		{ "\"abc", "invalid JSON: text ends early (unterminated string)" },
		{ "", "invalid JSON at byte 0: JSON text ends early" },
		{ "{\"vcpus\\u0000x\": 1}", "invalid JSON at byte 8: \\u0000 (NUL) in a string" },
		{ "{\"vcpus\": 1, \"vcpus\": 2}", "invalid JSON: a name appears twice in the object at the top level" },
		{ "{\"tags\": {\"a\": \"x\", \"\\u0061\": \"y\"}}", "invalid JSON: a name appears twice in the object at /tags" },
		{ "[{}, {\"a\": {\"b\": 1}, \"a\": 2}]", "invalid JSON: a name appears twice in the object at /1" },
	};
	struct json_object *obj;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		tap_ok(mb_json_parse(bad[i].text, strlen(bad[i].text), &obj, err,
				     sizeof(err)) != 0 && !obj &&
		       !strcmp(err, bad[i].error), "strict JSON rejects case %zu", i);
		if (strcmp(err, bad[i].error))
			tap_diag("got '%s'", err);
	}
	{
		const char *good = "{\"a\": [1, -2.5e+3, \"x\\u00e9\xc3\xa9\", true, null, {}]} \n";

		tap_ok(mb_json_parse(good, strlen(good), &obj, err, sizeof(err)) == 0 &&
		       obj, "strict JSON accepts a plain object (%s)", err);
	}
	json_object_put(obj);
	{
		size_t big = MB_JSON_MAX_BYTES + 1;
		char *text = malloc(big);

		memset(text, ' ', big);
		tap_ok(mb_json_parse(text, big, &obj, err, sizeof(err)) == -E2BIG,
		       "strict JSON caps the size");
		free(text);
	}
}

static bool has_clear(void *ctx, const char *metric)
{
	return *(bool *)ctx && !strcmp(metric, "clear_dirty_log_ns");
}

/* Every metric named and labelled, each label its own; the lead's order. */
static void test_metrics(void)
{
	static const struct mb_headline lead[] = {
		{ "clear_dirty_log_ns", "get_dirty_log_ns" }, { "disable_dirty_log_ns", NULL },
		{ NULL, NULL },
	};
	size_t unlabelled = 0, shared = 0, longest = 0, unnamed = 0;
	bool clear = true;

	for (int m = 0; m < MB_NR_METRICS; m++) {
		const char *label = mb_metric_label(m);

		if (m == MB_KVM_STAT)	/* a family, stored by its members' names */
			continue;

		unlabelled += !label[0];
		longest = strlen(label) > longest ? strlen(label) : longest;
		for (int o = 0; o < m; o++)
			shared += o != MB_KVM_STAT && !strcmp(label, mb_metric_label(o));
		unnamed += mb_metric_from_name(mb_metric_name(m)) != m;
	}
	tap_ok(!unnamed && !unlabelled && !shared && longest <= 40,
	       "each of the %d metrics has a name and a label of its own, at most 40 characters "
	       "(%zu unnamed, %zu without, %zu shared, longest %zu)", MB_NR_METRICS - 1, unnamed,
	       unlabelled, shared, longest);
	tap_ok(!strcmp(mb_metric_label_of("delete_memslot_ns"), "delete memslot (zap all SPTEs)") &&
	       !strcmp(mb_metric_label_of("clear_dirty_log_ns"), "clear dirty log") &&
	       !mb_metric_label_of("no_such_metric") && !mb_metric_label_of("kvm_stat.pages_1g") &&
	       !mb_metric_label(MB_KVM_STAT)[0],
	       "labels by name; none for an unknown name or a KVM statistic");
	tap_ok(mb_headline_rank(lead, "clear_dirty_log_ns", has_clear, &clear) == 0 &&
	       mb_headline_rank(lead, "disable_dirty_log_ns", has_clear, &clear) == 1 &&
	       mb_headline_rank(lead, "get_dirty_log_ns", has_clear, &clear) == 2 &&
	       mb_headline_rank(lead, "dirty_pages", has_clear, &clear) == 2,
	       "report order: the lead in order, then the rest; get after them while clear is there");
	clear = false;
	tap_ok(mb_headline_rank(lead, "get_dirty_log_ns", has_clear, &clear) == 0 &&
	       mb_headline_rank(NULL, "get_dirty_log_ns", has_clear, &clear) == 0,
	       "get takes clear's place where the runs have no clear; no lead, no order");
}

/* A sweep's rows: each warning one line however many rows and points, each row named with its point. */
static void test_warnings(void)
{
	static const char *const want[] = {
		"coefficient of variation over 10%, which can hide a change: clear_dirty_log_ns "
		"at vcpus=1 (new 15%), clear_dirty_log_ns over iterations at vcpus=2 (base 12%)",
		"too few runs for the U test to reach p < 0.017 (alpha 0.05 over 3 per-run rows, "
		"Holm's first step) in these per-run rows: 3 base and 3 new runs (smallest possible "
		"p 0.100): clear_dirty_log_ns at vcpus=1, disable_dirty_log_ns at vcpus=1",
	};
	struct json_object *rows = json_tokener_parse(
		"[{\"metric\": \"clear_dirty_log_ns\", \"over\": \"runs\", \"point\": {\"vcpus\": 1},"
		"  \"base\": {\"n\": 3, \"cv\": 0.02}, \"new\": {\"n\": 3, \"cv\": 0.15}, \"u_min_p\": 0.1},"
		" {\"metric\": \"clear_dirty_log_ns\", \"over\": \"runs\", \"point\": {\"vcpus\": 2},"
		"  \"base\": {\"n\": 5, \"cv\": 0.01}, \"new\": {\"n\": 5, \"cv\": null}, \"u_min_p\": 0.0079},"
		" {\"metric\": \"clear_dirty_log_ns\", \"over\": \"iterations\", \"point\": {\"vcpus\": 2},"
		"  \"base\": {\"n\": 15, \"cv\": 0.12}, \"new\": {\"n\": 15, \"cv\": 0.01}, \"u_min_p\": 1e-6},"
		" {\"metric\": \"disable_dirty_log_ns\", \"over\": \"runs\", \"point\": {\"vcpus\": 1},"
		"  \"base\": {\"n\": 3, \"cv\": 0.01}, \"new\": {\"n\": 3, \"cv\": 0.01}, \"u_min_p\": 0.1}]");
	struct json_object *warnings = json_object_new_array();
	size_t n, same = 0;

	compare_warn_rows(rows, 0.05, 3, warnings);
	n = json_object_array_length(warnings);
	for (size_t i = 0; i < n && i < 2; i++) {
		const char *got = json_object_get_string(json_object_array_get_idx(warnings, i));

		same += !strcmp(got, want[i]);
		if (strcmp(got, want[i]))
			tap_diag("got: %s", got);
	}
	tap_ok(n == 2 && same == 2, "a sweep's warnings: one line per kind, each row with its point, "
	       "the runs too few for alpha over the family's 3 per-run rows");
	json_object_put(rows);
	json_object_put(warnings);
}

/*
 * Holm over the per-run rows, by hand: p 0.01, 0.03, 0.04, 0.5 of four
 * rows are 0.04, 0.09, max(0.08, 0.09), 0.5; only the first is below
 * 0.05.  A row over iterations is not tested.
 */
static void test_family(void)
{
	static const struct { const char *metric; double adjusted; const char *verdict; } want[] = {
		{ "a_ns", 0.04, "regressed" },		/* 100 -> 110, p 0.04 after Holm */
		{ "b_ns", 0.09, "~" },			/* 10 runs a side of 1% spread: can see 5% */
		{ "c_ns", 0.09, "could not tell" },	/* 3 runs a side: U cannot reach 0.0125 */
		{ "d_ns", 0.5, "could not tell" },	/* 20% spread: cannot see 5% */
	};
	struct json_object *rows = json_tokener_parse(
		"[{\"metric\": \"a_ns\", \"over\": \"runs\", \"better\": \"lower\", \"u_p\": 0.01,"
		"  \"u_min_p\": 1e-5, \"welch_df\": 18,"
		"  \"base\": {\"n\": 10, \"median\": 100, \"stdev\": 1},"
		"  \"new\": {\"n\": 10, \"median\": 110, \"stdev\": 1}},"
		" {\"metric\": \"b_ns\", \"over\": \"runs\", \"better\": \"lower\", \"u_p\": 0.04,"
		"  \"u_min_p\": 1e-5, \"welch_df\": 18,"
		"  \"base\": {\"n\": 10, \"median\": 100, \"stdev\": 1},"
		"  \"new\": {\"n\": 10, \"median\": 100.5, \"stdev\": 1}},"
		" {\"metric\": \"c_ns\", \"over\": \"runs\", \"better\": \"lower\", \"u_p\": 0.03,"
		"  \"u_min_p\": 0.1, \"welch_df\": 4,"
		"  \"base\": {\"n\": 3, \"median\": 100, \"stdev\": 0.1},"
		"  \"new\": {\"n\": 3, \"median\": 100, \"stdev\": 0.1}},"
		" {\"metric\": \"c_ns\", \"over\": \"iterations\", \"better\": \"lower\", \"u_p\": null,"
		"  \"base\": {\"n\": 30, \"median\": 100}, \"new\": {\"n\": 30, \"median\": 100}},"
		" {\"metric\": \"d_ns\", \"over\": \"runs\", \"better\": \"lower\", \"u_p\": 0.5,"
		"  \"u_min_p\": 1e-5, \"welch_df\": 18,"
		"  \"base\": {\"n\": 10, \"median\": 100, \"stdev\": 20},"
		"  \"new\": {\"n\": 10, \"median\": 100, \"stdev\": 20}}]");
	size_t family = compare_family_judge(rows, 0.05), good = 0;
	struct json_object *iter = json_object_array_get_idx(rows, 3);
	double seen = compare_get_number(json_object_array_get_idx(rows, 1), "detectable_pct"),
	       want_seen = (mb_student_t_quantile(1 - 0.0125 / 2, 18) + mb_student_t_quantile(0.8, 18)) *
			   sqrt(1.0 / 10 + 1.0 / 10) / 100 * 100;

	for (size_t i = 0, k = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *v;

		if (i == 3)
			continue;
		json_object_object_get_ex(row, "verdict", &v);
		if (fabs(compare_get_number(row, "p_adjusted") - want[k].adjusted) < 1e-12 &&
		    v && !strcmp(json_object_get_string(v), want[k].verdict))
			good++;
		else
			tap_diag("%s: p_adjusted %g, verdict %s", want[k].metric,
				 compare_get_number(row, "p_adjusted"), v ? json_object_get_string(v) : "-");
		k++;
	}
	tap_ok(family == 4 && good == 4, "Holm over four per-run rows: p 0.04, 0.09, 0.09, 0.5; "
	       "regressed, ~, could not tell (too few runs), could not tell (too much spread)");
	tap_ok(fabs(seen - want_seen) < 1e-9 && seen < 5,
	       "detectable: (t(1 - alpha/4/2) + t(0.8)) x the standard error over the base median, "
	       "%.2f%%", seen);
	tap_ok(isnan(compare_get_number(iter, "p_adjusted")) &&
	       isnan(compare_get_number(iter, "detectable_pct")),
	       "a row over iterations takes no part");
	json_object_put(rows);
}

int main(void)
{
	test_sizes();
	test_family();
	test_metric_format();
	test_stats();
	test_sort();
	test_permutation();
	test_write_percent();
	test_dirty_check();
	test_strict_json();
	test_metrics();
	test_warnings();
	return tap_done();
}
