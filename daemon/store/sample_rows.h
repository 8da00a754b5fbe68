/* SPDX-License-Identifier: MIT */
/* A run's samples: written in batches after it, read back a page or a metric at a time. */
#ifndef MIGBENCH_STORE_SAMPLE_ROWS_H
#define MIGBENCH_STORE_SAMPLE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "samples.h"

/* Samples; set names the kvm_stat rows' statistics (mb_sample_name). */
int store_add_samples(struct store *st, int64_t id, const struct mb_samples *set,
		      const struct mb_sample *rows, size_t n);
/* One stored sample; a KVM statistic's seq is the phase it was read after. */
struct store_sample_row {
	char metric[64];
	int64_t iteration, seq, value;
};
/*
 * A run's samples in (metric, iteration, seq) order, read by one
 * statement on a connection of its own: every row comes from one
 * snapshot, so a reader never sees a run half-written, however slowly it
 * reads; a write meanwhile goes on (WAL) and is not seen.  -EMFILE when
 * STORE_MAX_STREAMS streams are open.
 */
struct store_sample_stream;
/*
 * At most this many streams at once: each is a connection of its own (a
 * few file descriptors and a small page cache) for as long as its reader
 * takes, so the clients of downloads cannot exhaust either.
 */
#define STORE_MAX_STREAMS	128

int store_sample_stream_open(struct store *st, int64_t id, struct store_sample_stream **out);
/* Up to max rows into rows, how many in *n: fewer than max at the end. */
int store_sample_stream_next(struct store_sample_stream *c, struct store_sample_row *rows,
			     size_t max, size_t *n);
void store_sample_stream_close(struct store_sample_stream *c);
/* The run's values, one metric at a time (key: the metric). */
int store_run_values(struct store *st, int64_t id, store_values_fn fn, void *ctx);

#endif
