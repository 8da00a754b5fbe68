// SPDX-License-Identifier: MIT
#include "guestfile.h"
#include "privdir.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-"

/* Debian 12's glibc has no openat2() wrapper. */
static int open_beneath(int dirfd, const char *name)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));

	/* a kernel before 5.6: the name has no '/', O_NOFOLLOW is as strict */
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, name, (int)how.flags);
	return (int)fd;
}

/*
 * Root's, writable by root only, and readable by all: what the
 * administrator put there for anyone's guests, never a private file.
 */
static int root_only(const struct stat *sb)
{
	return sb->st_uid == 0 && !(sb->st_mode & 022) && (sb->st_mode & S_IROTH);
}

/* The file name in dir that name stands for; NULL if it is not one. */
static const char *name_in_dir(const char *name, const char *dir, size_t dir_len)
{
	const char *base = name;

	if (name[0] == '/') {
		if (strncmp(name, dir, dir_len) || name[dir_len] != '/')
			return NULL;
		base = name + dir_len + 1;
	}
	if (!base[0] || base[0] == '.' || strlen(base) > 200 ||
	    strspn(base, NAME_CHARS) != strlen(base))
		return NULL;
	return base;
}

int mb_adminfile_open(const char *field, const char *name, const char *dir,
		      const char *noun, const char *key, char *out, size_t len, int *fdp,
		      struct mb_error *err)
{
	size_t dir_len = dir ? strlen(dir) : 0;
	const char *base;
	struct stat sb;
	char why[300];
	int dfd, fd, ret = 0;

	if (fdp)
		*fdp = -1;
	if (!dir || dir[0] != '/')
		return mb_fail(err, field, "this migbenchd has no %s (%s in its config)", noun, key);
	while (dir_len > 1 && dir[dir_len - 1] == '/')
		dir_len--;
	base = name_in_dir(name, dir, dir_len);
	if (!base || (size_t)snprintf(out, len, "%.*s/%s", (int)dir_len, dir, base) >= len)
		goto not_in_dir;
	/*
	 * Every component without following links, every parent root's
	 * alone: QEMU opens the path again later, so nobody may be able to
	 * swap any directory on the way for a link.
	 */
	dfd = mb_privdir_open(dir, MB_PRIVDIR_READABLE, why, sizeof(why));
	if (dfd < 0)
		return mb_fail(err, field, "the %s %.200s must exist, be "
			       "root's and writable by root only, like each directory above it",
			       noun, dir);
	fd = open_beneath(dfd, base);
	close(dfd);
	if (fd < 0) {
		if (errno == ELOOP || errno == EXDEV)
			return mb_fail(err, field, "\"%.100s\" is a symlink: name the file itself", base);
		goto not_in_dir;
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode))
		ret = mb_fail(err, field, "\"%.100s\" is not a regular file", base);
	else if (!root_only(&sb))
		ret = mb_fail(err, field, "\"%.100s\" must be owned by root, writable by root "
			      "only and readable by all", base);
	if (!ret && fdp)
		*fdp = fd;
	else
		close(fd);
	return ret;
not_in_dir:
	/* the same words whether or not such a file exists elsewhere */
	return mb_fail(err, field, "must name a file in the %s %.200s", noun, dir);
}

int mb_guestfile_resolve(const char *field, const char *name, const char *dir,
			 char *out, size_t len, struct mb_error *err)
{
	return mb_adminfile_open(field, name, dir, "guest kernel directory", "guest_kernel_dir",
				 out, len, NULL, err);
}
