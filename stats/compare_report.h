/* SPDX-License-Identifier: MIT */
/* The comparison model (compare.h) as text for mail, Markdown, CSV, JSON. */
#ifndef MIGBENCH_COMPARE_REPORT_H
#define MIGBENCH_COMPARE_REPORT_H

#include <stddef.h>
#include <json-c/json.h>

#include "textbuf.h"

#define REPORT_WIDTH 75		/* cover letters are wrapped at 75 columns */

/* format: "text", "markdown", "csv" or "json"; malloc'd, NULL if unknown. */
char *compare_report(struct json_object *model, const char *format, size_t *len);
/* The MIME type of a format's output. */
const char *compare_report_type(const char *format);

/* A figure with its metric's unit, and a p, as the text table writes them. */
void compare_report_value(const char *metric, double v, char *out, size_t len);
void compare_report_p(double p, char *out, size_t len);
/* text wrapped at REPORT_WIDTH after prefix, its next lines after indent. */
void compare_report_wrap(struct textbuf *b, const char *prefix, const char *indent,
			 const char *text);

#endif
