/* SPDX-License-Identifier: MIT */
/* State shared by the engine's main thread and its vCPU threads. */
#ifndef MIGBENCH_DIRTYLOG_INTERNAL_H
#define MIGBENCH_DIRTYLOG_INTERNAL_H

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "aging.h"
#include "backing.h"
#include "clock.h"
#include "dirtylog.h"
#include "hugepages.h"
#include "kmem.h"
#include "vm.h"
#include "vmstats.h"

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

/* The run's error message and status (dirtylog.c). */
enum mb_run_status dirtylog_fail(struct engine *e, enum mb_run_status status,
				 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void dirtylog_progress(struct engine *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Dirty logging on or off for every test memslot; the sum of the calls. */
enum mb_run_status dirtylog_set_logging(struct engine *e, bool on, uint64_t *total_ns);
/* KVM's statistics after phase, as kvm_stat samples. */
void dirtylog_record_stats(struct engine *e, enum mb_phase phase);
/* The test memslots made, what the kernel allocated for them measured. */
enum mb_run_status memslot_cost_create(struct engine *e);
/* Dirty logging enabled (enable_dirty_log_ns), its allocation measured. */
enum mb_run_status memslot_cost_enable(struct engine *e);
/* Release one guest pass to the vCPUs and wait for it. */
enum mb_run_status dirtylog_run_pass(struct engine *e, uint32_t pass);
/* The slowest vCPU's time in KVM_RUN for a pass, like the selftest. */
uint64_t dirtylog_slowest_vcpu_ns(const struct engine *e, uint32_t pass);
/* An aging run's iterations: age, access, count (aging_run.c). */
enum mb_run_status aging_run(struct engine *e);
/* The zap steps of the spec, in order (zap.c). */
enum mb_run_status zap_run(struct engine *e);

int vcpu_threads_start(struct engine *e);
/* Stop every vCPU, in KVM_RUN or not, and join the threads. */
void vcpu_threads_stop(struct engine *e);
void vcpu_release_pass(struct engine *e, uint32_t pass);
/* Wait for the vCPUs to finish the released pass; polls *stop. */
enum mb_run_status vcpu_wait_pass(struct engine *e);
/* Move one vCPU's dirty ring entries into the bitmaps; returns count. */
uint64_t vcpu_harvest_ring(struct engine *e, struct mb_vcpu *v);

#endif
