// SPDX-License-Identifier: MIT
#include "kmem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PREFIX "migbench-kmem-"

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

static int write_id(const char *path, long id)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	int n = snprintf(buf, sizeof(buf), "%ld", id);

	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

/* The cgroup this process is in: 0 in v1's memory hierarchy, 1 in v2's. */
static int parent_of(char *dir, size_t len, struct mb_error *err)
{
	char mnt[PATH_MAX / 2], cg[PATH_MAX / 2];
	bool v2 = false;
	int ret = find_mount(mnt, sizeof(mnt), &v2);

	if (!ret)
		ret = own_cgroup(v2, cg, sizeof(cg));
	if (ret)
		return mb_error_set(err, -EOPNOTSUPP, NULL,
				    "no memory cgroup controller is mounted for this process");
	if ((size_t)snprintf(dir, len, "%s%s", mnt, strcmp(cg, "/") ? cg : "") >= len)
		return mb_error_set(err, -ENAMETOOLONG, NULL, "memory cgroup path too long");
	return v2;
}

int mb_kmem_open(struct mb_kmem *k, struct mb_error *err)
{
	char parent[PATH_MAX / 2 + 16], path[PATH_MAX + 32];
	long id = syscall(SYS_gettid);
	int ret;

	memset(k, 0, sizeof(*k));
	k->usage_fd = -1;
	ret = parent_of(parent, sizeof(parent), err);
	if (ret < 0)
		return ret;
	k->v2 = ret;
	if (k->v2) {
		char ctl[256] = "";
		FILE *f;

		/* a process, not a thread, joins a v2 cgroup of its own */
		id = getpid();
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", parent);
		f = fopen(path, "re");
		if (f) {
			if (!fgets(ctl, sizeof(ctl), f))
				ctl[0] = '\0';
			fclose(f);
		}
		if (!strstr(ctl, "memory"))
			return mb_error_set(err, -EOPNOTSUPP, NULL,
					    "the memory controller is not delegated below %s (cgroup v2)",
					    parent);
	}
	snprintf(k->home, sizeof(k->home), "%s/%s", parent, k->v2 ? "cgroup.procs" : "tasks");
	snprintf(k->dir, sizeof(k->dir), "%s/" PREFIX "%d", parent, getpid());
	if (mkdir(k->dir, 0700) && errno != EEXIST) {
		ret = -errno;
		k->dir[0] = '\0';
		return mb_error_set(err, ret, NULL, "making memory cgroup %s: %s", parent,
				    strerror(-ret));
	}
	k->source = k->v2 ? "memory cgroup v2: memory.stat kernel" :
			    "memory cgroup v1: memory.kmem.usage_in_bytes";
	snprintf(path, sizeof(path), "%s/%s", k->dir,
		 k->v2 ? "memory.stat" : "memory.kmem.usage_in_bytes");
	k->usage_fd = open(path, O_RDONLY | O_CLOEXEC);
	ret = k->usage_fd < 0 ? -errno : 0;
	if (!ret) {
		snprintf(path, sizeof(path), "%s/%s", k->dir, k->v2 ? "cgroup.procs" : "tasks");
		ret = write_id(path, id);
	}
	if (ret) {
		mb_kmem_close(k);
		return mb_error_set(err, ret, NULL, "joining memory cgroup %s: %s", path,
				    strerror(-ret));
	}
	return 0;
}

/* v2 keeps no kernel-memory counter of its own: the "kernel" line of memory.stat. */
static int read_stat_kernel(int fd, uint64_t *bytes)
{
	char buf[8192];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *p;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	p = strstr(buf, "\nkernel ");
	if (!p && !strncmp(buf, "kernel ", 7))
		p = buf - 1;
	if (!p)
		return -ENODATA;
	*bytes = strtoull(p + 8, NULL, 10);
	return 0;
}

int mb_kmem_read(struct mb_kmem *k, uint64_t *bytes)
{
	char buf[32];
	ssize_t n;

	if (k->usage_fd < 0)
		return -EBADF;
	if (k->v2)
		return read_stat_kernel(k->usage_fd, bytes);
	n = pread(k->usage_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	*bytes = strtoull(buf, NULL, 10);
	return 0;
}

void mb_kmem_close(struct mb_kmem *k)
{
	if (k->usage_fd >= 0)
		close(k->usage_fd);
	k->usage_fd = -1;
	if (!k->dir[0])
		return;
	write_id(k->home, k->v2 ? (long)getpid() : syscall(SYS_gettid));
	rmdir(k->dir);
	k->dir[0] = '\0';
}

int mb_kmem_reap(void)
{
	struct mb_error err = { 0 };
	char parent[PATH_MAX / 2 + 16], path[PATH_MAX + 32];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	if (parent_of(parent, sizeof(parent), &err) < 0)
		return 0;
	dir = opendir(parent);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		char *end;
		long pid;

		if (strncmp(d->d_name, PREFIX, strlen(PREFIX)))
			continue;
		pid = strtol(d->d_name + strlen(PREFIX), &end, 10);
		if (*end || pid <= 0 || !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", parent, d->d_name);
		n += !rmdir(path);
	}
	closedir(dir);
	return n;
}
