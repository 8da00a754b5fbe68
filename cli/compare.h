/* SPDX-License-Identifier: MIT */
/* migbench compare: two groups of done runs, and whether a metric regressed. */
#ifndef MIGBENCH_CLI_COMPARE_H
#define MIGBENCH_CLI_COMPARE_H

#include <stddef.h>

/* argv[0] is "compare"; 0, 1 when a metric it fails on regressed, or another exit code. */
int cmd_compare(int argc, char **argv);
/*
 * Take --metric LIST (repeatable) and --all out of argv into metrics (the
 * API's metrics=, "" for neither); 0 or EXIT_USAGE, said.
 */
int compare_take_metrics(int *argc, char **argv, char *metrics, size_t size);

#endif
