/* SPDX-License-Identifier: MIT */
/*
 * Directories only root can enter, for the private state of migration
 * runs (libvirtd's sockets, QEMU's migration socket, logs), and their
 * removal without ever following a link: a user who could swap a path
 * for a symlink must not make root delete or open anything else.
 */
#ifndef MIGBENCH_PRIVDIR_H
#define MIGBENCH_PRIVDIR_H

#include <stddef.h>
#include <sys/types.h>

#define MB_PRIVDIR_CREATE	0x1	/* make what is missing: 0755 parents, 0700 itself */
#define MB_PRIVDIR_READABLE	0x2	/* path itself may be read by others, not written */

/*
 * Open path as a directory fd.  Every component is opened without
 * following symlinks; parents must be root's and writable by no one else
 * (or sticky), path itself root's with no group or other access (with
 * MB_PRIVDIR_READABLE: writable by root only).  The fd or -errno with why
 * in err.
 */
int mb_privdir_open(const char *path, int flags, char *err, size_t err_len);

/* mkdir -p: parents with mode parents, path itself with mode; EEXIST is fine. */
int mb_mkdir_p(const char *path, mode_t parents, mode_t mode);

/* A new directory PREFIX-XXXXXX (0700) in dirfd; its name in name. */
int mb_privdir_make(int dirfd, const char *prefix, char *name, size_t len);

/*
 * Remove name in dirfd and everything under it, on the same filesystem,
 * through dirfds only: symlinks are removed, never followed.
 */
int mb_privdir_remove(int dirfd, const char *name);

/*
 * Remove each root-owned directory in dirfd whose name starts with
 * prefix, and nothing else; how many.
 */
int mb_privdir_remove_each(int dirfd, const char *prefix);

#endif
