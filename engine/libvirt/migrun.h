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

#include "engine.h"
#include "migspec.h"

/* This engine behind the engine interface (engine_libvirt.c). */
extern const struct mb_engine mb_engine_libvirt;

/* The resolved spec is in res->spec whatever happens. */
enum mb_run_status mb_migration_run(const struct mb_migspec *spec,
				    const struct mb_run_opts *opts,
				    struct mb_run_result *res);

#endif
