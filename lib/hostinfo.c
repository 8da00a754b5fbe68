// SPDX-License-Identifier: MIT
#include "hostinfo.h"

#include "kvm.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* First line of a small text file, without its newline; "" if absent. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Value of "key<ws>: value" in a /proc file such as cpuinfo. */
static void read_field(const char *path, const char *key, char *buf,
		       size_t len)
{
	FILE *f = fopen(path, "re");
	char line[512];

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, key, strlen(key)) || !colon)
			continue;
		colon++;
		colon += strspn(colon, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

unsigned int mb_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

static int not_hidden(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

static int is_kvm_module(const struct dirent *de)
{
	return !strncmp(de->d_name, "kvm", 3);
}

/* Parameters by name, in sorted order, so equal settings give equal text. */
static struct json_object *module_params(const char *module)
{
	struct json_object *obj = json_object_new_object();
	char dir[300], path[600], value[256];
	struct dirent **names;
	int n;

	snprintf(dir, sizeof(dir), "/sys/module/%s/parameters", module);
	n = scandir(dir, &names, not_hidden, alphasort);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		read_line(path, value, sizeof(value));
		json_object_object_add(obj, names[i]->d_name,
				       json_object_new_string(value));
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return obj;
}

/* Every loaded kvm* module: kvm, kvm_intel, kvm_amd and others alike. */
static struct json_object *kvm_parameters(void)
{
	struct json_object *obj = json_object_new_object();
	struct dirent **names;
	int n = scandir("/sys/module", &names, is_kvm_module, alphasort);

	for (int i = 0; i < n; i++) {
		json_object_object_add(obj, names[i]->d_name,
				       module_params(names[i]->d_name));
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return obj;
}

struct json_object *mb_kvm_caps_json(const struct mb_kvm_caps *caps)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2",
			       json_object_new_int(caps->manual_dirty_log_protect2));
	json_object_object_add(obj, "KVM_CAP_DIRTY_LOG_RING",
			       json_object_new_int(caps->dirty_log_ring));
	json_object_object_add(obj, "KVM_CAP_DIRTY_LOG_RING_ACQ_REL",
			       json_object_new_int(caps->dirty_log_ring_acq_rel));
	json_object_object_add(obj, "KVM_CAP_NR_MEMSLOTS",
			       json_object_new_int(caps->nr_memslots));
	return obj;
}

struct json_object *mb_hostinfo_json(void)
{
	struct json_object *env = json_object_new_object(), *kernel;
	char buf[4096];
	struct utsname u;
	unsigned long long mem_kb = 0;

	kernel = json_object_new_object();
	if (uname(&u) == 0) {
		json_object_object_add(kernel, "release",
				       json_object_new_string(u.release));
		json_object_object_add(kernel, "version",
				       json_object_new_string(u.version));
		json_object_object_add(kernel, "machine",
				       json_object_new_string(u.machine));
		json_object_object_add(env, "hostname",
				       json_object_new_string(u.nodename));
	}
	json_object_object_add(env, "kernel", kernel);
	read_line("/proc/cmdline", buf, sizeof(buf));
	json_object_object_add(env, "cmdline", json_object_new_string(buf));
	read_line("/proc/sys/kernel/random/boot_id", buf, sizeof(buf));
	json_object_object_add(env, "boot_id", json_object_new_string(buf));
	read_field("/proc/cpuinfo", "model name", buf, sizeof(buf));
	json_object_object_add(env, "cpu_model", json_object_new_string(buf));
	json_object_object_add(env, "online_cpus",
			       json_object_new_int(mb_online_cpus()));
	read_field("/proc/meminfo", "MemTotal", buf, sizeof(buf));
	sscanf(buf, "%llu", &mem_kb);
	json_object_object_add(env, "mem_total_bytes",
			       json_object_new_int64((int64_t)(mem_kb << 10)));
	json_object_object_add(env, "kvm_parameters", kvm_parameters());
	/* KVM keeps its guests' TSC and kvmclock steady only on a TSC host */
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", buf,
		  sizeof(buf));
	json_object_object_add(env, "clocksource", json_object_new_string(buf));
	return env;
}
