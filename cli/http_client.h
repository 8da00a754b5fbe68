/* SPDX-License-Identifier: MIT */
/*
 * The little HTTP/1.1 client migbench needs: one request per connection,
 * over a unix socket or TCP, body in memory.
 */
#ifndef MIGBENCH_HTTP_CLIENT_H
#define MIGBENCH_HTTP_CLIENT_H

#include <stddef.h>

struct http_target {
	const char *unix_path;	/* or */
	const char *host;	/* numeric address */
	const char *port;
	const char *token;	/* sent as a bearer token when set */
};

struct http_response {
	int status;
	char content_type[128];
	char location[256];
	char *body;		/* NUL-terminated */
	size_t body_len;
};

/* 0, or -errno when the daemon cannot be reached or answers garbage. */
int http_request(const struct http_target *t, const char *method,
		 const char *path, const char *json_body,
		 struct http_response *resp);
void http_response_free(struct http_response *resp);

/* Parse "http://HOST:PORT" into target (pointing into url). */
int http_parse_url(char *url, struct http_target *t);

#endif
