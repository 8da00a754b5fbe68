// SPDX-License-Identifier: MIT

#include "campaign/campaign_spec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "campaign/hostboot.h"
#include "request/run_limits.h"
#include "request/run_request.h"
#include "engine.h"
#include "guestfile.h"

#define HOST_KERNEL_DIR_NOUN "host kernel directory"

static bool is_cmdline(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int open_file(const char *field, const char *name, const struct campaign_policy *policy,
		     char *path, size_t len, int *fd, struct mb_error *err)
{
	return mb_adminfile_open(field, name, policy->host_kernel_dir, HOST_KERNEL_DIR_NOUN,
				 "host_kernel_dir", path, len, fd, err);
}

/*
 * The image (its version string read) and the initrd (NULL: none; fd -1),
 * both open on success, their absolute paths in the paths given.
 */
static int open_kernel_files(const char *image, const char *initrd,
			     const struct campaign_policy *policy, int *image_fd, int *initrd_fd,
			     char *image_path, char *initrd_path, char *release, size_t rlen,
			     char *version, size_t vlen, struct mb_error *err)
{
	int ret = open_file("image", image, policy, image_path, PATH_MAX, image_fd, err);

	*initrd_fd = -1;
	if (!ret && hostboot_image_version(*image_fd, release, rlen, version, vlen))
		ret = mb_fail(err, "image", "%.200s is not an x86 kernel image (bzImage) with "
			      "a version string", image_path);
	if (!ret && initrd)
		ret = open_file("initrd", initrd, policy, initrd_path, PATH_MAX, initrd_fd, err);
	if (ret && *image_fd >= 0) {
		close(*image_fd);
		*image_fd = -1;
	}
	return ret;
}

int campaign_spec_open_kernel(struct json_object *kernel, const struct campaign_policy *policy,
			      int *image_fd, int *initrd_fd, char *release, size_t rlen,
			      char *version, size_t vlen, struct mb_error *err)
{
	struct json_object *image = NULL, *initrd = NULL;
	char image_path[PATH_MAX], initrd_path[PATH_MAX];

	json_object_object_get_ex(kernel, "image", &image);
	json_object_object_get_ex(kernel, "initrd", &initrd);
	return open_kernel_files(json_object_get_string(image),
				 initrd ? json_object_get_string(initrd) : NULL, policy, image_fd,
				 initrd_fd, image_path, initrd_path, release, rlen, version, vlen, err);
}

/* A failure inside kernels[i] or runs[i]: the field gets the prefix. */
static int prefix_field(struct mb_error *err, const char *list, size_t i)
{
	char field[sizeof(err->field) + 32];

	snprintf(field, sizeof(field), "%s[%zu]%s%s", list, i, err->field[0] ? "." : "",
		 err->field);
	snprintf(err->field, sizeof(err->field), "%.*s", (int)sizeof(err->field) - 1, field);
	return -EINVAL;
}

static int parse_kernel(struct json_object *k, const struct campaign_policy *policy,
			const char *booted_cmdline, struct json_object *out,
			struct mb_error *err)
{
	struct json_object *tags = NULL;
	const char *label = NULL, *cmdline = NULL, *image = NULL, *initrd = NULL;
	char path[PATH_MAX], initrd_path[PATH_MAX], release[128], version[256];
	int image_fd, initrd_fd;

	if (!json_object_is_type(k, json_type_object))
		return mb_fail(err, NULL, "must be an object {label, image, initrd, cmdline, tags}");
	json_object_object_foreach(k, key, value) {
		bool text = json_object_is_type(value, json_type_string);

		if (!strcmp(key, "label")) {
			if (!text || !*(label = json_object_get_string(value)) ||
			    !run_request_is_name(label, MAX_NAME))
				return mb_fail(err, key, "must be 1 to %d letters, digits or ._-+:@/",
					       MAX_NAME);
		} else if (!strcmp(key, "image") || !strcmp(key, "initrd")) {
			if (!text)
				return mb_fail(err, key, "must name a file in the " HOST_KERNEL_DIR_NOUN);
			*(!strcmp(key, "image") ? &image : &initrd) = json_object_get_string(value);
		} else if (!strcmp(key, "cmdline")) {
			if (!text || !is_cmdline(cmdline = json_object_get_string(value)) ||
			    strlen(cmdline) > HOSTBOOT_MAX_CMDLINE)
				return mb_fail(err, key, "must be a kernel command line of at most %d "
					       "printable ASCII characters", HOSTBOOT_MAX_CMDLINE);
			if (strstr(cmdline, HOSTBOOT_TOKEN_KEY))
				return mb_fail(err, key, "must not hold " HOSTBOOT_TOKEN_KEY ": migbench "
					       "adds it to tell its boots apart");
		} else if (!strcmp(key, "tags")) {
			if (run_request_check_tags(value, err))
				return -EINVAL;
			tags = value;
		} else {
			return mb_fail(err, key, "unknown key: a kernel has label, image, initrd, "
				       "cmdline and tags");
		}
	}
	if (!label)
		return mb_fail(err, "label", "is required");
	if (!image)
		return mb_fail(err, "image", "is required: a file in the " HOST_KERNEL_DIR_NOUN
			       " %.200s", policy->host_kernel_dir);
	if (open_kernel_files(image, initrd, policy, &image_fd, &initrd_fd, path, initrd_path,
			      release, sizeof(release), version, sizeof(version), err))
		return -EINVAL;
	close(image_fd);
	if (initrd_fd >= 0)
		close(initrd_fd);
	json_object_object_add(out, "image", json_object_new_string(path));
	if (initrd)
		json_object_object_add(out, "initrd", json_object_new_string(initrd_path));
	json_object_object_add(out, "release", json_object_new_string(release));
	json_object_object_add(out, "version", json_object_new_string(version));
	json_object_object_add(out, "label", json_object_new_string(label));
	json_object_object_add(out, "cmdline", json_object_new_string(cmdline ? cmdline :
								      booted_cmdline));
	json_object_object_add(out, "tags", tags ? json_object_get(tags) : json_object_new_object());
	return 0;
}

static int parse_kernels(struct json_object *list, const struct campaign_policy *policy,
			 const char *booted_cmdline, struct json_object *out,
			 struct mb_error *err)
{
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

	if (n < 2 || n > CAMPAIGN_MAX_KERNELS)
		return mb_fail(err, "kernels", "must be an array of 2 to %d kernels",
			       CAMPAIGN_MAX_KERNELS);
	for (size_t i = 0; i < n; i++) {
		struct json_object *k = json_object_new_object(), *label;

		json_object_array_add(out, k);
		if (parse_kernel(json_object_array_get_idx(list, i), policy, booted_cmdline, k, err))
			return prefix_field(err, "kernels", i);
		json_object_object_get_ex(k, "label", &label);
		for (size_t j = 0; j < i; j++) {
			struct json_object *other;

			json_object_object_get_ex(json_object_array_get_idx(out, j), "label", &other);
			if (!strcmp(json_object_get_string(label), json_object_get_string(other))) {
				mb_fail(err, "label", "\"%s\" is the label of kernels[%zu] too: "
					"each kernel needs its own", json_object_get_string(label), j);
				return prefix_field(err, "kernels", i);
			}
		}
	}
	return 0;
}

/* One of the runs to make on every kernel: a run request without a label. */
static int parse_run(struct json_object *r, const struct mb_site_policy *site,
		     const struct limits *limits, struct json_object *out, unsigned int *runs,
		     struct mb_error *err)
{
	struct run_request req;

	if (json_object_is_type(r, json_type_object)) {
		static const char *const refused[] = { "label", "target_ci_percent", "max_repeat" };

		for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
			if (json_object_object_get_ex(r, refused[i], NULL))
				return mb_fail(err, refused[i], "%s", i == 0 ?
					       "a campaign's runs are labelled with their kernel's label" :
					       "a campaign's runs take a fixed repeat");
	}
	if (run_request_parse(r, site, &req, err)) {
		run_request_free(&req);
		return -EINVAL;
	}
	/*
	 * A step queues and makes again each request's runs as one group: a
	 * sweep's groups would each need that bookkeeping; one request per
	 * value does the same.
	 */
	if (req.sweep) {
		mb_fail(err, req.sweep->keys[0], "a campaign's run request takes one value per "
			"spec key: sweeps (lists) are for POST /runs; give the campaign one run "
			"request per value");
		run_request_free(&req);
		return -EINVAL;
	}
	if (limits_check_run(limits, &req.needs, err)) {
		run_request_free(&req);
		return -EINVAL;
	}
	json_object_object_add(out, "kind", json_object_new_string(req.engine->kind));
	json_object_object_add(out, "spec", req.spec);
	json_object_object_add(out, "repeat", json_object_new_int((int)req.repeat));
	json_object_object_add(out, "tags", req.tags ? json_object_get(req.tags) :
						       json_object_new_object());
	*runs += req.repeat;
	return 0;
}

static int parse_runs(struct json_object *list, const struct mb_site_policy *site,
		      const struct limits *limits, struct json_object *out, struct mb_error *err)
{
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	unsigned int runs = 0;

	if (n < 1 || n > CAMPAIGN_MAX_REQUESTS)
		return mb_fail(err, "runs", "must be an array of 1 to %d run requests (as for "
			       "POST /runs), made on each kernel", CAMPAIGN_MAX_REQUESTS);
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_new_object();

		json_object_array_add(out, r);
		if (parse_run(json_object_array_get_idx(list, i), site, limits, r, &runs, err))
			return prefix_field(err, "runs", i);
	}
	if (runs > limits->queued_runs)
		return mb_fail(err, "runs", "one step would queue %u runs, more than the limit "
			       "queued_runs = %llu", runs, (unsigned long long)limits->queued_runs);
	return 0;
}

static int parse_choice(const char *key, struct json_object *v, const char *const *choices,
			const char **out, struct mb_error *err)
{
	if (!v)
		return 0;
	for (; json_object_is_type(v, json_type_string) && *choices; choices++)
		if (!strcmp(json_object_get_string(v), *choices)) {
			*out = *choices;
			return 0;
		}
	return mb_fail(err, key, "must be %s", !strcmp(key, "order") ? "\"ABBA\" or \"ABAB\"" :
		       "\"kexec\"");
}

/*
 * ABBA: every other round runs the kernels in reverse, so a slow drift of
 * the host weighs on each kernel alike; ABAB keeps one order.
 */
static void plan_steps(struct campaign_plan *plan, int rounds, int kernels, bool abba)
{
	plan->nr_steps = 0;
	for (int r = 1; r <= rounds; r++)
		for (int i = 0; i < kernels; i++) {
			plan->steps[plan->nr_steps].round = r;
			plan->steps[plan->nr_steps].kernel = abba && !(r & 1) ? kernels - 1 - i : i;
			plan->nr_steps++;
		}
}

int campaign_spec_parse(struct json_object *request, const struct campaign_policy *policy,
			const struct mb_site_policy *site, const struct limits *limits,
			const char *booted_cmdline, struct json_object **spec,
			struct campaign_plan *plan, struct mb_error *err)
{
	static const char *const orders[] = { "ABBA", "ABAB", NULL };
	static const char *const reboots[] = { "kexec", NULL };
	struct json_object *kernels = NULL, *runs = NULL, *order = NULL, *reboot = NULL;
	struct json_object *rounds = NULL, *out;
	const char *order_s = "ABBA", *reboot_s = "kexec";
	int nr_rounds = 2, ret = 0;

	*spec = NULL;
	if (!json_object_is_type(request, json_type_object))
		return mb_fail(err, NULL, "the campaign must be a JSON object");
	json_object_object_foreach(request, key, value) {
		struct json_object **slot = !strcmp(key, "kernels") ? &kernels :
					    !strcmp(key, "runs") ? &runs :
					    !strcmp(key, "rounds") ? &rounds :
					    !strcmp(key, "order") ? &order :
					    !strcmp(key, "reboot") ? &reboot : NULL;

		if (!slot)
			return mb_fail(err, key, "unknown key: a campaign has kernels, runs, rounds, "
				       "order and reboot");
		*slot = value;
	}
	if (reboot && json_object_is_type(reboot, json_type_string) &&
	    !strcmp(json_object_get_string(reboot), "firmware"))
		return mb_fail(err, "reboot", "\"firmware\" (the boot loader's one-time entry) is "
			       "not supported by this migbenchd: use \"kexec\"");
	if (parse_choice("order", order, orders, &order_s, err) ||
	    parse_choice("reboot", reboot, reboots, &reboot_s, err))
		return -EINVAL;
	if (rounds) {
		if (!json_object_is_type(rounds, json_type_int) || json_object_get_int64(rounds) < 1 ||
		    json_object_get_int64(rounds) > CAMPAIGN_MAX_ROUNDS)
			return mb_fail(err, "rounds", "must be an integer from 1 to %d",
				       CAMPAIGN_MAX_ROUNDS);
		nr_rounds = (int)json_object_get_int64(rounds);
	}
	if (!kernels)
		return mb_fail(err, "kernels", "is required: 2 to %d kernels, each {label, image, "
			       "initrd, cmdline, tags}", CAMPAIGN_MAX_KERNELS);
	if (!runs)
		return mb_fail(err, "runs", "is required: the run requests to make on each kernel");
	out = json_object_new_object();
	json_object_object_add(out, "kernels", json_object_new_array());
	json_object_object_add(out, "runs", json_object_new_array());
	ret = parse_kernels(kernels, policy, booted_cmdline,
			    json_object_object_get(out, "kernels"), err);
	if (!ret)
		ret = parse_runs(runs, site, limits, json_object_object_get(out, "runs"), err);
	if (ret) {
		json_object_put(out);
		return ret;
	}
	json_object_object_add(out, "rounds", json_object_new_int(nr_rounds));
	json_object_object_add(out, "order", json_object_new_string(order_s));
	json_object_object_add(out, "reboot", json_object_new_string(reboot_s));
	json_object_object_add(out, "boot_attempts", json_object_new_int(policy->boot_attempts));
	plan_steps(plan, nr_rounds, (int)json_object_array_length(kernels), !strcmp(order_s, "ABBA"));
	*spec = out;
	return 0;
}
