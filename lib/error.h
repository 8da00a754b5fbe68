/* SPDX-License-Identifier: MIT */
/*
 * The one error convention: a function returns 0 or a negative errno and,
 * where a person must be told why, fills a struct mb_error with the
 * message and the request or spec field at fault.  The code says what
 * kind of failure it was (-EINVAL bad input, -ENOENT no such thing, -EIO
 * the store failed, ...); the message says it for people.
 */
#ifndef MIGBENCH_ERROR_H
#define MIGBENCH_ERROR_H

struct mb_error {
	int code;		/* the negative errno returned with it */
	char field[48];		/* the key at fault; "" when not one key */
	char message[512];	/* "field: what is wrong", or a sentence */
};

/*
 * Fill err (when not NULL) and return ret, a negative errno.  With a
 * field, the message starts with "field: ".
 */
int mb_error_set(struct mb_error *err, int ret, const char *field,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Bad input: mb_error_set() with -EINVAL. */
#define mb_fail(err, field, ...) mb_error_set(err, -EINVAL, field, __VA_ARGS__)

#endif
