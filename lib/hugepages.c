// SPDX-License-Identifier: MIT
#include "hugepages.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYSFS_HUGEPAGES "/sys/kernel/mm/hugepages"

static void pool_path(uint64_t page_size, const char *file, char *buf,
		      size_t len)
{
	snprintf(buf, len, SYSFS_HUGEPAGES "/hugepages-%llukB/%s",
		 (unsigned long long)(page_size >> 10), file);
}

static int read_long(const char *path, long *out)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	*out = strtol(buf, NULL, 10);
	return 0;
}

static int write_nr(uint64_t page_size, long nr)
{
	char path[128], buf[32];
	int fd, len, ret = 0;

	pool_path(page_size, "nr_hugepages", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", nr);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static int compact_memory(void)
{
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "1\n", 2) != 2)
		ret = -errno;
	close(fd);
	return ret;
}

int mb_hugepages_read(uint64_t page_size, struct mb_hugepage_pool *pool)
{
	static const struct {
		const char *file;
		size_t offset;
	} fields[] = {
		{ "nr_hugepages", offsetof(struct mb_hugepage_pool, nr) },
		{ "free_hugepages", offsetof(struct mb_hugepage_pool, free) },
		{ "resv_hugepages", offsetof(struct mb_hugepage_pool, resv) },
		{ "surplus_hugepages", offsetof(struct mb_hugepage_pool, surplus) },
	};
	char path[128];

	memset(pool, 0, sizeof(*pool));
	pool->page_size = page_size;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		int ret;

		pool_path(page_size, fields[i].file, path, sizeof(path));
		ret = read_long(path, (long *)((char *)pool + fields[i].offset));
		if (ret)
			return ret;
	}
	return 0;
}

const char *mb_hugepage_size_name(uint64_t page_size)
{
	return page_size == MB_SIZE_1G ? "1GiB" : "2MiB";
}

int mb_hugepages_reserve(uint64_t page_size, long need,
			 struct mb_hugepage_reservation *res,
			 struct mb_error *err)
{
	struct mb_hugepage_pool pool, after;
	int ret;

	memset(res, 0, sizeof(*res));
	res->page_size = page_size;
	ret = mb_hugepages_read(page_size, &pool);
	if (ret) {
		return mb_error_set(err, ret, NULL, "cannot read the %s hugepage pool: %s",
			 mb_hugepage_size_name(page_size), strerror(-ret));
	}
	/* Free pages may be promised to other mappings already. */
	if (pool.free - pool.resv >= need)
		return 0;
	res->previous_nr = pool.nr;
	ret = write_nr(page_size, pool.nr + need - (pool.free - pool.resv));
	if (ret) {
		return mb_error_set(err, ret, NULL, "cannot raise the %s hugepage pool (%s): %s",
			 mb_hugepage_size_name(page_size),
			 "nr_hugepages", strerror(-ret));
	}
	res->active = true;
	ret = mb_hugepages_read(page_size, &after);
	if (!ret && after.free - after.resv < need && compact_memory() == 0) {
		/* huge pages need contiguous memory: compact it once, retry */
		write_nr(page_size, pool.nr + need - (pool.free - pool.resv));
		ret = mb_hugepages_read(page_size, &after);
	}
	if (ret || after.free - after.resv < need) {
		mb_error_set(err, -ENOMEM, NULL,
			 "could reserve only %ld of the %ld free %s hugepages needed, even after compacting memory (not enough free memory, or too fragmented)",
			 ret ? 0 : after.free - after.resv, need,
			 mb_hugepage_size_name(page_size));
		mb_hugepages_release(res);
		return -ENOMEM;
	}
	return 0;
}

int mb_hugepages_release(struct mb_hugepage_reservation *res)
{
	int ret;

	if (!res->active)
		return 0;
	ret = write_nr(res->page_size, res->previous_nr);
	res->active = false;
	return ret;
}

struct json_object *mb_hugepages_to_json(void)
{
	static const uint64_t sizes[] = { MB_SIZE_1G, MB_SIZE_2M };
	struct json_object *obj = json_object_new_object();

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct mb_hugepage_pool pool;
		struct json_object *p;

		if (mb_hugepages_read(sizes[i], &pool))
			continue;
		p = json_object_new_object();
		json_object_object_add(p, "nr", json_object_new_int64(pool.nr));
		json_object_object_add(p, "free", json_object_new_int64(pool.free));
		json_object_object_add(p, "resv", json_object_new_int64(pool.resv));
		json_object_object_add(p, "surplus",
				       json_object_new_int64(pool.surplus));
		json_object_object_add(obj, mb_hugepage_size_name(sizes[i]), p);
	}
	return obj;
}
