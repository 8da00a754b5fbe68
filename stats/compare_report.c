// SPDX-License-Identifier: MIT
#include "compare_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_sweep_report.h"
#include "textbuf.h"

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static double num(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_double(v) : NAN;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_string(v) : "";
}

/*
 * 3 significant digits with a unit chosen from the metric's: 1.83ms,
 * 13.1us, 2.09s for times (*_ns, *_ms); plain counts otherwise.
 */
static void format_value(const char *metric, double v, char *out, size_t len)
{
	static const struct { double scale; const char *unit; } units[] = {
		{ 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" }, { 1, "ns" },
	};
	size_t n = strlen(metric);
	double ns;

	if (!isfinite(v)) {
		snprintf(out, len, "-");
		return;
	}
	if (n < 3 || (strcmp(metric + n - 3, "_ns") && strcmp(metric + n - 3, "_ms"))) {
		snprintf(out, len, "%.0f", v);
		return;
	}
	ns = strcmp(metric + n - 3, "_ms") ? v : v * 1e6;
	for (size_t i = 0; i < 4; i++) {
		if (fabs(ns) >= units[i].scale || i == 3) {
			double x = ns / units[i].scale;

			snprintf(out, len, x >= 100 ? "%.0f%s" : x >= 10 ? "%.1f%s" : "%.2f%s",
				 x, units[i].unit);
			return;
		}
	}
}

static void format_p(double p, char *out, size_t len)
{
	if (!isfinite(p))
		snprintf(out, len, "-");
	else if (p < 0.001)
		snprintf(out, len, "<0.001");
	else
		snprintf(out, len, "%.3f", p);
}

static void ascii(struct textbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';

		textbuf_append(b, &c, 1);
	}
}

/*
 * Append text wrapped at REPORT_WIDTH: the first line after prefix, the
 * rest after indent; words break at spaces, a word longer than a line is
 * split, and anything but printable ASCII becomes '?'.
 */
static void wrap(struct textbuf *b, const char *prefix, const char *indent, const char *text)
{
	size_t col = strlen(prefix), start = col;

	textbuf_append(b, prefix, strlen(prefix));
	for (text += strspn(text, " "); *text; text += strspn(text, " ")) {
		size_t w = strcspn(text, " ");

		if (col > start && col + 1 + w > REPORT_WIDTH) {
			textbuf_printf(b, "\n%s", indent);
			col = start = strlen(indent);
		}
		if (col > start) {
			textbuf_append(b, " ", 1);
			col++;
		}
		while (col + w > REPORT_WIDTH) {	/* a word longer than a line */
			size_t fit = REPORT_WIDTH - col;

			ascii(b, text, fit);
			textbuf_printf(b, "\n%s", indent);
			text += fit;
			w -= fit;
			col = start = strlen(indent);
		}
		ascii(b, text, w);
		col += w;
		text += w;
	}
	textbuf_append(b, "\n", 1);
}

static void side_line(struct textbuf *b, const char *name, struct json_object *side)
{
	struct json_object *tags = get(side, "tags"), *commit = get(tags, "base-commit");
	char line[512];

	snprintf(line, sizeof(line), "%s \"%s\"%s%s%s, %zu run%s",
		 str(get(side, "kernel"), "release"), str(side, "label"),
		 commit ? " (base-commit " : "", commit ? json_object_get_string(commit) : "",
		 commit ? ")" : "", json_object_array_length(get(side, "runs")),
		 json_object_array_length(get(side, "runs")) == 1 ? "" : "s");
	wrap(b, name, "      ", line);
}

/*
 * One metric some runs of a side did not measure, in words: "new side, 5
 * of 5 runs: why" (with each reason's runs when they differ).
 */
static void missing_line(struct json_object *e, char *out, size_t len)
{
	struct json_object *reasons = get(e, "reasons");
	size_t n = json_object_array_length(reasons);
	int at;

	at = snprintf(out, len, "%s side, %.0f of %.0f run%s:", str(e, "side"),
		      num(e, "runs_without"), num(e, "runs"), num(e, "runs") == 1 ? "" : "s");
	for (size_t i = 0; i < n && at >= 0 && (size_t)at < len; i++) {
		struct json_object *r = json_object_array_get_idx(reasons, i);

		if (n == 1)
			at += snprintf(out + at, len - (size_t)at, " %s", str(r, "reason"));
		else
			at += snprintf(out + at, len - (size_t)at, "%s %s (%.0f run%s)", i ? ";" : "",
				       str(r, "reason"), num(r, "runs"), num(r, "runs") == 1 ? "" : "s");
	}
}

static void text_report(struct json_object *m, struct textbuf *b)
{
	struct json_object *base = get(m, "base"), *rows = get(m, "metrics");
	char host[256], test[160];

	snprintf(test, sizeof(test), "Mann-Whitney U (two-sided), alpha %g; medians shown",
		 num(m, "alpha"));
	wrap(b, "migbench: ", "      ", str(m, "title"));
	side_line(b, "base: ", base);
	side_line(b, "new:  ", get(m, "new"));
	snprintf(host, sizeof(host), "%s, %.0f CPUs, %.1f GiB", str(base, "cpu_model"),
		 num(base, "online_cpus"), num(base, "mem_total_bytes") / (1 << 30));
	wrap(b, "host: ", "      ", host);
	wrap(b, "spec: ", "        ", str(m, "command")[0] ? str(m, "command") : "-");
	if (str(m, "vary")[0])
		wrap(b, "vary: ", "      ", str(m, "vary"));
	wrap(b, "test: ", "      ", test);
	if (compare_sweep_text(m, b))	/* a sweep: a table per metric, a row per value */
		goto notes;
	textbuf_printf(b, "\n%-27s %9s %9s %8s %7s\n", "metric", "base", "new",
		       "delta", "p");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);
		bool runs = !strcmp(str(r, "over"), "runs");
		char bv[32], nv[32], dv[32], pv[16];
		double delta = num(r, "delta_pct");

		format_value(str(r, "metric"), num(get(r, "base"), "median"), bv, sizeof(bv));
		format_value(str(r, "metric"), num(get(r, "new"), "median"), nv, sizeof(nv));
		if (isfinite(delta))
			snprintf(dv, sizeof(dv), "%+.1f%%", delta);
		else
			snprintf(dv, sizeof(dv), "-");
		format_p(num(r, "u_p"), pv, sizeof(pv));
		textbuf_printf(b, "%-27.27s %9s %9s %8s %7s %s\n",
			       runs ? str(r, "metric") : "  (all iterations)", bv, nv, dv, pv,
			       str(r, "verdict"));
	}
notes:
	textbuf_printf(b, "\nOne value per run (its median over iterations) unless marked\n"
		       "\"all iterations\"; ~ means no significant change.\n");
	for (size_t i = 0; i < json_object_array_length(get(m, "missing")); i++) {
		struct json_object *e = json_object_array_get_idx(get(m, "missing"), i);
		char line[1024], prefix[80];

		if (!i)
			textbuf_printf(b, "\nNot measured (no value, not 0):\n");
		missing_line(e, line, sizeof(line));
		snprintf(prefix, sizeof(prefix), "- %s, ", str(e, "metric"));
		wrap(b, prefix, "  ", line);
	}
	for (size_t i = 0; i < json_object_array_length(get(m, "warnings")); i++) {
		if (!i)
			textbuf_printf(b, "\nWarnings:\n");
		wrap(b, "- ", "  ", json_object_get_string(
			json_object_array_get_idx(get(m, "warnings"), i)));
	}
}

static void markdown_report(struct json_object *m, struct textbuf *b)
{
	struct json_object *rows = get(m, "metrics");

	textbuf_printf(b, "**migbench: %s** (Mann-Whitney U, two-sided, "
		       "alpha %g)\n\n| | kernel | label | runs |\n|---|---|---|---|\n",
		       str(m, "title"), num(m, "alpha"));
	for (int sd = 0; sd < 2; sd++) {
		struct json_object *s = get(m, sd ? "new" : "base");

		textbuf_printf(b, "| %s | %s | %s | %zu |\n", sd ? "new" : "base",
			       str(get(s, "kernel"), "release"), str(s, "label"),
			       json_object_array_length(get(s, "runs")));
	}
	textbuf_printf(b, "\nHost: %s. Spec: `%s`\n\n", str(get(m, "base"), "cpu_model"),
		       str(m, "command"));
	if (compare_sweep_markdown(m, b))	/* a sweep: a table per metric, a row per value */
		goto notes;
	textbuf_printf(b, "| metric | over | base median | new median | delta | delta 95%% CI "
		       "| p (U) | p (Welch) | verdict |\n|---|---|---:|---:|---:|---|---:|---:|---|\n");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i), *ci = get(r, "delta_pct_ci");
		char bv[32], nv[32], up[16], wp[16];

		format_value(str(r, "metric"), num(get(r, "base"), "median"), bv, sizeof(bv));
		format_value(str(r, "metric"), num(get(r, "new"), "median"), nv, sizeof(nv));
		format_p(num(r, "u_p"), up, sizeof(up));
		format_p(num(r, "welch_p"), wp, sizeof(wp));
		textbuf_printf(b, "| %s | %s | %s | %s | %+.1f%% | ", str(r, "metric"), str(r, "over"),
			       bv, nv, num(r, "delta_pct"));
		if (ci)
			textbuf_printf(b, "%+.1f%% .. %+.1f%%", json_object_get_double(
				json_object_array_get_idx(ci, 0)), json_object_get_double(
				json_object_array_get_idx(ci, 1)));
		else
			textbuf_printf(b, "-");
		textbuf_printf(b, " | %s | %s | %s |\n", up, wp, str(r, "verdict"));
	}
notes:
	for (size_t i = 0; i < json_object_array_length(get(m, "missing")); i++) {
		struct json_object *e = json_object_array_get_idx(get(m, "missing"), i);
		char line[1024];

		missing_line(e, line, sizeof(line));
		textbuf_printf(b, "%s- `%s`, %s\n", i ? "" : "\n**Not measured** (no value, not 0)\n\n",
			       str(e, "metric"), line);
	}
	for (size_t i = 0; i < json_object_array_length(get(m, "warnings")); i++)
		textbuf_printf(b, "%s- %s\n", i ? "" : "\n**Warnings**\n\n", json_object_get_string(
			json_object_array_get_idx(get(m, "warnings"), i)));
}

static void csv_number(struct textbuf *b, double v)
{
	if (isfinite(v))
		textbuf_printf(b, ",%.17g", v);
	else
		textbuf_printf(b, ",");
}

static void csv_report(struct json_object *m, struct textbuf *b)
{
	static const char *const stats[] = { "n", "median", "mean", "stdev", "min", "max",
					     "p95", "p99" };
	struct json_object *rows = get(m, "metrics");

	textbuf_printf(b, "metric,over");
	compare_sweep_csv_header(m, b);
	for (int sd = 0; sd < 2; sd++) {
		for (size_t k = 0; k < 8; k++)
			textbuf_printf(b, ",%s_%s", sd ? "new" : "base", stats[k]);
		textbuf_printf(b, ",%s_median_ci_lo,%s_median_ci_hi", sd ? "new" : "base",
			       sd ? "new" : "base");
	}
	textbuf_printf(b, ",delta_pct,delta_pct_ci_lo,delta_pct_ci_hi,u_p,welch_p,verdict\n");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i), *ci = get(r, "delta_pct_ci");

		textbuf_printf(b, "%s,%s", str(r, "metric"), str(r, "over"));
		compare_sweep_csv_row(r, b);
		for (int sd = 0; sd < 2; sd++) {
			struct json_object *side = get(r, sd ? "new" : "base"), *mci = get(side, "median_ci");

			for (size_t k = 0; k < 8; k++)
				csv_number(b, num(side, stats[k]));
			csv_number(b, mci ? json_object_get_double(json_object_array_get_idx(mci, 0)) : NAN);
			csv_number(b, mci ? json_object_get_double(json_object_array_get_idx(mci, 1)) : NAN);
		}
		csv_number(b, num(r, "delta_pct"));
		csv_number(b, ci ? json_object_get_double(json_object_array_get_idx(ci, 0)) : NAN);
		csv_number(b, ci ? json_object_get_double(json_object_array_get_idx(ci, 1)) : NAN);
		csv_number(b, num(r, "u_p"));
		csv_number(b, num(r, "welch_p"));
		textbuf_printf(b, ",%s\n", str(r, "verdict"));
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

/* The text table's cells and wrapping, for the sweep's tables (compare_sweep_report.c). */
void compare_report_value(const char *metric, double v, char *out, size_t len)
{
	format_value(metric, v, out, len);
}

void compare_report_p(double p, char *out, size_t len)
{
	format_p(p, out, len);
}

void compare_report_wrap(struct textbuf *b, const char *prefix, const char *indent,
			 const char *text)
{
	wrap(b, prefix, indent, text);
}
