// SPDX-License-Identifier: MIT
/* The answers every endpoint shares; client mistakes 4xx, our own failures 5xx and a log line. */

#include "api/replies.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/reply.h"
#include "http/request.h"
#include "store/store.h"

bool api_check_query(struct http_request *r, const char *const *allowed,
		     enum MHD_Result *reply)
{
	for (size_t i = 0; i < r->nr_query; i++) {
		const char *key = r->query[i].key;
		bool known = false;

		for (const char *const *a = allowed; a && *a && !known; a++)
			known = !strcmp(*a, key);
		if (!known) {
			*reply = http_reply_problem(r, 400, key,
						    "unknown query parameter \"%.64s\"", key);
			return false;
		}
	}
	return true;
}

enum MHD_Result api_reply_failure(struct http_request *r, int code, const char *what)
{
	fprintf(stderr, "migbenchd: %s %s: %s failed: %s\n", r->method, r->url, what,
		strerror(code < 0 ? -code : code));
	/* a full disk or a database another process holds: it may pass */
	if (code == -ENOSPC || code == -EBUSY)
		return http_reply_problem_headers(r, 503,
			(const char *const[]){ "Retry-After", "30", NULL },
			"migbenchd failed %s: the database cannot be written (%s)", what,
			store_strerror(code));
	return http_reply_problem(r, code == -ENOMEM ? 503 : 500, NULL,
				  "migbenchd failed %s; its log says why", what);
}

enum MHD_Result api_reply_error(struct http_request *r, const struct mb_error *err,
				const char *what)
{
	if (err->code == -EINVAL || err->code == -ENOENT)
		return http_reply_problem(r, 400, err->field[0] ? err->field : NULL, "%s",
					  err->message);
	fprintf(stderr, "migbenchd: %s %s: %s: %s\n", r->method, r->url, what, err->message);
	return http_reply_problem(r, 500, NULL, "migbenchd failed %s; its log says why", what);
}
