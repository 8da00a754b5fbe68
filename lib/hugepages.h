/* SPDX-License-Identifier: MIT */
/*
 * The kernel's persistent hugepage pools, through sysfs.  A reservation
 * raises nr_hugepages just enough for a run and puts the old count back
 * afterwards, on success, failure or interruption alike.
 */
#ifndef MIGBENCH_HUGEPAGES_H
#define MIGBENCH_HUGEPAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "error.h"

#define MB_SIZE_2M	(2ULL << 20)
#define MB_SIZE_1G	(1ULL << 30)

struct mb_hugepage_pool {
	uint64_t page_size;
	long nr;
	long free;
	long resv;
	long surplus;
};

struct mb_hugepage_reservation {
	uint64_t page_size;
	long previous_nr;
	bool active;		/* nr_hugepages was raised and must go back */
};

int mb_hugepages_read(uint64_t page_size, struct mb_hugepage_pool *pool);

/*
 * Make sure need pages are free, raising nr_hugepages if necessary.  On
 * failure the pool is as it was and err says how far it got.
 */
int mb_hugepages_reserve(uint64_t page_size, long need,
			 struct mb_hugepage_reservation *res,
			 struct mb_error *err);

/* Put nr_hugepages back; a no-op for an inactive reservation. */
int mb_hugepages_release(struct mb_hugepage_reservation *res);

/* Human name of a pool: "1GiB" / "2MiB". */
const char *mb_hugepage_size_name(uint64_t page_size);

/* {"1GiB": {"nr":..,"free":..,"resv":..,"surplus":..}, "2MiB": {...}} */
struct json_object *mb_hugepages_to_json(void);

#endif
