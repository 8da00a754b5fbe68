// SPDX-License-Identifier: MIT
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_LISTEN	8
#define MAX_CONNECTIONS	512
#define CONN_MEMORY	(128 * 1024)
#define CONN_TIMEOUT_S	30
#define POOL_THREADS	4

struct listener {
	struct MHD_Daemon *mhd;
	int fd;
	char address[128];
	char unix_path[108];
};

struct http_server {
	struct listener l[MAX_LISTEN];
	unsigned int n;
	http_dispatch_fn dispatch;
	void *app;
};

/* Per-connection state while a request body arrives. */
struct pending {
	char *body;
	size_t len;
	bool too_large;
};

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
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

enum MHD_Result http_reply(struct http_request *r, unsigned int status,
			   const char *content_type, char *body, size_t len,
			   bool free_body, const char *const *headers)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body,
		free_body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (; headers && headers[0]; headers += 2)
		MHD_add_response_header(resp, headers[0], headers[1]);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result http_reply_json(struct http_request *r, unsigned int status,
				struct json_object *obj,
				const char *const *headers)
{
	size_t len;
	const char *text = json_object_to_json_string_length(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	enum MHD_Result ret;
	char *copy = malloc(len + 1);

	if (!copy) {
		json_object_put(obj);
		return MHD_NO;
	}
	memcpy(copy, text, len);
	copy[len] = '\n';
	json_object_put(obj);
	ret = http_reply(r, status, "application/json", copy, len + 1, true, headers);
	return ret;
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
			 false, headers);
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

const char *http_header(struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_query(struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result add_arg_length(void *cls, enum MHD_ValueKind kind,
				      const char *key, const char *value)
{
	size_t *len = cls;

	(void)kind;
	*len += strlen(key) + 2 + (value ? strlen(value) : 0);
	return MHD_YES;
}

/* libmicrohttpd passes the path alone: add the query arguments back. */
static size_t url_length(struct MHD_Connection *conn, const char *path)
{
	size_t len = strlen(path);

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg_length, &len);
	return len;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct pending *p = *con_cls;
	struct http_request r = { .conn = conn, .method = method, .url = url,
				  .body = "", .app = srv->app };

	(void)version;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		*con_cls = p;
		return MHD_YES;	/* headers only so far */
	}
	if (*upload_data_size) {
		/* keep reading past the cap, so the 413 can be sent */
		if (!p->too_large && p->len + *upload_data_size > HTTP_MAX_BODY) {
			p->too_large = true;
			free(p->body);
			p->body = NULL;
		} else if (!p->too_large) {
			char *b = realloc(p->body, p->len + *upload_data_size + 1);

			if (!b)
				return MHD_NO;
			memcpy(b + p->len, upload_data, *upload_data_size);
			p->body = b;
			p->len += *upload_data_size;
			p->body[p->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (url_length(conn, url) > HTTP_MAX_URL)
		return http_reply_problem(&r, 414, NULL, "the URL is longer than %d bytes",
					  HTTP_MAX_URL);
	if (p->too_large)
		return http_reply_problem(&r, 413, NULL, "the request body is larger than %d bytes",
					  HTTP_MAX_BODY);
	if (p->body) {
		r.body = p->body;
		r.body_len = p->len;
	}
	return srv->dispatch(&r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (p) {
		free(p->body);
		free(p);
		*con_cls = NULL;
	}
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

static int bind_unix(struct listener *l, const char *path, char *err, size_t err_len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, err_len, "--listen unix:%s: path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	/* a socket left by a process that is gone; never remove other files */
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(path, 0660) || listen(l->fd, 128)) {
		snprintf(err, err_len, "--listen unix:%s: %s", path, strerror(errno));
		return -errno;
	}
	snprintf(l->unix_path, sizeof(l->unix_path), "%s", path);
	snprintf(l->address, sizeof(l->address), "unix:%s", path);
	return 0;
}

static int bind_tcp(struct listener *l, const char *spec, bool allow_remote,
		    char *err, size_t err_len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char host[64], port[16], *colon;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	int one = 1, rc;

	snprintf(host, sizeof(host), "%s", spec);
	colon = strrchr(host, ':');
	if (!colon || !colon[1]) {
		snprintf(err, err_len, "--listen %s: expected host:port or unix:PATH", spec);
		return -EINVAL;
	}
	*colon = '\0';
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (host[0] == '[' && colon[-1] == ']') {	/* [::1]:port */
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(err, err_len, "--listen %s: %s (a numeric address is needed)",
			 spec, gai_strerror(rc));
		return -EINVAL;
	}
	if (!allow_remote && !is_loopback(ai->ai_addr)) {
		snprintf(err, err_len,
			 "--listen %s: not a loopback address; configure a token (--token-file) to listen there",
			 spec);
		freeaddrinfo(ai);
		return -EPERM;
	}
	l->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd >= 0)
		setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l->fd < 0 || bind(l->fd, ai->ai_addr, ai->ai_addrlen) || listen(l->fd, 512) ||
	    getsockname(l->fd, (struct sockaddr *)&bound, &blen)) {
		snprintf(err, err_len, "--listen %s: %s", spec, strerror(errno));
		freeaddrinfo(ai);
		return -errno;
	}
	freeaddrinfo(ai);
	if (bound.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&bound;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(l->address, sizeof(l->address), "%s:%u", host, ntohs(in->sin_port));
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&bound;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(l->address, sizeof(l->address), "[%s]:%u", host, ntohs(in6->sin6_port));
	}
	return 0;
}

int http_start(const char *const *listen, unsigned int nr_listen,
	       bool allow_remote, http_dispatch_fn dispatch, void *app,
	       struct http_server **out, char *err, size_t err_len)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	int ret = 0;

	*out = NULL;
	if (!srv)
		return -ENOMEM;
	if (nr_listen > MAX_LISTEN) {
		snprintf(err, err_len, "at most %d --listen addresses", MAX_LISTEN);
		free(srv);
		return -E2BIG;
	}
	srv->dispatch = dispatch;
	srv->app = app;
	for (unsigned int i = 0; i < nr_listen; i++) {
		struct listener *l = &srv->l[srv->n++];

		l->fd = -1;
		ret = !strncmp(listen[i], "unix:", 5) ?
		      bind_unix(l, listen[i] + 5, err, err_len) :
		      bind_tcp(l, listen[i], allow_remote, err, err_len);
		if (ret)
			goto fail;
		l->mhd = MHD_start_daemon(
			MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			MHD_USE_ERROR_LOG,
			0, NULL, NULL, on_request, srv,
			MHD_OPTION_LISTEN_SOCKET, l->fd,
			MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)POOL_THREADS,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
			MHD_OPTION_END);
		if (!l->mhd) {
			snprintf(err, err_len, "--listen %s: the HTTP server did not start",
				 listen[i]);
			ret = -EIO;
			goto fail;
		}
	}
	*out = srv;
	return 0;
fail:
	http_stop(srv);
	return ret;
}

const char *http_bound_address(struct http_server *srv, unsigned int i)
{
	return i < srv->n ? srv->l[i].address : NULL;
}

void http_stop(struct http_server *srv)
{
	if (!srv)
		return;
	for (unsigned int i = 0; i < srv->n; i++) {
		struct listener *l = &srv->l[i];

		if (l->mhd)
			MHD_stop_daemon(l->mhd);
		if (l->fd >= 0)
			close(l->fd);
		if (l->unix_path[0])
			unlink(l->unix_path);
	}
	free(srv);
}
