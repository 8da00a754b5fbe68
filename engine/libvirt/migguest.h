/* SPDX-License-Identifier: MIT */
/* The migration guest on the source host (migguest.c). */
#ifndef MIGBENCH_MIGGUEST_H
#define MIGBENCH_MIGGUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "migrun_state.h"

/* Start the guest and wait until it dirties memory; its boot time recorded. */
enum mb_run_status migguest_start(struct migrun *r);
/* Whether the guest still runs, on the source or the destination. */
bool migguest_running(struct migrun *r, bool on_source);
/* QEMU's pidfile and log under a private libvirtd. */
void migguest_qemu_files(const struct mb_libvirtd *d, char *pidfile, size_t plen, char *log,
			 size_t llen);
/* The source QEMU's pid; 0 when unknown. */
pid_t migguest_qemu_pid(struct migrun *r);

#endif
