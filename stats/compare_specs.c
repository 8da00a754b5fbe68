// SPDX-License-Identifier: MIT
#include "compare_specs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool in_csv(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, word, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static void add_csv(char *list, size_t len, const char *word)
{
	snprintf(list + strlen(list), len - strlen(list), "%s%s", list[0] ? "," : "", word);
}

static struct json_object *spec_value(struct json_object *spec, const char *key)
{
	struct json_object *v = NULL;

	if (spec)
		json_object_object_get_ex(spec, key, &v);
	return v;
}

/* Whether any run's key differs from ref's (across), or a side has several values (within). */
static void compare_key(struct json_object *const *const specs[2], const size_t n[2],
			const char *key, struct json_object *ref, bool *across, bool *within)
{
	*across = *within = false;
	for (int sd = 0; sd < 2; sd++) {
		struct json_object *first = spec_value(specs[sd][0], key);

		for (size_t r = 0; r < n[sd]; r++) {
			struct json_object *v = spec_value(specs[sd][r], key);

			*across |= !json_object_equal(ref, v);
			*within |= !json_object_equal(first, v);
		}
	}
}

static bool absent_somewhere(struct json_object *const *const specs[2], const size_t n[2],
			     const char *key)
{
	for (int sd = 0; sd < 2; sd++)
		for (size_t r = 0; r < n[sd]; r++)
			if (!json_object_object_get_ex(specs[sd][r], key, NULL))
				return true;
	return false;
}

int compare_check_specs(struct json_object *const *const specs[2], const size_t n[2],
			const char *vary, char *split, size_t split_len, struct mb_error *err)
{
	struct json_object *ref = specs[0][0];
	char keys[400] = "", shown[600] = "";	/* "a, b" for people; the list is "a,b" */
	char seen[2048] = "";

	split[0] = '\0';
	if (!ref)
		return mb_fail(err, "base", "a base run has no recorded spec");
	/*
	 * Every key of every run, not only the first run's: a run stored
	 * before a key existed lacks it, and measured what that key's
	 * absence meant then, which need not be today's default.
	 */
	for (int sd = 0; sd < 2; sd++) {
		for (size_t r = 0; r < n[sd]; r++) {
			if (!json_object_is_type(specs[sd][r], json_type_object))
				continue;
			json_object_object_foreach(specs[sd][r], key, val) {
				bool across, within;

				(void)val;
				if (in_csv(seen, key) || in_csv(vary, key))
					continue;
				add_csv(seen, sizeof(seen), key);
				compare_key(specs, n, key, spec_value(ref, key), &across, &within);
				if (absent_somewhere(specs, n, key))
					add_csv(keys, sizeof(keys), key);	/* never a sweep's values */
				else if (within)
					add_csv(split, split_len, key);
				else if (across)
					add_csv(keys, sizeof(keys), key);
			}
		}
	}
	if (!keys[0])
		return 0;
	for (const char *k = keys; *k; k++)
		snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown),
			 *k == ',' ? ", " : "%c", *k);
	return mb_fail(err, NULL,
		       "the runs' specs differ in %s; compare like with like, or name the "
		       "key being varied (vary=%s)", shown, keys);
}

const char *compare_env_str(struct json_object *env, const char *a, const char *b)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(env, a, &v))
		return "";
	if (b && !json_object_object_get_ex(v, b, &v))
		return "";
	return json_object_get_string(v);
}

/* module.param of the KVM parameters that differ from e0's and vary does not name. */
static void params_differing(struct json_object *e0, struct json_object *e, const char *vary,
			     char *params, size_t len)
{
	struct json_object *p0 = NULL, *p = NULL;

	json_object_object_get_ex(e0, "kvm_parameters", &p0);
	json_object_object_get_ex(e, "kvm_parameters", &p);
	json_object_object_foreach(p0, module, params0) {
		struct json_object *pm = NULL;

		if (p)
			json_object_object_get_ex(p, module, &pm);
		json_object_object_foreach(params0, name, v0) {
			struct json_object *v = NULL;
			char full[160];

			if (pm)
				json_object_object_get_ex(pm, name, &v);
			snprintf(full, sizeof(full), "%s.%s", module, name);
			if (json_object_equal(v0, v) || in_csv(vary, full) || in_csv(params, full))
				continue;
			add_csv(params, len, full);
		}
	}
}

void compare_environment_warnings(struct json_object *const *const envs[2], const size_t n[2],
				  const char *vary, struct json_object *warnings)
{
	struct json_object *e0 = envs[0][0];
	char params[400] = "", msg[512];
	bool host = false, cpu = false;

	for (int sd = 0; sd < 2; sd++) {
		for (size_t r = 0; r < n[sd]; r++) {
			struct json_object *e = envs[sd][r];

			host |= strcmp(compare_env_str(e, "hostname", NULL),
				       compare_env_str(e0, "hostname", NULL)) != 0;
			cpu |= strcmp(compare_env_str(e, "cpu_model", NULL),
				      compare_env_str(e0, "cpu_model", NULL)) != 0;
			params_differing(e0, e, vary, params, sizeof(params));
		}
	}
	if (host)
		json_object_array_add(warnings, json_object_new_string(
			"the runs were measured on different hosts"));
	if (cpu)
		json_object_array_add(warnings, json_object_new_string(
			"the runs were measured on different CPU models"));
	if (params[0]) {
		snprintf(msg, sizeof(msg), "KVM module parameters differ between runs: %s", params);
		json_object_array_add(warnings, json_object_new_string(msg));
	}
}

/* Drop what a textbuf holds. */
static void drop(struct textbuf *b)
{
	size_t len;

	free(textbuf_take(b, &len));
}

void compare_description_free(struct compare_description *desc)
{
	drop(&desc->command);
	drop(&desc->selftest);
}

bool compare_selftest_check(const struct compare_source *src, const char *kind,
			    struct json_object *spec, const char *where,
			    struct compare_description *desc)
{
	struct compare_description at = { .title = "" };
	bool none;

	if (!desc->selftest_name || !desc->selftest.len)
		return true;
	src->describe(src->ctx, kind, spec, &at);
	none = at.selftest_name && !at.selftest.len;
	if (none) {
		drop(&desc->selftest);
		snprintf(desc->selftest_none, sizeof(desc->selftest_none), "at %.200s: %.290s",
			 where, at.selftest_none);
	}
	compare_description_free(&at);
	return none;
}

struct json_object *compare_selftest_json(struct compare_description *desc)
{
	struct json_object *o;
	size_t len;
	char *line = textbuf_take(&desc->selftest, &len);

	if (!desc->selftest_name) {
		free(line);
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(desc->selftest_name));
	json_object_object_add(o, "command", line && *line ? json_object_new_string(line) : NULL);
	json_object_object_add(o, "reason", line && *line ? NULL :
			       json_object_new_string(desc->selftest_none));
	free(line);
	return o;
}
