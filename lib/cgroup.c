// SPDX-License-Identifier: MIT
#include "cgroup.h"

#include "kfile.h"
#include "leftover.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The memory controller's mount: v1 "cgroup" with option memory, else cgroup2. */
static int find_mount(char *out, size_t len, bool *v2)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024], unified[PATH_MAX] = "";
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64], opts[512];
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %511s", fstype, opts) != 2)
			continue;
		if (!strcmp(fstype, "cgroup2")) {
			snprintf(unified, sizeof(unified), "%.*s", (int)sizeof(unified) - 1, mnt);
			continue;
		}
		if (strcmp(fstype, "cgroup"))
			continue;
		for (char *save = NULL, *o = strtok_r(opts, ",", &save); o;
		     o = strtok_r(NULL, ",", &save))
			if (!strcmp(o, "memory")) {
				snprintf(out, len, "%.*s", (int)len - 1, mnt);
				*v2 = false;
				ret = 0;
			}
	}
	fclose(f);
	if (ret && unified[0]) {
		snprintf(out, len, "%.*s", (int)len - 1, unified);
		*v2 = true;
		ret = 0;
	}
	return ret;
}

/* This process's cgroup in that hierarchy ("/system.slice/x.service"). */
static int own_cgroup(bool v2, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 64];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		bool match = false;

		if (!c2)
			continue;
		*c2 = '\0';
		line[strcspn(c2 + 1, "\n") + (c2 + 1 - line)] = '\0';
		if (v2) {
			match = c1[1] == '\0' && !strncmp(line, "0:", 2);
		} else {
			for (char *save = NULL, *o = strtok_r(c1 + 1, ",", &save); o;
			     o = strtok_r(NULL, ",", &save))
				match |= !strcmp(o, "memory");
		}
		if (match) {
			snprintf(out, len, "%s", c2 + 1);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

int mb_cgroup_locate(struct mb_cgroup_place *p, struct mb_error *err)
{
	char mnt[PATH_MAX / 4], cg[PATH_MAX / 4];
	int ret;

	memset(p, 0, sizeof(*p));
	ret = find_mount(mnt, sizeof(mnt), &p->v2);
	if (!ret)
		ret = own_cgroup(p->v2, cg, sizeof(cg));
	if (ret)
		return mb_error_set(err, -EOPNOTSUPP, NULL,
				    "no memory cgroup controller is mounted for this process");
	if (!strcmp(cg, "/"))
		cg[0] = '\0';
	snprintf(p->own, sizeof(p->own), "%s%s", mnt, cg);
	p->mount_len = strlen(mnt);
	snprintf(p->parent, sizeof(p->parent), "%s", p->own);
	if (p->v2 && cg[0])
		*strrchr(p->parent, '/') = '\0';
	return 0;
}

bool mb_cgroup_lists(const char *dir, const char *file, const char *word)
{
	char path[PATH_MAX + 64], line[1024];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f))
		for (char *save = NULL, *w = strtok_r(line, " \n", &save); w && !found;
		     w = strtok_r(NULL, " \n", &save))
			found = !strcmp(w, word);
	fclose(f);
	return found;
}

/* systemd marks a cgroup it delegated with trusted.delegate (user.delegate from v252). */
static bool delegated(const char *dir)
{
	static const char *const names[] = { "trusted.delegate", "user.delegate" };
	char value[8];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ssize_t n = getxattr(dir, names[i], value, sizeof(value) - 1);

		if (n > 0) {
			value[n] = '\0';
			if (!strcmp(value, "1"))
				return true;
		}
	}
	return false;
}

int mb_cgroup_settle(const char *leaf, struct mb_error *err)
{
	struct mb_cgroup_place p;
	char child[PATH_MAX + 64], pid[24];
	bool made;
	int ret;

	if (mb_cgroup_locate(&p, NULL) || !p.v2 || !strcmp(p.own, p.parent) ||
	    !delegated(p.own) || mb_cgroup_lists(p.own, "cgroup.subtree_control", "memory") ||
	    !mb_cgroup_lists(p.own, "cgroup.controllers", "memory"))
		return 0;
	snprintf(child, sizeof(child), "%s/%s", p.own, leaf);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	made = !mkdir(child, 0755);
	if (!made && errno != EEXIST)
		return mb_error_set(err, -errno, NULL, "making %s: %s", child, strerror(errno));
	ret = mb_kfile_write(child, "cgroup.procs", pid);
	if (!ret) {
		ret = mb_kfile_write(p.own, "cgroup.subtree_control", "+memory");
		/* another process still in the delegated cgroup, most likely */
		if (ret && mb_kfile_write(p.own, "cgroup.procs", pid))
			return mb_error_set(err, ret, NULL, "enabling memory below %s: %s, and the "
					    "process stays in %s", p.own, strerror(-ret), child);
	}
	if (ret && made)
		rmdir(child);
	if (ret)
		return mb_error_set(err, ret, NULL, "moving into %s and enabling memory below "
				    "%s: %s", child, p.own, strerror(-ret));
	return 1;
}

static void remove_dir(const char *path)
{
	rmdir(path);
}

int mb_cgroup_reap(const char *parent, const char *prefix)
{
	return mb_leftovers_reap(parent, prefix, remove_dir);
}
