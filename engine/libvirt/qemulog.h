/* SPDX-License-Identifier: MIT */
/*
 * What QEMU's own trace events say in its log file ("TID@SEC.USEC:event
 * args", written by the log trace backend): its memslot updates
 * (kvm_set_user_memory), where guest memory lives in its address space,
 * and the VM ioctls it made (kvm_vm_ioctl), the reference the ioctl
 * tracer is checked against.
 */
#ifndef MIGBENCH_QEMULOG_H
#define MIGBENCH_QEMULOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mb_memslot_event {
	unsigned int slot, flags;
	uint64_t gpa, size, hva;	/* size 0: the slot was deleted */
};

/* The kvm_set_user_memory events in order; how many (0 and *out NULL: none). */
size_t mb_qemulog_memslots(const char *log, struct mb_memslot_event **out);

/* Where guest-physical gpa is mapped in QEMU after the last update; 0: nowhere yet. */
uint64_t mb_qemulog_hva(const char *log, uint64_t gpa);

/* kvm_vm_ioctl events per command, as QEMU counted them. */
struct mb_qemu_ioctls {
	size_t get_dirty_log, clear_dirty_log, set_user_memory, reset_dirty_rings;
};

/*
 * Count the kvm_vm_ioctl events logged between from_us and to_us
 * (CLOCK_REALTIME microseconds, QEMU's log clock) by threads other than
 * those in skip.  -ENOENT when the log cannot be read.
 */
int mb_qemulog_vm_ioctls(const char *log, uint64_t from_us, uint64_t to_us,
			 const pid_t *skip, size_t nskip, struct mb_qemu_ioctls *out);

/*
 * The last three lines of QEMU's log that are neither trace events nor
 * its command line, joined by " | ": what QEMU and libvirt said as it
 * ended (an error, "terminating on signal", "shutting down, reason=...").
 * "" when the log cannot be read or says nothing else.
 */
void mb_qemulog_last_words(const char *log, char *out, size_t len);

#endif
