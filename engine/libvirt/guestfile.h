/* SPDX-License-Identifier: MIT */
/*
 * A guest kernel or initrd a request names.  QEMU runs as root and reads
 * whatever path it is given, so a request may only name a file the
 * administrator put in the guest kernel directory (site policy): a
 * regular file directly in it, owned by root and writable by no one else,
 * opened without following any link; the directory root's and writable by
 * root only.  A name may be relative to the directory or an absolute path
 * inside it.  Anything else gets one message, whether or not it exists.
 */
#ifndef MIGBENCH_GUESTFILE_H
#define MIGBENCH_GUESTFILE_H

#include <stddef.h>

#include "error.h"

/*
 * Check name against dir; on success out is the absolute path dir/NAME.
 * 0 or -EINVAL with err naming field.
 */
int mb_guestfile_resolve(const char *field, const char *name, const char *dir,
			 char *out, size_t len, struct mb_error *err);

/*
 * The same rule for any directory of the administrator's: noun and key
 * name it in messages ("host kernel directory", "host_kernel_dir").  With
 * fdp, the file stays open (read-only) in *fdp on success.
 */
int mb_adminfile_open(const char *field, const char *name, const char *dir,
		      const char *noun, const char *key, char *out, size_t len, int *fdp,
		      struct mb_error *err);

#endif
