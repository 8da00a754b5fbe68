// SPDX-License-Identifier: MIT

#include "http/access.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http/reply.h"
#include "http/request.h"

/* Most the group and user databases may need for one entry. */
#define MAX_NSS_BUFFER	(1024 * 1024)
#define MAX_GROUPS	65536

/* getgrnam_r/getpwuid_r want a buffer of a size only found by trying. */
static bool group_id(const char *name, gid_t *gid)
{
	struct group grp, *found = NULL;
	size_t len = 16384;
	char *buf = NULL;
	int rc;

	do {
		char *b = realloc(buf, len);

		if (!b)
			break;
		buf = b;
		rc = getgrnam_r(name, &grp, buf, len, &found);
		len *= 2;
	} while (rc == ERANGE && len <= MAX_NSS_BUFFER);
	if (found)
		*gid = grp.gr_gid;
	free(buf);
	return found != NULL;
}

/* The groups of uid's user: its primary group and the supplementary ones. */
static bool user_in_group(uid_t uid, gid_t want)
{
	struct passwd pw, *found = NULL;
	size_t len = 16384;
	char *buf = NULL;
	gid_t *groups = NULL;
	int n = 64, rc;
	bool in = false;

	do {
		char *b = realloc(buf, len);

		if (!b)
			goto out;
		buf = b;
		rc = getpwuid_r(uid, &pw, buf, len, &found);
		len *= 2;
	} while (rc == ERANGE && len <= MAX_NSS_BUFFER);
	if (!found)
		goto out;
	if (pw.pw_gid == want) {
		in = true;
		goto out;
	}
	for (;;) {
		gid_t *g = realloc(groups, (size_t)n * sizeof(*g));
		int got = n;

		if (!g)
			goto out;
		groups = g;
		if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &got) >= 0) {
			for (int i = 0; i < got; i++)
				in |= groups[i] == want;
			break;
		}
		if (got <= n || got > MAX_GROUPS)
			break;
		n = got;
	}
out:
	free(groups);
	free(buf);
	return in;
}

/*
 * Looked up on every request that changes state, not once at start, so
 * that adding a user to the group (or creating it) takes effect at once.
 */
bool access_is_operator(uid_t uid, gid_t gid)
{
	gid_t want;

	if (uid == 0)
		return true;
	if (!group_id(ACCESS_GROUP, &want))
		return false;
	return gid == want || user_in_group(uid, want);
}

/* Constant time in the length of the configured token. */
static bool token_matches(const char *given, const char *token)
{
	size_t n = strlen(token), g = strlen(given);
	unsigned char diff = (unsigned char)(g != n);

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(token[i] ^ (i < g ? given[i] : 0));
	return diff == 0;
}

static bool bearer_ok(const struct http_request *r, const struct access_policy *p)
{
	const char *auth = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);

	return p->token && auth && !strncmp(auth, "Bearer ", 7) &&
	       token_matches(auth + 7, p->token);
}

/* host is name, or name:port with the port given (any port when port is 0). */
static bool host_is(const char *host, const char *name, unsigned int port,
		    bool bare_ok)
{
	size_t n = strlen(name);
	char *end;
	unsigned long v;

	if (strncasecmp(host, name, n))
		return false;
	if (!host[n])
		return bare_ok;
	if (host[n] != ':' || host[n + 1] < '0' || host[n + 1] > '9')
		return false;
	v = strtoul(host + n + 1, &end, 10);
	return !*end && (port == 0 || v == port);
}

bool access_check_host(struct http_request *r, const struct access_policy *p)
{
	const char *host = http_header(r, MHD_HTTP_HEADER_HOST);
	bool via_unix = r->peer.via_unix;
	unsigned int port = r->peer.port;	/* 0 on a unix socket: any */

	if (!host && via_unix)
		return true;
	if (host) {
		if (host_is(host, "localhost", port, true) ||
		    host_is(host, "127.0.0.1", port, via_unix) ||
		    host_is(host, "[::1]", port, via_unix) ||
		    (!via_unix && r->peer.listen_address &&
		     !strcasecmp(host, r->peer.listen_address)))
			return true;
		for (const char *const *name = p->host_names; name && *name; name++)
			if (host_is(host, *name, port, true))
				return true;
	}
	http_reply_problem(r, 421, NULL,
			   "this migbenchd does not answer for Host \"%.100s\": use localhost or the address it listens on, or add the name to host_names in its config file",
			   host ? host : "");
	return false;
}

/*
 * A browser sends Origin with every POST, and Sec-Fetch-Site with every
 * request: refuse what another site's page sends, even to a peer that
 * could change state, since the browser may run as that peer.
 */
static bool same_origin(const struct http_request *r)
{
	const char *origin = http_header(r, "Origin");
	const char *site = http_header(r, "Sec-Fetch-Site");
	const char *host = http_header(r, MHD_HTTP_HEADER_HOST);

	if (site && !strcasecmp(site, "cross-site"))
		return false;
	if (!origin)
		return true;
	if (!strncasecmp(origin, "http://", 7))
		origin += 7;
	else if (!strncasecmp(origin, "https://", 8))
		origin += 8;
	else
		return false;	/* "null" among others */
	return host && !strcasecmp(origin, host);
}

bool access_check_change(struct http_request *r, const struct access_policy *p)
{
	const struct http_peer *peer = &r->peer;

	if (!same_origin(r)) {
		http_reply_problem(r, 403, NULL,
				   "%s %s from another web origin is refused; use migbench's own pages",
				   r->method, r->url);
		return false;
	}
	if (bearer_ok(r, p) ||
	    (peer->via_unix && peer->creds_known && access_is_operator(peer->uid, peer->gid)))
		return true;
	if (p->token)
		http_reply_problem_headers(r, 401,
			(const char *const[]){ "WWW-Authenticate", "Bearer realm=\"migbench\"", NULL },
			"%s %s needs the bearer token configured in migbenchd, or the unix socket as root or a member of group " ACCESS_GROUP,
			r->method, r->url);
	else if (!peer->via_unix)
		http_reply_problem(r, 403, NULL,
				   "migbenchd is read-only over TCP without a token: to %s %s, use the unix socket as root or a member of group " ACCESS_GROUP ", or configure a token in migbenchd (--token-file) and send it as a bearer token",
				   r->method, r->url);
	else
		http_reply_problem(r, 403, NULL,
				   "uid %u may not %s %s: use the unix socket as root or a member of group " ACCESS_GROUP ", or configure a token in migbenchd (--token-file) and send it as a bearer token",
				   (unsigned int)peer->uid, r->method, r->url);
	return false;
}
