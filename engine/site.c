// SPDX-License-Identifier: MIT
#include "site.h"

#include <errno.h>
#include <string.h>

/*
 * libvirt URI parameters that name a program to run, a path to open, or
 * another URI: allowing any of them would let a request choose what root
 * runs or reads.  See libvirt's remote URI documentation.
 */
static const char *const never_allowed[] = {
	"command", "socket", "netcat", "keyfile", "known_hosts", "pkipath", "name",
	"tls_priority", "authfile", NULL,
};

const char *mb_site_state_dir(const struct mb_site_policy *site)
{
	return site && site->state_dir && site->state_dir[0] ? site->state_dir :
	       MB_SITE_DEFAULT_STATE_DIR;
}

int mb_site_query_allowed(const struct mb_site_policy *site, const char *name)
{
	if (!site || !site->destination_query_allow)
		return 0;
	for (const char *const *a = site->destination_query_allow; *a; a++)
		if (!strcmp(*a, name))
			return 1;
	return 0;
}

int mb_site_check_query_name(const char *name, struct mb_error *err)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz_");

	if (!name[0] || name[n] || n > 32)
		return mb_fail(err, "destination_query_allow",
			       "\"%.40s\" is not a parameter name (lower-case letters and _)", name);
	for (const char *const *p = never_allowed; *p; p++)
		if (!strcmp(*p, name))
			return mb_fail(err, "destination_query_allow",
				       "\"%s\" names a program, a path or another URI and cannot be allowed",
				       name);
	return 0;
}

struct json_object *mb_site_to_json(const struct mb_site_policy *site)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	if (site && site->guest_kernel_dir)
		json_object_object_add(o, "guest_kernel_dir",
				       json_object_new_string(site->guest_kernel_dir));
	json_object_object_add(o, "state_dir", json_object_new_string(mb_site_state_dir(site)));
	for (const char *const *p = site ? site->destination_query_allow : NULL; p && *p; p++)
		json_object_array_add(a, json_object_new_string(*p));
	json_object_object_add(o, "destination_query_allow", a);
	return o;
}

static const char *string_of(struct json_object *obj, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(obj, key, &v) &&
	       json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int mb_site_from_json(struct json_object *obj, struct mb_site_policy *site,
		      const char **names, size_t max_names)
{
	struct json_object *a;
	size_t n = 0;

	memset(site, 0, sizeof(*site));
	if (!json_object_is_type(obj, json_type_object))
		return -EINVAL;
	site->guest_kernel_dir = string_of(obj, "guest_kernel_dir");
	site->state_dir = string_of(obj, "state_dir");
	if (json_object_object_get_ex(obj, "destination_query_allow", &a) &&
	    json_object_is_type(a, json_type_array))
		for (size_t i = 0; i < json_object_array_length(a) && n + 1 < max_names; i++) {
			const char *name = json_object_get_string(json_object_array_get_idx(a, i));

			/* checked again: the worker trusts no one's list */
			if (name && !mb_site_check_query_name(name, NULL))
				names[n++] = name;
		}
	names[n] = NULL;
	site->destination_query_allow = names;
	return 0;
}
