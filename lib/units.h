/* SPDX-License-Identifier: MIT */
#ifndef MIGBENCH_UNITS_H
#define MIGBENCH_UNITS_H

#include <stdbool.h>
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

#endif
