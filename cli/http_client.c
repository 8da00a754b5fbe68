// SPDX-License-Identifier: MIT
#include "http_client.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_RESPONSE (512 * 1024 * 1024)

static int connect_target(const struct http_target *t)
{
	int fd;

	if (t->unix_path) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(t->unix_path) >= sizeof(sun.sun_path))
			return -ENAMETOOLONG;
		strcpy(sun.sun_path, t->unix_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
			int e = -errno;

			if (fd >= 0)
				close(fd);
			return e;
		}
		return fd;
	} else {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
					  .ai_flags = AI_NUMERICSERV }, *ai, *p;
		int rc = getaddrinfo(t->host, t->port, &hints, &ai);

		if (rc)
			return -EHOSTUNREACH;
		fd = -ECONNREFUSED;
		for (p = ai; p; p = p->ai_next) {
			fd = socket(p->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd >= 0 && !connect(fd, p->ai_addr, p->ai_addrlen))
				break;
			if (fd >= 0)
				close(fd);
			fd = -errno;
		}
		freeaddrinfo(ai);
		return fd;
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void header_value(const char *headers, const char *name, char *out,
			 size_t len)
{
	size_t n = strlen(name);

	out[0] = '\0';
	for (const char *line = headers; line && *line;) {
		const char *end = strstr(line, "\r\n");

		if (!strncasecmp(line, name, n) && line[n] == ':') {
			const char *v = line + n + 1;
			size_t vl;

			v += strspn(v, " \t");
			vl = end ? (size_t)(end - v) : strlen(v);
			snprintf(out, len, "%.*s", (int)vl, v);
			return;
		}
		line = end ? end + 2 : NULL;
	}
}

/*
 * Undo chunked transfer coding in place (RFC 9112 7.1): the daemon
 * streams large bodies.  Extensions and trailers are skipped.  Returns
 * the decoded length, or -EPROTO.
 */
static ssize_t dechunk(char *body, size_t len)
{
	char *in = body, *end = body + len, *out = body;

	for (;;) {
		char *line_end = memmem(in, (size_t)(end - in), "\r\n", 2), *p;
		unsigned long size = strtoul(in, &p, 16);

		if (!line_end || p == in || p > line_end)
			return -EPROTO;
		in = line_end + 2;
		if (!size)
			break;
		if (size > (size_t)(end - in) || (size_t)(end - in) - size < 2)
			return -EPROTO;
		memmove(out, in, size);
		out += size;
		in += size + 2;
	}
	*out = '\0';
	return out - body;
}

int http_request(const struct http_target *t, const char *method,
		 const char *path, const char *json_body,
		 struct http_response *resp)
{
	char head[1024], host[300], coding[32], *buf = NULL, *body;
	size_t len = 0, cap = 0, blen = json_body ? strlen(json_body) : 0;
	int fd, ret;

	memset(resp, 0, sizeof(*resp));
	fd = connect_target(t);
	if (fd < 0)
		return fd;
	/* the daemon checks Host against its own addresses, port included */
	if (t->unix_path)
		snprintf(host, sizeof(host), "localhost");
	else
		snprintf(host, sizeof(host), strchr(t->host, ':') ? "[%s]:%s" : "%s:%s",
			 t->host, t->port);
	snprintf(head, sizeof(head),
		 "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
		 "Accept: application/json\r\n%s%s%s%s%s"
		 "Content-Length: %zu\r\n\r\n",
		 method, path, host,
		 json_body ? "Content-Type: application/json\r\n" : "",
		 t->token ? "Authorization: Bearer " : "", t->token ? t->token : "",
		 t->token ? "\r\n" : "", "", blen);
	ret = write_all(fd, head, strlen(head));
	if (!ret && blen)
		ret = write_all(fd, json_body, blen);
	while (!ret) {
		ssize_t n;

		if (len + 65536 + 1 > cap) {
			char *b;

			cap = cap * 2 + 65536 + 1;
			if (cap > MAX_RESPONSE || !(b = realloc(buf, cap))) {
				ret = -E2BIG;
				break;
			}
			buf = b;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (ret || !buf) {
		free(buf);
		return ret ? ret : -EPROTO;
	}
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	if (!body || sscanf(buf, "HTTP/1.%*d %d", &resp->status) != 1) {
		free(buf);
		return -EPROTO;
	}
	*body = '\0';
	header_value(buf, "Content-Type", resp->content_type, sizeof(resp->content_type));
	header_value(buf, "Location", resp->location, sizeof(resp->location));
	header_value(buf, "Transfer-Encoding", coding, sizeof(coding));
	body += 4;
	resp->body_len = len - (size_t)(body - buf);
	memmove(buf, body, resp->body_len + 1);
	resp->body = buf;
	if (!strcasecmp(coding, "chunked")) {
		ssize_t n = dechunk(buf, resp->body_len);

		if (n < 0) {
			http_response_free(resp);
			return (int)n;
		}
		resp->body_len = (size_t)n;
	}
	return 0;
}

void http_response_free(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}

int http_parse_url(char *url, struct http_target *t)
{
	char *hostport, *colon, *slash;

	if (strncmp(url, "http://", 7))
		return -EINVAL;
	hostport = url + 7;
	slash = strchr(hostport, '/');
	if (slash)
		*slash = '\0';
	colon = strrchr(hostport, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (hostport[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		hostport++;
	}
	t->unix_path = NULL;
	t->host = hostport;
	t->port = colon + 1;
	return 0;
}
