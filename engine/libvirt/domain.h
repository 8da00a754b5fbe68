/* SPDX-License-Identifier: MIT */
/*
 * The guest of a migration run as a transient libvirt domain: the
 * migration guest kernel booted directly, memory on 1GiB or 2MiB
 * hugepages, host-passthrough CPU, serial console to a file, and
 * migbench's metadata so a leaked domain can be found and destroyed.
 */
#ifndef MIGBENCH_DOMAIN_H
#define MIGBENCH_DOMAIN_H

#include <stddef.h>
#include <stdint.h>

#define MB_DOMAIN_XMLNS "https://migbench.example/xmlns/domain/1"

struct mb_domain_spec {
	const char *name;
	int64_t run_id;
	uint64_t memory_bytes;
	unsigned int vcpus;
	uint64_t page_size;		/* 1GiB, 2MiB, or 0 for normal pages */
	const char *kernel;
	const char *cmdline;
	const char *serial_path;
	/* this host's QEMU 7.2 fails on MSR 0x10a with the feature on */
	int disable_arch_capabilities;
	const char *initrd;		/* NULL: none */
	uint64_t dirty_ring_entries;	/* QEMU's KVM dirty ring, 0: bitmap */
	/* QEMU trace events written to its log (qemulog.h); NULL-terminated, NULL: none */
	const char *const *trace_events;
	/*
	 * In QEMU's environment as MB_LIBVIRTD_DIR_ENV: the private directory
	 * of its run, how a reaper knows it after its libvirtd is gone (its
	 * command line names no file of the run: libvirt passes fds).  NULL: none.
	 */
	const char *private_dir;
};

/* The domain XML in buf; -ENOSPC when it does not fit. */
int mb_domain_xml(const struct mb_domain_spec *s, char *buf, size_t len);

#endif
