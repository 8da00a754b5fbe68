/* SPDX-License-Identifier: MIT */
/* The comparison model (compare.h) as text for mail, Markdown, CSV, JSON. */
#ifndef MIGBENCH_COMPARE_REPORT_H
#define MIGBENCH_COMPARE_REPORT_H

#include <stddef.h>
#include <json-c/json.h>

/* format: "text", "markdown", "csv" or "json"; malloc'd, NULL if unknown. */
char *compare_report(struct json_object *model, const char *format, size_t *len);
/* The MIME type of a format's output. */
const char *compare_report_type(const char *format);

#endif
