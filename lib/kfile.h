/* SPDX-License-Identifier: MIT */
/*
 * A kernel interface file (sysfs, cgroupfs, tracefs, procfs): one write
 * of a whole value, as the kernel parses it, with the errno it answered;
 * or its first line read.
 */

#include <stddef.h>
#ifndef MIGBENCH_KFILE_H
#define MIGBENCH_KFILE_H

/* Write text to dir/file in one write(); 0 or a negative errno. */
int mb_kfile_write(const char *dir, const char *file, const char *text);
/* The first line of path, without its newline ("" on failure); a negative errno. */
int mb_kfile_read_line(const char *path, char *out, size_t len);

#endif
