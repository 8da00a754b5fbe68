/* SPDX-License-Identifier: MIT */
/*
 * A kernel interface file (sysfs, cgroupfs, tracefs, procfs): one write
 * of a whole value, as the kernel parses it, with the errno it answered.
 */
#ifndef MIGBENCH_KFILE_H
#define MIGBENCH_KFILE_H

/* Write text to dir/file in one write(); 0 or a negative errno. */
int mb_kfile_write(const char *dir, const char *file, const char *text);

#endif
