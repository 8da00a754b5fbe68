/* SPDX-License-Identifier: MIT */
#ifndef MIGBENCH_UNITS_H
#define MIGBENCH_UNITS_H

#include <stdint.h>

/*
 * Parse a byte count: digits with an optional K, M, G or T suffix (binary,
 * case-insensitive, an optional trailing "iB"/"B").  Returns 0, or -EINVAL
 * for anything else and -ERANGE on overflow.
 */
int mb_parse_size(const char *s, uint64_t *out);

/* Format a byte count the way mb_parse_size() reads it ("512M"). */
void mb_format_size(uint64_t bytes, char *buf, unsigned long len);

#endif
