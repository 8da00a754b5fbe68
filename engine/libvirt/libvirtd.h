/* SPDX-License-Identifier: MIT */
/*
 * A private libvirtd: its own mount namespace with private /run,
 * /var/lib/libvirt, /var/log/libvirt, /var/cache/libvirt and /etc/libvirt,
 * its own host UUID and hugetlbfs mounts, listening for TCP on a loopback
 * address.  libvirt refuses to migrate to a host with the same UUID; two
 * of these on one machine (or one and the system's) make a migration
 * source and destination.
 */
#ifndef MIGBENCH_LIBVIRTD_H
#define MIGBENCH_LIBVIRTD_H

#include <stddef.h>
#include <sys/types.h>

struct mb_libvirtd {
	pid_t supervisor;	/* in the namespace; owns libvirtd and virtlogd */
	char dir[256];		/* private state, removed by stop */
	char address[64];	/* 127.0.0.x */
	char uri[128];		/* qemu+tcp://ADDRESS/system */
};

/* Start one on address (a loopback address) and wait until it answers. */
int mb_libvirtd_start(struct mb_libvirtd *d, const char *address,
		      char *err, size_t err_len);
/* Stop it and everything it started (its QEMUs too), remove its state. */
void mb_libvirtd_stop(struct mb_libvirtd *d);

/*
 * After a crash: kill QEMU processes running migbench's guests (their
 * libvirtd is gone), remove leftover private libvirtd directories and
 * migbench's tracefs instances.  Returns how many guests were killed.
 * Only for when no migbench run is going on.
 */
int mb_reap_leftovers(void);

#endif
