// SPDX-License-Identifier: MIT
#include "libvirtd.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static const char *const private_dirs[][2] = {
	{ "run", "/run" },
	{ "lib", "/var/lib/libvirt" },
	{ "log", "/var/log/libvirt" },
	{ "cache", "/var/cache/libvirt" },
	{ "etc", "/etc/libvirt" },
};
#define NR_PRIVATE (sizeof(private_dirs) / sizeof(private_dirs[0]))

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int copy_tree(const char *from, const char *to)
{
	/* /etc/libvirt holds small config files; cp keeps modes and links */
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execl("/bin/cp", "cp", "-a", "--", from, to, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int prepare_dirs(struct mb_libvirtd *d)
{
	char path[512], conf[512], uuid[64] = "";
	FILE *f;
	int ret;

	for (size_t i = 0; i < NR_PRIVATE; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->dir, private_dirs[i][0]);
		if (strcmp(private_dirs[i][0], "etc") && mkdir(path, 0755))
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/etc", d->dir);
	ret = copy_tree("/etc/libvirt", path);
	if (ret)
		return ret;
	f = fopen("/proc/sys/kernel/random/uuid", "re");
	if (!f || !fgets(uuid, sizeof(uuid), f)) {
		if (f)
			fclose(f);
		return -EIO;
	}
	fclose(f);
	uuid[strcspn(uuid, "\n")] = '\0';
	snprintf(conf, sizeof(conf),
		 "listen_tls = 0\nlisten_tcp = 1\nlisten_addr = \"%s\"\n"
		 "auth_tcp = \"none\"\nhost_uuid = \"%s\"\n", d->address, uuid);
	ret = write_file(path, "libvirtd.conf", conf);
	if (ret)
		return ret;
	/* QEMU as root: /dev/kvm and hugetlbfs need no ownership changes */
	snprintf(conf, sizeof(conf),
		 "user = \"root\"\ngroup = \"root\"\ndynamic_ownership = 0\n"
		 "security_driver = \"none\"\nmigration_host = \"%s\"\n"
		 "migration_address = \"%s\"\n"
		 "hugetlbfs_mount = [\"/dev/hugepages1G\", \"/dev/hugepages2M\"]\n"
		 /* a benchmark's private daemons leave the host's cgroups alone */
		 "cgroup_controllers = [ ]\n",
		 d->address, d->address);
	return write_file(path, "qemu.conf", conf);
}

/* In the child: the private namespace, then virtlogd and libvirtd. */
static void __attribute__((noreturn)) supervise(struct mb_libvirtd *d)
{
	char path[512];
	pid_t logd, virtd;
	sigset_t set;
	int sig;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		_exit(10);
	for (size_t i = 0; i < NR_PRIVATE; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->dir, private_dirs[i][0]);
		if (mount(path, private_dirs[i][1], NULL, MS_BIND, NULL))
			_exit(11);
	}
	mkdir("/run/libvirt", 0755);
	mkdir("/dev/hugepages1G", 0755);
	mkdir("/dev/hugepages2M", 0755);
	if (mount("none", "/dev/hugepages1G", "hugetlbfs", 0, "pagesize=1G") ||
	    mount("none", "/dev/hugepages2M", "hugetlbfs", 0, "pagesize=2M"))
		_exit(12);
	snprintf(path, sizeof(path), "%s/libvirtd.log", d->dir);
	{
		int log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (log >= 0) {	/* its chatter goes to its own log */
			dup2(log, 1);
			dup2(log, 2);
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	logd = fork();
	if (logd == 0) {
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		execl("/usr/sbin/virtlogd", "virtlogd", (char *)NULL);
		_exit(127);
	}
	virtd = fork();
	if (virtd == 0) {
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		execl("/usr/sbin/libvirtd", "libvirtd", "--listen", (char *)NULL);
		_exit(127);
	}
	sigwait(&set, &sig);
	kill(virtd, SIGTERM);
	waitpid(virtd, NULL, 0);
	kill(logd, SIGTERM);
	waitpid(logd, NULL, 0);
	_exit(0);
}

static void quiet_errors(void *ctx, virErrorPtr e)
{
	(void)ctx;
	(void)e;	/* callers report failures themselves */
}

int mb_libvirtd_start(struct mb_libvirtd *d, const char *address,
		      char *err, size_t err_len)
{
	struct timespec start, now;
	int ret;

	memset(d, 0, sizeof(*d));
	d->supervisor = -1;
	snprintf(d->address, sizeof(d->address), "%s", address);
	snprintf(d->uri, sizeof(d->uri), "qemu+tcp://%s/system", address);
	snprintf(d->dir, sizeof(d->dir), "/tmp/migbench-libvirtd-XXXXXX");
	if (!mkdtemp(d->dir)) {
		snprintf(err, err_len, "cannot make a directory for libvirtd: %s", strerror(errno));
		d->dir[0] = '\0';
		return -errno;
	}
	ret = prepare_dirs(d);
	if (ret) {
		snprintf(err, err_len, "preparing libvirtd's private directories: %s",
			 strerror(-ret));
		goto fail;
	}
	d->supervisor = fork();
	if (d->supervisor == 0)
		supervise(d);
	if (d->supervisor < 0) {
		ret = -errno;
		snprintf(err, err_len, "fork: %s", strerror(errno));
		goto fail;
	}
	virSetErrorFunc(NULL, quiet_errors);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		virConnectPtr c = virConnectOpen(d->uri);
		int status;

		if (c) {
			virConnectClose(c);
			return 0;
		}
		if (waitpid(d->supervisor, &status, WNOHANG) == d->supervisor) {
			snprintf(err, err_len, "the private libvirtd on %s exited (status %d)",
				 address, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			d->supervisor = -1;
			ret = -EIO;
			goto fail;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 30) {
			snprintf(err, err_len, "the private libvirtd on %s did not answer in 30 s",
				 address);
			ret = -ETIMEDOUT;
			goto fail;
		}
		usleep(100 * 1000);
	}
fail:
	mb_libvirtd_stop(d);
	return ret;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* libvirtd leaves its QEMUs running when it exits: end them first. */
static void destroy_domains(struct mb_libvirtd *d)
{
	virConnectPtr c = virConnectOpen(d->uri);
	virDomainPtr *doms = NULL;
	int n;

	if (!c)
		return;
	n = virConnectListAllDomains(c, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	for (int i = 0; i < n; i++) {
		virDomainDestroy(doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
	virConnectClose(c);
}

void mb_libvirtd_stop(struct mb_libvirtd *d)
{
	if (d->supervisor > 0) {
		destroy_domains(d);
		kill(d->supervisor, SIGTERM);
		waitpid(d->supervisor, NULL, 0);
		d->supervisor = -1;
	}
	if (d->dir[0])
		nftw(d->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	d->dir[0] = '\0';
}

/* Whether a process's command line names a migbench guest. */
static bool is_migbench_guest(const char *pid)
{
	char path[300], buf[8192];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)	/* arguments are NUL-separated */
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, "qemu-system") && strstr(buf, "guest=migbench-");
}

static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_dir(const char *path)
{
	rmdir(path);
}

/* Remove each entry of dir whose name starts with prefix. */
static void remove_each(const char *dir, const char *prefix, void (*remove)(const char *path))
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[300];

		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		remove(path);
	}
	if (d)
		closedir(d);
}

int mb_reap_leftovers(void)
{
	struct dirent *de;
	int killed = 0;
	DIR *d = opendir("/proc");

	pid_t pids[64];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || !is_migbench_guest(de->d_name))
			continue;
		if (kill(atoi(de->d_name), SIGKILL) == 0 && killed < 64)
			pids[killed++] = atoi(de->d_name);
	}
	if (d)
		closedir(d);
	/* their memory (hugepages too) is free only once they are gone */
	for (int i = 0; i < killed; i++)
		for (int t = 0; t < 200 && kill(pids[i], 0) == 0; t++)
			usleep(50 * 1000);
	remove_each("/tmp", "migbench-libvirtd-", remove_tree);
	remove_each("/sys/kernel/tracing/instances", "migbench-", remove_dir);
	return killed;
}
