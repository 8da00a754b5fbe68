// SPDX-License-Identifier: MIT
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "selftest.h"
#include "stats.h"
#include "units.h"

#define NS_PER_S UINT64_C(1000000000)

static void print_time(FILE *out, const char *prefix, uint64_t ns)
{
	fprintf(out, "%s%" PRIu64 ".%.9" PRIu64 "s\n", prefix, ns / NS_PER_S,
		ns % NS_PER_S);
}

static void print_total(FILE *out, const char *what, uint32_t iterations,
			uint64_t total)
{
	uint64_t avg = total / iterations;

	fprintf(out, "%s over %u iterations took %" PRIu64 ".%.9" PRIu64
		"s. (Avg %" PRIu64 ".%.9" PRIu64 "s/iteration)\n",
		what, iterations, total / NS_PER_S, total % NS_PER_S,
		avg / NS_PER_S, avg % NS_PER_S);
}

/* "Iteration N <what> time: ..." for the sum of metric in it; the sum. */
static uint64_t print_iteration(FILE *out, const struct mb_samples *s, enum mb_metric metric,
				uint32_t it, const char *what)
{
	uint64_t v = mb_samples_sum(s, metric, it);
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "Iteration %u %s time: ", it, what);
	print_time(out, prefix, v);
	return v;
}

void mb_report_selftest_lines(FILE *out, const struct mb_spec *spec,
			      const struct mb_samples *s)
{
	bool ring = spec->dirty_ring_entries != 0;
	bool clear = !ring && spec->manual_protect == MB_TRUE;
	uint64_t v, get_total = 0, clear_total = 0, harvest_total = 0,
		 reset_total = 0;
	char prefix[96];

	if (mb_samples_get(s, MB_POPULATE_NS, 0, &v))
		print_time(out, "Populate memory time: ", v);
	if (mb_samples_get(s, MB_ENABLE_DIRTY_LOG_NS, 0, &v)) {
		print_time(out, "Enabling dirty logging time: ", v);
		fputc('\n', out);
	}
	for (uint32_t it = 1; it <= spec->iterations; it++) {
		if (!mb_samples_get(s, MB_DIRTY_MEMORY_NS, it, &v))
			break;
		snprintf(prefix, sizeof(prefix), "Iteration %u dirty memory time: ", it);
		print_time(out, prefix, v);
		if (ring) {
			harvest_total += print_iteration(out, s, MB_DIRTY_RING_HARVEST_NS, it,
							 "dirty ring harvest");
			reset_total += print_iteration(out, s, MB_DIRTY_RING_RESET_NS, it,
						       "dirty ring reset");
			continue;
		}
		get_total += print_iteration(out, s, MB_GET_DIRTY_LOG_NS, it, "get dirty log");
		if (clear)
			clear_total += print_iteration(out, s, MB_CLEAR_DIRTY_LOG_NS, it,
						       "clear dirty log");
	}
	if (!mb_samples_get(s, MB_DIRTY_MEMORY_NS, spec->iterations, &v))
		return;		/* the run did not get that far */
	/* a spec's zap may leave disable out: the totals are printed all the same */
	if (mb_samples_get(s, MB_DISABLE_DIRTY_LOG_NS, 0, &v))
		print_time(out, "Disabling dirty logging time: ", v);
	if (ring) {
		print_total(out, "Dirty ring harvest", spec->iterations, harvest_total);
		print_total(out, "Dirty ring reset", spec->iterations, reset_total);
		return;
	}
	print_total(out, "Get dirty log", spec->iterations, get_total);
	if (clear)
		print_total(out, "Clear dirty log", spec->iterations, clear_total);
}

/* The timed zap steps the selftest has no line for, in the spec's order. */
static void print_zap_steps(FILE *out, const struct mb_spec *spec, const struct mb_samples *s)
{
	char prefix[96];
	uint64_t v;

	for (unsigned int i = 0; i < spec->nr_zap; i++) {
		if (spec->zap[i] == MB_ZAP_DELETE && mb_samples_get(s, MB_DELETE_MEMSLOT_NS, 0, &v))
			print_time(out, "Deleting memslots time: ", v);
		if (spec->zap[i] != MB_ZAP_INVALIDATE || !mb_samples_get(s, MB_INVALIDATE_NS, 0, &v))
			continue;
		snprintf(prefix, sizeof(prefix), "Invalidating guest memory (%s) time: ",
			 spec->invalidate == MB_INVALIDATE_DONTNEED ? "MADV_DONTNEED" : "mprotect");
		print_time(out, prefix, v);
	}
}

static const char *json_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		json_object_get_string(v) : NULL;
}

/* The statement of environment.huge_mappings, or why there is none. */
static void print_huge_mappings(FILE *out, struct json_object *environment)
{
	struct json_object *huge;
	const char *text = NULL;

	if (json_object_object_get_ex(environment, "huge_mappings", &huge))
		text = json_string(huge, "statement");
	if (text)
		fprintf(out, "%s\n", text);
	else if ((text = json_string(environment, "kvm_stat_missing")))
		fprintf(out, "Huge mappings not known: KVM's statistics were not read: %s\n", text);
}

/* An aging run's statement: whether its aging reached KVM. */
static void print_aging(FILE *out, struct json_object *environment)
{
	struct json_object *aging;
	const char *text = NULL;

	if (json_object_object_get_ex(environment, "aging", &aging))
		text = json_string(aging, "statement");
	if (text)
		fprintf(out, "Aging: %s\n", text);
}

/* The kernel memory figures: each line says its bytes, or why it has none. */
static const struct {
	enum mb_metric total, per_gib;
	const char *what;
} memory_figures[] = {
	{ MB_MEMSLOT_METADATA_BYTES, MB_MEMSLOT_METADATA_BYTES_PER_GIB, "Memslot metadata memory" },
	{ MB_DIRTY_BITMAP_BYTES, MB_DIRTY_BITMAP_BYTES_PER_GIB, "Dirty bitmap memory" },
};

static void print_memory(FILE *out, const struct mb_samples *s, struct json_object *missing)
{
	for (size_t i = 0; i < sizeof(memory_figures) / sizeof(memory_figures[0]); i++) {
		const char *why = missing ? json_string(missing, mb_metric_name(memory_figures[i].total)) :
					    NULL;
		uint64_t total, per_gib;

		if (mb_samples_get(s, memory_figures[i].total, 0, &total) &&
		    mb_samples_get(s, memory_figures[i].per_gib, 0, &per_gib))
			fprintf(out, "%s: %" PRIu64 " bytes (%" PRIu64 " bytes per GiB of test memory)\n",
				memory_figures[i].what, total, per_gib);
		else if (why)
			fprintf(out, "%s: not measured: %s\n", memory_figures[i].what, why);
	}
}

void mb_report_after_lines(FILE *out, const struct mb_spec *spec, const struct mb_samples *s,
			   struct json_object *environment, struct json_object *missing)
{
	print_zap_steps(out, spec, s);
	print_huge_mappings(out, environment);
	print_aging(out, environment);
	print_memory(out, s, missing);
}

/* Whether print_memory() already said why a metric is missing. */
static bool said_by_memory(const char *metric)
{
	for (size_t i = 0; i < sizeof(memory_figures) / sizeof(memory_figures[0]); i++)
		if (!strcmp(metric, mb_metric_name(memory_figures[i].total)) ||
		    !strcmp(metric, mb_metric_name(memory_figures[i].per_gib)))
			return true;
	return false;
}

void mb_report_missing(FILE *out, struct json_object *missing)
{
	if (!missing)
		return;
	json_object_object_foreach(missing, metric, why)
		if (!said_by_memory(metric))
			fprintf(out, "%s not measured: %s\n", metric, json_object_get_string(why));
}

void mb_report_selftest_command(FILE *out, struct json_object *resolved_spec)
{
	struct textbuf line = { 0 };
	struct mb_error err = { 0 };
	size_t len;
	char *text;

	if (!resolved_spec)
		return;
	if (mb_selftest_command(resolved_spec, &line, &err) == 0) {
		text = textbuf_take(&line, &len);
		fprintf(out, "Equivalent selftest: %s\n", text ? text : "");
		free(text);
		return;
	}
	free(textbuf_take(&line, &len));
	fprintf(out, "No %s equivalent: %s\n", MB_SELFTEST_NAME, err.message);
}

/* One figure in the project's one number format (units.h), in its column. */
static void print_cell(FILE *out, const char *metric, double v)
{
	char cell[32];

	mb_format_metric(metric, v, cell, sizeof(cell));
	fprintf(out, " %12s", cell);
}

static bool has_samples(void *ctx, const char *metric)
{
	const struct mb_samples *s = ctx;
	int m = mb_metric_from_name(metric);

	for (size_t i = 0; m >= 0 && i < s->len; i++)
		if (s->rows[i].metric == (enum mb_metric)m)
			return true;
	return false;
}

static void print_summary_row(FILE *out, const struct mb_samples *samples, enum mb_metric m)
{
	const char *name = mb_metric_name(m);
	struct mb_summary sum;
	double *v;
	size_t n;

	if (m == MB_KVM_STAT)
		return;		/* counts per phase: no median */
	n = mb_samples_values(samples, m, &v);
	if (n && mb_summarize(v, n, &sum) == 0) {
		fprintf(out, "%-31s %5zu", name, sum.n);
		print_cell(out, name, sum.min);
		print_cell(out, name, sum.median);
		print_cell(out, name, sum.mean);
		print_cell(out, name, sum.p95);
		print_cell(out, name, sum.max);
		print_cell(out, name, sum.stdev);
		fprintf(out, "  %s\n", mb_metric_label(m));
	}
	free(v);
}

void mb_report_summary_table(FILE *out, const struct mb_samples *samples)
{
	const struct mb_headline *lead = mb_engine_report_first(&mb_engine_kvm);
	size_t last = mb_headline_rank(lead, "", has_samples, (void *)samples);

	fprintf(out, "\n%-31s %5s %12s %12s %12s %12s %12s %12s  %s\n", "metric",
		"n", "min", "median", "mean", "p95", "max", "stdev", "what");
	/* the engine's report order: its first metrics, then the rest as numbered */
	for (size_t rank = 0; rank <= last; rank++)
		for (int m = 0; m < MB_NR_METRICS; m++)
			if (mb_headline_rank(lead, mb_metric_name(m), has_samples,
					     (void *)samples) == rank)
				print_summary_row(out, samples, m);
}
