// SPDX-License-Identifier: MIT

#include "request/run_request.h"

#include <errno.h>
#include <string.h>

#include "request/sweep.h"

#define MAX_TAGS	32
#define MAX_TAG_VALUE	256

/* Short, and safe in URLs, file names and reports. */
bool run_request_is_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-+:@/", *s)))
			return false;
	return true;
}

static bool is_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}



/* A group with a target starts with 6 runs: the fewest with a 95% median CI. */
#define ADAPTIVE_FIRST_RUNS	6
#define ADAPTIVE_MAX_DEFAULT	20

int run_request_check_tags(struct json_object *tags, struct mb_error *err)
{
	int n = 0;

	if (!json_object_is_type(tags, json_type_object))
		return mb_fail(err, "tags", "must be an object of strings");
	json_object_object_foreach(tags, key, value) {
		if (++n > MAX_TAGS)
			return mb_fail(err, "tags", "at most %d tags", MAX_TAGS);
		if (!*key || !run_request_is_name(key, MAX_NAME))
			return mb_fail(err, "tags",
				       "key \"%.64s\" must be 1 to %d letters, digits or ._-+:@/",
				       key, MAX_NAME);
		if (!json_object_is_type(value, json_type_string) ||
		    json_object_get_string_len(value) > MAX_TAG_VALUE ||
		    !is_printable(json_object_get_string(value)))
			return mb_fail(err, "tags",
				       "\"%.64s\" must be a string of at most %d printable characters",
				       key, MAX_TAG_VALUE);
	}
	return 0;
}

/* repeat and max_repeat: 1 .. MAX_REPEAT runs. */
static int get_count(const char *key, struct json_object *value, unsigned int *out,
		     struct mb_error *err)
{
	if (!json_object_is_type(value, json_type_int) || json_object_get_int64(value) < 1 ||
	    json_object_get_int64(value) > MAX_REPEAT)
		return mb_fail(err, key, "must be an integer from 1 to %d", MAX_REPEAT);
	*out = (unsigned int)json_object_get_int64(value);
	return 0;
}

/* The keys of the run itself (0); the others belong to its kind's spec (1). */
static int run_key(struct run_request *req, const char *key, struct json_object *value,
		   struct mb_error *err)
{
	/* tags is an object: a list there is only the wrong type */
	static const char *const run_keys[] = { "kind", "label", "repeat", "target_ci_percent",
						"max_repeat" };

	for (size_t i = 0; i < sizeof(run_keys) / sizeof(run_keys[0]); i++)
		if (!strcmp(key, run_keys[i]) && json_object_is_type(value, json_type_array))
			return mb_fail(err, key, "cannot be swept: lists sweep the spec keys of "
				       "the run's kind; one request has one %s", key);
	if (!strcmp(key, "kind")) {
		if (!json_object_is_type(value, json_type_string) ||
		    !(req->engine = mb_engine_find(json_object_get_string(value)))) {
			char kinds[128];

			mb_engine_kinds(kinds, sizeof(kinds));
			return mb_fail(err, key, "must be %s, got %.64s",
				       kinds, json_object_to_json_string(value));
		}
	} else if (!strcmp(key, "label")) {
		if (!json_object_is_type(value, json_type_string) ||
		    !run_request_is_name(json_object_get_string(value), MAX_NAME))
			return mb_fail(err, key,
				       "must be a string of at most %d letters, digits or ._-+:@/",
				       MAX_NAME);
		req->label = json_object_get_string(value);
	} else if (!strcmp(key, "tags")) {
		if (run_request_check_tags(value, err))
			return -EINVAL;
		req->tags = value;
	} else if (!strcmp(key, "repeat")) {
		if (get_count(key, value, &req->repeat, err))
			return -EINVAL;
		req->repeat_given = true;
	} else if (!strcmp(key, "target_ci_percent")) {
		if (!(json_object_is_type(value, json_type_double) ||
		      json_object_is_type(value, json_type_int)) ||
		    json_object_get_double(value) <= 0 || json_object_get_double(value) > 100)
			return mb_fail(err, key, "must be a number above 0 and at most 100");
		req->target_ci_percent = json_object_get_double(value);
	} else if (!strcmp(key, "max_repeat")) {
		if (get_count(key, value, &req->max_repeat, err))
			return -EINVAL;
	} else {
		return 1;	/* not a run key */
	}
	return 0;
}

static int check_adaptive(struct run_request *req, struct mb_error *err)
{
	if (req->max_repeat && !req->target_ci_percent)
		return mb_fail(err, "max_repeat", "needs target_ci_percent");
	if (!req->target_ci_percent)
		return 0;
	if (!req->engine->headline[0].metric)
		return mb_fail(err, "target_ci_percent", "%s runs have no headline metric to repeat for",
			       req->engine->kind);
	if (!req->max_repeat)
		req->max_repeat = ADAPTIVE_MAX_DEFAULT;
	if (!req->repeat_given)
		req->repeat = ADAPTIVE_FIRST_RUNS < req->max_repeat ? ADAPTIVE_FIRST_RUNS : req->max_repeat;
	if (req->repeat > req->max_repeat)
		return mb_fail(err, "max_repeat", "must be at least repeat (%u)", req->repeat);
	return 0;
}

/*
 * Split a request into its run keys and its kind's spec keys; the spec is
 * parsed and resolved once, here, by the run's engine.
 */
int run_request_parse(struct json_object *obj, const struct mb_site_policy *site,
			     struct run_request *req, struct mb_error *err)
{
	struct json_object *keys;
	int ret = 0;

	memset(req, 0, sizeof(*req));
	req->engine = mb_engine_default();
	req->label = "";
	req->repeat = 1;
	if (!json_object_is_type(obj, json_type_object))
		return mb_fail(err, NULL, "the request must be a JSON object");
	keys = json_object_new_object();
	json_object_object_foreach(obj, key, value) {
		ret = run_key(req, key, value, err);
		if (ret < 0)
			break;
		if (ret > 0)
			json_object_object_add(keys, key, json_object_get(value));
		ret = 0;
	}
	if (!ret)
		ret = check_adaptive(req, err);
	if (!ret)
		ret = sweep_parse(req->engine, keys, site, &req->sweep, err);
	if (!ret && !req->sweep)
		ret = mb_engine_normalise(req->engine, keys, site, &req->spec, &req->needs, err);
	json_object_put(keys);
	return ret;
}

void run_request_free(struct run_request *req)
{
	json_object_put(req->spec);
	sweep_free(req->sweep);
	req->spec = NULL;
	req->sweep = NULL;
}

size_t run_request_nr_specs(const struct run_request *req)
{
	return req->sweep ? req->sweep->n : 1;
}

struct json_object *run_request_spec(const struct run_request *req, size_t i)
{
	return req->sweep ? json_object_array_get_idx(req->sweep->specs, i) : req->spec;
}

const struct mb_run_needs *run_request_needs(const struct run_request *req, size_t i)
{
	return req->sweep ? &req->sweep->needs[i] : &req->needs;
}
