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
#include <sys/stat.h>
#include <unistd.h>

#include "libvirtd.h"

#define TRACE_INSTANCES "/sys/kernel/tracing/instances"
#define MAX_PIDS 256

/* A /proc/PID file, NULs turned to spaces; its length. */
static size_t read_proc(const char *pid, const char *file, char *buf, size_t len)
{
	char path[300];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, file);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return n;
}

/*
 * One of ours: a private libvirtd, virtlogd or QEMU of a run in the state
 * directory, each with its run's directory in its environment.  Root's
 * only: anyone can put that in the environment of a process of their own.
 */
static bool is_leftover(const char *pid, const char *env_dir)
{
	char buf[16384], path[300];
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%s", pid);
	if (stat(path, &sb) || sb.st_uid != 0 || !read_proc(pid, "environ", buf + 1, sizeof(buf) - 1))
		return false;
	buf[0] = ' ';	/* entries are space-separated now: match one's start */
	return strstr(buf, env_dir) != NULL;
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
	char env_dir[320];
	pid_t pids[MAX_PIDS];
	int killed = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");

	snprintf(env_dir, sizeof(env_dir), " " MB_LIBVIRTD_DIR_ENV "=%s/", state_dir);
	while (d && (de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 1 || pid == getpid() || !is_leftover(de->d_name, env_dir))
			continue;
		if (kill(pid, SIGKILL) == 0 && killed < MAX_PIDS)
			pids[killed++] = pid;
	}
	if (d)
		closedir(d);
	/* hugepages are free only once their QEMU is gone */
	for (int i = 0; i < killed; i++)
		for (int t = 0; t < 200 && !gone(pids[i]); t++)
			usleep(50 * 1000);
	return killed;
}

static void write_0(const char *instance, const char *file)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), TRACE_INSTANCES "/%s/%s", instance, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "0", 1) < 0)
			(void)0;	/* rmdir below says whether it mattered */
		close(fd);
	}
}

/* Instances are named migbench-PID after the worker: those of dead workers. */
static int remove_trace_instances(void)
{
	DIR *d = opendir(TRACE_INSTANCES);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[600];
		pid_t pid;

		if (strncmp(de->d_name, "migbench-", 9))
			continue;
		pid = (pid_t)atoi(de->d_name + 9);
		if (pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH))
			continue;	/* its worker still runs and stops it itself */
		write_0(de->d_name, "events/enable");
		write_0(de->d_name, "tracing_on");
		snprintf(path, sizeof(path), TRACE_INSTANCES "/%s", de->d_name);
		n += rmdir(path) == 0;
	}
	if (d)
		closedir(d);
	return n;
}

int mb_reap_leftovers(const struct mb_site_policy *site)
{
	const char *state_dir = mb_site_state_dir(site);
	int n = kill_processes(state_dir), dirs;

	n += remove_trace_instances();
	dirs = mb_libvirtd_remove_all(state_dir);
	return n + (dirs > 0 ? dirs : 0);
}
