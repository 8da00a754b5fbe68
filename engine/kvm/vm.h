/* SPDX-License-Identifier: MIT */
/*
 * A minimal x86-64 guest for the dirty-log engine: one system memslot
 * (descriptor tables, identity page tables, the guest code, stacks,
 * per-vCPU arguments) and the test region split into equal memslots.
 * The system memory is mapped with 2MiB pages, the test region with 4KiB
 * or 2MiB pages as asked.  vCPUs start directly in 64-bit mode.
 */
#ifndef MIGBENCH_VM_H
#define MIGBENCH_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "error.h"
#include "guest/pattern.h"

#define MB_TEST_GPA_BASE	(4ULL << 30)	/* above the 32-bit MMIO hole */
#define MB_SYSTEM_SLOT		0
#define MB_FIRST_TEST_SLOT	1

struct mb_vcpu {
	int fd;
	struct kvm_run *run;
	struct kvm_dirty_gfn *ring;	/* NULL without a dirty ring */
	uint32_t ring_next;		/* next entry to harvest */
};

struct mb_vm_config {
	unsigned int nr_vcpus;
	uint64_t pages_per_vcpu;
	void *test_hva;			/* caller-owned backing of the region */
	unsigned int nr_slots;
	uint64_t test_page_size;	/* guest mapping: 4KiB or 2MiB */
	uint32_t dirty_ring_cap;	/* KVM_CAP_DIRTY_LOG_RING(_ACQ_REL) */
	uint32_t dirty_ring_entries;	/* 0: bitmap dirty logging */
	uint64_t manual_protect_flags;	/* 0: KVM_GET_DIRTY_LOG clears */
};

struct mb_vm {
	int kvm_fd;
	int vm_fd;
	void *sys_mem;
	size_t sys_size;
	size_t run_size;
	struct mb_guest_args *args;	/* nr_vcpus entries, in sys_mem */
	unsigned int nr_vcpus;
	struct mb_vcpu *vcpus;
	uint32_t ring_entries;
	void *test_hva;
	unsigned int nr_slots;
	uint64_t slot_pages;
	uint64_t slot_bytes;
};

/*
 * Bytes of the system memslot for such a guest: with 4KiB pages it holds
 * a page table per 2MiB of test memory (1GiB of them for 512GiB).
 * 0 when the test region does not fit the guest's address space.
 */
uint64_t mb_vm_system_bytes(unsigned int nr_vcpus, uint64_t test_pages,
			    uint64_t test_page_size);

/*
 * Build the VM.  On failure everything acquired is released, vm is left
 * zeroed, and err names the step that failed and why.
 */
int mb_vm_create(struct mb_vm *vm, const struct mb_vm_config *cfg,
		 struct mb_error *err);
/*
 * The test memslots, apart from mb_vm_create() so that what the kernel
 * allocates for them alone can be measured.
 */
int mb_vm_add_test_slots(struct mb_vm *vm, struct mb_error *err);
void mb_vm_destroy(struct mb_vm *vm);

static inline uint64_t mb_vm_slot_gpa(const struct mb_vm *vm, unsigned int i)
{
	return MB_TEST_GPA_BASE + (uint64_t)i * vm->slot_bytes;
}

static inline void *mb_vm_slot_hva(const struct mb_vm *vm, unsigned int i)
{
	return (char *)vm->test_hva + (uint64_t)i * vm->slot_bytes;
}

/* Turn dirty logging on or off for test memslot i (0-based). */
static inline uint32_t mb_vm_slot_flags(bool dirty_log)
{
	return dirty_log ? KVM_MEM_LOG_DIRTY_PAGES : 0;
}

#endif
