/* SPDX-License-Identifier: MIT */
/*
 * Typed wrappers around the KVM ioctls migbench uses.  Every function
 * returns 0 (or a non-negative value) on success and a negative errno on
 * failure; none of them logs or exits.
 */
#ifndef MIGBENCH_KVM_H
#define MIGBENCH_KVM_H

#include <stdint.h>
#include <linux/kvm.h>

#ifndef KVM_CAP_DIRTY_LOG_RING_ACQ_REL
#define KVM_CAP_DIRTY_LOG_RING_ACQ_REL 223
#endif

int kvm_open(void);
int kvm_check_cap(int kvm_or_vm_fd, long cap);
int kvm_vcpu_mmap_size(int kvm_fd);
int kvm_vm_create(int kvm_fd);
int kvm_vm_enable_cap(int vm_fd, uint32_t cap, uint64_t arg0);
int kvm_vm_set_memslot(int vm_fd, uint32_t slot, uint32_t flags,
		       uint64_t gpa, uint64_t size, void *hva);
/* The VM's binary statistics (a new fd), or a negative errno. */
int kvm_vm_get_stats_fd(int vm_fd);
int kvm_vm_get_dirty_log(int vm_fd, uint32_t slot, void *bitmap);
int kvm_vm_clear_dirty_log(int vm_fd, uint32_t slot, uint64_t first_page,
			   uint32_t num_pages, void *bitmap);
int kvm_vm_reset_dirty_rings(int vm_fd);
int kvm_vcpu_create(int vm_fd, unsigned int id);
int kvm_vcpu_set_cpuid(int kvm_fd, int vcpu_fd);
int kvm_vcpu_set_sregs(int vcpu_fd, const struct kvm_sregs *sregs);
int kvm_vcpu_get_sregs(int vcpu_fd, struct kvm_sregs *sregs);
int kvm_vcpu_set_regs(int vcpu_fd, const struct kvm_regs *regs);
int kvm_vcpu_get_regs(int vcpu_fd, struct kvm_regs *regs);
int kvm_vcpu_run(int vcpu_fd);

/* The capabilities migbench looks at; 0 where unsupported. */
struct mb_kvm_caps {
	int manual_dirty_log_protect2;	/* KVM_DIRTY_LOG_* flags */
	int dirty_log_ring;		/* max bytes */
	int dirty_log_ring_acq_rel;	/* max bytes */
	int nr_memslots;
};

/* Open /dev/kvm and read them; negative errno if it cannot be opened. */
int kvm_read_caps(struct mb_kvm_caps *caps);

/* Name of a KVM_EXIT_* reason, for error messages. */
const char *kvm_exit_reason_name(uint32_t reason);

#endif
