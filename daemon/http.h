/* SPDX-License-Identifier: MIT */
/*
 * The HTTP server: libmicrohttpd on each listen address (host:port or
 * unix:PATH), with limits on connections, memory, time, URL and body
 * size.  Bodies are collected here and handed to one dispatch function;
 * every error goes out as RFC 9457 application/problem+json.
 */
#ifndef MIGBENCH_HTTP_H
#define MIGBENCH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <microhttpd.h>

#define HTTP_MAX_URL	2048
#define HTTP_MAX_BODY	(64 * 1024)

struct http_request {
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	const char *body;	/* NUL-terminated; "" when none */
	size_t body_len;
	void *app;
};

typedef enum MHD_Result (*http_dispatch_fn)(struct http_request *r);

struct http_server;

/* Addresses other than loopback and unix sockets need allow_remote. */
int http_start(const char *const *listen, unsigned int nr_listen,
	       bool allow_remote, http_dispatch_fn dispatch, void *app,
	       struct http_server **out, char *err, size_t err_len);
void http_stop(struct http_server *srv);
/* The address actually bound (for port 0), by index. */
const char *http_bound_address(struct http_server *srv, unsigned int i);

const char *http_header(struct http_request *r, const char *name);
const char *http_query(struct http_request *r, const char *name);

/* Extra response headers: name, value, ..., NULL. */
enum MHD_Result http_reply(struct http_request *r, unsigned int status,
			   const char *content_type, char *body, size_t len,
			   bool free_body, const char *const *headers);
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
