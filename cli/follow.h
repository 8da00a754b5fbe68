/* SPDX-License-Identifier: MIT */
/* Following runs to their end, and their summaries for people. */
#ifndef MIGBENCH_FOLLOW_H
#define MIGBENCH_FOLLOW_H

#include <json-c/json.h>

/* How run summaries are printed: for people (units), as stored, or as JSON. */
enum output { OUTPUT_PEOPLE, OUTPUT_RAW, OUTPUT_JSON };
extern enum output output;

/*
 * A run's summary: a row per metric, times in ns/us/ms/s, bytes in
 * KiB/MiB/GiB; then each metric it did not measure, with why.
 */
void print_summary(struct json_object *run);

/*
 * A dirty-log run's huge-mappings statement and the kernel memory of its
 * memslots (total and per GiB of test memory), a line each, when it has them.
 */
void print_dirtylog_facts(struct json_object *run);

/*
 * Follow the runs (an array of ids) until each has finished: a bar on a
 * terminal, lines otherwise; each one's summary at its end.  0 when all
 * ended done, else the exit code.
 */
int wait_runs(struct json_object *ids);

#endif
