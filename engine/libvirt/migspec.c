// SPDX-License-Identifier: MIT
#include "migspec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "destination.h"
#include "guestfile.h"
#include "hugepages.h"
#include "units.h"

/* The backings a migration guest takes, and their names, in one order. */
const char *const mig_backing_names[] = { "hugetlb-1g", "hugetlb-2m", "anonymous", NULL };
static const enum mb_backing mig_backings[] = {
	MB_BACKING_HUGETLB_1G, MB_BACKING_HUGETLB_2M, MB_BACKING_ANONYMOUS,
};

void mb_migspec_init(struct mb_migspec *s)
{
	memset(s, 0, sizeof(*s));
	s->vcpus = 2;
	s->memory = 1ULL << 30;
	s->backing = MB_BACKING_HUGETLB_1G;
	s->access = MB_ACCESS_SEQUENTIAL;
	snprintf(s->destination, sizeof(s->destination), "local");
	s->trace = true;
	s->dirty_rate_calc_s = 1;
}

uint64_t mb_migspec_page_size(const struct mb_migspec *s)
{
	return mb_backing_hugepage_size(s->backing);
}

static int get_u64(struct json_object *v, const char *key, uint64_t max, uint64_t *out,
		   struct mb_error *err)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return mb_fail(err, key, "must be a non-negative integer");
	if (json_object_get_uint64(v) > max)
		return mb_fail(err, key, "must be at most %llu", (unsigned long long)max);
	*out = json_object_get_uint64(v);
	return 0;
}

static int get_size(struct json_object *v, const char *key, uint64_t *out,
		    struct mb_error *err)
{
	if (json_object_is_type(v, json_type_string)) {
		if (mb_parse_size(json_object_get_string(v), out))
			return mb_fail(err, key, "must be a byte count such as 1G or 512M");
		return 0;
	}
	return get_u64(v, key, UINT64_MAX, out, err);
}

static int get_bool(struct json_object *v, const char *key, bool *out, struct mb_error *err)
{
	if (!json_object_is_type(v, json_type_boolean))
		return mb_fail(err, key, "must be true or false");
	*out = json_object_get_boolean(v);
	return 0;
}

/* One of names, by its index; the error lists them: must be "a", "b" or "c". */
static int get_name(struct json_object *v, const char *key, const char *const *names,
		    unsigned int *index, struct mb_error *err)
{
	char list[256] = "";
	size_t len = 0;
	unsigned int i;

	for (i = 0; names[i]; i++) {
		if (json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(v), names[i])) {
			*index = i;
			return 0;
		}
	}
	for (unsigned int j = 0; j < i && len < sizeof(list); j++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s\"%s\"",
					!j ? "" : j + 1 == i ? " or " : ", ", names[j]);
	return mb_fail(err, key, "must be %s", list);
}

/* A guest kernel or initrd: a file in the administrator's directory. */
static int get_path(struct json_object *v, const char *key, const struct mb_site_policy *site,
		    char *out, size_t len, struct mb_error *err)
{
	if (!json_object_is_type(v, json_type_string))
		return mb_fail(err, key, "must be a string");
	return mb_guestfile_resolve(key, json_object_get_string(v),
				    site ? site->guest_kernel_dir : NULL, out, len, err);
}

/* "local", or a libvirt URI to another host (destination.h). */
static int get_destination(struct json_object *v, const struct mb_site_policy *site,
			   char *out, size_t len, struct mb_error *err)
{
	const char *d;
	int ret;

	if (!json_object_is_type(v, json_type_string))
		return mb_fail(err, "destination", "must be a string");
	d = json_object_get_string(v);
	ret = mb_destination_check(d, site, err);
	if (!ret)
		snprintf(out, len, "%s", d);
	return ret;
}

int mb_migspec_from_json(struct mb_migspec *s, struct json_object *obj,
			 unsigned int online_cpus, const struct mb_site_policy *site,
			 struct mb_error *err)
{
	uint64_t v, page;
	unsigned int i;
	int ret = 0;

	json_object_object_foreach(obj, key, val) {
		if (!strcmp(key, "vcpus")) {
			ret = get_u64(val, key, 64, &v, err);
			if (!ret && (v < 1 || v > online_cpus))
				ret = mb_fail(err, key, "must be between 1 and %u (online CPUs)", online_cpus);
			s->vcpus = (unsigned int)v;
		} else if (!strcmp(key, "memory")) {
			ret = get_size(val, key, &s->memory, err);
		} else if (!strcmp(key, "backing")) {
			ret = get_name(val, key, mig_backing_names, &i, err);
			if (!ret)
				s->backing = mig_backings[i];
		} else if (!strcmp(key, "wss")) {
			ret = get_size(val, key, &s->wss, err);
		} else if (!strcmp(key, "access")) {
			ret = get_name(val, key, mb_access_names, &i, err);
			if (!ret)
				s->access = (enum mb_access)i;
		} else if (!strcmp(key, "rate_mib_s")) {
			ret = get_u64(val, key, 1000000, &s->rate_mib_s, err);
		} else if (!strcmp(key, "destination")) {
			ret = get_destination(val, site, s->destination, sizeof(s->destination), err);
		} else if (!strcmp(key, "max_bandwidth")) {
			ret = get_u64(val, key, 1000000, &s->max_bandwidth, err);
		} else if (!strcmp(key, "downtime_limit_ms")) {
			ret = get_u64(val, key, 60000, &s->downtime_limit_ms, err);
		} else if (!strcmp(key, "postcopy")) {
			ret = get_bool(val, key, &s->postcopy, err);
		} else if (!strcmp(key, "auto_converge")) {
			ret = get_bool(val, key, &s->auto_converge, err);
		} else if (!strcmp(key, "dirty_ring_entries")) {
			ret = get_u64(val, key, MB_RING_MAX_ENTRIES, &s->dirty_ring_entries, err);
			if (!ret && s->dirty_ring_entries &&
			    (s->dirty_ring_entries < MB_RING_MIN_ENTRIES ||
			     (s->dirty_ring_entries & (s->dirty_ring_entries - 1))))
				ret = mb_fail(err, key, "must be 0 or a power of two from 256 to 65536");
		} else if (!strcmp(key, "cancel_after_iterations")) {
			ret = get_u64(val, key, 1000, &s->cancel_after_iterations, err);
		} else if (!strcmp(key, "postcopy_after_iterations")) {
			ret = get_u64(val, key, 1000, &s->postcopy_after_iterations, err);
		} else if (!strcmp(key, "trace")) {
			ret = get_bool(val, key, &s->trace, err);
		} else if (!strcmp(key, "verify_trace")) {
			ret = get_bool(val, key, &s->verify_trace, err);
		} else if (!strcmp(key, "dirty_rate_calc_s")) {
			ret = get_u64(val, key, 60, &s->dirty_rate_calc_s, err);
		} else if (!strcmp(key, "guest_kernel")) {
			ret = get_path(val, key, site, s->guest_kernel, sizeof(s->guest_kernel), err);
		} else if (!strcmp(key, "guest_initrd")) {
			ret = get_path(val, key, site, s->guest_initrd, sizeof(s->guest_initrd), err);
		} else if (!strcmp(key, "guest_cmdline")) {
			const char *c = json_object_get_string(val);

			if (!json_object_is_type(val, json_type_string) || strlen(c) >= sizeof(s->guest_cmdline) ||
			    strpbrk(c, "\n<>&'\""))
				ret = mb_fail(err, key, "must be a string of at most 511 characters without quotes or <>&");
			else
				snprintf(s->guest_cmdline, sizeof(s->guest_cmdline), "%s", c);
		} else {
			ret = mb_fail(err, key, "unknown key");
		}
		if (ret)
			return ret;
	}
	page = mb_migspec_page_size(s);
	/* migbench's own guest runs with paging off, below 4GiB */
	if (s->memory < (64ULL << 20) || (page && s->memory % page) ||
	    s->memory > (s->guest_kernel[0] ? 1ULL << 40 : 3ULL << 30))
		return mb_fail(err, "memory",
			    "must be 64M to %s and a multiple of the %s page size",
			    s->guest_kernel[0] ? "1T" : "3G (migbench's guest runs below 4GiB)",
			    page == MB_SIZE_1G ? "1GiB" : page ? "2MiB" : "4KiB");
	if (s->wss && s->wss + (16ULL << 20) > s->memory)
		return mb_fail(err, "wss", "must leave the guest's first 16MiB free (at most memory - 16M)");
	if ((s->guest_initrd[0] || s->guest_cmdline[0]) && !s->guest_kernel[0])
		return mb_fail(err, "guest_kernel", "needed with guest_initrd or guest_cmdline");
	if (s->postcopy && s->cancel_after_iterations)
		return mb_fail(err, "cancel_after_iterations", "cannot be combined with postcopy");
	if (s->postcopy_after_iterations && !s->postcopy)
		return mb_fail(err, "postcopy_after_iterations", "needs \"postcopy\": true");
	if (s->verify_trace && !s->trace)
		return mb_fail(err, "verify_trace", "needs \"trace\": true");
	return 0;
}

struct json_object *mb_migspec_to_json(const struct mb_migspec *s)
{
	struct json_object *o = json_object_new_object();
	char size[32];

	json_object_object_add(o, "vcpus", json_object_new_int(s->vcpus));
	mb_format_size(s->memory, size, sizeof(size));
	json_object_object_add(o, "memory", json_object_new_string(size));
	json_object_object_add(o, "backing", json_object_new_string(mb_backing_name(s->backing)));
	mb_format_size(s->wss, size, sizeof(size));
	json_object_object_add(o, "wss", s->wss ? json_object_new_string(size) : json_object_new_int(0));
	json_object_object_add(o, "access", json_object_new_string(mb_access_name(s->access)));
	json_object_object_add(o, "rate_mib_s", json_object_new_uint64(s->rate_mib_s));
	json_object_object_add(o, "destination", json_object_new_string(s->destination));
	json_object_object_add(o, "max_bandwidth", json_object_new_uint64(s->max_bandwidth));
	json_object_object_add(o, "downtime_limit_ms", json_object_new_uint64(s->downtime_limit_ms));
	json_object_object_add(o, "postcopy", json_object_new_boolean(s->postcopy));
	json_object_object_add(o, "auto_converge", json_object_new_boolean(s->auto_converge));
	json_object_object_add(o, "dirty_ring_entries", json_object_new_uint64(s->dirty_ring_entries));
	json_object_object_add(o, "cancel_after_iterations",
			       json_object_new_uint64(s->cancel_after_iterations));
	json_object_object_add(o, "postcopy_after_iterations",
			       json_object_new_uint64(s->postcopy_after_iterations));
	json_object_object_add(o, "trace", json_object_new_boolean(s->trace));
	json_object_object_add(o, "verify_trace", json_object_new_boolean(s->verify_trace));
	json_object_object_add(o, "dirty_rate_calc_s", json_object_new_uint64(s->dirty_rate_calc_s));
	if (s->guest_kernel[0])
		json_object_object_add(o, "guest_kernel", json_object_new_string(s->guest_kernel));
	if (s->guest_initrd[0])
		json_object_object_add(o, "guest_initrd", json_object_new_string(s->guest_initrd));
	if (s->guest_cmdline[0])
		json_object_object_add(o, "guest_cmdline", json_object_new_string(s->guest_cmdline));
	return o;
}
