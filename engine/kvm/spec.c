// SPDX-License-Identifier: MIT
#include "spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

enum key_type {
	KEY_UINT,	/* unsigned int field */
	KEY_U64,	/* uint64_t field */
	KEY_SIZE,	/* uint64_t byte count, number or "512M" */
	KEY_BOOL,	/* bool field */
	KEY_AUTO_BOOL,	/* enum mb_auto_bool field */
	KEY_ENUM,	/* int-sized enum, by name */
	KEY_CPU_LIST,	/* pin[] and nr_pin */
	KEY_ZAP_LIST,	/* zap[] and nr_zap, by name */
};

const char *const mb_zap_step_names[] = {
	[MB_ZAP_DISABLE] = "disable",
	[MB_ZAP_TOUCH] = "touch",
	[MB_ZAP_INVALIDATE] = "invalidate",
	[MB_ZAP_DELETE] = "delete",
	NULL,
};

const char *const mb_aging_names[] = {
	[MB_AGING_NONE] = "none",
	[MB_AGING_LRU_GEN] = "lru_gen",
	[MB_AGING_PAGE_IDLE] = "page_idle",
	[MB_AGING_RECLAIM] = "reclaim",
	[MB_AGING_DAMON] = "damon",
	NULL,
};

const char *const mb_invalidate_names[] = {
	[MB_INVALIDATE_MPROTECT] = "mprotect",
	[MB_INVALIDATE_DONTNEED] = "dontneed",
	NULL,
};

struct spec_key {
	const char *name;
	enum key_type type;
	size_t offset;
	uint64_t min, max;
	const char *const *enum_names;
};

#define F(field) offsetof(struct mb_spec, field)

const char *const mb_guest_page_size_names[] = {
	[MB_GUEST_PAGE_4K] = "4k",
	[MB_GUEST_PAGE_2M] = "2m",
	NULL,
};

static const struct spec_key keys[] = {
	{ "vcpus", KEY_UINT, F(vcpus), 1, MB_MAX_VCPUS, NULL },
	{ "mem_per_vcpu", KEY_SIZE, F(mem_per_vcpu), 4096, 1ULL << 40, NULL },
	{ "backing", KEY_ENUM, F(backing), 0, 0, mb_backing_names },
	{ "guest_page_size", KEY_ENUM, F(guest_page_size), 0, 0,
	  mb_guest_page_size_names },
	{ "iterations", KEY_UINT, F(iterations), 1, MB_MAX_ITERATIONS, NULL },
	{ "write_percent", KEY_UINT, F(write_percent), 0, 100, NULL },
	{ "access", KEY_ENUM, F(access), 0, 0, mb_access_names },
	{ "seed", KEY_U64, F(seed), 0, UINT64_MAX, NULL },
	{ "manual_protect", KEY_AUTO_BOOL, F(manual_protect), 0, 1, NULL },
	{ "initially_set", KEY_AUTO_BOOL, F(initially_set), 0, 1, NULL },
	{ "clear_chunk_pages", KEY_U64, F(clear_chunk_pages), 0, 1ULL << 31,
	  NULL },
	{ "memslots", KEY_UINT, F(memslots), 1, MB_MAX_MEMSLOTS, NULL },
	{ "vcpus_run_during_disable", KEY_BOOL, F(vcpus_run_during_disable),
	  0, 1, NULL },
	{ "dirty_ring_entries", KEY_U64, F(dirty_ring_entries), 0,
	  MB_RING_MAX_ENTRIES, NULL },
	{ "pin", KEY_CPU_LIST, F(pin), 0, 4095, NULL },
	{ "zap", KEY_ZAP_LIST, F(zap), 0, 0, mb_zap_step_names },
	{ "invalidate", KEY_ENUM, F(invalidate), 0, 0, mb_invalidate_names },
	{ "aging", KEY_ENUM, F(aging), 0, 0, mb_aging_names },
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

void mb_spec_init(struct mb_spec *spec)
{
	/* The defaults of dirty_log_perf_test, so numbers line up. */
	memset(spec, 0, sizeof(*spec));
	spec->vcpus = 1;
	spec->mem_per_vcpu = 1ULL << 30;
	spec->backing = MB_BACKING_ANONYMOUS;
	spec->guest_page_size = MB_GUEST_PAGE_4K;
	spec->iterations = 2;
	spec->write_percent = 100;
	spec->access = MB_ACCESS_SEQUENTIAL;
	spec->seed = 1;
	spec->manual_protect = MB_AUTO;
	spec->initially_set = MB_AUTO;
	spec->memslots = 1;
	/* what the selftest does last: disable, then free the VM's memslots */
	spec->zap[spec->nr_zap++] = MB_ZAP_DISABLE;
	spec->zap[spec->nr_zap++] = MB_ZAP_DELETE;
	spec->invalidate = MB_INVALIDATE_MPROTECT;
}

void mb_spec_settle(struct mb_spec *spec)
{
	if (spec->aging != MB_AGING_NONE && !spec->zap_set) {
		spec->nr_zap = 0;
		spec->zap[spec->nr_zap++] = MB_ZAP_DELETE;
	}
}

bool mb_spec_zaps(const struct mb_spec *spec, enum mb_zap_step step)
{
	for (unsigned int i = 0; i < spec->nr_zap; i++)
		if (spec->zap[i] == step)
			return true;
	return false;
}

static const struct spec_key *find_key(const char *name)
{
	for (size_t i = 0; i < NR_KEYS; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

const char *mb_spec_key_name(unsigned int index)
{
	return index < NR_KEYS ? keys[index].name : NULL;
}

bool mb_spec_key_is_bool(const char *key)
{
	const struct spec_key *k = find_key(key);

	return k && (k->type == KEY_BOOL || k->type == KEY_AUTO_BOOL);
}

static void *field(struct mb_spec *spec, const struct spec_key *k)
{
	return (char *)spec + k->offset;
}

/* Store a number already known to be an unsigned integer. */
static int store_number(struct mb_spec *spec, const struct spec_key *k,
			uint64_t v, struct mb_error *err)
{
	if (v < k->min || v > k->max)
		return mb_fail(err, k->name, "must be between %llu and %llu, got %llu",
			    (unsigned long long)k->min,
			    (unsigned long long)k->max, (unsigned long long)v);
	if (k->type == KEY_UINT)
		*(unsigned int *)field(spec, k) = (unsigned int)v;
	else
		*(uint64_t *)field(spec, k) = v;
	return 0;
}

static int store_bool(struct mb_spec *spec, const struct spec_key *k,
		      bool v)
{
	if (k->type == KEY_BOOL)
		*(bool *)field(spec, k) = v;
	else
		*(enum mb_auto_bool *)field(spec, k) = v ? MB_TRUE : MB_FALSE;
	return 0;
}

/* The index of name s among the key's names, or the error listing them. */
static int find_name(const struct spec_key *k, const char *s, struct mb_error *err)
{
	char choices[160] = "";

	for (int i = 0; k->enum_names[i]; i++) {
		if (!strcmp(k->enum_names[i], s))
			return i;
		snprintf(choices + strlen(choices),
			 sizeof(choices) - strlen(choices), "%s\"%s\"",
			 i ? ", " : "", k->enum_names[i]);
	}
	return mb_fail(err, k->name, "must be one of %s, got \"%.40s\"", choices, s);
}

static int store_enum(struct mb_spec *spec, const struct spec_key *k,
		      const char *s, struct mb_error *err)
{
	int i = find_name(k, s, err);

	if (i < 0)
		return i;
	*(int *)field(spec, k) = i;
	return 0;
}

/* One more zap step; each once, none after delete (no memslot is left). */
static int store_zap(struct mb_spec *spec, const struct spec_key *k,
		     const char *s, struct mb_error *err)
{
	int i = find_name(k, s, err);

	if (i < 0)
		return i;
	if (mb_spec_zaps(spec, (enum mb_zap_step)i))
		return mb_fail(err, k->name, "lists \"%s\" twice", s);
	if (mb_spec_zaps(spec, MB_ZAP_DELETE))
		return mb_fail(err, k->name, "lists \"%s\" after \"delete\", when no memslot is left", s);
	spec->zap[spec->nr_zap++] = (enum mb_zap_step)i;
	return 0;
}

static int store_cpu(struct mb_spec *spec, const struct spec_key *k,
		     uint64_t cpu, struct mb_error *err)
{
	if (spec->nr_pin >= MB_MAX_VCPUS + 1)
		return mb_fail(err, k->name, "more than %d CPUs listed",
			    MB_MAX_VCPUS + 1);
	if (cpu > k->max)
		return mb_fail(err, k->name, "CPU %llu is out of range",
			    (unsigned long long)cpu);
	spec->pin[spec->nr_pin++] = (int)cpu;
	return 0;
}

static int set_size_text(struct mb_spec *spec, const struct spec_key *k,
			 const char *text, struct mb_error *err)
{
	uint64_t v;
	int ret = mb_parse_size(text, &v);

	if (ret == -ERANGE)
		return mb_fail(err, k->name, "\"%.40s\" is too large", text);
	if (ret)
		return mb_fail(err, k->name,
			    "must be a byte count such as 4096, \"512M\" or \"1G\", got \"%.40s\"",
			    text);
	return store_number(spec, k, v, err);
}

static int json_to_u64(const struct spec_key *k, struct json_object *value,
		       uint64_t *out, struct mb_error *err)
{
	if (!json_object_is_type(value, json_type_int))
		return mb_fail(err, k->name, "must be a non-negative integer, got %s",
			    json_type_to_name(json_object_get_type(value)));
	if (json_object_get_int64(value) < 0)
		return mb_fail(err, k->name, "must be a non-negative integer, got %lld",
			    (long long)json_object_get_int64(value));
	*out = json_object_get_uint64(value);
	return 0;
}

int mb_spec_set_json(struct mb_spec *spec, const char *key,
		     struct json_object *value, struct mb_error *err)
{
	const struct spec_key *k = find_key(key);
	uint64_t v;
	int ret;

	if (!k)
		return mb_fail(err, key, "unknown key");
	switch (k->type) {
	case KEY_SIZE:
		if (json_object_is_type(value, json_type_string))
			return set_size_text(spec, k,
					     json_object_get_string(value), err);
		/* a plain byte count */
		__attribute__((fallthrough));
	case KEY_UINT:
	case KEY_U64:
		ret = json_to_u64(k, value, &v, err);
		return ret ? ret : store_number(spec, k, v, err);
	case KEY_BOOL:
	case KEY_AUTO_BOOL:
		if (!json_object_is_type(value, json_type_boolean))
			return mb_fail(err, k->name, "must be true or false, got %s",
				    json_type_to_name(json_object_get_type(value)));
		return store_bool(spec, k, json_object_get_boolean(value));
	case KEY_ENUM:
		if (!json_object_is_type(value, json_type_string))
			return mb_fail(err, k->name, "must be a string, got %s",
				    json_type_to_name(json_object_get_type(value)));
		return store_enum(spec, k, json_object_get_string(value), err);
	case KEY_CPU_LIST:
		if (!json_object_is_type(value, json_type_array))
			return mb_fail(err, k->name,
				    "must be an array of CPU numbers, got %s",
				    json_type_to_name(json_object_get_type(value)));
		spec->nr_pin = 0;
		for (size_t i = 0; i < json_object_array_length(value); i++) {
			ret = json_to_u64(k, json_object_array_get_idx(value, i),
					  &v, err);
			if (!ret)
				ret = store_cpu(spec, k, v, err);
			if (ret)
				return ret;
		}
		return 0;
	case KEY_ZAP_LIST:
		spec->zap_set = true;
		if (!json_object_is_type(value, json_type_array))
			return mb_fail(err, k->name, "must be an array of step names, got %s",
				    json_type_to_name(json_object_get_type(value)));
		spec->nr_zap = 0;
		for (size_t i = 0; i < json_object_array_length(value); i++) {
			struct json_object *step = json_object_array_get_idx(value, i);

			if (!json_object_is_type(step, json_type_string))
				return mb_fail(err, k->name, "step %zu must be a string, got %s", i,
					    json_type_to_name(json_object_get_type(step)));
			ret = store_zap(spec, k, json_object_get_string(step), err);
			if (ret)
				return ret;
		}
		return 0;
	}
	return mb_fail(err, key, "internal error: key type");
}

static int store_cpu_text(struct mb_spec *spec, const struct spec_key *k,
			  const char *text, struct mb_error *err)
{
	uint64_t v;
	int ret = mb_text_u64(k->name, text, &v, err);

	return ret ? ret : store_cpu(spec, k, v, err);
}

/* Each item of a comma-separated list through store, in order. */
static int store_each(struct mb_spec *spec, const struct spec_key *k, const char *text,
		      int (*store)(struct mb_spec *, const struct spec_key *, const char *,
				   struct mb_error *),
		      struct mb_error *err)
{
	char *copy = strdup(text), *save = NULL, *tok;
	int ret = 0;

	if (!copy)
		return mb_fail(err, k->name, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save))
		ret = store(spec, k, tok, err);
	free(copy);
	return ret;
}

int mb_spec_set_text(struct mb_spec *spec, const char *key,
		     const char *text, struct mb_error *err)
{
	const struct spec_key *k = find_key(key);
	uint64_t v;
	int ret;

	switch (k ? (int)k->type : -1) {
	case KEY_SIZE:
		return set_size_text(spec, k, text, err);
	case KEY_UINT:
	case KEY_U64:
		ret = mb_text_u64(k->name, text, &v, err);
		return ret ? ret : store_number(spec, k, v, err);
	case KEY_BOOL:
	case KEY_AUTO_BOOL: {
		bool b;

		ret = mb_text_bool(k->name, text, &b, err);
		return ret ? ret : store_bool(spec, k, b);
	}
	case KEY_ENUM:
		return store_enum(spec, k, text, err);
	case KEY_CPU_LIST:
		spec->nr_pin = 0;
		ret = store_each(spec, k, text, store_cpu_text, err);
		if (!ret && !spec->nr_pin)
			ret = mb_fail(err, k->name, "empty CPU list");
		return ret;
	case KEY_ZAP_LIST:
		spec->zap_set = true;
		spec->nr_zap = 0;
		/* "none" for no step: an empty flag value reads as a mistake */
		return strcmp(text, "none") ? store_each(spec, k, text, store_zap, err) : 0;
	}
	return mb_fail(err, key, "unknown key");
}

int mb_spec_from_json(struct mb_spec *spec, struct json_object *obj,
		      struct mb_error *err)
{
	if (!json_object_is_type(obj, json_type_object))
		return mb_fail(err, "", "spec must be a JSON object, got %s",
			    json_type_to_name(json_object_get_type(obj)));
	json_object_object_foreach(obj, key, value) {
		int ret = mb_spec_set_json(spec, key, value, err);

		if (ret)
			return ret;
	}
	mb_spec_settle(spec);
	return 0;
}

struct json_object *mb_spec_to_json(const struct mb_spec *spec)
{
	struct json_object *obj = json_object_new_object();
	char size[32];

	mb_format_size(spec->mem_per_vcpu, size, sizeof(size));
	json_object_object_add(obj, "vcpus", json_object_new_int64(spec->vcpus));
	json_object_object_add(obj, "mem_per_vcpu", json_object_new_string(size));
	json_object_object_add(obj, "backing",
			       json_object_new_string(mb_backing_name(spec->backing)));
	json_object_object_add(obj, "guest_page_size",
			       json_object_new_string(mb_guest_page_size_names[spec->guest_page_size]));
	json_object_object_add(obj, "iterations",
			       json_object_new_int64(spec->iterations));
	json_object_object_add(obj, "write_percent",
			       json_object_new_int64(spec->write_percent));
	json_object_object_add(obj, "access",
			       json_object_new_string(mb_access_name(spec->access)));
	json_object_object_add(obj, "seed", json_object_new_uint64(spec->seed));
	if (spec->manual_protect != MB_AUTO)
		json_object_object_add(obj, "manual_protect",
				       json_object_new_boolean(spec->manual_protect));
	if (spec->initially_set != MB_AUTO)
		json_object_object_add(obj, "initially_set",
				       json_object_new_boolean(spec->initially_set));
	json_object_object_add(obj, "clear_chunk_pages",
			       json_object_new_uint64(spec->clear_chunk_pages));
	json_object_object_add(obj, "memslots",
			       json_object_new_int64(spec->memslots));
	json_object_object_add(obj, "vcpus_run_during_disable",
			       json_object_new_boolean(spec->vcpus_run_during_disable));
	json_object_object_add(obj, "dirty_ring_entries",
			       json_object_new_uint64(spec->dirty_ring_entries));
	if (spec->nr_pin) {
		struct json_object *pin = json_object_new_array();

		for (unsigned int i = 0; i < spec->nr_pin; i++)
			json_object_array_add(pin, json_object_new_int(spec->pin[i]));
		json_object_object_add(obj, "pin", pin);
	}
	{
		struct json_object *zap = json_object_new_array();

		for (unsigned int i = 0; i < spec->nr_zap; i++)
			json_object_array_add(zap, json_object_new_string(
						      mb_zap_step_names[spec->zap[i]]));
		json_object_object_add(obj, "zap", zap);
	}
	json_object_object_add(obj, "invalidate",
			       json_object_new_string(mb_invalidate_names[spec->invalidate]));
	json_object_object_add(obj, "aging", json_object_new_string(mb_aging_names[spec->aging]));
	return obj;
}
