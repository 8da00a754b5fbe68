/* SPDX-License-Identifier: MIT */
/*
 * A comparison report's cells and lines (report_cells.c): a p value, text
 * wrapped at REPORT_WIDTH; figures are written by mb_format_metric (units.h).
 */
#ifndef MIGBENCH_REPORT_CELLS_H
#define MIGBENCH_REPORT_CELLS_H

#include <stddef.h>

#include "textbuf.h"

#define REPORT_WIDTH 75		/* cover letters are wrapped at 75 columns */

/* What every report's table says, under it. */
#define COMPARE_REPORT_KEY \
	"per run: one value per run, its median over its iterations, tested: p is the U " \
	"test's, Holm-adjusted over the per-run rows. all iterations: every iteration of " \
	"every run, described, not tested (a run's iterations are not independent). ~: no " \
	"change, and the runs could have shown one of 5%; could not tell: no change shown, " \
	"but too few runs or too much spread to show 5% (detectable: the smallest change " \
	"they could have shown)."

/* A p as the text table writes it: 0.012, <0.001, - when none. */
void report_p(double p, char *out, size_t len);
/* A detectable change: 4.2%, - when none could be said. */
void report_detectable(double pct, char *out, size_t len);
/* n bytes of s, anything but printable ASCII as '?'. */
void report_ascii(struct textbuf *b, const char *s, size_t n);
/* text wrapped at REPORT_WIDTH after prefix, its next lines after indent. */
void report_wrap(struct textbuf *b, const char *prefix, const char *indent, const char *text);

#endif
