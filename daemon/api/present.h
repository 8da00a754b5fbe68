/* SPDX-License-Identifier: MIT */
/*
 * The presenter: the store's rows as replies write them.  The store reads
 * and writes typed rows only; every JSON, CSV or text shape of a run, a
 * kernel, a sample page or a campaign is made here, so a reply's format
 * has one home.
 */
#ifndef MIGBENCH_API_PRESENT_H
#define MIGBENCH_API_PRESENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "store/campaign_rows.h"
#include "store/runs.h"
#include "store/store.h"

/* A run as GET /runs/{id} shows it, before its engine describes it (run_description.h). */
struct json_object *present_run(const struct store_run *run);
/*
 * {"runs": [...], "next_cursor": N} (no next_cursor on the last page), as
 * text: each run as a row (its description, state, duration and headline
 * figure, no specs, summary or environment).
 */
int present_run_page(const struct store_run_page *page, char **text, size_t *len);
/* {"kernels": [...]}. */
struct json_object *present_kernels(const struct store_kernel *kernels, size_t n);

/* A campaign as GET /campaigns/{id} shows it (full: its steps and events). */
struct json_object *present_campaign(const struct store_campaign *c, bool full);
/* {"campaigns": [...]}. */
struct json_object *present_campaigns(const struct store_campaign *list, size_t n);

/* o as a reply's text (plain, with its newline); caller frees *text.  0 or -ENOMEM. */
int present_json_text(struct json_object *o, char **text, size_t *len);

/*
 * A run's samples as a JSON document or CSV, read a page of rows at a
 * time as the text is asked for: present_samples_read() fills buf and
 * returns the bytes written, 0 at the end, or -errno.
 */
struct present_samples;
int present_samples_open(struct store *st, int64_t id, bool csv, struct present_samples **out);
ssize_t present_samples_read(struct present_samples *c, char *buf, size_t max);
void present_samples_close(struct present_samples *c);

#endif
