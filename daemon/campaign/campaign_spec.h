/* SPDX-License-Identifier: MIT */
/*
 * A kernel campaign as POST /campaigns takes it: the kernels (each a label,
 * an image and an initrd from the administrator's host kernel directory, a
 * command line, tags), the runs to make on each, the rounds and their
 * order (ABBA: the order reversed every other round, so that drift over
 * the campaign weighs on every kernel alike), and how to reboot.  Checked
 * once, here, and stored resolved: the files' absolute paths, the kernel
 * each image says it is, the command line each boot gets.
 */
#ifndef MIGBENCH_CAMPAIGN_SPEC_H
#define MIGBENCH_CAMPAIGN_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "request/run_limits.h"
#include "error.h"
#include "site.h"

#define CAMPAIGN_MAX_KERNELS	4
#define CAMPAIGN_MAX_REQUESTS	16
#define CAMPAIGN_MAX_ROUNDS	20

/* From migbenchd's config file. */
struct campaign_policy {
	bool allow_reboot;		/* false: campaigns are refused */
	const char *host_kernel_dir;	/* where kernels and initrds must be */
	int boot_attempts;		/* failed boots of a step before the campaign stops */
};

struct campaign_plan {
	unsigned int nr_steps;
	struct {
		int round;	/* 1.. */
		int kernel;	/* index in kernels */
	} steps[CAMPAIGN_MAX_KERNELS * CAMPAIGN_MAX_ROUNDS];
};

/*
 * Check a request (borrowed) and resolve it: *spec is the campaign as it
 * is stored (the caller puts it), plan its steps in boot order.  0, or
 * -EINVAL with err naming the field (e.g. "kernels[1].image").
 */
int campaign_spec_parse(struct json_object *request, const struct campaign_policy *policy,
			const struct mb_site_policy *site, const struct limits *limits,
			const char *booted_cmdline, struct json_object **spec,
			struct campaign_plan *plan, struct mb_error *err);

/*
 * Open a kernel's image and initrd (-1 when it has none) again, the same
 * way they were checked, and read what kernel the image is now.
 */
int campaign_spec_open_kernel(struct json_object *kernel, const struct campaign_policy *policy,
			      int *image_fd, int *initrd_fd, char *release, size_t rlen,
			      char *version, size_t vlen, struct mb_error *err);

#endif
