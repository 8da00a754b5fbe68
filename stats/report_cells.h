/* SPDX-License-Identifier: MIT */
/*
 * A comparison report's cells and lines (report_cells.c): a figure in its
 * metric's unit, a p value, text wrapped at REPORT_WIDTH.
 */
#ifndef MIGBENCH_REPORT_CELLS_H
#define MIGBENCH_REPORT_CELLS_H

#include <stddef.h>

#include "textbuf.h"

#define REPORT_WIDTH 75		/* cover letters are wrapped at 75 columns */

/* A figure with its metric's unit, and a p, as the text table writes them. */
void report_value(const char *metric, double v, char *out, size_t len);
void report_p(double p, char *out, size_t len);
/* n bytes of s, anything but printable ASCII as '?'. */
void report_ascii(struct textbuf *b, const char *s, size_t n);
/* text wrapped at REPORT_WIDTH after prefix, its next lines after indent. */
void report_wrap(struct textbuf *b, const char *prefix, const char *indent, const char *text);

#endif
