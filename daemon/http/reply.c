// SPDX-License-Identifier: MIT
/*
 * Answers to a request, kept in the request until the server sends them:
 * bodies, streams, JSON, problems.  Nothing here touches the network.
 */

#include "http/reply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/request.h"

static const char *status_title(unsigned int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* A handler answers once; a second answer replaces the first. */
static int set_answer(struct http_request *r, unsigned int status,
		      const char *content_type, const char *const *headers)
{
	struct http_answer *a = &r->answer;
	size_t n = 0;

	http_answer_free(a);
	a->status = status;
	a->content_type = content_type;
	for (; headers && headers[0] && n + 2 <= sizeof(a->headers) / sizeof(a->headers[0]);
	     headers += 2, n += 2) {
		a->headers[n] = strdup(headers[0]);
		a->headers[n + 1] = strdup(headers[1]);
		if (!a->headers[n] || !a->headers[n + 1])
			return -ENOMEM;
	}
	return 0;
}

enum MHD_Result http_reply(struct http_request *r, unsigned int status,
			   const char *content_type, char *body, size_t len,
			   enum http_body how, const char *const *headers)
{
	struct http_answer *a = &r->answer;

	if (set_answer(r, status, content_type, headers)) {
		if (how == HTTP_BODY_FREE)
			free(body);
		http_answer_free(a);
		return MHD_NO;
	}
	a->len = len;
	a->body = body;
	a->body_owned = how != HTTP_BODY_STATIC;
	if (how == HTTP_BODY_COPY) {
		a->body = malloc(len + 1);
		if (!a->body) {
			http_answer_free(a);
			return MHD_NO;
		}
		memcpy(a->body, body, len);
		a->body[len] = '\0';	/* for readers of the answer without a network */
	}
	return MHD_YES;
}

enum MHD_Result http_reply_borrowed(struct http_request *r, unsigned int status,
				    const char *content_type, const char *body, size_t len,
				    void (*release)(void *cls), void *cls,
				    const char *const *headers)
{
	struct http_answer *a = &r->answer;

	if (set_answer(r, status, content_type, headers)) {
		release(cls);
		http_answer_free(a);
		return MHD_NO;
	}
	a->body = (char *)body;	/* never written: body_owned stays false */
	a->len = len;
	a->body_release = release;
	a->body_cls = cls;
	return MHD_YES;
}

enum MHD_Result http_reply_stream(struct http_request *r, unsigned int status,
				  const char *content_type, http_stream_fn fn,
				  void *ctx, void (*free_ctx)(void *ctx))
{
	struct http_answer *a = &r->answer;

	if (set_answer(r, status, content_type, NULL)) {
		free_ctx(ctx);
		http_answer_free(a);
		return MHD_NO;
	}
	a->stream = fn;
	a->stream_ctx = ctx;
	a->stream_free = free_ctx;
	return MHD_YES;
}

enum MHD_Result http_reply_json(struct http_request *r, unsigned int status,
				struct json_object *obj,
				const char *const *headers)
{
	size_t len;
	const char *text = json_object_to_json_string_length(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char *copy = malloc(len + 1);

	if (!copy) {
		json_object_put(obj);
		return MHD_NO;
	}
	memcpy(copy, text, len);
	copy[len] = '\n';
	json_object_put(obj);
	return http_reply(r, status, "application/json", copy, len + 1, HTTP_BODY_FREE,
			  headers);
}

static enum MHD_Result vproblem(struct http_request *r, unsigned int status,
				const char *field, const char *const *headers,
				const char *fmt, va_list ap)
{
	struct json_object *p = json_object_new_object();
	char detail[768];
	const char *text;
	enum MHD_Result ret;
	size_t len;

	vsnprintf(detail, sizeof(detail), fmt, ap);
	json_object_object_add(p, "type", json_object_new_string("about:blank"));
	json_object_object_add(p, "title", json_object_new_string(status_title(status)));
	json_object_object_add(p, "status", json_object_new_int((int)status));
	json_object_object_add(p, "detail", json_object_new_string(detail));
	if (field && *field)
		json_object_object_add(p, "field", json_object_new_string(field));
	text = json_object_to_json_string_length(p, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	ret = http_reply(r, status, "application/problem+json", (char *)text, len,
			 HTTP_BODY_COPY, headers);
	json_object_put(p);
	return ret;
}

enum MHD_Result http_reply_problem_ex(struct http_request *r, unsigned int status,
				      const char *field, const char *const *headers,
				      const char *fmt, ...)
{
	enum MHD_Result ret;
	va_list ap;

	va_start(ap, fmt);
	ret = vproblem(r, status, field, headers, fmt, ap);
	va_end(ap);
	return ret;
}
