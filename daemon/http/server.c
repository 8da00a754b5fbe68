// SPDX-License-Identifier: MIT
/*
 * The listeners: one libmicrohttpd daemon per listen address, requests
 * collected into a struct http_request, dispatched, and their answers
 * sent (http/reply.c builds them).
 */

#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http/reply.h"
#include "http/request.h"

#define MAX_LISTEN	8
/*
 * Connections per listener.  Each idle or slow connection costs one fd
 * and the pages of its memory pool that it has touched (a few KiB for a
 * slowloris client: the pool is mapped, not filled), so thousands are
 * cheap, and the limit must be well above what one local user can hold
 * open by trickling bytes, or that user locks everyone out of TCP.  The
 * unix socket has a daemon and a limit of its own, so root and the
 * migbench group still get in when TCP is full.  Lowered at start when
 * RLIMIT_NOFILE cannot hold it.
 */
#define MAX_CONNECTIONS	4096
/* Most one client may hold on a listener reachable from other hosts;
 * not on loopback, where every local user is 127.0.0.1. */
#define MAX_PER_REMOTE_IP 64
/* fds kept for SQLite, workers, pipes and the listeners themselves. */
#define RESERVED_FDS	256
/*
 * Request line and headers (the URL is capped at HTTP_MAX_URL), and the
 * chunks of a streamed body.  libmicrohttpd zeroes all of it between two
 * requests on a connection: at 64 KiB that memset was a fifth of a small
 * reply's cost; at 16 KiB a streamed body went out in chunks too small.
 */
#define CONN_MEMORY	(32 * 1024)
/* Idle seconds before a connection is closed. */
#define CONN_TIMEOUT_S	20
/* Threads per listener: the machine's two CPUs are shared with runs. */
#define POOL_THREADS	4
/* Bytes a streamed body is asked for at a time. */
#define STREAM_BLOCK	(128 * 1024)

struct http_server;

struct listener {
	struct http_server *srv;
	struct MHD_Daemon *mhd;
	int fd;
	bool is_unix, loopback;
	unsigned int port;
	char address[128];
	char unix_path[108];
};

struct http_server {
	struct listener l[MAX_LISTEN];
	unsigned int n;
	http_dispatch_fn dispatch;
	void *app;
};

/* Per-connection state while a request arrives. */
struct pending {
	char *body;
	size_t len;
	bool too_large;
	struct http_kv *kv;	/* headers, then query arguments */
	size_t nr_headers, nr_query, cap;
};

struct collect {
	struct pending *p;
	bool failed;
};

static enum MHD_Result collect_kv(void *cls, enum MHD_ValueKind kind,
				  const char *key, const char *value)
{
	struct collect *c = cls;
	struct pending *p = c->p;

	if (p->nr_headers + p->nr_query == p->cap) {
		size_t cap = p->cap * 2 + 16;
		struct http_kv *kv = realloc(p->kv, cap * sizeof(*kv));

		if (!kv) {
			c->failed = true;
			return MHD_NO;
		}
		p->kv = kv;
		p->cap = cap;
	}
	p->kv[p->nr_headers + p->nr_query] = (struct http_kv){ key, value };
	if (kind == MHD_HEADER_KIND)
		p->nr_headers++;
	else
		p->nr_query++;
	return MHD_YES;
}

/* libmicrohttpd passes the path alone: add the query arguments back. */
static size_t url_length(const struct http_request *r)
{
	size_t len = strlen(r->url);

	for (size_t i = 0; i < r->nr_query; i++)
		len += strlen(r->query[i].key) + 2 +
		       (r->query[i].value ? strlen(r->query[i].value) : 0);
	return len;
}

static void read_peer(struct listener *l, struct MHD_Connection *conn,
		      struct http_peer *peer)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cred;
	socklen_t len = sizeof(cred);

	peer->via_unix = l->is_unix;
	peer->port = l->port;
	peer->listen_address = l->address;
	/* the kernel's word for who connected: nothing the client says */
	if (l->is_unix && ci &&
	    !getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		peer->creds_known = true;
		peer->uid = cred.uid;
		peer->gid = cred.gid;
	}
}

struct stream {
	http_stream_fn fn;
	void *ctx;
	void (*free_ctx)(void *ctx);
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	ssize_t n = s->fn(s->ctx, buf, max);

	(void)pos;
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n ? n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;

	s->free_ctx(s->ctx);
	free(s);
}

static struct MHD_Response *answer_response(struct http_answer *a)
{
	struct MHD_Response *resp;

	if (a->stream) {
		struct stream *s = malloc(sizeof(*s));

		if (!s)
			return NULL;
		*s = (struct stream){ a->stream, a->stream_ctx, a->stream_free };
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
							 stream_read, s, stream_free);
		if (!resp) {
			free(s);
			return NULL;
		}
		a->stream_free = NULL;	/* the response owns it now */
		return resp;
	}
	if (a->body_release) {
		resp = MHD_create_response_from_buffer_with_free_callback_cls(a->len, a->body,
									      a->body_release,
									      a->body_cls);
		if (resp)
			a->body_release = NULL;	/* the response releases it */
		return resp;
	}
	resp = MHD_create_response_from_buffer(a->len, a->body, a->body_owned ?
		MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp)
		a->body_owned = false;	/* the response frees it */
	return resp;
}

static enum MHD_Result send_answer(struct MHD_Connection *conn, struct http_answer *a)
{
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;

	if (!a->status)
		goto out;
	resp = answer_response(a);
	if (!resp)
		goto out;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (size_t i = 0; i + 1 < sizeof(a->headers) / sizeof(a->headers[0]) &&
			   a->headers[i]; i += 2)
		MHD_add_response_header(resp, a->headers[i], a->headers[i + 1]);
	ret = MHD_queue_response(conn, a->status, resp);
	MHD_destroy_response(resp);
out:
	http_answer_free(a);
	return ret;
}

/* Collect the body past the cap too, so that the 413 can be sent. */
static enum MHD_Result take_upload(struct pending *p, const char *data, size_t *size)
{
	if (!p->too_large && p->len + *size > HTTP_MAX_BODY) {
		p->too_large = true;
		free(p->body);
		p->body = NULL;
	} else if (!p->too_large) {
		char *b = realloc(p->body, p->len + *size + 1);

		if (!b)
			return MHD_NO;
		memcpy(b + p->len, data, *size);
		p->body = b;
		p->len += *size;
		p->body[p->len] = '\0';
	}
	*size = 0;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct listener *l = cls;
	struct http_server *srv = l->srv;
	struct pending *p = *con_cls;
	struct http_request r = { .method = method, .url = url, .body = "",
				  .app = srv->app };
	struct collect c;

	(void)version;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		*con_cls = p;
		return MHD_YES;	/* headers only so far */
	}
	if (*upload_data_size)
		return take_upload(p, upload_data, upload_data_size);
	c = (struct collect){ p, false };
	p->nr_headers = p->nr_query = 0;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_kv, &c);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_kv, &c);
	if (c.failed)
		return MHD_NO;
	r.headers = p->kv;
	r.nr_headers = p->nr_headers;
	r.query = p->kv + p->nr_headers;
	r.nr_query = p->nr_query;
	read_peer(l, conn, &r.peer);
	if (url_length(&r) > HTTP_MAX_URL)
		http_reply_problem(&r, 414, NULL, "the URL is longer than %d bytes",
				   HTTP_MAX_URL);
	else if (p->too_large)
		http_reply_problem(&r, 413, NULL, "the request body is larger than %d bytes",
				   HTTP_MAX_BODY);
	else {
		if (p->body) {
			r.body = p->body;
			r.body_len = p->len;
		}
		srv->dispatch(&r);
	}
	return send_answer(conn, &r.answer);
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
		free(p->kv);
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

/*
 * The socket's directory decides who can replace the socket: it must be
 * ours, a real directory, and writable by nobody else.
 */
static int check_socket_dir(const char *path, char *err, size_t err_len)
{
	char copy[PATH_MAX];
	const char *dir;
	struct stat sb;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (lstat(dir, &sb)) {
		snprintf(err, err_len, "--listen unix:%s: %s: %s", path, dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 022)) {
		snprintf(err, err_len,
			 "--listen unix:%s: %s must be a directory (not a symlink) owned by uid %u and writable by nobody else (mode %o, owner %u)",
			 path, dir, (unsigned int)geteuid(), (unsigned int)(sb.st_mode & 07777),
			 (unsigned int)sb.st_uid);
		return -EPERM;
	}
	return 0;
}

/*
 * Bound in a private directory, given its mode there, then renamed into
 * place: nobody can connect while the mode is still the umask's.  0666:
 * anyone may connect, and each request is then judged by its peer's
 * credentials (http/access.c), so a user outside the migbench group gets a
 * 403 that says why rather than a bare EACCES.
 */
static int bind_unix(struct listener *l, const char *path, char *err, size_t err_len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char tmpdir[PATH_MAX], dir[PATH_MAX];
	struct stat sb;
	int ret;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(tmpdir, sizeof(tmpdir), "%s/.migbenchd-XXXXXX", dirname(dir));
	if (strlen(path) >= sizeof(sun.sun_path) ||
	    strlen(tmpdir) + 3 >= sizeof(sun.sun_path)) {
		snprintf(err, err_len, "--listen unix:%s: path too long", path);
		return -ENAMETOOLONG;
	}
	ret = check_socket_dir(path, err, err_len);
	if (ret)
		return ret;
	/* a socket left by a process that is gone is replaced; never other files */
	if (lstat(path, &sb) == 0 && !S_ISSOCK(sb.st_mode)) {
		snprintf(err, err_len, "--listen unix:%s: exists and is not a socket", path);
		return -EEXIST;
	}
	if (!mkdtemp(tmpdir)) {
		snprintf(err, err_len, "--listen unix:%s: %s: %s", path, tmpdir, strerror(errno));
		return -errno;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", tmpdir);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(sun.sun_path, 0666) || rename(sun.sun_path, path) ||
	    listen(l->fd, 512)) {
		ret = -errno;
		snprintf(err, err_len, "--listen unix:%s: %s", path, strerror(errno));
	}
	unlink(sun.sun_path);
	rmdir(tmpdir);
	if (ret)
		return ret;
	l->is_unix = true;
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
	l->loopback = is_loopback(ai->ai_addr);
	if (!allow_remote && !l->loopback) {
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
		l->port = ntohs(in->sin_port);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&bound;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(l->address, sizeof(l->address), "[%s]:%u", host, ntohs(in6->sin6_port));
		l->port = ntohs(in6->sin6_port);
	}
	return 0;
}

/* Connections per listener that the fd limit can hold. */
static unsigned int connection_limit(unsigned int nr_listen)
{
	struct rlimit rl;
	rlim_t per;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return MAX_CONNECTIONS;
	per = rl.rlim_cur > RESERVED_FDS + 64 * nr_listen ?
	      (rl.rlim_cur - RESERVED_FDS) / nr_listen : 64;
	return per < MAX_CONNECTIONS ? (unsigned int)per : MAX_CONNECTIONS;
}

static int start_listener(struct listener *l, unsigned int limit)
{
	l->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, l,
		MHD_OPTION_LISTEN_SOCKET, l->fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)POOL_THREADS,
		MHD_OPTION_CONNECTION_LIMIT, limit,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			(unsigned int)(l->is_unix || l->loopback ? 0 : MAX_PER_REMOTE_IP),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
		MHD_OPTION_END);
	return l->mhd ? 0 : -EIO;
}

int http_start(const char *const *listen, unsigned int nr_listen,
	       bool allow_remote, http_dispatch_fn dispatch, void *app,
	       struct http_server **out, char *err, size_t err_len)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	unsigned int limit = connection_limit(nr_listen);
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
		l->srv = srv;
		ret = !strncmp(listen[i], "unix:", 5) ?
		      bind_unix(l, listen[i] + 5, err, err_len) :
		      bind_tcp(l, listen[i], allow_remote, err, err_len);
		if (ret)
			goto fail;
		ret = start_listener(l, limit);
		if (ret) {
			snprintf(err, err_len, "--listen %s: the HTTP server did not start",
				 listen[i]);
			goto fail;
		}
	}
	*out = srv;
	return 0;
fail:
	http_stop(srv);
	return ret;
}

unsigned int http_bound_port(struct http_server *srv, unsigned int i)
{
	return i < srv->n ? srv->l[i].port : 0;
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
