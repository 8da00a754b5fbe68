/* SPDX-License-Identifier: MIT */
/* State shared by the engine's main thread and its vCPU threads. */
#ifndef MIGBENCH_DIRTYLOG_INTERNAL_H
#define MIGBENCH_DIRTYLOG_INTERNAL_H

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "backing.h"
#include "clock.h"
#include "dirtylog.h"
#include "hugepages.h"
#include "vm.h"

struct vcpu_thread {
	struct engine *e;
	unsigned int index;
	pthread_t thread;
	bool started;
	/* Per pass (0 = populate, 1..iterations, then the disable pass). */
	uint64_t *run_ns;	/* sum of KVM_RUN durations */
	uint64_t *harvest_ns;	/* dirty ring harvested on ring-full exits */
	uint64_t *reset_ns;	/* KVM_RESET_DIRTY_RINGS on ring-full exits */
	uint64_t *written;	/* pages the guest says it wrote */
	char error[256];
};

struct engine {
	struct mb_spec spec;		/* resolved */
	const struct mb_run_opts *opts;
	struct mb_run_result *res;
	struct mb_vm vm;
	struct mb_backing_mem mem;
	struct mb_hugepage_reservation resv;
	struct vcpu_thread *threads;
	uint64_t **bitmaps;		/* one per test memslot */
	uint64_t *call_ns;		/* scratch: one iteration's clear calls */
	uint32_t nr_passes;
	bool ring;
	bool main_pinned;
	cpu_set_t main_affinity;	/* to put back after the run */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t released;		/* passes the vCPUs may run */
	unsigned int done;		/* vCPUs finished the last released */
	bool quit;
	bool vcpu_failed;
};

int vcpu_threads_start(struct engine *e);
/* Stop every vCPU, in KVM_RUN or not, and join the threads. */
void vcpu_threads_stop(struct engine *e);
void vcpu_release_pass(struct engine *e, uint32_t pass);
/* Wait for the vCPUs to finish the released pass; polls *stop. */
enum mb_run_status vcpu_wait_pass(struct engine *e);
/* Move one vCPU's dirty ring entries into the bitmaps; returns count. */
uint64_t vcpu_harvest_ring(struct engine *e, struct mb_vcpu *v);

#endif
