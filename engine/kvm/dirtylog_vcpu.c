// SPDX-License-Identifier: MIT
/*
 * vCPU threads of the dirty-log engine.  Each runs its vCPU one pass at a
 * time as the main thread releases them, timing KVM_RUN and handling
 * dirty-ring-full exits itself, as a VMM's vCPU thread would.
 */
#include "dirtylog_vcpu.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "kvm.h"

#define KICK_SIGNAL SIGUSR1

static bool should_quit(struct dirtylog_run *e)
{
	return __atomic_load_n(&e->quit, __ATOMIC_ACQUIRE);
}

uint64_t vcpu_harvest_ring(struct dirtylog_run *e, struct mb_vcpu *v)
{
	uint32_t mask = e->vm.ring_entries - 1;
	uint64_t count = 0;

	for (;;) {
		struct kvm_dirty_gfn *gfn = &v->ring[v->ring_next & mask];
		uint32_t slot;

		if (!(__atomic_load_n(&gfn->flags, __ATOMIC_ACQUIRE) &
		      KVM_DIRTY_GFN_F_DIRTY))
			break;
		slot = (gfn->slot & 0xffff) - MB_FIRST_TEST_SLOT;
		if (slot < e->vm.nr_slots && gfn->offset < e->vm.slot_pages)
			__atomic_fetch_or(&e->bitmaps[slot][gfn->offset / 64],
					  1ULL << (gfn->offset % 64),
					  __ATOMIC_RELAXED);
		__atomic_store_n(&gfn->flags, KVM_DIRTY_GFN_F_RESET,
				 __ATOMIC_RELEASE);
		v->ring_next++;
		count++;
	}
	return count;
}

/*
 * Ring full: harvest this vCPU's ring and let KVM reuse the entries.  A
 * full ring with nothing to harvest or reset is one that overflowed (KVM
 * wrote past its end, and lost entries): it would exit as full forever.
 */
static int handle_ring_full(struct vcpu_thread *t, struct mb_vcpu *v,
			    uint32_t pass)
{
	uint64_t t0, t1, t2, harvested;
	int ret;

	t0 = mb_now_ns();
	harvested = vcpu_harvest_ring(t->e, v);
	t1 = mb_now_ns();
	ret = kvm_vm_reset_dirty_rings(t->e->vm.vm_fd);
	t2 = mb_now_ns();
	t->harvest_ns[pass] += t1 - t0;
	t->reset_ns[pass] += t2 - t1;
	if (ret < 0) {
		snprintf(t->error, sizeof(t->error),
			 "vCPU %u: KVM_RESET_DIRTY_RINGS: %s", t->index,
			 strerror(-ret));
		return ret;
	}
	if (!harvested && !ret) {
		snprintf(t->error, sizeof(t->error),
			 "vCPU %u: KVM says its dirty ring is full, and it holds nothing to "
			 "harvest or reset: the ring overflowed in pass %u and lost entries",
			 t->index, pass);
		return -EOVERFLOW;
	}
	return 0;
}

/* Run the vCPU until the guest reports the pass done. */
static int run_pass(struct vcpu_thread *t, uint32_t pass)
{
	struct mb_vcpu *v = &t->e->vm.vcpus[t->index];
	struct kvm_run *run = v->run;
	uint64_t t0, t1;
	int ret;

	for (;;) {
		t0 = mb_now_ns();
		ret = kvm_vcpu_run(v->fd);
		t1 = mb_now_ns();
		t->run_ns[pass] += t1 - t0;

		if (ret == -EINTR) {
			if (should_quit(t->e))
				return -EINTR;
			continue;
		}
		if (ret < 0) {
			snprintf(t->error, sizeof(t->error),
				 "vCPU %u: KVM_RUN: %s", t->index,
				 strerror(-ret));
			return ret;
		}
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.port == MB_GUEST_SYNC_PORT)
			return 0;
		if (run->exit_reason == KVM_EXIT_DIRTY_RING_FULL && v->ring) {
			ret = handle_ring_full(t, v, pass);
			if (ret)
				return ret;
			continue;
		}
		{
			struct kvm_regs regs = { 0 };

			kvm_vcpu_get_regs(v->fd, &regs);
			snprintf(t->error, sizeof(t->error),
				 "vCPU %u: unexpected exit %s (%u) at rip 0x%llx in pass %u",
				 t->index,
				 kvm_exit_reason_name(run->exit_reason),
				 run->exit_reason, regs.rip, pass);
		}
		return -EIO;
	}
}

static void *vcpu_thread_main(void *arg)
{
	struct vcpu_thread *t = arg;
	struct dirtylog_run *e = t->e;
	struct mb_guest_args *args = &e->vm.args[t->index];

	for (uint32_t pass = 0; pass < e->nr_passes; pass++) {
		int ret;

		pthread_mutex_lock(&e->lock);
		while (!e->quit && e->released <= pass)
			pthread_cond_wait(&e->cond, &e->lock);
		pthread_mutex_unlock(&e->lock);
		if (should_quit(e))
			break;

		/* Populate writes every page, as the selftest does. */
		args->iteration = pass;
		args->write_percent = pass ? e->spec.write_percent : 100;
		args->random_access = pass && e->spec.access == MB_ACCESS_RANDOM;
		if (pass == e->touch_pass) {	/* zap step touch: read it all, in order */
			args->write_percent = 0;
			args->random_access = false;
		}
		ret = run_pass(t, pass);
		t->written[pass] = args->pages_written;

		pthread_mutex_lock(&e->lock);
		if (ret && ret != -EINTR)
			e->vcpu_failed = true;
		else if (!ret)
			e->done++;
		pthread_cond_broadcast(&e->cond);
		pthread_mutex_unlock(&e->lock);
		if (ret)
			break;
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;	/* only there to make KVM_RUN return -EINTR */
}

int vcpu_threads_start(struct dirtylog_run *e)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigset_t all, saved;
	int ret = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
	/* vCPU threads take only the kick; SIGINT/SIGTERM go to main. */
	sigfillset(&all);
	sigdelset(&all, KICK_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	for (unsigned int i = 0; i < e->spec.vcpus; i++) {
		struct vcpu_thread *t = &e->threads[i];

		ret = -pthread_create(&t->thread, NULL, vcpu_thread_main, t);
		if (ret)
			break;
		t->started = true;
		if (e->spec.nr_pin) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(e->spec.pin[i], &set);
			ret = -pthread_setaffinity_np(t->thread, sizeof(set), &set);
			if (ret)
				break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return ret;
}

void vcpu_threads_stop(struct dirtylog_run *e)
{
	pthread_mutex_lock(&e->lock);
	__atomic_store_n(&e->quit, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	for (unsigned int i = 0; e->threads && i < e->spec.vcpus; i++) {
		struct vcpu_thread *t = &e->threads[i];

		if (!t->started)
			continue;
		/* immediate_exit covers a kick that lands outside KVM_RUN */
		if (e->vm.vcpus && e->vm.vcpus[i].run)
			e->vm.vcpus[i].run->immediate_exit = 1;
		pthread_kill(t->thread, KICK_SIGNAL);
		pthread_join(t->thread, NULL);
		t->started = false;
	}
	signal(KICK_SIGNAL, SIG_DFL);
}

void vcpu_release_pass(struct dirtylog_run *e, uint32_t pass)
{
	pthread_mutex_lock(&e->lock);
	e->done = 0;
	e->released = pass + 1;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

enum mb_run_status vcpu_wait_pass(struct dirtylog_run *e)
{
	enum mb_run_status status = MB_RUN_OK;

	pthread_mutex_lock(&e->lock);
	while (e->done < e->spec.vcpus && !e->vcpu_failed) {
		struct timespec deadline;

		if (e->opts->stop && *e->opts->stop) {
			status = MB_RUN_INTERRUPTED;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += 50 * 1000 * 1000;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&e->cond, &e->lock, &deadline);
	}
	if (e->vcpu_failed) {
		status = MB_RUN_FAILED;
		for (unsigned int i = 0; i < e->spec.vcpus; i++)
			if (e->threads[i].error[0]) {
				snprintf(e->res->error.message, sizeof(e->res->error.message),
					 "%s", e->threads[i].error);
				break;
			}
	}
	pthread_mutex_unlock(&e->lock);
	return status;
}

uint64_t vcpu_slowest_run_ns(const struct dirtylog_run *e, uint32_t pass)
{
	uint64_t max = 0;

	for (unsigned int i = 0; i < e->spec.vcpus; i++)
		if (e->threads[i].run_ns[pass] > max)
			max = e->threads[i].run_ns[pass];
	return max;
}

enum mb_run_status vcpu_run_pass(struct dirtylog_run *e, uint32_t pass)
{
	vcpu_release_pass(e, pass);
	return vcpu_wait_pass(e);
}
