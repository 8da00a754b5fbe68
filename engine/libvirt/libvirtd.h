/* SPDX-License-Identifier: MIT */
/*
 * A private libvirtd: its own mount namespace with private /run,
 * /var/lib/libvirt, /var/log/libvirt, /var/cache/libvirt and /etc/libvirt,
 * its own host UUID and hugetlbfs mounts.  libvirt refuses to migrate to a
 * host with the same UUID; two of these on one machine (or one and the
 * system's) make a migration source and destination.
 *
 * It runs QEMU as root, so it listens on nothing but a unix socket in a
 * directory of its own inside the migration state directory, which only
 * root can enter (privdir.h).  That directory is mounted at its own path
 * inside each private namespace too, so the same socket paths work from
 * the worker, from the other libvirtd and from their QEMUs.
 */
#ifndef MIGBENCH_LIBVIRTD_H
#define MIGBENCH_LIBVIRTD_H

#include <stddef.h>
#include <sys/types.h>

/* In the environment of each private libvirtd and virtlogd: its directory. */
#define MB_LIBVIRTD_DIR_ENV "MIGBENCH_PRIVATE_DIR"

struct mb_libvirtd {
	pid_t supervisor;	/* in the namespace; owns libvirtd and virtlogd */
	char base[160];		/* the migration state directory */
	char name[32];		/* its directory in base: run-XXXXXX */
	char dir[200];		/* base/name: private state, removed by stop */
	char socket[240];	/* dir/sock/libvirt-sock */
	char uri[300];		/* qemu+unix:///system?socket=SOCKET */
};

/*
 * Start one with its state in a new directory of state_dir (created
 * root-only if missing, refused if it is anyone else's) and wait until
 * it answers.
 */
int mb_libvirtd_start(struct mb_libvirtd *d, const char *state_dir,
		      char *err, size_t err_len);
/* Stop it and everything it started (its QEMUs too), remove its state. */
void mb_libvirtd_stop(struct mb_libvirtd *d);

/* Remove every private libvirtd directory in state_dir; how many. */
int mb_libvirtd_remove_all(const char *state_dir);

#endif
