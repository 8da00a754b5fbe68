// SPDX-License-Identifier: MIT
/* Reading a request's headers and query, and freeing its answer. */

#include "http/request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *http_header(const struct http_request *r, const char *name)
{
	for (size_t i = 0; i < r->nr_headers; i++)
		if (!strcasecmp(r->headers[i].key, name))
			return r->headers[i].value;
	return NULL;
}

const char *http_query(const struct http_request *r, const char *name)
{
	for (size_t i = 0; i < r->nr_query; i++)
		if (!strcmp(r->query[i].key, name))
			return r->query[i].value;
	return NULL;
}

void http_answer_free(struct http_answer *a)
{
	if (a->body_owned)
		free(a->body);
	if (a->body_release)
		a->body_release(a->body_cls);
	if (a->stream_free)
		a->stream_free(a->stream_ctx);
	for (size_t i = 0; i < sizeof(a->headers) / sizeof(a->headers[0]); i++)
		free(a->headers[i]);
	memset(a, 0, sizeof(*a));
}
