// SPDX-License-Identifier: MIT

#include "http/web.h"

#include <string.h>

#include "http/reply.h"
#include "http/request.h"
#include "embedded.h"

extern const struct mb_embedded mb_web_files[];

#define CSP "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

static const char *content_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "text/plain; charset=utf-8";	/* LICENSE, VERSION */
}

enum MHD_Result web_serve(struct http_request *r)
{
	const char *name = r->url[0] == '/' ? r->url + 1 : r->url;

	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
		return http_reply_problem_headers(r, 405,
			(const char *const[]){ "Allow", "GET, HEAD", NULL },
			"%s is not allowed on %.200s; use GET", r->method, r->url);
	if (!*name)
		name = "index.html";
	for (const struct mb_embedded *f = mb_web_files; f->name; f++) {
		if (strcmp(f->name, name))
			continue;
		return http_reply(r, 200, content_type(name), (char *)f->data, f->size, HTTP_BODY_STATIC,
				  (const char *const[]){
					"Content-Security-Policy", CSP,
					"Referrer-Policy", "no-referrer", NULL });
	}
	return http_reply_problem(r, 404, NULL, "no such resource: %.200s", r->url);
}
