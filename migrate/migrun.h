/* SPDX-License-Identifier: MIT */
/*
 * One migration run: private libvirtd instances (the source, and the
 * destination when it is "local"), the guest started and dirtying memory,
 * the source QEMU's dirty-log ioctls traced while it migrates (or while
 * the migration is cancelled after N iterations), and everything torn
 * down whatever happens.
 */
#ifndef MIGBENCH_MIGRUN_H
#define MIGBENCH_MIGRUN_H

#include <signal.h>

#include "dirtylog.h"
#include "migspec.h"
#include "samples.h"

struct mb_migrun_opts {
	const char *default_kernel;	/* the migration guest */
	volatile sig_atomic_t *stop;
	void (*progress)(void *ctx, const char *message);
	void *progress_ctx;
};

struct mb_migrun_result {
	struct json_object *environment;
	struct mb_samples samples;
	char error[512];
};

enum mb_run_status mb_migration_run(const struct mb_migspec *spec,
				    const struct mb_migrun_opts *opts,
				    struct mb_migrun_result *res);
void mb_migrun_result_free(struct mb_migrun_result *res);

#endif
