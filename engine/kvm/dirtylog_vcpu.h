/* SPDX-License-Identifier: MIT */
/*
 * The vCPU threads of a direct-engine run (dirtylog_vcpu.c): started and
 * stopped with the run, released one guest pass at a time.
 */
#ifndef MIGBENCH_DIRTYLOG_VCPU_H
#define MIGBENCH_DIRTYLOG_VCPU_H

#include <stdint.h>

#include "dirtylog_run.h"

int vcpu_threads_start(struct dirtylog_run *e);
/* Stop every vCPU, in KVM_RUN or not, and join the threads. */
void vcpu_threads_stop(struct dirtylog_run *e);
void vcpu_release_pass(struct dirtylog_run *e, uint32_t pass);
/* Wait for the vCPUs to finish the released pass; polls *stop. */
enum mb_run_status vcpu_wait_pass(struct dirtylog_run *e);
/* Release one guest pass to the vCPUs and wait for it. */
enum mb_run_status vcpu_run_pass(struct dirtylog_run *e, uint32_t pass);
/* The slowest vCPU's time in KVM_RUN for a pass, like the selftest. */
uint64_t vcpu_slowest_run_ns(const struct dirtylog_run *e, uint32_t pass);
/* Move one vCPU's dirty ring entries into the bitmaps; returns count. */
uint64_t vcpu_harvest_ring(struct dirtylog_run *e, struct mb_vcpu *v);

#endif
