// SPDX-License-Identifier: MIT
#include "tracefs.h"

#include "kfile.h"
#include "leftover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define INSTANCES MB_TRACEFS "/instances"
#define PREFIX "migbench-"
/* marks of mounts made for an instance, where no unit's cleanup removes them */
#define MARKERS "/run"
#define MARKER_PREFIX "migbench-tracefs-"

/* The mark of a tracefs mount made for process pid's instance. */
static void marker_path(pid_t pid, char *out, size_t len)
{
	snprintf(out, len, MARKERS "/" MARKER_PREFIX "%d", (int)pid);
}

int mb_tracefs_instance_make(struct mb_tracefs_instance *t, struct mb_error *err)
{
	char marker[64];
	struct stat sb;
	int fd, ret;

	memset(t, 0, sizeof(*t));
	if (stat(INSTANCES, &sb)) {
		/* marked first, so that the reap after a killed process unmounts it */
		marker_path(getpid(), marker, sizeof(marker));
		fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || close(fd) || mount("nodev", MB_TRACEFS, "tracefs", 0, NULL)) {
			ret = -errno;
			unlink(marker);
			return mb_error_set(err, ret, NULL, "tracefs is not available at "
					    MB_TRACEFS ": %s", strerror(-ret));
		}
		t->mounted = true;
	}
	snprintf(t->dir, sizeof(t->dir), INSTANCES "/" PREFIX "%d", (int)getpid());
	if (mkdir(t->dir, 0700)) {
		ret = -errno;
		mb_error_set(err, ret, NULL, "cannot create the tracefs instance %s: %s", t->dir,
			     strerror(errno));
		t->dir[0] = '\0';
		mb_tracefs_instance_remove(t);
		return ret;
	}
	return 0;
}

void mb_tracefs_instance_remove(struct mb_tracefs_instance *t)
{
	if (t->dir[0]) {
		mb_kfile_write(t->dir, "events/enable", "0");
		if (rmdir(t->dir) == 0)
			t->dir[0] = '\0';
	}
	if (t->mounted && umount(MB_TRACEFS) == 0) {
		char marker[64];

		marker_path(getpid(), marker, sizeof(marker));
		unlink(marker);
		t->mounted = false;
	}
}

uint64_t mb_tracefs_lost(const struct mb_tracefs_instance *t)
{
	char path[400], line[128];
	uint64_t lost = 0;

	for (int cpu = 0; cpu < 4096; cpu++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/stats", t->dir, cpu);
		f = fopen(path, "re");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f)) {
			unsigned long long n;

			if (sscanf(line, "overrun: %llu", &n) == 1 ||
			    sscanf(line, "dropped events: %llu", &n) == 1)
				lost += n;
		}
		fclose(f);
	}
	return lost;
}

static void remove_instance(const char *path)
{
	mb_kfile_write(path, "events/enable", "0");
	mb_kfile_write(path, "tracing_on", "0");
	rmdir(path);
}

/* Whether any process's instance is still there. */
static bool instances_left(void)
{
	DIR *d = opendir(INSTANCES);
	struct dirent *de;
	bool left = false;

	while (d && !left && (de = readdir(d)))
		left = !strncmp(de->d_name, PREFIX, strlen(PREFIX));
	if (d)
		closedir(d);
	return left;
}

/* A mount a killed process made for its instance: undone once none is left. */
static void unmount_for(const char *marker)
{
	if (!instances_left())
		umount(MB_TRACEFS);
	unlink(marker);
}

int mb_tracefs_reap(void)
{
	int n = mb_leftovers_reap(INSTANCES, PREFIX, remove_instance);

	return n + mb_leftovers_reap(MARKERS, MARKER_PREFIX, unmount_for);
}
