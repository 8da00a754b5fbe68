/* SPDX-License-Identifier: MIT */
/* migbench samples: a run's samples as JSON, as CSV rows that name their run, or for benchstat. */
#ifndef MIGBENCH_CLI_SAMPLE_EXPORT_H
#define MIGBENCH_CLI_SAMPLE_EXPORT_H

/* argv[0] is "samples"; the exit code. */
int cmd_samples(int argc, char **argv);

#endif
