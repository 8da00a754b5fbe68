/* SPDX-License-Identifier: MIT */
/* An aging run's iterations (aging_run.c). */
#ifndef MIGBENCH_AGING_RUN_H
#define MIGBENCH_AGING_RUN_H

#include "dirtylog_run.h"

/* An aging run's iterations: age, access, count. */
enum mb_run_status aging_run(struct dirtylog_run *e);

#endif
