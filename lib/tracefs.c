// SPDX-License-Identifier: MIT
#include "tracefs.h"

#include "kfile.h"
#include "leftover.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define INSTANCES MB_TRACEFS "/instances"
#define PREFIX "migbench-"

int mb_tracefs_instance_make(struct mb_tracefs_instance *t, struct mb_error *err)
{
	struct stat sb;
	int ret;

	memset(t, 0, sizeof(*t));
	if (stat(INSTANCES, &sb)) {
		if (mount("nodev", MB_TRACEFS, "tracefs", 0, NULL))
			return mb_error_set(err, -errno, NULL, "tracefs is not available at "
					    MB_TRACEFS ": %s", strerror(errno));
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
	if (t->mounted && umount(MB_TRACEFS) == 0)
		t->mounted = false;
}

static void remove_instance(const char *path)
{
	mb_kfile_write(path, "events/enable", "0");
	mb_kfile_write(path, "tracing_on", "0");
	rmdir(path);
}

int mb_tracefs_reap(void)
{
	return mb_leftovers_reap(INSTANCES, PREFIX, remove_instance);
}
