// SPDX-License-Identifier: MIT
#include "kmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"

#define PREFIX "migbench-kmem-"

/* v1 moves the measuring thread, v2 the whole process. */
static long mover(bool v2)
{
	return v2 ? (long)getpid() : syscall(SYS_gettid);
}

static int write_id(int fd, long id)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld", id);

	return write(fd, buf, (size_t)n) == n ? 0 : -errno;
}

static int open_in(const char *dir, const char *file, int flags)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return open(path, flags | O_CLOEXEC);
}

void mb_kmem_init(struct mb_kmem *k)
{
	memset(k, 0, sizeof(*k));
	k->home_fd = k->usage_fd = k->flush_fd = -1;
}

int mb_kmem_open(struct mb_kmem *k, struct mb_error *err)
{
	const char *procs, *usage;
	struct mb_cgroup_place p;
	int fd, ret;

	mb_kmem_init(k);
	ret = mb_cgroup_locate(&p, err);
	if (ret)
		return ret;
	k->v2 = p.v2;
	if (k->v2 && !mb_cgroup_lists(p.parent, "cgroup.subtree_control", "memory"))
		return mb_error_set(err, -EOPNOTSUPP, NULL,
				    "the memory controller is not enabled below %s (cgroup v2)",
				    p.parent);
	procs = k->v2 ? "cgroup.procs" : "tasks";
	usage = k->v2 ? "memory.stat" : "memory.kmem.usage_in_bytes";
	snprintf(k->dir, sizeof(k->dir), "%s/" PREFIX "%d", p.parent, getpid());
	if (mkdir(k->dir, 0700) && errno != EEXIST) {
		ret = -errno;
		k->dir[0] = '\0';
		return mb_error_set(err, ret, NULL, "making a memory cgroup in %s: %s", p.parent,
				    strerror(-ret));
	}
	k->source = k->v2 ? "memory cgroup v2: memory.stat vmalloc, after a cpu.stat flush" :
			    "memory cgroup v1: memory.kmem.usage_in_bytes";
	/*
	 * Every file is opened before joining: an open inside the cgroup
	 * would charge its own kernel objects to what is measured.
	 */
	k->home_fd = open_in(p.own, procs, O_WRONLY);
	k->usage_fd = open_in(k->dir, usage, O_RDONLY);
	if (k->v2)
		k->flush_fd = open_in(k->dir, "cpu.stat", O_RDONLY);
	/*
	 * One CPU for the measured calls: the memory controller charges small
	 * objects through a cache per CPU, and a thread that moved between
	 * CPUs would pay a page into a second one (v1 counts those pages).
	 */
	if (!sched_getaffinity(0, sizeof(k->affinity), &k->affinity)) {
		cpu_set_t one;
		int cpu = sched_getcpu();

		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		k->pinned = cpu >= 0 && !sched_setaffinity(0, sizeof(one), &one);
	}
	fd = open_in(k->dir, procs, O_WRONLY);
	ret = k->home_fd < 0 || k->usage_fd < 0 || (k->v2 && k->flush_fd < 0) || fd < 0 ?
	      -errno : write_id(fd, mover(k->v2));
	if (fd >= 0)
		close(fd);
	if (ret) {
		mb_kmem_close(k);
		return mb_error_set(err, ret, NULL, "joining a memory cgroup in %s: %s", p.parent,
				    strerror(-ret));
	}
	return 0;
}

/* A line "name N" of memory.stat. */
static int read_stat_line(int fd, const char *name, uint64_t *bytes)
{
	char buf[8192], key[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *p;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	snprintf(key, sizeof(key), "\n%s ", name);
	p = !strncmp(buf, key + 1, strlen(key + 1)) ? buf - 1 : strstr(buf, key);
	if (!p)
		return -ENODATA;
	*bytes = strtoull(p + strlen(key), NULL, 10);
	return 0;
}

int mb_kmem_read(struct mb_kmem *k, uint64_t *bytes)
{
	char buf[512];
	ssize_t n;

	if (k->usage_fd < 0)
		return -EBADF;
	if (k->v2) {
		if (pread(k->flush_fd, buf, sizeof(buf), 0) < 0)
			return -errno;
		return read_stat_line(k->usage_fd, "vmalloc", bytes);
	}
	n = pread(k->usage_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	*bytes = strtoull(buf, NULL, 10);
	return 0;
}

void mb_kmem_close(struct mb_kmem *k)
{
	if (k->home_fd >= 0) {
		write_id(k->home_fd, mover(k->v2));
		close(k->home_fd);
	}
	if (k->usage_fd >= 0)
		close(k->usage_fd);
	if (k->flush_fd >= 0)
		close(k->flush_fd);
	k->home_fd = k->usage_fd = k->flush_fd = -1;
	if (k->pinned)
		sched_setaffinity(0, sizeof(k->affinity), &k->affinity);
	k->pinned = false;
	if (k->dir[0])
		rmdir(k->dir);
	k->dir[0] = '\0';
}

int mb_kmem_reap(void)
{
	struct mb_cgroup_place p;

	if (mb_cgroup_locate(&p, NULL))
		return 0;
	return mb_cgroup_reap(p.parent, PREFIX);
}
