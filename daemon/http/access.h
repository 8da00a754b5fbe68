/* SPDX-License-Identifier: MIT */
/*
 * Who may do what: the Host a request names (against DNS rebinding),
 * where a request that changes state comes from (Origin, Sec-Fetch-Site:
 * against other web pages), and who sent it (the unix socket peer's
 * credentials, or the bearer token).
 *
 * Reading is open to anyone who can connect.  Changing state (every POST)
 * needs the bearer token, or the unix socket from root or a member of
 * the group ACCESS_GROUP; over TCP without a token the API is read-only.
 */
#ifndef MIGBENCH_ACCESS_H
#define MIGBENCH_ACCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "http/request.h"

#define ACCESS_GROUP "migbench"

struct access_policy {
	const char *token;		/* NULL: no token configured */
	const char *const *host_names;	/* more names for Host, NULL-terminated */
};

/*
 * The Host header must name this server: localhost, or the listener's
 * address (127.0.0.1:PORT, [::1]:PORT, as bound), or a configured name,
 * with the listener's port (localhost and names also without).  A unix
 * socket takes localhost names with any port, configured names, or no
 * Host: a browser cannot reach it.  Replies 421 and returns false.
 */
bool access_check_host(struct http_request *r, const struct access_policy *p);

/*
 * A request that changes state: refused 403 when it comes from another
 * web origin, then 401/403 unless the peer or the token may change
 * state.  Replies and returns false when refused.
 */
bool access_check_change(struct http_request *r, const struct access_policy *p);

/* Root, or uid/gid in ACCESS_GROUP (primary or supplementary). */
bool access_is_operator(uid_t uid, gid_t gid);

#endif
