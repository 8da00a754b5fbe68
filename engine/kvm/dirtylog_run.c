// SPDX-License-Identifier: MIT
/*
 * What every step of a direct-engine run does the same way: say why the
 * run failed, report progress, read KVM's statistics after a phase, and
 * turn dirty logging on or off for every test memslot.  Kept below
 * dirtylog.c so that the steps it calls (memslot_cost.c, aging_run.c,
 * zap.c) call down here, never back up into it.
 */
#include "dirtylog_run.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "kvm.h"

enum mb_run_status dirtylog_fail(struct dirtylog_run *e, enum mb_run_status status,
				 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->res->error.message, sizeof(e->res->error.message), fmt, ap);
	va_end(ap);
	return status;
}

void dirtylog_progress(struct dirtylog_run *e, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!e->opts->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->opts->progress(e->opts->progress_ctx, msg);
}

enum mb_run_status dirtylog_set_logging(struct dirtylog_run *e, bool on, uint64_t *total_ns)
{
	uint32_t flags = mb_vm_slot_flags(on);

	*total_ns = 0;
	for (unsigned int i = 0; i < e->vm.nr_slots; i++) {
		uint64_t t0, t1;
		int ret;

		t0 = mb_now_ns();
		ret = kvm_vm_set_memslot(e->vm.vm_fd, MB_FIRST_TEST_SLOT + i,
					 flags, mb_vm_slot_gpa(&e->vm, i),
					 e->vm.slot_bytes,
					 mb_vm_slot_hva(&e->vm, i));
		t1 = mb_now_ns();
		if (ret)
			return dirtylog_fail(e, MB_RUN_FAILED,
				    "%s dirty logging on memslot %u: %s",
				    on ? "enabling" : "disabling",
				    MB_FIRST_TEST_SLOT + i, strerror(-ret));
		*total_ns += t1 - t0;
	}
	return MB_RUN_OK;
}

void dirtylog_record_stats(struct dirtylog_run *e, enum mb_phase phase)
{
	mb_vmstats_record(&e->vmstats, &e->res->samples, phase);
}
