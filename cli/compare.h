/* SPDX-License-Identifier: MIT */
/* migbench compare: two groups of done runs, and whether a metric regressed. */
#ifndef MIGBENCH_CLI_COMPARE_H
#define MIGBENCH_CLI_COMPARE_H

/* argv[0] is "compare"; 0, 1 when a metric it fails on regressed, or another exit code. */
int cmd_compare(int argc, char **argv);

#endif
