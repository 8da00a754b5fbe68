/* SPDX-License-Identifier: MIT */
/*
 * The HTTP server: libmicrohttpd on each listen address (host:port or
 * unix:PATH), with limits on connections, memory, time, URL and body
 * size.  A request is collected here into a struct http_request
 * (http/request.h), handed to one dispatch function, and its answer is
 * sent afterwards.  Every error goes out as RFC 9457
 * application/problem+json (http/reply.h).
 */
#ifndef MIGBENCH_HTTP_SERVER_H
#define MIGBENCH_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "http/request.h"

#define HTTP_MAX_URL	2048
#define HTTP_MAX_BODY	(64 * 1024)

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

#endif
