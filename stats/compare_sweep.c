// SPDX-License-Identifier: MIT
#include "compare_sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* One swept key: its distinct values, in the points' order. */
struct key_values {
	char name[64];
	struct json_object *v[COMPARE_SWEEP_MAX_POINTS];	/* borrowed from the specs */
	size_t n;
};

struct point {
	size_t idx[COMPARE_SWEEP_MAX_KEYS];	/* each key's value; unused keys 0 */
	size_t runs[2];
	char label[256];
};

struct compare_sweep {
	size_t nr_keys;
	struct key_values keys[COMPARE_SWEEP_MAX_KEYS];
	size_t nr_points;
	struct point points[COMPARE_SWEEP_MAX_POINTS];
	size_t n[2];			/* runs of each side */
	size_t *point_of[2];		/* each run's point */
};

void compare_sweep_value_text(struct json_object *v, char *out, size_t len)
{
	size_t at = 0;

	if (!v) {
		snprintf(out, len, "-");
	} else if (json_object_is_type(v, json_type_string)) {
		snprintf(out, len, "%s", json_object_get_string(v));
	} else if (json_object_is_type(v, json_type_array)) {
		out[0] = '\0';
		for (size_t i = 0; i < json_object_array_length(v) && at < len; i++)
			at += (size_t)snprintf(out + at, len - at, "%s%s", i ? "," : "",
					       json_object_get_string(json_object_array_get_idx(v, i)));
	} else {
		snprintf(out, len, "%s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	}
}

static struct json_object *spec_value(struct json_object *spec, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(spec, key, &v);
	return v;
}

/* A value's place among numbers (a count, or a byte count like "512M"); false if none. */
static bool numeric(struct json_object *v, double *out)
{
	uint64_t bytes;

	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		*out = json_object_get_double(v);
		return true;
	}
	if (json_object_is_type(v, json_type_string) &&
	    !mb_parse_size(json_object_get_string(v), &bytes)) {
		*out = (double)bytes;
		return true;
	}
	return false;
}

/* Numbers ascending when every value is one; else the order the runs have them. */
static void order_values(struct key_values *k)
{
	double at[COMPARE_SWEEP_MAX_POINTS];

	for (size_t i = 0; i < k->n; i++)
		if (!numeric(k->v[i], &at[i]))
			return;
	for (size_t i = 1; i < k->n; i++)	/* insertion sort: a few values */
		for (size_t j = i; j > 0 && at[j - 1] > at[j]; j--) {
			struct json_object *v = k->v[j];
			double a = at[j];

			k->v[j] = k->v[j - 1];
			at[j] = at[j - 1];
			k->v[j - 1] = v;
			at[j - 1] = a;
		}
}

static size_t value_index(const struct key_values *k, struct json_object *v)
{
	for (size_t i = 0; i < k->n; i++)
		if (json_object_equal(k->v[i], v))
			return i;
	return k->n;
}

static int too_many(struct compare_sweep *s, const char *keys, struct mb_error *err)
{
	compare_sweep_free(s);
	return mb_error_set(err, -EINVAL, "vary", "the runs span more than %d values of %.200s: "
			    "select fewer, or name the keys to pool in vary",
			    COMPARE_SWEEP_MAX_POINTS, keys);
}

/* Each key's values, the first run of the base side first. */
static int collect_values(struct compare_sweep *s, struct json_object *const *const specs[2],
			  const size_t n[2])
{
	for (size_t j = 0; j < s->nr_keys; j++) {
		struct key_values *k = &s->keys[j];

		for (int sd = 0; sd < 2; sd++)
			for (size_t r = 0; r < n[sd]; r++) {
				struct json_object *v = spec_value(specs[sd][r], k->name);

				if (value_index(k, v) < k->n)
					continue;
				if (k->n == COMPARE_SWEEP_MAX_POINTS)
					return -E2BIG;
				k->v[k->n++] = v;
			}
		order_values(k);
	}
	return 0;
}

static int cmp_point(const void *a, const void *b)
{
	const struct point *p = a, *q = b;

	for (size_t j = 0; j < COMPARE_SWEEP_MAX_KEYS; j++)
		if (p->idx[j] != q->idx[j])
			return p->idx[j] < q->idx[j] ? -1 : 1;
	return 0;
}

static void label_point(struct compare_sweep *s, struct point *p)
{
	p->label[0] = '\0';
	for (size_t j = 0; j < s->nr_keys; j++) {
		char value[128];

		compare_sweep_value_text(s->keys[j].v[p->idx[j]], value, sizeof(value));
		snprintf(p->label + strlen(p->label), sizeof(p->label) - strlen(p->label),
			 "%s%s=%s", j ? ", " : "", s->keys[j].name, value);
	}
}

/* The point of a run's values, added when it is new. */
static struct point *find_point(struct compare_sweep *s, const struct point *want)
{
	for (size_t i = 0; i < s->nr_points; i++)
		if (!cmp_point(&s->points[i], want))
			return &s->points[i];
	if (s->nr_points == COMPARE_SWEEP_MAX_POINTS)
		return NULL;
	s->points[s->nr_points] = *want;
	return &s->points[s->nr_points++];
}

static void run_point(const struct compare_sweep *s, struct json_object *spec, struct point *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t j = 0; j < s->nr_keys; j++)
		p->idx[j] = value_index(&s->keys[j], spec_value(spec, s->keys[j].name));
}

int compare_sweep_make(const char *keys, struct json_object *const *const specs[2],
		       const size_t n[2], struct compare_sweep **out, struct mb_error *err)
{
	struct compare_sweep *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s || !(s->point_of[0] = calloc(n[0] + 1, sizeof(size_t))) ||
	    !(s->point_of[1] = calloc(n[1] + 1, sizeof(size_t)))) {
		compare_sweep_free(s);
		return mb_error_set(err, -ENOMEM, NULL, "out of memory");
	}
	s->n[0] = n[0];
	s->n[1] = n[1];
	for (const char *p = keys; *p && s->nr_keys < COMPARE_SWEEP_MAX_KEYS; p += *p == ',') {
		size_t len = strcspn(p, ",");

		snprintf(s->keys[s->nr_keys++].name, sizeof(s->keys[0].name), "%.*s", (int)len, p);
		p += len;
	}
	if (collect_values(s, specs, n))
		return too_many(s, keys, err);
	for (int sd = 0; sd < 2; sd++)
		for (size_t r = 0; r < n[sd]; r++) {
			struct point want;

			run_point(s, specs[sd][r], &want);
			if (!find_point(s, &want))
				return too_many(s, keys, err);
		}
	qsort(s->points, s->nr_points, sizeof(s->points[0]), cmp_point);
	for (int sd = 0; sd < 2; sd++)
		for (size_t r = 0; r < n[sd]; r++) {
			struct point want, *p;

			run_point(s, specs[sd][r], &want);
			p = find_point(s, &want);
			s->point_of[sd][r] = (size_t)(p - s->points);
			p->runs[sd]++;
		}
	for (size_t i = 0; i < s->nr_points; i++)
		label_point(s, &s->points[i]);
	*out = s;
	return 0;
}

void compare_sweep_free(struct compare_sweep *s)
{
	if (!s)
		return;
	free(s->point_of[0]);
	free(s->point_of[1]);
	free(s);
}

size_t compare_sweep_points(const struct compare_sweep *s)
{
	return s->nr_points;
}

size_t compare_sweep_point_of(const struct compare_sweep *s, int side, size_t run)
{
	return s->point_of[side][run];
}

size_t compare_sweep_runs(const struct compare_sweep *s, size_t point, int side)
{
	return s->points[point].runs[side];
}

const char *compare_sweep_label(const struct compare_sweep *s, size_t point)
{
	return s->points[point].label;
}

struct json_object *compare_sweep_values(const struct compare_sweep *s, size_t point)
{
	struct json_object *o = json_object_new_object();

	for (size_t j = 0; j < s->nr_keys; j++)
		json_object_object_add(o, s->keys[j].name,
				       json_object_get(s->keys[j].v[s->points[point].idx[j]]));
	return o;
}

struct json_object *compare_sweep_spec(const struct compare_sweep *s, struct json_object *spec,
				       bool lists)
{
	struct json_object *copy = NULL;

	if (json_object_deep_copy(spec, &copy, NULL))
		return NULL;
	for (size_t j = 0; j < s->nr_keys; j++) {
		struct json_object *values = json_object_new_array();

		for (size_t i = 0; i < s->keys[j].n; i++)
			json_object_array_add(values, json_object_get(s->keys[j].v[i]));
		json_object_object_del(copy, s->keys[j].name);
		if (lists)
			json_object_object_add(copy, s->keys[j].name, values);
		else
			json_object_put(values);
	}
	return copy;
}

struct json_object *compare_sweep_json(const struct compare_sweep *s,
				       const int64_t *const ids[2])
{
	struct json_object *o = json_object_new_object(), *keys = json_object_new_array();
	struct json_object *points = json_object_new_array();

	for (size_t j = 0; j < s->nr_keys; j++)
		json_object_array_add(keys, json_object_new_string(s->keys[j].name));
	for (size_t i = 0; i < s->nr_points; i++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "values", compare_sweep_values(s, i));
		json_object_object_add(p, "label", json_object_new_string(s->points[i].label));
		for (int sd = 0; sd < 2; sd++) {
			struct json_object *runs = json_object_new_array();

			for (size_t r = 0; r < s->n[sd]; r++)
				if (s->point_of[sd][r] == i)
					json_object_array_add(runs, json_object_new_int64(ids[sd][r]));
			json_object_object_add(p, sd ? "new" : "base", runs);
		}
		json_object_array_add(points, p);
	}
	json_object_object_add(o, "keys", keys);
	json_object_object_add(o, "points", points);
	return o;
}
