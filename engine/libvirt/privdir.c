// SPDX-License-Identifier: MIT
#include "privdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* A parent no one but root can rename things in (sticky /tmp is fine). */
static int check_parent(int fd, const char *path, char *err, size_t err_len)
{
	struct stat sb;

	if (fstat(fd, &sb))
		return -errno;
	if (sb.st_uid != 0 || ((sb.st_mode & 022) && !(sb.st_mode & S_ISVTX))) {
		snprintf(err, err_len, "%s: a parent directory is not root's alone (owner %u, mode %o)",
			 path, (unsigned int)sb.st_uid, (unsigned int)(sb.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static int check_final(int fd, const char *path, bool readable, char *err, size_t err_len)
{
	struct stat sb;

	if (fstat(fd, &sb))
		return -errno;
	if (sb.st_uid != 0 || (sb.st_mode & (readable ? 022 : 077))) {
		snprintf(err, err_len, "%s: must be a directory of root's %s, is owner %u mode %o",
			 path, readable ? "writable by root only" : "only (mode 0700)",
			 (unsigned int)sb.st_uid, (unsigned int)(sb.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int mb_privdir_open(const char *path, int flags, char *err, size_t err_len)
{
	bool create = flags & MB_PRIVDIR_CREATE;
	char copy[4096], *save = NULL, *comp, *next;
	int fd, ret;

	if (path[0] != '/' || strlen(path) >= sizeof(copy)) {
		snprintf(err, err_len, "%s: must be an absolute path", path);
		return -EINVAL;
	}
	snprintf(copy, sizeof(copy), "%s", path);
	fd = open("/", DIR_FLAGS);
	if (fd < 0)
		return -errno;
	for (comp = strtok_r(copy, "/", &save); comp; comp = next) {
		int child;

		next = strtok_r(NULL, "/", &save);
		ret = check_parent(fd, path, err, err_len);
		if (!ret && (!strcmp(comp, ".") || !strcmp(comp, ".."))) {
			snprintf(err, err_len, "%s: no . or .. components", path);
			ret = -EINVAL;
		}
		if (ret)
			goto fail;
		if (create && mkdirat(fd, comp, next ? 0755 : 0700) && errno != EEXIST) {
			ret = -errno;
			snprintf(err, err_len, "%s: cannot create %s: %s", path, comp, strerror(errno));
			goto fail;
		}
		child = openat(fd, comp, DIR_FLAGS);
		if (child < 0) {
			ret = -errno;
			snprintf(err, err_len, "%s: %s", path, errno == ELOOP || errno == ENOTDIR ?
				 "a component is a symlink or not a directory" : strerror(errno));
			goto fail;
		}
		close(fd);
		fd = child;
	}
	ret = check_final(fd, path, flags & MB_PRIVDIR_READABLE, err, err_len);
	if (ret)
		goto fail;
	return fd;
fail:
	close(fd);
	return ret;
}

int mb_mkdir_p(const char *path, mode_t parents, mode_t mode)
{
	char copy[4096];

	if (strlen(path) >= sizeof(copy))
		return -ENAMETOOLONG;
	snprintf(copy, sizeof(copy), "%s", path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, parents) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(copy, mode) && errno != EEXIST ? -errno : 0;
}

int mb_privdir_make(int dirfd, const char *prefix, char *name, size_t len)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[6];

	for (int tries = 0; tries < 100; tries++) {
		FILE *f = fopen("/dev/urandom", "re");
		int n = snprintf(name, len, "%s-", prefix);

		if (!f || fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd)) {
			if (f)
				fclose(f);
			return -EIO;
		}
		fclose(f);
		for (size_t i = 0; i < sizeof(rnd) && (size_t)n + 1 < len; i++)
			name[n++] = chars[rnd[i] % (sizeof(chars) - 1)];
		name[n] = '\0';
		if (mkdirat(dirfd, name, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* Empty the directory fd (which this call closes), depth first. */
static int empty_dir(int fd, dev_t dev)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int ret = 0;

	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct stat sb;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW)) {
			ret = ret ?: -errno;
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			int sub;

			if (sb.st_dev != dev) {	/* a mount: never descend into it */
				ret = ret ?: -EXDEV;
				continue;
			}
			sub = openat(dirfd(d), de->d_name, DIR_FLAGS);
			if (sub < 0 || empty_dir(sub, dev) ||
			    unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR))
				ret = ret ?: -errno;
		} else if (unlinkat(dirfd(d), de->d_name, 0)) {
			ret = ret ?: -errno;
		}
	}
	closedir(d);
	return ret;
}

int mb_privdir_remove(int dirfd, const char *name)
{
	struct stat sb;
	int fd, ret;

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (!S_ISDIR(sb.st_mode))
		return unlinkat(dirfd, name, 0) ? -errno : 0;
	fd = openat(dirfd, name, DIR_FLAGS);
	if (fd < 0)
		return -errno;
	ret = empty_dir(fd, sb.st_dev);
	if (unlinkat(dirfd, name, AT_REMOVEDIR))
		ret = ret ?: -errno;
	return ret;
}

int mb_privdir_remove_each(int dirfd, const char *prefix)
{
	int fd = dup(dirfd), n = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(d);	/* a dup shares the position */
	while ((de = readdir(d))) {
		struct stat sb;

		/* only what migbench made: root's directories of its prefix */
		if (strncmp(de->d_name, prefix, strlen(prefix)) ||
		    fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(sb.st_mode) || sb.st_uid != 0)
			continue;
		if (mb_privdir_remove(dirfd, de->d_name) == 0)
			n++;
	}
	closedir(d);
	return n;
}
