/* SPDX-License-Identifier: MIT */
/*
 * A migration's figures as a run's samples: the job statistics while RAM
 * moved, the phases (destination start, precopy, postcopy, downtime),
 * when each iteration began, and the final figures; every figure libvirt
 * or QEMU did not give is named in the run's missing metrics with why,
 * never stored as 0.
 */
#ifndef MIGBENCH_MIGFIGURES_H
#define MIGBENCH_MIGFIGURES_H

#include "engine.h"
#include "migration.h"
#include "migspec.h"

void mb_migration_figures(const struct mb_migspec *spec, const struct mb_migration_result *m,
			  struct mb_run_result *res);

#endif
