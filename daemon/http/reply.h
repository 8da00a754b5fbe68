/* SPDX-License-Identifier: MIT */
/*
 * Answering a request: a body, a stream, JSON, or an RFC 9457
 * application/problem+json error, kept in the request until the server
 * sends it.
 */
#ifndef MIGBENCH_HTTP_REPLY_H
#define MIGBENCH_HTTP_REPLY_H

#include <json-c/json.h>

#include "http/request.h"

/* Extra response headers: name, value, ..., NULL. */
enum MHD_Result http_reply(struct http_request *r, unsigned int status,
			   const char *content_type, char *body, size_t len,
			   enum http_body how, const char *const *headers);
/*
 * A body owned elsewhere (NUL-terminated past len), sent without a copy:
 * release(cls) once it is sent or dropped, in any case.
 */
enum MHD_Result http_reply_borrowed(struct http_request *r, unsigned int status,
				    const char *content_type, const char *body, size_t len,
				    void (*release)(void *cls), void *cls,
				    const char *const *headers);
/* A body written as it is sent; ctx is freed with free_ctx in any case. */
enum MHD_Result http_reply_stream(struct http_request *r, unsigned int status,
				  const char *content_type, http_stream_fn fn,
				  void *ctx, void (*free_ctx)(void *ctx));
/* Sends obj and drops the reference. */
enum MHD_Result http_reply_json(struct http_request *r, unsigned int status,
				struct json_object *obj,
				const char *const *headers);
/* RFC 9457: title from the status, detail, and the field when one is named. */
enum MHD_Result http_reply_problem_ex(struct http_request *r, unsigned int status,
				      const char *field, const char *const *headers,
				      const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
#define http_reply_problem(r, status, field, ...) \
	http_reply_problem_ex(r, status, field, NULL, __VA_ARGS__)
#define http_reply_problem_headers(r, status, headers, ...) \
	http_reply_problem_ex(r, status, NULL, headers, __VA_ARGS__)

#endif
