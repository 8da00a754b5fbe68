/* SPDX-License-Identifier: MIT */
/*
 * One run of the direct dirty-log engine: the state its main thread, its
 * vCPU threads (dirtylog_vcpu.c) and its steps (memslot_cost.c,
 * aging_run.c, zap.c) share, and what the steps do the same way.
 */
#ifndef MIGBENCH_DIRTYLOG_RUN_H
#define MIGBENCH_DIRTYLOG_RUN_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "aging_state.h"
#include "backing.h"
#include "engine.h"
#include "hugepages.h"
#include "kmem.h"
#include "samples.h"
#include "spec.h"
#include "vm.h"
#include "vmstats.h"

struct vcpu_thread {
	struct dirtylog_run *e;
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

struct dirtylog_run {
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
	uint32_t touch_pass;		/* the zap step touch's guest pass */
	struct mb_vmstats vmstats;
	struct mb_kmem kmem;
	char kmem_why[256];		/* why kernel memory is not measured */
	struct mb_aging_state aging;		/* an aging run's cgroup and MGLRU state */
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

/* The run's error message, and status returned. */
enum mb_run_status dirtylog_fail(struct dirtylog_run *e, enum mb_run_status status,
				 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void dirtylog_progress(struct dirtylog_run *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Dirty logging on or off for every test memslot; the sum of the calls. */
enum mb_run_status dirtylog_set_logging(struct dirtylog_run *e, bool on, uint64_t *total_ns);
/* KVM's statistics after phase, as kvm_stat samples. */
void dirtylog_record_stats(struct dirtylog_run *e, enum mb_phase phase);

#endif
