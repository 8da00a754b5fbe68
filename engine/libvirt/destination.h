/* SPDX-License-Identifier: MIT */
/*
 * Where a migration goes: "local", or a libvirt URI of another host that
 * the root worker may open.  libvirt URIs can make the client run a
 * program (?command=, ?netcat=) or open a path (?socket=, ?keyfile=), and
 * qemu+ext:// runs one by design, so a destination is parsed strictly:
 *
 *   qemu+{ssh,libssh,libssh2,tls,tcp}://[USER@]HOST[:PORT]/system[?NAME=VALUE&...]
 *
 * HOST a DNS name, an IPv4 address or a bracketed IPv6 address; USER
 * letters, digits and ._- not starting with . or -; only parameters the
 * administrator allows (site policy), values letters, digits and ._-.
 */
#ifndef MIGBENCH_DESTINATION_H
#define MIGBENCH_DESTINATION_H

#include <stddef.h>

#include "error.h"
#include "site.h"

#define MB_DESTINATION_MAX 255

/* Check text; 0, or -EINVAL with err naming "destination". */
int mb_destination_check(const char *text, const struct mb_site_policy *site,
			 struct mb_error *err);

#endif
