// SPDX-License-Identifier: MIT
#include "libvirtd.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <dirent.h>
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

#include "privdir.h"

#define RUN_PREFIX "run"

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
	char path[512], conf[1024], uuid[64] = "";
	FILE *f;
	int ret;

	/* all inside the root-only state directory; none of it for anyone else */
	for (size_t i = 0; i < NR_PRIVATE; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->dir, private_dirs[i][0]);
		if (strcmp(private_dirs[i][0], "etc") && mkdir(path, 0700))
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/sock", d->dir);
	if (mkdir(path, 0700))
		return -errno;
	snprintf(path, sizeof(path), "%s/migrate", d->dir);
	if (mkdir(path, 0700))
		return -errno;
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
	/*
	 * Unix sockets only, in a directory only root can enter: whoever
	 * reaches this libvirtd runs QEMU as root.  The directory is what
	 * keeps others out, so the sockets need no authentication of their own.
	 */
	snprintf(conf, sizeof(conf),
		 "listen_tls = 0\nlisten_tcp = 0\nunix_sock_dir = \"%s/sock\"\n"
		 "unix_sock_ro_perms = \"0700\"\nunix_sock_rw_perms = \"0700\"\n"
		 "unix_sock_admin_perms = \"0700\"\n"
		 "auth_unix_ro = \"none\"\nauth_unix_rw = \"none\"\nhost_uuid = \"%s\"\n",
		 d->dir, uuid);
	ret = write_file(path, "libvirtd.conf", conf);
	if (ret)
		return ret;
	/*
	 * QEMU as root: /dev/kvm and hugetlbfs need no ownership changes.  No
	 * migration_host/address: local migrations go over a unix socket.
	 */
	snprintf(conf, sizeof(conf),
		 "user = \"root\"\ngroup = \"root\"\ndynamic_ownership = 0\n"
		 "security_driver = \"none\"\n"
		 "hugetlbfs_mount = [\"/dev/hugepages1G\", \"/dev/hugepages2M\"]\n"
		 /* a benchmark's private daemons leave the host's cgroups alone */
		 "cgroup_controllers = [ ]\n");
	return write_file(path, "qemu.conf", conf);
}

/*
 * Bind the directory open as fd (a mount of this namespace's) on target.
 * By fd: the private directories and the state directory live under the
 * very paths the bind mounts hide (the default state directory is in /run).
 */
static int bind_fd(int fd, const char *target)
{
	char fd_path[64];

	snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
	return mount(fd_path, target, NULL, MS_BIND, NULL) ? -errno : 0;
}

/* The private directories over the host's; the state directory seen again at its own path. */
static int private_mounts(const struct mb_libvirtd *d)
{
	int fds[NR_PRIVATE + 1], ret = 0;
	char path[512];

	for (size_t i = 0; i <= NR_PRIVATE; i++) {
		if (i < NR_PRIVATE)
			snprintf(path, sizeof(path), "%s/%s", d->dir, private_dirs[i][0]);
		fds[i] = open(i < NR_PRIVATE ? path : d->base,
			      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fds[i] < 0)
			return -errno;
	}
	for (size_t i = 0; !ret && i < NR_PRIVATE; i++)
		ret = bind_fd(fds[i], private_dirs[i][1]);
	/*
	 * The sockets in it are then the same files for the worker, both
	 * libvirtds and their QEMUs.
	 */
	if (!ret)
		ret = mb_mkdir_p(d->base, 0700, 0700);
	if (!ret)
		ret = bind_fd(fds[NR_PRIVATE], d->base);
	for (size_t i = 0; i <= NR_PRIVATE; i++)
		close(fds[i]);
	return ret;
}

/* A child of the supervisor: dies with it, known to the reaper by its environment. */
static void exec_daemon(const char *path, const char *name, const sigset_t *set)
{
	sigprocmask(SIG_UNBLOCK, set, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	execl(path, name, (char *)NULL);
	_exit(127);
}

/*
 * Once libvirtd and virtlogd have exited: every process left in this mount
 * namespace, which only this process's descendants share.  libvirtd's
 * capabilities probe is a QEMU it daemonized with an environment of its
 * own, so the reaper cannot know it, and it outlives a libvirtd stopped
 * while probing.  A process that has exited (a zombie) has no namespace
 * left to read; 5 s, then whatever the kernel has not ended stays named
 * by its pid in /proc for the reaper's checks.
 */
static void end_namespace(void)
{
	char self[64], ns[64], path[80];
	ssize_t n = readlink("/proc/self/ns/mnt", self, sizeof(self) - 1);

	if (n <= 0)
		return;
	self[n] = '\0';
	for (int round = 0; round < 500; round++) {
		DIR *dir = opendir("/proc");
		struct dirent *e;
		int left = 0;

		if (!dir)
			return;
		while ((e = readdir(dir))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);

			if (*end || pid <= 0 || pid == getpid())
				continue;
			snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
			n = readlink(path, ns, sizeof(ns) - 1);
			if (n <= 0)
				continue;
			ns[n] = '\0';
			if (!strcmp(ns, self) && kill((pid_t)pid, SIGKILL) == 0)
				left++;
		}
		closedir(dir);
		if (!left)
			return;
		usleep(10 * 1000);
	}
}

/* In the child: the private namespace, then virtlogd and libvirtd. */
static void __attribute__((noreturn)) supervise(struct mb_libvirtd *d)
{
	char path[512];
	pid_t logd, virtd;
	sigset_t set;
	int sig;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_DFL);	/* the worker ignores it; libvirtd sets its own */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		_exit(10);
	/* after unshare: a bind mount's source must be a mount of this namespace */
	if (private_mounts(d))
		_exit(11);
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
	setenv(MB_LIBVIRTD_DIR_ENV, d->dir, 1);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);	/* a daemon that died ends the rest */
	sigprocmask(SIG_BLOCK, &set, NULL);
	logd = fork();
	if (logd == 0)
		exec_daemon("/usr/sbin/virtlogd", "virtlogd", &set);
	virtd = fork();
	if (virtd == 0)
		exec_daemon("/usr/sbin/libvirtd", "libvirtd", &set);
	sigwait(&set, &sig);
	kill(virtd, SIGTERM);
	waitpid(virtd, NULL, 0);
	kill(logd, SIGTERM);
	waitpid(logd, NULL, 0);
	end_namespace();
	_exit(0);
}

static void quiet_errors(void *ctx, virErrorPtr e)
{
	(void)ctx;
	(void)e;	/* callers report failures themselves */
}

int mb_libvirtd_start(struct mb_libvirtd *d, const char *state_dir,
		      char *err, size_t err_len)
{
	struct timespec start, now;
	char why[512];
	int ret, base_fd;

	memset(d, 0, sizeof(*d));
	d->supervisor = -1;
	snprintf(d->base, sizeof(d->base), "%s", state_dir);
	base_fd = mb_privdir_open(state_dir, MB_PRIVDIR_CREATE, why, sizeof(why));
	if (base_fd < 0) {
		snprintf(err, err_len, "the migration state directory: %s", why);
		return base_fd;
	}
	ret = mb_privdir_make(base_fd, RUN_PREFIX, d->name, sizeof(d->name));
	close(base_fd);
	if (ret) {
		snprintf(err, err_len, "cannot make a directory for libvirtd in %s: %s",
			 state_dir, strerror(-ret));
		d->name[0] = '\0';
		return ret;
	}
	snprintf(d->dir, sizeof(d->dir), "%s/%s", state_dir, d->name);
	snprintf(d->socket, sizeof(d->socket), "%s/sock/libvirt-sock", d->dir);
	snprintf(d->uri, sizeof(d->uri), "qemu+unix:///system?socket=%s", d->socket);
	/* sun_path: QEMU's migration socket beside it is longer still */
	if (strlen(d->dir) + strlen("/migrate/qemu.sock") >= 108) {
		snprintf(err, err_len, "the migration state directory %s is too long for unix "
			 "sockets", state_dir);
		ret = -ENAMETOOLONG;
		goto fail;
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
			snprintf(err, err_len, "the private libvirtd in %s exited (status %d)",
				 d->dir, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			d->supervisor = -1;
			ret = -EIO;
			goto fail;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 30) {
			snprintf(err, err_len, "the private libvirtd in %s did not answer in 30 s",
				 d->dir);
			ret = -ETIMEDOUT;
			goto fail;
		}
		usleep(100 * 1000);
	}
fail:
	mb_libvirtd_stop(d);
	return ret;
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

/* Remove a private directory through fds only (privdir.h). */
static int remove_private(const char *base, const char *name)
{
	char why[512];
	int fd = mb_privdir_open(base, 0, why, sizeof(why)), ret;

	if (fd < 0)
		return fd;
	ret = name ? mb_privdir_remove(fd, name) : mb_privdir_remove_each(fd, RUN_PREFIX "-");
	close(fd);
	return ret;
}

int mb_libvirtd_remove_all(const char *state_dir)
{
	return remove_private(state_dir, NULL);
}

void mb_libvirtd_stop(struct mb_libvirtd *d)
{
	if (d->supervisor > 0) {
		destroy_domains(d);
		kill(d->supervisor, SIGTERM);
		waitpid(d->supervisor, NULL, 0);
		d->supervisor = -1;
	}
	if (d->name[0])
		remove_private(d->base, d->name);
	d->name[0] = d->dir[0] = '\0';
}
