// SPDX-License-Identifier: MIT
#include "host_view.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "connection.h"
#include "units.h"
#include "usage.h"

/* --json or nothing: whether the API's document is wanted; -1 after a wrong argument. */
static int json_wanted(int argc, char **argv)
{
	bool json = take_flag(&argc, argv, "--json");

	if (argc > 1) {
		fprintf(stderr, "%s: '%s' is not an option of it\n", argv[0], argv[1]);
		return -1;
	}
	return json;
}

/* An object's members as "k=v" words after a lead, wrapped under it at 78 columns. */
static void print_words(const char *lead, struct json_object *o)
{
	size_t col = (size_t)printf("%s", lead), indent = col;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_length(o)) {
		printf(" none\n");
		return;
	}
	json_object_object_foreach(o, k, v) {
		const char *text = v ? json_object_get_string(v) : "null";
		size_t len = strlen(k) + 2 + strlen(text);

		if (col > indent && col + len > 78)
			col = (size_t)printf("\n%*s", (int)indent, "") - 1;
		col += (size_t)printf(" %s=%s", k, text);
	}
	putchar('\n');
}

static void print_host(struct json_object *h)
{
	struct json_object *k = NULL, *o = NULL, *mem = NULL;
	char size[32] = "-";

	json_object_object_get_ex(h, "kernel", &k);
	if (json_object_object_get_ex(h, "mem_total_bytes", &mem) && mem)
		mb_format_metric("mem_total_bytes", json_object_get_double(mem), size, sizeof(size));
	printf("host %s: Linux %s %s %s, %s, %s CPUs, %s of memory\n", str(h, "hostname"),
	       str(k, "release"), str(k, "version"), str(k, "machine"), str(h, "cpu_model"),
	       str(h, "online_cpus"), size);
	printf("  boot %s, clocksource %s\n", str(h, "boot_id"), str(h, "clocksource"));
	printf("  command line: %s\n", str(h, "cmdline"));
	json_object_object_get_ex(h, "kvm_capabilities", &o);
	print_words(json_object_get_boolean(json_object_object_get(h, "kvm_available")) ?
		    "  KVM: available;" : "  KVM: not available;", o);
	if (json_object_object_get_ex(h, "kvm_parameters", &o) &&
	    json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, module, params) {
			char lead[96];

			snprintf(lead, sizeof(lead), "  %s parameters:", module);
			print_words(lead, params);
		}
	}
	printf("  hugepages  %8s %8s %8s %8s\n", "nr", "free", "resv", "surplus");
	if (json_object_object_get_ex(h, "hugepages", &o) && json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, pagesize, pool)
			printf("    %-8s %8s %8s %8s %8s\n", pagesize, str(pool, "nr"), str(pool, "free"),
			       str(pool, "resv"), str(pool, "surplus"));
	}
	printf("  %s; %s\n", str(h, "qemu_version"), str(h, "libvirt_version"));
	printf("  queue %s%s%s: %s queued, %s running\n", str(h, "status"),
	       strcmp(str(h, "queue_paused"), "-") ? ", paused: " : "",
	       strcmp(str(h, "queue_paused"), "-") ? str(h, "queue_paused") : "",
	       str(h, "queued_runs"), strcmp(str(h, "running_run"), "-") ? str(h, "running_run") : "none");
}

int cmd_host(int argc, char **argv)
{
	struct json_object *h;
	int json = json_wanted(argc, argv), ret;

	if (json < 0)
		return usage_wrong();
	ret = get_json(API "/host", &h);
	if (ret)
		return ret;
	if (json)
		print_json(h);
	else
		print_host(h);
	json_object_put(h);
	return 0;
}

int cmd_kernels(int argc, char **argv)
{
	struct json_object *page, *list = NULL;
	int json = json_wanted(argc, argv), ret;
	size_t n;

	if (json < 0)
		return usage_wrong();
	ret = get_listing(API "/kernels", "kernels", json, &page, &list);
	if (ret || !page)
		return ret;
	n = json_object_array_length(list);
	if (!n)
		printf("no kernels yet: none has had a run\n");
	else
		printf("%4s  %-28s %5s %5s  %-24s %-16s %s\n", "ID", "RELEASE", "RUNS", "DONE",
		       "FIRST SEEN", "HOST", "VERSION");
	for (size_t i = 0; i < n; i++) {
		struct json_object *k = json_object_array_get_idx(list, i);

		printf("%4s  %-28s %5s %5s  %-24s %-16s %s\n", str(k, "id"), str(k, "release"),
		       str(k, "runs"), str(k, "runs_done"), str(k, "first_seen"), str(k, "hostname"),
		       str(k, "version"));
	}
	json_object_put(page);
	return 0;
}
