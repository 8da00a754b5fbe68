// SPDX-License-Identifier: MIT
#include "reaper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libvirtd.h"
#include "tracefs.h"

#define MAX_PIDS 256

/* A /proc/PID file, raw (environ keeps its NULs); its length. */
static size_t read_proc(int pid_dir, const char *file, char *buf, size_t len)
{
	int fd = openat(pid_dir, file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, len - 1);
	close(fd);
	n = n < 0 ? 0 : n;
	buf[n] = '\0';
	return (size_t)n;
}

/* Real, effective, saved and filesystem uid all root's. */
static bool all_uids_root(int pid_dir)
{
	char buf[4096], *uid;
	unsigned int r, e, s, f;

	if (!read_proc(pid_dir, "status", buf, sizeof(buf)) || !(uid = strstr(buf, "\nUid:")))
		return false;
	return sscanf(uid, "\nUid: %u %u %u %u", &r, &e, &s, &f) == 4 && !r && !e && !s && !f;
}

/* The programs a run starts; anything else is never ours to kill. */
static bool is_run_program(int pid_dir)
{
	static const char *const programs[] = { "/usr/sbin/libvirtd", "/usr/sbin/virtlogd",
						"/usr/bin/qemu-system-x86_64" };
	char exe[PATH_MAX];
	ssize_t n = readlinkat(pid_dir, "exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (!strcmp(exe, programs[i]))
			return true;
	return false;
}

/*
 * One of ours: a private libvirtd, virtlogd or QEMU of a run in the state
 * directory, with its run's directory as a whole entry of its environment.
 * Root's in every uid, and one of those programs: anyone can put the
 * variable in a process's environment, also in the value of another one,
 * and a setuid or non-dumpable process shows root as /proc's owner.
 */
static bool is_leftover(int pid_dir, const char *entry)
{
	char buf[16384];
	size_t n, len = strlen(entry);

	if (!all_uids_root(pid_dir) || !is_run_program(pid_dir))
		return false;
	n = read_proc(pid_dir, "environ", buf, sizeof(buf));
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)	/* NUL-separated */
		if (!strncmp(buf + i, entry, len))
			return true;
	return false;
}

/* Gone, or a zombie: its memory is free either way. */
static bool gone(pid_t pid)
{
	char path[64], buf[256], *paren;
	FILE *f;
	bool dead = true;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && (paren = strrchr(buf, ')')))
			dead = paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
		fclose(f);
	}
	return dead;
}

static int kill_processes(const char *state_dir)
{
	char entry[320];
	pid_t pids[MAX_PIDS];
	int killed = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");

	snprintf(entry, sizeof(entry), MB_LIBVIRTD_DIR_ENV "=%s/", state_dir);
	while (d && (de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);
		int pidfd, pid_dir;

		if (pid <= 1 || pid == getpid())
			continue;
		/*
		 * The pidfd first, then the checks through the /proc entry it
		 * pins down: the signal cannot reach a process that reused the pid.
		 */
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd < 0)
			continue;
		pid_dir = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pid_dir >= 0 && is_leftover(pid_dir, entry) &&
		    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0 &&
		    killed < MAX_PIDS)
			pids[killed++] = pid;
		if (pid_dir >= 0)
			close(pid_dir);
		close(pidfd);
	}
	if (d)
		closedir(d);
	/* hugepages are free only once their QEMU is gone */
	for (int i = 0; i < killed; i++)
		for (int t = 0; t < 200 && !gone(pids[i]); t++)
			usleep(50 * 1000);
	return killed;
}

int mb_reap_leftovers(const struct mb_site_policy *site)
{
	const char *state_dir = mb_site_state_dir(site);
	int n = kill_processes(state_dir), dirs;

	n += mb_tracefs_reap();
	dirs = mb_libvirtd_remove_all(state_dir);
	return n + (dirs > 0 ? dirs : 0);
}
