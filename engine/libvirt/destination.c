// SPDX-License-Identifier: MIT
#include "destination.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD "destination"
#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* qemu+ext and qemu+unix are left out on purpose: one runs a program, one opens a path. */
static const char *const schemes[] = {
	"qemu+ssh", "qemu+libssh", "qemu+libssh2", "qemu+tls", "qemu+tcp", NULL,
};

/* n characters of s, each one of chars (none a NUL). */
static bool all_of(const char *s, size_t n, const char *chars)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(chars, s[i]))
			return false;
	return true;
}

static bool is_label(const char *s, size_t n)
{
	return n >= 1 && n <= 63 && s[0] != '-' && s[n - 1] != '-' && all_of(s, n, ALNUM "-");
}

static bool is_dns_name(const char *s, size_t n)
{
	size_t start = 0;

	if (n < 1 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++)
		if (i == n || s[i] == '.') {
			if (!is_label(s + start, i - start))
				return false;
			start = i + 1;
		}
	return true;
}

static bool is_host(const char *s, size_t n)
{
	char buf[64];
	unsigned char addr[16];

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (n - 2 >= sizeof(buf) || strspn(s + 1, "0123456789abcdefABCDEF:.") != n - 2)
			return false;
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		return inet_pton(AF_INET6, buf, addr) == 1;
	}
	if (n < sizeof(buf) && strspn(s, "0123456789.") == n) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		return inet_pton(AF_INET, buf, addr) == 1;
	}
	return is_dns_name(s, n);
}

static bool is_user(const char *s, size_t n)
{
	return n >= 1 && n <= 32 && s[0] != '.' && s[0] != '-' && all_of(s, n, ALNUM "._-");
}

static bool is_port(const char *s, size_t n)
{
	unsigned long v = 0;

	if (n < 1 || n > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535;
}

/* "name=value&name=value": each name allowed, each value plain. */
static int check_query(const char *q, const struct mb_site_policy *site, struct mb_error *err)
{
	while (*q) {
		size_t len = strcspn(q, "&"), name_len = strcspn(q, "=");
		char name[40];

		if (name_len >= len || name_len >= sizeof(name))
			return mb_fail(err, FIELD, "URI parameters must be name=value");
		memcpy(name, q, name_len);
		name[name_len] = '\0';
		if (!mb_site_query_allowed(site, name))
			return mb_fail(err, FIELD, "the URI parameter \"%s\" is not in migbenchd's "
				       "destination_query_allow", name);
		if (len - name_len - 1 < 1 || len - name_len - 1 > 64 ||
		    strspn(q + name_len + 1, ALNUM "._-") != len - name_len - 1)
			return mb_fail(err, FIELD, "the value of \"%s\" must be letters, digits or ._-",
				       name);
		q += len;
		if (*q == '&' && !*++q)
			return mb_fail(err, FIELD, "URI parameters must be name=value");
	}
	return 0;
}

int mb_destination_check(const char *d, const struct mb_site_policy *site,
			 struct mb_error *err)
{
	const char *scheme_end, *auth, *auth_end, *at, *host, *rest;
	const char *colon;
	bool known = false;

	if (strlen(d) > MB_DESTINATION_MAX)
		return mb_fail(err, FIELD, "must be at most %d characters", MB_DESTINATION_MAX);
	if (!strcmp(d, "local"))
		return 0;
	scheme_end = strstr(d, "://");
	for (const char *const *s = schemes; scheme_end && *s; s++)
		known |= strlen(*s) == (size_t)(scheme_end - d) && !strncmp(d, *s, strlen(*s));
	if (!known)
		return mb_fail(err, FIELD, "must be \"local\" or a libvirt URI "
			       "qemu+ssh://, qemu+libssh://, qemu+libssh2://, qemu+tls:// or qemu+tcp://HOST/system");
	auth = scheme_end + 3;
	auth_end = auth + strcspn(auth, "/?#");
	if (*auth_end != '/')
		return mb_fail(err, FIELD, "must name a host and the path /system");
	at = memchr(auth, '@', (size_t)(auth_end - auth));
	if (at && !is_user(auth, (size_t)(at - auth)))
		return mb_fail(err, FIELD, "the user must be letters, digits or ._-");
	host = at ? at + 1 : auth;
	/* the port's colon comes after an IPv6 address's closing bracket */
	colon = host[0] == '[' ? memchr(host, ']', (size_t)(auth_end - host)) : host;
	colon = colon ? memchr(colon, ':', (size_t)(auth_end - colon)) : NULL;
	if (colon && !is_port(colon + 1, (size_t)(auth_end - colon - 1)))
		return mb_fail(err, FIELD, "the port must be a number from 1 to 65535");
	if (!is_host(host, (size_t)((colon ? colon : auth_end) - host)))
		return mb_fail(err, FIELD, "the host must be a DNS name, an IPv4 address or "
			       "an IPv6 address in brackets");
	rest = auth_end + strlen("/system");
	if (strncmp(auth_end, "/system", 7) || (*rest && *rest != '?'))
		return mb_fail(err, FIELD, "the path must be /system");
	if (*rest && !rest[1])
		return mb_fail(err, FIELD, "URI parameters must be name=value");
	return *rest ? check_query(rest + 1, site, err) : 0;
}
