// SPDX-License-Identifier: MIT
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The raw call: for the few places that must look at errno themselves. */
static int __kvm_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int kvm_open(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int kvm_check_cap(int kvm_or_vm_fd, long cap)
{
	int ret = ioctl(kvm_or_vm_fd, KVM_CHECK_EXTENSION, cap);

	return ret < 0 ? -errno : ret;
}

int kvm_vcpu_mmap_size(int kvm_fd)
{
	return __kvm_ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
}

int kvm_vm_create(int kvm_fd)
{
	int ret = ioctl(kvm_fd, KVM_CREATE_VM, 0UL);

	return ret < 0 ? -errno : ret;
}

int kvm_vm_enable_cap(int vm_fd, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap ec = { .cap = cap, .args[0] = arg0 };

	return __kvm_ioctl(vm_fd, KVM_ENABLE_CAP, &ec);
}

int kvm_vm_set_memslot(int vm_fd, uint32_t slot, uint32_t flags,
		       uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return __kvm_ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

int kvm_vm_get_stats_fd(int vm_fd)
{
	return __kvm_ioctl(vm_fd, KVM_GET_STATS_FD, NULL);
}

int kvm_vm_get_dirty_log(int vm_fd, uint32_t slot, void *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return __kvm_ioctl(vm_fd, KVM_GET_DIRTY_LOG, &log);
}

int kvm_vm_clear_dirty_log(int vm_fd, uint32_t slot, uint64_t first_page,
			   uint32_t num_pages, void *bitmap)
{
	struct kvm_clear_dirty_log log = {
		.slot = slot,
		.first_page = first_page,
		.num_pages = num_pages,
		.dirty_bitmap = bitmap,
	};

	return __kvm_ioctl(vm_fd, KVM_CLEAR_DIRTY_LOG, &log);
}

int kvm_vm_reset_dirty_rings(int vm_fd)
{
	return __kvm_ioctl(vm_fd, KVM_RESET_DIRTY_RINGS, NULL);
}

int kvm_vcpu_create(int vm_fd, unsigned int id)
{
	int ret = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)id);

	return ret < 0 ? -errno : ret;
}

int kvm_vcpu_set_cpuid(int kvm_fd, int vcpu_fd)
{
	struct kvm_cpuid2 *cpuid;
	int nent = 64, ret;

	/* The supported table grows with the kernel: retry until it fits. */
	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) +
				  nent * sizeof(struct kvm_cpuid_entry2));
		if (!cpuid)
			return -ENOMEM;
		cpuid->nent = nent;
		ret = __kvm_ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (ret != -E2BIG)
			break;
		free(cpuid);
		nent *= 2;
	}
	if (ret == 0)
		ret = __kvm_ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret < 0 ? ret : 0;
}

int kvm_vcpu_set_sregs(int vcpu_fd, const struct kvm_sregs *sregs)
{
	return __kvm_ioctl(vcpu_fd, KVM_SET_SREGS, (void *)sregs);
}

int kvm_vcpu_get_sregs(int vcpu_fd, struct kvm_sregs *sregs)
{
	return __kvm_ioctl(vcpu_fd, KVM_GET_SREGS, sregs);
}

int kvm_vcpu_set_regs(int vcpu_fd, const struct kvm_regs *regs)
{
	return __kvm_ioctl(vcpu_fd, KVM_SET_REGS, (void *)regs);
}

int kvm_vcpu_get_regs(int vcpu_fd, struct kvm_regs *regs)
{
	return __kvm_ioctl(vcpu_fd, KVM_GET_REGS, regs);
}

int kvm_vcpu_run(int vcpu_fd)
{
	return __kvm_ioctl(vcpu_fd, KVM_RUN, NULL);
}

int kvm_read_caps(struct mb_kvm_caps *caps)
{
	int kvm = kvm_open();

	memset(caps, 0, sizeof(*caps));
	if (kvm < 0)
		return kvm;
	caps->manual_dirty_log_protect2 =
		kvm_check_cap(kvm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	caps->dirty_log_ring = kvm_check_cap(kvm, KVM_CAP_DIRTY_LOG_RING);
	caps->dirty_log_ring_acq_rel =
		kvm_check_cap(kvm, KVM_CAP_DIRTY_LOG_RING_ACQ_REL);
	caps->nr_memslots = kvm_check_cap(kvm, KVM_CAP_NR_MEMSLOTS);
	close(kvm);
	/* an error from KVM_CHECK_EXTENSION means "not supported" */
	if (caps->manual_dirty_log_protect2 < 0)
		caps->manual_dirty_log_protect2 = 0;
	if (caps->dirty_log_ring < 0)
		caps->dirty_log_ring = 0;
	if (caps->dirty_log_ring_acq_rel < 0)
		caps->dirty_log_ring_acq_rel = 0;
	if (caps->nr_memslots < 0)
		caps->nr_memslots = 0;
	return 0;
}

const char *kvm_exit_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN (guest triple fault)",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "unlisted";
}
