/* SPDX-License-Identifier: MIT */
/*
 * The answers every endpoint shares: a failure of migbenchd itself, an
 * error struct, and query parameters it does not take.
 */
#ifndef MIGBENCH_API_REPLIES_H
#define MIGBENCH_API_REPLIES_H

#include <stdbool.h>

#include "http/request.h"
#include "error.h"

/*
 * A failure of migbenchd itself (the store, memory) while doing what:
 * logged once with its cause, answered 500 without internals.
 */
enum MHD_Result api_reply_failure(struct http_request *r, int code, const char *what);

/*
 * An error with its struct: bad input (-EINVAL, -ENOENT) is the client's,
 * 400 naming the field; anything else goes to api_reply_failure().
 */
enum MHD_Result api_reply_error(struct http_request *r, const struct mb_error *err,
				const char *what);

/*
 * Query parameters other than those allowed (NULL-terminated) are a
 * client mistake; replies 400 naming one and returns false.
 */
bool api_check_query(struct http_request *r, const char *const *allowed,
		     enum MHD_Result *reply);

#endif
