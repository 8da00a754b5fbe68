// SPDX-License-Identifier: MIT
#include "leftover.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mb_leftovers_reap(const char *dir, const char *prefix, void (*reap)(const char *path))
{
	char path[PATH_MAX + 300];
	size_t len = strlen(prefix);
	struct dirent *d;
	int n = 0;
	DIR *dh = opendir(dir);

	if (!dh)
		return 0;
	while ((d = readdir(dh))) {
		char *end;
		long pid;

		if (strncmp(d->d_name, prefix, len))
			continue;
		pid = strtol(d->d_name + len, &end, 10);
		if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;	/* its process still runs and removes it itself */
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		reap(path);
		n++;
	}
	closedir(dh);
	return n;
}
