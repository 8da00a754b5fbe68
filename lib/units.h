/* SPDX-License-Identifier: MIT */
#ifndef MIGBENCH_UNITS_H
#define MIGBENCH_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * Parse a byte count: digits with an optional K, M, G or T suffix (binary,
 * case-insensitive, an optional trailing "iB"/"B").  Returns 0, or -EINVAL
 * for anything else and -ERANGE on overflow.
 */
int mb_parse_size(const char *s, uint64_t *out);

/*
 * A command-line value of key: digits only (no sign, space or suffix), or
 * true/1/yes/on and false/0/no/off in any case.  0, or -EINVAL with err
 * naming key.
 */
int mb_text_u64(const char *key, const char *text, uint64_t *out, struct mb_error *err);
int mb_text_bool(const char *key, const char *text, bool *out, struct mb_error *err);

/* Format a byte count the way mb_parse_size() reads it ("512M"). */
void mb_format_size(uint64_t bytes, char *buf, unsigned long len);

/* What a metric's values are, by the unit its name ends in. */
enum mb_unit {
	MB_UNIT_COUNT,		/* dirty_pages: a plain number */
	MB_UNIT_NS,		/* *_ns */
	MB_UNIT_MS,		/* *_ms */
	MB_UNIT_BYTES,		/* *_bytes */
	MB_UNIT_BYTES_PER_GIB,	/* *_bytes_per_gib: bytes per GiB of guest memory */
	MB_UNIT_MIB_S,		/* *_mib_s */
	MB_UNIT_KIB_S,		/* *_kib_s */
};

enum mb_unit mb_metric_unit(const char *metric);
/* The stored unit as the API names it: "ns", "bytes/GiB", "MiB/s"; "" for a count. */
const char *mb_unit_name(enum mb_unit u);

/*
 * The one number format of every report, the CLI and migbench-dirtylog:
 * 3 significant digits in a scaled unit, 1.83ms, 13.1us, 2.09s, 32.0KiB,
 * 1.00MiB/GiB, 64.0MiB/s; counts as whole numbers; "-" when not finite.
 */
void mb_format_metric(const char *metric, double v, char *out, size_t len);

#endif
