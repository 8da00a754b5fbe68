/* SPDX-License-Identifier: MIT */
/*
 * What a process leaves named for itself (PREFIX<pid>: a cgroup, a tracefs
 * instance, a state file) and a killed process cannot remove: found by
 * name once that pid no longer runs.
 */
#ifndef MIGBENCH_LEFTOVER_H
#define MIGBENCH_LEFTOVER_H

/*
 * Call reap(path) for each entry PREFIX<pid> directly in dir whose pid no
 * longer runs; how many there were.
 */
int mb_leftovers_reap(const char *dir, const char *prefix, void (*reap)(const char *path));

#endif
