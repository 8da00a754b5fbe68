// SPDX-License-Identifier: MIT
#include "qemutrace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qemulog.h"

#define LOG_DIRTY	0x1u	/* KVM_MEM_LOG_DIRTY_PAGES */
#define MAX_SLOTS	512

static uint64_t realtime_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000ULL + (uint64_t)t.tv_nsec / 1000;
}

int mb_qemu_trace_start(struct mb_qemu_trace *q, pid_t pid, const char *log,
			char *err, size_t err_len)
{
	struct mb_memslot_event *ev;
	int ret;

	memset(q, 0, sizeof(*q));
	snprintf(q->log, sizeof(q->log), "%s", log);
	q->memslot_events_before = mb_qemulog_memslots(log, &ev);
	free(ev);
	/* QEMU's vCPU threads are named "CPU n/KVM" (debug-threads=on) */
	ret = mb_ioctl_trace_start(&q->t, pid, "CPU ", err, err_len);
	q->realtime_from_us = realtime_us();
	return ret;
}

void mb_qemu_trace_stop(struct mb_qemu_trace *q)
{
	q->realtime_to_us = realtime_us();
	mb_ioctl_trace_stop(&q->t);
}

void mb_qemu_trace_free(struct mb_qemu_trace *q)
{
	mb_ioctl_trace_free(&q->t);
}

/*
 * The i-th traced memslot update is the i-th kvm_set_user_memory event
 * after the trace began (QEMU logs each right after its ioctl); its slot's
 * previous flags tell a disabling of dirty logging (the zap) from an
 * enabling.
 */
void mb_qemu_trace_samples(const struct mb_qemu_trace *q, struct mb_samples *out)
{
	struct mb_memslot_event *ev;
	size_t nev = mb_qemulog_memslots(q->log, &ev), next = q->memslot_events_before;
	unsigned int flags[MAX_SLOTS] = { 0 };
	uint32_t seq[MB_NR_METRICS] = { 0 };

	for (size_t i = 0; i < q->memslot_events_before && i < nev; i++)
		if (ev[i].slot < MAX_SLOTS)
			flags[ev[i].slot] = ev[i].size ? ev[i].flags : 0;
	for (size_t i = 0; i < q->t.n; i++) {
		const struct mb_ioctl_call *c = &q->t.calls[i];
		enum mb_metric m = MB_NR_METRICS;

		if (c->cmd == MB_KVM_SET_USER_MEMORY_REGION && next < nev) {
			struct mb_memslot_event *e = &ev[next++];
			unsigned int before = e->slot < MAX_SLOTS ? flags[e->slot] : 0;

			if (e->size && (before & LOG_DIRTY) && !(e->flags & LOG_DIRTY))
				m = MB_QEMU_DISABLE_DIRTY_LOG_NS;
			else if (e->size && !(before & LOG_DIRTY) && (e->flags & LOG_DIRTY))
				m = MB_QEMU_ENABLE_DIRTY_LOG_NS;
			if (e->slot < MAX_SLOTS)
				flags[e->slot] = e->size ? e->flags : 0;
		} else if (c->cmd == MB_KVM_GET_DIRTY_LOG) {
			m = MB_QEMU_GET_DIRTY_LOG_NS;
		} else if (c->cmd == MB_KVM_CLEAR_DIRTY_LOG) {
			m = MB_QEMU_CLEAR_DIRTY_LOG_NS;
		} else if (c->cmd == MB_KVM_RESET_DIRTY_RINGS) {
			m = MB_QEMU_RESET_DIRTY_RINGS_NS;
		}
		if (m != MB_NR_METRICS && c->ret >= 0)
			mb_samples_add(out, m, 0, seq[m]++, c->duration_ns);
	}
	free(ev);
}

static size_t traced(const struct mb_ioctl_trace *t, uint32_t cmd)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->calls[i].cmd == cmd;
	return n;
}

int mb_qemu_trace_verify(const struct mb_qemu_trace *q, char *msg, size_t len)
{
	struct mb_qemu_ioctls own;
	size_t get = traced(&q->t, MB_KVM_GET_DIRTY_LOG);
	size_t clear = traced(&q->t, MB_KVM_CLEAR_DIRTY_LOG);
	size_t set = traced(&q->t, MB_KVM_SET_USER_MEMORY_REGION);
	size_t reset = traced(&q->t, MB_KVM_RESET_DIRTY_RINGS);
	int ret = mb_qemulog_vm_ioctls(q->log, q->realtime_from_us, q->realtime_to_us,
				       q->t.skipped, q->t.nskipped, &own);

	if (ret) {
		snprintf(msg, len, "QEMU's log %s cannot be read", q->log);
		return ret;
	}
	snprintf(msg, len, "traced/QEMU's own count outside the vCPU threads: "
		 "KVM_GET_DIRTY_LOG %zu/%zu, KVM_CLEAR_DIRTY_LOG %zu/%zu, "
		 "KVM_SET_USER_MEMORY_REGION %zu/%zu, KVM_RESET_DIRTY_RINGS %zu/%zu",
		 get, own.get_dirty_log, clear, own.clear_dirty_log,
		 set, own.set_user_memory, reset, own.reset_dirty_rings);
	return get == own.get_dirty_log && clear == own.clear_dirty_log &&
	       set == own.set_user_memory && reset == own.reset_dirty_rings ? 0 : -EBADMSG;
}
