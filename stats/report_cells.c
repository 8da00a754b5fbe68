// SPDX-License-Identifier: MIT
/*
 * The cells of the comparison's text tables and the wrapping of its text
 * lines, written the same way by the plain report (compare_report.c) and
 * a sweep's tables (compare_sweep_report.c).
 */
#include "report_cells.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void report_p(double p, char *out, size_t len)
{
	if (!isfinite(p))
		snprintf(out, len, "-");
	else if (p < 0.001)
		snprintf(out, len, "<0.001");
	else
		snprintf(out, len, "%.3f", p);
}

void report_detectable(double pct, char *out, size_t len)
{
	if (!isfinite(pct))
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.1f%%", pct);
}

void report_ascii(struct textbuf *b, const char *s, size_t n)
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
void report_wrap(struct textbuf *b, const char *prefix, const char *indent, const char *text)
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

			report_ascii(b, text, fit);
			textbuf_printf(b, "\n%s", indent);
			text += fit;
			w -= fit;
			col = start = strlen(indent);
		}
		report_ascii(b, text, w);
		col += w;
		text += w;
	}
	textbuf_append(b, "\n", 1);
}
