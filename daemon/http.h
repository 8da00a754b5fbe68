/* SPDX-License-Identifier: MIT */
/*
 * The HTTP server: libmicrohttpd on each listen address (host:port or
 * unix:PATH), with limits on connections, memory, time, URL and body
 * size.  A request is collected here (headers, query, body, the peer)
 * into a struct http_request that holds no network state, handed to one
 * dispatch function, and its answer is sent afterwards: so the router
 * can also be called without a network (tests, the fuzzer).  Every error
 * goes out as RFC 9457 application/problem+json.
 */
#ifndef MIGBENCH_HTTP_H
#define MIGBENCH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include <microhttpd.h>

#define HTTP_MAX_URL	2048
#define HTTP_MAX_BODY	(64 * 1024)
#define HTTP_MAX_EXTRA_HEADERS	4

struct http_kv {
	const char *key;
	const char *value;	/* NULL for a query argument without '=' */
};

/* Who sent the request, and where it came in. */
struct http_peer {
	bool via_unix;
	bool creds_known;	/* SO_PEERCRED read (unix sockets only) */
	uid_t uid;
	gid_t gid;
	unsigned int port;	/* the TCP listener's port; 0 on a unix socket */
	const char *listen_address;	/* as bound: "127.0.0.1:7733", "unix:PATH" */
};

/*
 * A streamed body: fills buf with up to max bytes and returns how many,
 * 0 at the end, or a negative errno (the connection is then closed).
 */
typedef ssize_t (*http_stream_fn)(void *ctx, char *buf, size_t max);

enum http_body { HTTP_BODY_COPY, HTTP_BODY_FREE, HTTP_BODY_STATIC };

/* The answer a handler gave, sent by http.c once dispatch returns. */
struct http_answer {
	unsigned int status;	/* 0: none */
	const char *content_type;	/* a string literal */
	char *body;
	size_t len;
	bool body_owned;	/* free(body) after sending */
	http_stream_fn stream;	/* instead of body */
	void *stream_ctx;
	void (*stream_free)(void *ctx);
	char *headers[2 * HTTP_MAX_EXTRA_HEADERS];	/* name, value, ... owned */
};

struct http_request {
	const char *method;
	const char *url;	/* the path, without the query */
	const struct http_kv *headers;
	size_t nr_headers;
	const struct http_kv *query;
	size_t nr_query;
	const char *body;	/* NUL-terminated; "" when none */
	size_t body_len;
	struct http_peer peer;
	void *app;
	struct http_answer answer;
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
/* The TCP port bound by listener i; 0 for a unix socket. */
unsigned int http_bound_port(struct http_server *srv, unsigned int i);

/* A header by name (any case), a query argument by name; NULL if absent. */
const char *http_header(const struct http_request *r, const char *name);
const char *http_query(const struct http_request *r, const char *name);

/* Extra response headers: name, value, ..., NULL. */
enum MHD_Result http_reply(struct http_request *r, unsigned int status,
			   const char *content_type, char *body, size_t len,
			   enum http_body how, const char *const *headers);
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

/* Free what an answer holds (after sending it, or when none is sent). */
void http_answer_free(struct http_answer *a);

#endif
