// SPDX-License-Identifier: MIT
#include "kfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int mb_kfile_write(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX + 64];
	size_t n = strlen(text);
	ssize_t w;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	/* O_TRUNC: tracefs's trace file is cleared by opening it so */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, text, n);
	if (w != (ssize_t)n)
		ret = w < 0 ? -errno : -EIO;	/* a short write sets no errno */
	close(fd);
	return ret;
}

int mb_kfile_read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	out[0] = '\0';
	if (!f)
		return -errno;
	errno = 0;
	if (!fgets(out, (int)len, f))
		ret = errno ? -errno : -EIO;	/* a file's own error (EBUSY, say), or empty */
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return ret;
}
