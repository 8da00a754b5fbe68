/* SPDX-License-Identifier: MIT */
/*
 * migbenchd's side of a migbench-worker: starting it, and reading what it
 * streams back (worker_protocol.h) into the store, samples in key order
 * and in batches, after the run.
 */
#ifndef MIGBENCH_WORKER_LINK_H
#define MIGBENCH_WORKER_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"

/* What reading a worker's output came to. */
struct worker_outcome {
	char outcome[32];	/* from its X line; "" if it never said */
	char *error;		/* malloc'd */
	bool protocol_error;
	int store_error;	/* the first -errno of storing; later samples dropped */
	bool over_limit;	/* stopped at max_samples */
	uint64_t stored;	/* samples in the store */
};

/*
 * fork + exec the worker at path with its stdin and stdout on pipes; its
 * pid, or a negative errno with nothing left open.
 */
pid_t worker_spawn(const char *path, int *to_worker, int *from_worker);

/*
 * Read the worker's lines from fd (closed after) until it ends; past
 * max_samples samples the worker (pid) is told to stop.
 */
void worker_read(struct store *st, int64_t id, int fd, pid_t pid, uint64_t max_samples,
		 struct worker_outcome *o);

#endif
