// SPDX-License-Identifier: MIT
#include "compare_sweep_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare_row.h"
#include "compare_sweep.h"
#include "report_cells.h"
#include "units.h"

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static const char *text_of(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	return v ? json_object_get_string(v) : "";
}

/* An array's length; 0 for anything else (json-c asserts on a non-array). */
static size_t length(struct json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

/* The swept keys, or NULL for a model that is not a sweep's. */
static struct json_object *swept_keys(struct json_object *model)
{
	return member(member(model, "sweep"), "keys");
}

/* fn(ctx, text) for each of a row's values of the swept keys, in the keys' order. */
static void each_value(struct json_object *row, void (*fn)(void *ctx, const char *text),
		       void *ctx)
{
	struct json_object *point = member(row, "point");

	if (!json_object_is_type(point, json_type_object))
		return;
	json_object_object_foreach(point, key, value) {
		char v[128];

		(void)key;
		compare_sweep_value_text(value, v, sizeof(v));
		fn(ctx, v);
	}
}

struct joined {
	char *out;
	size_t len;
	const char *sep;
};

static void join(void *ctx, const char *text)
{
	struct joined *j = ctx;

	snprintf(j->out + strlen(j->out), j->len - strlen(j->out), "%.8s%.100s",
		 j->out[0] ? j->sep : "", text);
}

/* A row's values of the swept keys, separated by sep: "2 hugetlb-1g". */
static void point_text(struct json_object *row, const char *sep, char *out, size_t len)
{
	struct joined j = { out, len, sep };

	out[0] = '\0';
	each_value(row, join, &j);
}

/* The cells a table shows of a row: medians with their unit, delta, p. */
struct cells {
	char base[32], new[32], delta[16], p[16], adjusted[16], detectable[16];
};

static void row_cells(struct json_object *row, struct cells *c)
{
	const char *metric = text_of(row, "metric");
	double delta = compare_get_number(row, "delta_pct");

	mb_format_metric(metric, compare_get_number(member(row, "base"), "median"),
		     c->base, sizeof(c->base));
	mb_format_metric(metric, compare_get_number(member(row, "new"), "median"),
		     c->new, sizeof(c->new));
	if (isfinite(delta))
		snprintf(c->delta, sizeof(c->delta), "%+.1f%%", delta);
	else
		snprintf(c->delta, sizeof(c->delta), "-");
	report_p(compare_get_number(row, "u_p"), c->p, sizeof(c->p));
	report_p(compare_get_number(row, "p_adjusted"), c->adjusted, sizeof(c->adjusted));
	report_detectable(compare_get_number(row, "detectable_pct"), c->detectable,
			  sizeof(c->detectable));
}

/* A row's verdict; a row over iterations has none. */
static const char *verdict_of(struct json_object *row, const char *none)
{
	return member(row, "verdict") ? text_of(row, "verdict") : none;
}

/* Whether row starts a table: another metric, or the same over iterations. */
static bool new_table(struct json_object *rows, size_t i)
{
	struct json_object *row = json_object_array_get_idx(rows, i), *prev;

	if (!i)
		return true;
	prev = json_object_array_get_idx(rows, i - 1);
	return strcmp(text_of(row, "metric"), text_of(prev, "metric")) ||
	       strcmp(text_of(row, "over"), text_of(prev, "over"));
}

static const char *table_title(struct json_object *row)
{
	return strcmp(text_of(row, "over"), "runs") ? "all iterations" : "one value per run";
}

/* "clear_dirty_log_ns (clear dirty log), one value per run"; mark: around the metric. */
static void table_name(struct json_object *row, const char *mark, char *out, size_t len)
{
	const char *label = text_of(row, "label");

	snprintf(out, len, "%s%.50s%s%s%.60s%s, %s", mark, text_of(row, "metric"), mark,
		 label[0] ? " (" : "", label, label[0] ? ")" : "", table_title(row));
}

/* "vcpus 1, 2, 4; backing hugetlb-2m, hugetlb-1g": each key with its values. */
static void sweep_line(struct json_object *model, char *out, size_t len)
{
	struct json_object *keys = swept_keys(model), *spec = member(model, "spec");

	out[0] = '\0';
	for (size_t j = 0; j < length(keys); j++) {
		const char *key = json_object_get_string(json_object_array_get_idx(keys, j));
		struct json_object *values = member(spec, key);

		snprintf(out + strlen(out), len - strlen(out), "%s%s", j ? "; " : "", key);
		for (size_t i = 0; i < length(values); i++) {
			char v[128];

			compare_sweep_value_text(json_object_array_get_idx(values, i), v, sizeof(v));
			snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? ", " : " ", v);
		}
	}
}

static void keys_text(struct json_object *keys, const char *sep, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t j = 0; j < length(keys); j++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", j ? sep : "",
			 json_object_get_string(json_object_array_get_idx(keys, j)));
}

/* How a format writes the sweep's line, a table's head and a row. */
struct table_format {
	void (*sweep)(struct textbuf *b, const char *line);
	void (*head)(struct textbuf *b, struct json_object *row, struct json_object *keys);
	void (*row)(struct textbuf *b, struct json_object *row, const struct cells *c);
};

/* The sweep's line, then the rows, a table each time the metric or "over" changes. */
static bool tables(struct json_object *model, struct textbuf *b, const struct table_format *f)
{
	struct json_object *keys = swept_keys(model), *rows = member(model, "metrics");
	char line[1024];

	if (!keys)
		return false;
	sweep_line(model, line, sizeof(line));
	f->sweep(b, line);
	for (size_t i = 0; i < length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		struct cells c;

		if (new_table(rows, i))
			f->head(b, row, keys);
		row_cells(row, &c);
		f->row(b, row, &c);
	}
	return true;
}

static void text_sweep(struct textbuf *b, const char *line)
{
	report_wrap(b, "sweep: ", "       ", line);
}

static void text_head(struct textbuf *b, struct json_object *row, struct json_object *keys)
{
	char header[128], name[160];

	keys_text(keys, " ", header, sizeof(header));
	table_name(row, "", name, sizeof(name));
	if (strlen(name) > REPORT_WIDTH)	/* the label on a line of its own */
		snprintf(name, sizeof(name), "%.50s, %s\n  %.60s", text_of(row, "metric"),
			 table_title(row), text_of(row, "label"));
	textbuf_printf(b, "\n%s\n%-19.19s %9s %9s %8s %7s\n", name, header, "base", "new", "delta",
		       "p");
}

static void text_row(struct textbuf *b, struct json_object *row, const struct cells *c)
{
	const char *verdict = verdict_of(row, "");
	char values[128];

	point_text(row, " ", values, sizeof(values));
	if (strlen(values) > 19) {	/* the values on a line of their own, not cut */
		report_wrap(b, "", "  ", values);
		values[0] = '\0';
	}
	textbuf_printf(b, "%-19.19s %9s %9s %8s %7s%s%s\n", values, c->base, c->new, c->delta,
		       c->adjusted, verdict[0] ? " " : "", verdict);
}

bool compare_sweep_text(struct json_object *model, struct textbuf *b)
{
	static const struct table_format text = { text_sweep, text_head, text_row };

	return tables(model, b, &text);
}

static void markdown_sweep(struct textbuf *b, const char *line)
{
	textbuf_printf(b, "Sweep: %s; a table per metric, a row per value.\n", line);
}

static void markdown_head(struct textbuf *b, struct json_object *row, struct json_object *keys)
{
	char header[256], name[200];

	keys_text(keys, " | ", header, sizeof(header));
	table_name(row, "**", name, sizeof(name));
	textbuf_printf(b, "\n%s\n\n| %s | base median | new median | delta "
		       "| delta 95%% CI | p (U) | p (Holm) | detectable | verdict |\n|", name, header);
	for (size_t j = 0; j < length(keys); j++)
		textbuf_printf(b, "---|");
	textbuf_printf(b, "---:|---:|---:|---|---:|---:|---:|---|\n");
}

static void markdown_row(struct textbuf *b, struct json_object *row, const struct cells *c)
{
	struct json_object *ci = member(row, "delta_pct_ci");
	char values[128];

	point_text(row, " | ", values, sizeof(values));
	textbuf_printf(b, "| %s | %s | %s | %s | ", values, c->base, c->new, c->delta);
	if (ci)
		textbuf_printf(b, "%+.1f%% .. %+.1f%%",
			       json_object_get_double(json_object_array_get_idx(ci, 0)),
			       json_object_get_double(json_object_array_get_idx(ci, 1)));
	else
		textbuf_printf(b, "-");
	textbuf_printf(b, " | %s | %s | %s | %s |\n", c->p, c->adjusted, c->detectable,
		       verdict_of(row, "not tested"));
}

bool compare_sweep_markdown(struct json_object *model, struct textbuf *b)
{
	static const struct table_format markdown = { markdown_sweep, markdown_head, markdown_row };

	return tables(model, b, &markdown);
}

/* A CSV field, quoted when it holds a comma or a quote (a CPU list "0,1"). */
static void csv_field(struct textbuf *b, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		textbuf_printf(b, ",%s", s);
		return;
	}
	textbuf_append(b, ",\"", 2);
	for (; *s; s++)
		textbuf_printf(b, *s == '"' ? "\"\"" : "%c", *s);
	textbuf_append(b, "\"", 1);
}

void compare_sweep_csv_header(struct json_object *model, struct textbuf *b)
{
	struct json_object *keys = swept_keys(model);

	for (size_t j = 0; j < length(keys); j++)
		csv_field(b, json_object_get_string(json_object_array_get_idx(keys, j)));
}

static void csv_value(void *ctx, const char *text)
{
	csv_field(ctx, text);
}

void compare_sweep_csv_row(struct json_object *row, struct textbuf *b)
{
	each_value(row, csv_value, b);
}
