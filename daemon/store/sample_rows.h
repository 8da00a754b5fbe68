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
 * Up to max of the run's samples after *after (NULL: from the first), in
 * (metric, iteration, seq) order, into rows; how many in *n, fewer than
 * max at the end.  Each page is a query of its own, on the reading
 * thread's connection.
 */
int store_samples_page(struct store *st, int64_t id, const struct store_sample_row *after,
		       struct store_sample_row *rows, size_t max, size_t *n);
/* The run's values, one metric at a time (key: the metric). */
int store_run_values(struct store *st, int64_t id, store_values_fn fn, void *ctx);

#endif
