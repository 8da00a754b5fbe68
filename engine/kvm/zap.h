/* SPDX-License-Identifier: MIT */
/* The zap steps after a run's iterations (zap.c). */
#ifndef MIGBENCH_ZAP_H
#define MIGBENCH_ZAP_H

#include "dirtylog_run.h"

/* The zap steps of the spec, in order. */
enum mb_run_status zap_run(struct dirtylog_run *e);

#endif
