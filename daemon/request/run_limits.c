// SPDX-License-Identifier: MIT

#include "request/run_limits.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "units.h"

void limits_default(struct limits *l)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	uint64_t ram = pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 8ULL << 30;

	/* the host, the daemon and the kernel under test keep the other half */
	l->guest_memory_per_run = ram / 2;
	l->hugepage_memory_per_run = ram / 2;
	/* about 40 bytes each in the store: 400MB of database per run */
	l->samples_per_run = 10 * 1000 * 1000;
	l->queued_runs = 1000;
}

static int load_size(const char *key, struct json_object *v, uint64_t *out,
		     char *err, size_t err_len)
{
	if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0) {
		*out = (uint64_t)json_object_get_int64(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_string) &&
	    !mb_parse_size(json_object_get_string(v), out) && *out)
		return 0;
	snprintf(err, err_len, "limits: %s: must be a byte count above 0 such as \"16G\"", key);
	return -EINVAL;
}

static int load_count(const char *key, struct json_object *v, uint64_t *out,
		      char *err, size_t err_len)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0) {
		snprintf(err, err_len, "limits: %s: must be an integer above 0", key);
		return -EINVAL;
	}
	*out = (uint64_t)json_object_get_int64(v);
	return 0;
}

int limits_load(struct limits *l, struct json_object *obj, char *err, size_t err_len)
{
	int ret = 0;

	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, err_len, "limits: must be an object");
		return -EINVAL;
	}
	json_object_object_foreach(obj, key, v) {
		if (!strcmp(key, "guest_memory_per_run"))
			ret = load_size(key, v, &l->guest_memory_per_run, err, err_len);
		else if (!strcmp(key, "hugepage_memory_per_run"))
			ret = load_size(key, v, &l->hugepage_memory_per_run, err, err_len);
		else if (!strcmp(key, "samples_per_run"))
			ret = load_count(key, v, &l->samples_per_run, err, err_len);
		else if (!strcmp(key, "queued_runs"))
			ret = load_count(key, v, &l->queued_runs, err, err_len);
		else {
			snprintf(err, err_len, "limits: %s: unknown key", key);
			ret = -EINVAL;
		}
		if (ret)
			return ret;
	}
	return 0;
}

int limits_check_run(const struct limits *l, const struct mb_run_needs *needs,
		     struct mb_error *err)
{
	char have[32], limit[32];
	uint64_t huge = 0;

	if (needs->memory_bytes > l->guest_memory_per_run) {
		mb_format_size(needs->memory_bytes, have, sizeof(have));
		mb_format_size(l->guest_memory_per_run, limit, sizeof(limit));
		return mb_fail(err, needs->memory_key,
			       "the run's guests would have %s of memory%s, over the limit "
			       "guest_memory_per_run = %s", have,
			       needs->memory_doubled ? " (both ends of a local migration)" : "",
			       limit);
	}
	for (unsigned int i = 0; i < MB_MAX_POOLS; i++)
		huge += (uint64_t)needs->hugepages[i].pages * needs->hugepages[i].page_size;
	if (huge > l->hugepage_memory_per_run) {
		mb_format_size(huge, have, sizeof(have));
		mb_format_size(l->hugepage_memory_per_run, limit, sizeof(limit));
		return mb_fail(err, needs->memory_key,
			       "the run would hold %s of hugepages, over the limit "
			       "hugepage_memory_per_run = %s", have, limit);
	}
	if (needs->samples > l->samples_per_run)
		return mb_fail(err, needs->samples_key,
			       "the run would record up to %llu samples, over the limit "
			       "samples_per_run = %llu", (unsigned long long)needs->samples,
			       (unsigned long long)l->samples_per_run);
	return 0;
}
