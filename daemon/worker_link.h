/* SPDX-License-Identifier: MIT */
/*
 * migbenchd's side of a migbench-worker: starting it, and reading what it
 * streams back (worker_protocol.h) into the store, samples in key order
 * and in batches, after the run.
 */
#ifndef MIGBENCH_WORKER_LINK_H
#define MIGBENCH_WORKER_LINK_H

#include <stdbool.h>
#include <sys/types.h>

#include "store.h"

/* What reading a worker's output came to. */
struct worker_outcome {
	char outcome[32];	/* from its X line; "" if it never said */
	char *error;		/* malloc'd */
	bool protocol_error;
};

/*
 * fork + exec the worker at path with its stdin and stdout on pipes; its
 * pid, or a negative errno with nothing left open.
 */
pid_t worker_spawn(const char *path, int *to_worker, int *from_worker);

/* Read the worker's lines from fd (closed after) until it ends. */
void worker_read(struct store *st, int64_t id, int fd, struct worker_outcome *o);

#endif
