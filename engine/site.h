/* SPDX-License-Identifier: MIT */
/*
 * What the administrator lets runs use, from migbenchd's config file:
 * the directory guest kernels come from, the libvirt URI parameters a
 * destination may carry, and where runs keep their private state.  The
 * daemon checks requests against it, and hands it to the worker, which
 * checks again before anything runs as root.
 */
#ifndef MIGBENCH_SITE_H
#define MIGBENCH_SITE_H

#include <json-c/json.h>

#include "error.h"

#define MB_SITE_MAX_QUERY 16
/* Private state of migration runs when no state_dir is configured. */
#define MB_SITE_DEFAULT_STATE_DIR "/run/migbench/libvirtd"

struct mb_site_policy {
	const char *guest_kernel_dir;	/* NULL: runs may name no guest kernel */
	/* destination URI parameters allowed, NULL-ended; NULL: none */
	const char *const *destination_query_allow;
	const char *state_dir;		/* NULL: MB_SITE_DEFAULT_STATE_DIR */
};

/* state_dir, or the default. */
const char *mb_site_state_dir(const struct mb_site_policy *site);

/* Whether a destination URI may carry parameter name (NULL site: none). */
int mb_site_query_allowed(const struct mb_site_policy *site, const char *name);

/*
 * A parameter name an administrator may allow: lower-case letters and _,
 * and none of those that make libvirt run a program or open a path
 * (command, socket, netcat, keyfile, ...).  0 or -EINVAL with err.
 */
int mb_site_check_query_name(const char *name, struct mb_error *err);

/* For the worker's request: the policy as JSON, and back (strings borrowed from obj). */
struct json_object *mb_site_to_json(const struct mb_site_policy *site);
int mb_site_from_json(struct json_object *obj, struct mb_site_policy *site,
		      const char **names, size_t max_names);

#endif
