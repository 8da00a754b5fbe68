/* SPDX-License-Identifier: MIT */
/*
 * One migration run's state, shared by the run (migrun.c) and the guest's
 * start (migguest.c), with what both report through: its failure, its
 * progress and whether it was asked to stop.
 */
#ifndef MIGBENCH_MIGRUN_STATE_H
#define MIGBENCH_MIGRUN_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "engine.h"
#include "guestprogress.h"
#include "libvirtd.h"
#include "migspec.h"

/* the guest's libvirt name, on both hosts */
#define MIGRUN_DOMAIN_NAME	"migbench-migration"

struct migrun {
	const struct mb_migspec *spec;
	const struct mb_run_opts *opts;
	struct mb_run_result *res;
	struct mb_libvirtd src, dst;
	bool have_dst;
	virConnectPtr sc, dc;
	virDomainPtr dom;
	char serial[512], log[512];
	char migrate_uri[300];	/* a local destination's QEMU listens here */
	uint64_t progress_gpa;	/* the guest's progress block; 0: the guest has none */
	struct mb_guest_progress gp;
	char *dest_xml;		/* another host's: the guest without the source's files */
};


/* Set the run's error from fmt and return st. */
enum mb_run_status migrun_fail(struct migrun *r, enum mb_run_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void migrun_progress(struct migrun *r, const char *msg);
bool migrun_stopped(struct migrun *r);

#endif
