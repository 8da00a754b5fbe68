// SPDX-License-Identifier: MIT
#include "compare_report.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_missing.h"
#include "compare_model.h"
#include "compare_sweep_report.h"
#include "report_cells.h"
#include "textbuf.h"
#include "units.h"

static void side_line(struct textbuf *b, const char *name, struct json_object *side)
{
	struct json_object *tags = model_get(side, "tags"), *commit = model_get(tags, "base-commit");
	char line[512];

	snprintf(line, sizeof(line), "%s \"%s\"%s%s%s, %zu run%s",
		 model_str(model_get(side, "kernel"), "release"), model_str(side, "label"),
		 commit ? " (base-commit " : "", commit ? json_object_get_string(commit) : "",
		 commit ? ")" : "", json_object_array_length(model_get(side, "runs")),
		 json_object_array_length(model_get(side, "runs")) == 1 ? "" : "s");
	report_wrap(b, name, "      ", line);
}

/*
 * One metric some runs of a side did not measure, in words: "new side, 5
 * of 5 runs: why" (with each reason's runs when they differ).
 */
/*
 * The kernel selftest's equivalent command line, or why there is none;
 * "" when no selftest measures such runs.
 */
static void selftest_line(struct json_object *m, char *out, size_t len)
{
	struct json_object *t = model_get(m, "selftest");

	if (!t)
		snprintf(out, len, "%s", "");
	else if (model_get(t, "command"))
		snprintf(out, len, "%s", model_str(t, "command"));
	else
		snprintf(out, len, "no %s equivalent (%s)", model_str(t, "name"), model_str(t, "reason"));
}

/* "clear_dirty_log_ns  clear dirty log": the metric, and what it measures. */
static void metric_line(struct textbuf *b, struct json_object *r)
{
	char line[160];

	snprintf(line, sizeof(line), "%s%s%s", model_str(r, "metric"), model_get(r, "label") ? "  " : "",
		 model_str(r, "label"));
	report_ascii(b, line, strnlen(line, REPORT_WIDTH));
	textbuf_append(b, "\n", 1);
}

/* "Left out: a, b (...)": the rows the selection did not show; "" for none. */
static void left_out_line(struct json_object *m, const char *mark, char *out, size_t len)
{
	struct json_object *names = model_get(m, "left_out");
	size_t n = json_object_is_type(names, json_type_array) ?
		   json_object_array_length(names) : 0, at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%s%s%s", i ? ", " : "", mark,
				       json_object_get_string(json_object_array_get_idx(names, i)), mark);
	if (n && at < len)
		snprintf(out + at, len - at, " (--all, or metrics=all, shows them)");
}

static void text_report(struct json_object *m, struct textbuf *b)
{
	struct json_object *base = model_get(m, "base"), *rows = model_get(m, "metrics"), *missing;
	char host[256], test[200], line[1024];

	snprintf(test, sizeof(test), "Mann-Whitney U (two-sided) over per-run medians, alpha %g, "
		 "Holm-adjusted over %.0f per-run rows; medians shown", model_num(m, "alpha"),
		 model_num(m, "family"));
	report_wrap(b, "migbench: ", "      ", model_str(m, "title"));
	side_line(b, "base: ", base);
	side_line(b, "new:  ", model_get(m, "new"));
	snprintf(host, sizeof(host), "%s, %.0f CPUs, %.1f GiB", model_str(base, "cpu_model"),
		 model_num(base, "online_cpus"), model_num(base, "mem_total_bytes") / (1 << 30));
	report_wrap(b, "host: ", "      ", host);
	report_wrap(b, "spec: ", "        ", model_str(m, "command")[0] ? model_str(m, "command") : "-");
	selftest_line(m, line, sizeof(line));
	if (line[0])
		report_wrap(b, "selftest: ", "            ", line);
	if (model_str(m, "vary")[0])
		report_wrap(b, "vary: ", "      ", model_str(m, "vary"));
	report_wrap(b, "test: ", "      ", test);
	for (int sd = 0; sd < 2; sd++) {
		struct json_object *s = model_get(m, sd ? "new" : "base");
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "aging, %s (run %.0f): ", sd ? "new" : "base",
			 model_num(s, "aging_run"));
		if (model_str(s, "aging")[0])
			report_wrap(b, prefix, "  ", model_str(s, "aging"));
	}
	if (compare_sweep_text(m, b))	/* a sweep: a table per metric, a row per value */
		goto notes;
	textbuf_printf(b, "\n%-17s %9s %9s %8s %7s\n", "metric", "base", "new",
		       "delta", "p");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);
		bool runs = !strcmp(model_str(r, "over"), "runs");
		char bv[32], nv[32], dv[32], pv[16];
		double delta = model_num(r, "delta_pct");

		/* a metric's rows under one line naming it: per run, then all iterations */
		if (!i || strcmp(model_str(r, "metric"), model_str(json_object_array_get_idx(rows, i - 1),
							    "metric")))
			metric_line(b, r);

		mb_format_metric(model_str(r, "metric"), model_num(model_get(r, "base"), "median"), bv, sizeof(bv));
		mb_format_metric(model_str(r, "metric"), model_num(model_get(r, "new"), "median"), nv, sizeof(nv));
		if (isfinite(delta))
			snprintf(dv, sizeof(dv), "%+.1f%%", delta);
		else
			snprintf(dv, sizeof(dv), "-");
		report_p(model_num(r, "p_adjusted"), pv, sizeof(pv));
		textbuf_printf(b, "%-17.17s %9s %9s %8s %7s%s%s\n",
			       runs ? "  per run" : "  all iterations", bv, nv, dv, pv,
			       runs ? " " : "", model_str(r, "verdict"));
	}
notes:
	textbuf_printf(b, "\n");
	report_wrap(b, "", "", COMPARE_REPORT_KEY);
	left_out_line(m, "", line, sizeof(line));
	if (line[0]) {
		textbuf_printf(b, "\n");
		report_wrap(b, "Left out: ", "  ", line);
	}
	missing = compare_missing_lines(model_get(m, "missing"), "");
	for (size_t i = 0; i < json_object_array_length(missing); i++) {
		if (!i)
			textbuf_printf(b, "\nNot measured (no value, not 0):\n");
		report_wrap(b, "- ", "  ", json_object_get_string(json_object_array_get_idx(missing, i)));
	}
	json_object_put(missing);
	for (size_t i = 0; i < json_object_array_length(model_get(m, "warnings")); i++) {
		if (!i)
			textbuf_printf(b, "\nWarnings:\n");
		report_wrap(b, "- ", "  ", json_object_get_string(
			json_object_array_get_idx(model_get(m, "warnings"), i)));
	}
}

static void markdown_report(struct json_object *m, struct textbuf *b)
{
	struct json_object *rows = model_get(m, "metrics"), *missing;
	char line[1024];

	textbuf_printf(b, "**migbench: %s** (Mann-Whitney U, two-sided, over per-run medians, "
		       "alpha %g, Holm-adjusted over %.0f per-run rows)\n\n| | kernel | label | runs |\n"
		       "|---|---|---|---|\n", model_str(m, "title"), model_num(m, "alpha"),
		       model_num(m, "family"));
	for (int sd = 0; sd < 2; sd++) {
		struct json_object *s = model_get(m, sd ? "new" : "base");

		textbuf_printf(b, "| %s | %s | %s | %zu |\n", sd ? "new" : "base",
			       model_str(model_get(s, "kernel"), "release"), model_str(s, "label"),
			       json_object_array_length(model_get(s, "runs")));
	}
	textbuf_printf(b, "\nHost: %s. Spec: `%s`\n\n", model_str(model_get(m, "base"), "cpu_model"),
		       model_str(m, "command"));
	for (int sd = 0; sd < 2; sd++) {
		struct json_object *s = model_get(m, sd ? "new" : "base");

		if (model_str(s, "aging")[0])
			textbuf_printf(b, "Aging, %s (run %.0f): %s\n\n", sd ? "new" : "base",
				       model_num(s, "aging_run"), model_str(s, "aging"));
	}
	selftest_line(m, line, sizeof(line));
	if (line[0] && model_get(model_get(m, "selftest"), "command"))
		textbuf_printf(b, "Kernel selftest: `%s`\n\n", line);
	else if (line[0])
		textbuf_printf(b, "Kernel selftest: %s\n\n", line);
	if (compare_sweep_markdown(m, b))	/* a sweep: a table per metric, a row per value */
		goto notes;
	textbuf_printf(b, "| metric | what | over | base median | new median | delta | delta 95%% CI "
		       "| p (U) | p (Holm) | detectable | verdict |\n"
		       "|---|---|---|---:|---:|---:|---|---:|---:|---:|---|\n");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i), *ci = model_get(r, "delta_pct_ci");
		char bv[32], nv[32], up[16], hp[16], seen[16];

		mb_format_metric(model_str(r, "metric"), model_num(model_get(r, "base"), "median"), bv, sizeof(bv));
		mb_format_metric(model_str(r, "metric"), model_num(model_get(r, "new"), "median"), nv, sizeof(nv));
		report_p(model_num(r, "u_p"), up, sizeof(up));
		report_p(model_num(r, "p_adjusted"), hp, sizeof(hp));
		report_detectable(model_num(r, "detectable_pct"), seen, sizeof(seen));
		textbuf_printf(b, "| %s | %s | %s | %s | %s | %+.1f%% | ", model_str(r, "metric"),
			       model_str(r, "label"), model_str(r, "over"), bv, nv, model_num(r, "delta_pct"));
		if (ci)
			textbuf_printf(b, "%+.1f%% .. %+.1f%%", json_object_get_double(
				json_object_array_get_idx(ci, 0)), json_object_get_double(
				json_object_array_get_idx(ci, 1)));
		else
			textbuf_printf(b, "-");
		textbuf_printf(b, " | %s | %s | %s | %s |\n", up, hp, seen,
			       model_get(r, "verdict") ? model_str(r, "verdict") : "not tested");
	}
notes:
	textbuf_printf(b, "\n%s\n", COMPARE_REPORT_KEY);
	left_out_line(m, "`", line, sizeof(line));
	if (line[0])
		textbuf_printf(b, "\nLeft out: %s\n", line);
	missing = compare_missing_lines(model_get(m, "missing"), "`");
	for (size_t i = 0; i < json_object_array_length(missing); i++)
		textbuf_printf(b, "%s- %s\n", i ? "" : "\n**Not measured** (no value, not 0)\n\n",
			       json_object_get_string(json_object_array_get_idx(missing, i)));
	json_object_put(missing);
	for (size_t i = 0; i < json_object_array_length(model_get(m, "warnings")); i++)
		textbuf_printf(b, "%s- %s\n", i ? "" : "\n**Warnings**\n\n", json_object_get_string(
			json_object_array_get_idx(model_get(m, "warnings"), i)));
}

static void csv_number(struct textbuf *b, double v)
{
	if (isfinite(v))
		textbuf_printf(b, ",%.17g", v);
	else
		textbuf_printf(b, ",");
}

/* A text field, quoted where it holds a comma, a quote or a newline (RFC 4180). */
static void csv_text(struct textbuf *b, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		textbuf_append(b, s, strlen(s));
		return;
	}
	textbuf_append(b, "\"", 1);
	for (; *s; s++)
		textbuf_append(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);	/* a quote twice */
	textbuf_append(b, "\"", 1);
}

static void csv_report(struct json_object *m, struct textbuf *b)
{
	static const char *const stats[] = { "n", "median", "mean", "stdev", "min", "max",
					     "p95", "p99" };
	struct json_object *rows = model_get(m, "metrics");

	textbuf_printf(b, "metric,over,label");
	compare_sweep_csv_header(m, b);
	for (int sd = 0; sd < 2; sd++) {
		for (size_t k = 0; k < 8; k++)
			textbuf_printf(b, ",%s_%s", sd ? "new" : "base", stats[k]);
		textbuf_printf(b, ",%s_median_ci_lo,%s_median_ci_hi", sd ? "new" : "base",
			       sd ? "new" : "base");
	}
	textbuf_printf(b, ",delta_pct,delta_pct_ci_lo,delta_pct_ci_hi,u_p,p_adjusted,"
		       "detectable_pct,welch_p,verdict\n");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i), *ci = model_get(r, "delta_pct_ci");

		textbuf_printf(b, "%s,%s,", model_str(r, "metric"), model_str(r, "over"));
		csv_text(b, model_str(r, "label"));
		compare_sweep_csv_row(r, b);
		for (int sd = 0; sd < 2; sd++) {
			struct json_object *side = model_get(r, sd ? "new" : "base"), *mci = model_get(side, "median_ci");

			for (size_t k = 0; k < 8; k++)
				csv_number(b, model_num(side, stats[k]));
			csv_number(b, mci ? json_object_get_double(json_object_array_get_idx(mci, 0)) : NAN);
			csv_number(b, mci ? json_object_get_double(json_object_array_get_idx(mci, 1)) : NAN);
		}
		csv_number(b, model_num(r, "delta_pct"));
		csv_number(b, ci ? json_object_get_double(json_object_array_get_idx(ci, 0)) : NAN);
		csv_number(b, ci ? json_object_get_double(json_object_array_get_idx(ci, 1)) : NAN);
		csv_number(b, model_num(r, "u_p"));
		csv_number(b, model_num(r, "p_adjusted"));
		csv_number(b, model_num(r, "detectable_pct"));
		csv_number(b, model_num(r, "welch_p"));
		textbuf_printf(b, ",%s\n", model_str(r, "verdict"));
	}
}

const char *compare_report_type(const char *format)
{
	if (!strcmp(format, "json"))
		return "application/json";
	if (!strcmp(format, "csv"))
		return "text/csv; charset=utf-8";
	if (!strcmp(format, "markdown"))
		return "text/markdown; charset=utf-8";
	return "text/plain; charset=us-ascii";
}

char *compare_report(struct json_object *model, const char *format, size_t *len)
{
	struct textbuf b = { 0 };

	if (!strcmp(format, "json"))
		textbuf_printf(&b, "%s\n", json_object_to_json_string_ext(model,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (!strcmp(format, "text"))
		text_report(model, &b);
	else if (!strcmp(format, "markdown"))
		markdown_report(model, &b);
	else if (!strcmp(format, "csv"))
		csv_report(model, &b);
	else
		return NULL;
	return textbuf_take(&b, len);
}
