/* SPDX-License-Identifier: MIT */
/*
 * A sweep's comparison in the reports (compare_report.c renders the rest):
 * the swept values in one line, then per metric (in the model's order,
 * named with its label) a table with a row per value, "vcpus | base | new
 * | delta | p", as cover letters show scaling.
 * Each hook writes nothing and returns false for a model without a sweep.
 */
#ifndef MIGBENCH_COMPARE_SWEEP_REPORT_H
#define MIGBENCH_COMPARE_SWEEP_REPORT_H

#include <stdbool.h>
#include <json-c/json.h>

#include "textbuf.h"

bool compare_sweep_text(struct json_object *model, struct textbuf *b);
bool compare_sweep_markdown(struct json_object *model, struct textbuf *b);
/* CSV: a column per swept key after "metric,over,label", and each row's values there. */
void compare_sweep_csv_header(struct json_object *model, struct textbuf *b);
void compare_sweep_csv_row(struct json_object *row, struct textbuf *b);

#endif
