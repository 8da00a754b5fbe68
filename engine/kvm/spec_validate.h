/* SPDX-License-Identifier: MIT */
/* The checks of a whole spec (spec_validate.c), after its keys are set. */
#ifndef MIGBENCH_SPEC_VALIDATE_H
#define MIGBENCH_SPEC_VALIDATE_H

#include "error.h"
#include "spec.h"

/*
 * Checks between keys and against the host (online CPUs).  Everything
 * that can be known without opening /dev/kvm.
 */
int mb_spec_validate(const struct mb_spec *spec, unsigned int online_cpus,
		     struct mb_error *err);

#endif
