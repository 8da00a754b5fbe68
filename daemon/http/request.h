/* SPDX-License-Identifier: MIT */
/*
 * A request as handlers see it: what the server collected (headers,
 * query, body, the peer) and the answer a handler leaves in it.  It holds
 * no network state, so the router runs without a network as well (tests,
 * the fuzzer).
 */
#ifndef MIGBENCH_HTTP_REQUEST_H
#define MIGBENCH_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <microhttpd.h>

struct json_object;

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

/* The answer a handler gave, sent by the server once dispatch returns. */
struct http_answer {
	unsigned int status;	/* 0: none */
	const char *content_type;	/* a string literal */
	char *body;
	size_t len;
	bool body_owned;	/* free(body) after sending */
	void (*body_release)(void *cls);	/* instead: a body owned elsewhere */
	void *body_cls;
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
	struct json_object *json;	/* the body, parsed once by the dispatcher; NULL: none */
	struct http_peer peer;
	void *app;
	struct http_answer answer;
};

typedef enum MHD_Result (*http_dispatch_fn)(struct http_request *r);

/* A header by name (any case), a query argument by name; NULL if absent. */
const char *http_header(const struct http_request *r, const char *name);
const char *http_query(const struct http_request *r, const char *name);

/* Free what an answer holds (after sending it, or when none is sent). */
void http_answer_free(struct http_answer *a);

#endif
