// SPDX-License-Identifier: MIT

#include "request/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The values in a report's words: a name as it is, anything else as JSON. */
static const char *value_text(struct json_object *v)
{
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
	       json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/*
 * Whether a request's value of key is a sweep: a list where the key's own
 * value is not one, a list of lists where it is (pin, zap).  Keys the engine
 * does not know are left to it to refuse.
 */
static bool is_sweep(const struct mb_engine *e, const char *key, struct json_object *v)
{
	const struct mb_engine_key *k = mb_engine_key(e, key);

	if (!k || !json_object_is_type(v, json_type_array))
		return false;
	if (!mb_key_is_list(k))
		return true;
	return json_object_array_length(v) > 0 &&
	       json_object_is_type(json_object_array_get_idx(v, 0), json_type_array);
}

/* The index in key j's list of combination i's value: the first key varies slowest. */
static size_t value_index(const struct sweep *s, size_t i, size_t j)
{
	size_t stride = 1;

	for (size_t l = j + 1; l < s->nr_keys; l++)
		stride *= s->len[l];
	return i / stride % s->len[j];
}

/* The combination with value a of key j and the first value of every other key. */
static size_t combination_of(const struct sweep *s, size_t j, size_t a)
{
	size_t stride = 1;

	for (size_t l = j + 1; l < s->nr_keys; l++)
		stride *= s->len[l];
	return a * stride;
}

/* One key's list on its own: not empty, each value once, lists for a CPU list. */
static int check_list(const struct mb_engine *e, const char *key, struct json_object *list,
		      struct mb_error *err)
{
	size_t n = json_object_array_length(list);
	char field[64];

	if (!n)
		return mb_fail(err, key, "an empty list sweeps nothing: give one value, or a list "
			       "of the values to sweep");
	/* before the values are compared with each other: a long list costs its square */
	if (n > SWEEP_MAX_COMBINATIONS)
		return mb_fail(err, key, "a sweep takes at most %d values, got %zu",
			       SWEEP_MAX_COMBINATIONS, n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(list, i);

		snprintf(field, sizeof(field), "%.30s[%zu]", key, i);
		if (mb_key_is_list(mb_engine_key(e, key)) && !json_object_is_type(v, json_type_array))
			return mb_fail(err, field, "a sweep of %s is a list of its lists, such as "
				       "[[0, 1], [2, 3]]", key);
		for (size_t j = 0; j < i; j++)
			if (json_object_equal(v, json_object_array_get_idx(list, j)))
				return mb_fail(err, field, "repeats %s[%zu] (%.64s): a sweep takes "
					       "each value once", key, j, value_text(v));
	}
	return 0;
}

/* The swept keys and their lists; the number of combinations, capped. */
static int find_keys(const struct mb_engine *e, struct json_object *keys, struct sweep *s,
		     struct json_object **lists, struct mb_error *err)
{
	unsigned long long combinations = 1;
	char sizes[256] = "";

	json_object_object_foreach(keys, key, value) {
		if (!is_sweep(e, key, value))
			continue;
		if (check_list(e, key, value, err))
			return -EINVAL;
		if (s->nr_keys == SWEEP_MAX_KEYS)
			return mb_fail(err, key, "a sweep takes lists on at most %d keys",
				       SWEEP_MAX_KEYS);
		lists[s->nr_keys] = value;
		s->keys[s->nr_keys] = mb_engine_key(e, key)->name;	/* outlives the request */
		s->len[s->nr_keys++] = json_object_array_length(value);
		combinations *= json_object_array_length(value);
		snprintf(sizes + strlen(sizes), sizeof(sizes) - strlen(sizes), "%s%zu %s",
			 sizes[0] ? " x " : "", json_object_array_length(value), key);
		if (combinations > SWEEP_MAX_COMBINATIONS)
			return mb_fail(err, key, "the sweep would make %llu combinations (%s), more "
				       "than %d: sweep fewer values", combinations, sizes,
				       SWEEP_MAX_COMBINATIONS);
	}
	s->n = (size_t)combinations;
	return 0;
}

/* Combination i's spec as a request would give it: one value of each swept key. */
static struct json_object *combination(const struct sweep *s, struct json_object *keys,
				       struct json_object *const *lists, size_t i)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_foreach(keys, key, value) {
		struct json_object *v = value;

		for (size_t j = 0; j < s->nr_keys; j++)
			if (!strcmp(key, s->keys[j]))
				v = json_object_array_get_idx(lists[j], value_index(s, i, j));
		json_object_object_add(obj, key, json_object_get(v));
	}
	return obj;
}

/* Combination i's values of the swept keys, as its resolved spec has them. */
static struct json_object *point_of(const struct sweep *s, struct json_object *spec,
				    struct json_object *request)
{
	struct json_object *point = json_object_new_object();

	for (size_t j = 0; j < s->nr_keys; j++) {
		struct json_object *v;

		/* a key the engine leaves out when it means "the host decides" */
		if (!json_object_object_get_ex(spec, s->keys[j], &v))
			json_object_object_get_ex(request, s->keys[j], &v);
		json_object_object_add(point, s->keys[j], json_object_get(v));
	}
	return point;
}

/* Two values of a key that the engine resolves to one ("64M" and 67108864). */
static int check_resolved(const struct sweep *s, struct mb_error *err)
{
	for (size_t j = 0; j < s->nr_keys; j++)
		for (size_t b = 1; b < s->len[j]; b++)
			for (size_t a = 0; a < b; a++) {
				struct json_object *va, *vb;
				char field[64];

				json_object_object_get_ex(json_object_array_get_idx(s->points,
					combination_of(s, j, a)), s->keys[j], &va);
				json_object_object_get_ex(json_object_array_get_idx(s->points,
					combination_of(s, j, b)), s->keys[j], &vb);
				if (!json_object_equal(va, vb))
					continue;
				snprintf(field, sizeof(field), "%.30s[%zu]", s->keys[j], b);
				return mb_fail(err, field, "is %s[%zu] again once resolved (%.64s): "
					       "a sweep takes each value once", s->keys[j], a,
					       value_text(va));
			}
	return 0;
}

int sweep_parse(const struct mb_engine *e, struct json_object *keys,
		const struct mb_site_policy *site, struct sweep **out, struct mb_error *err)
{
	struct json_object *lists[SWEEP_MAX_KEYS];
	struct sweep *s = calloc(1, sizeof(*s));
	int ret;

	*out = NULL;
	if (!s)
		return mb_error_set(err, -ENOMEM, NULL, "out of memory");
	ret = find_keys(e, keys, s, lists, err);
	if (ret || !s->nr_keys) {
		free(s);
		return ret;
	}
	s->points = json_object_new_array();
	s->specs = json_object_new_array();
	for (size_t i = 0; !ret && i < s->n; i++) {
		struct json_object *request = combination(s, keys, lists, i), *spec;

		ret = mb_engine_normalise(e, request, site, &spec, &s->needs[i], err);
		if (ret) {
			/* the points so far are resolved; this one is named by its request */
			json_object_array_add(s->points, request);
			sweep_blame(s, i, err);
			break;
		}
		json_object_array_add(s->points, point_of(s, spec, request));
		json_object_array_add(s->specs, spec);
		json_object_put(request);
	}
	if (!ret)
		ret = check_resolved(s, err);
	if (ret) {
		sweep_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void sweep_free(struct sweep *s)
{
	if (!s)
		return;
	json_object_put(s->points);
	json_object_put(s->specs);
	free(s);
}

int sweep_blame(const struct sweep *s, size_t i, struct mb_error *err)
{
	struct json_object *point = json_object_array_get_idx(s->points, i);
	char what[sizeof(err->message)], values[256] = "", field[64];
	size_t flen = strlen(err->field);

	for (size_t j = 0; j < s->nr_keys; j++) {
		struct json_object *v = NULL;

		if (strcmp(err->field, s->keys[j])) {
			json_object_object_get_ex(point, s->keys[j], &v);
			snprintf(values + strlen(values), sizeof(values) - strlen(values), "%s%s=%.64s",
				 values[0] ? ", " : "", s->keys[j], v ? value_text(v) : "?");
			continue;
		}
		/* "vcpus: must be ..." is "vcpus[1]: must be ..." */
		snprintf(what, sizeof(what), "%s", !strncmp(err->message, err->field, flen) &&
			 err->message[flen] == ':' ? err->message + flen + 2 : err->message);
		snprintf(field, sizeof(field), "%.30s[%zu]", s->keys[j], value_index(s, i, j));
		return mb_error_set(err, err->code, field, "%s", what);
	}
	snprintf(what, sizeof(what), "%s", err->message);
	snprintf(err->message, sizeof(err->message), "%.400s (in the sweep's combination %s)",
		 what, values);
	return err->code;
}
