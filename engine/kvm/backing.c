// SPDX-License-Identifier: MIT
#include "backing.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hugepages.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

uint64_t mb_backing_page_size(enum mb_backing type)
{
	uint64_t huge = mb_backing_hugepage_size(type);

	return huge ? huge : type == MB_BACKING_THP ? MB_SIZE_2M : 4096;
}

long mb_backing_hugepages_needed(enum mb_backing type, uint64_t bytes)
{
	uint64_t huge = mb_backing_hugepage_size(type);

	return huge ? (long)(align_up(bytes, huge) / huge) : 0;
}

/*
 * Sum one smaps field (kB) over the mappings that overlap [start, end).
 * With a one-byte range this reads the field of the mapping holding it.
 */
static uint64_t smaps_field_kb(uintptr_t start, uintptr_t end,
			       const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool inside = false;
	uint64_t kb = 0;
	size_t flen = strlen(field);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		uintptr_t lo, hi;
		unsigned long long v;

		/* mapping header: "lo-hi perms offset dev inode path" */
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2 &&
		    strchr(line, ' ') > strchr(line, '-')) {
			inside = lo < end && hi > start;
			continue;
		}
		if (inside && !strncmp(line, field, flen) &&
		    sscanf(line + flen, " %llu", &v) == 1)
			kb += v;
	}
	fclose(f);
	return kb;
}

static uint64_t smaps_page_size(const struct mb_backing_mem *m)
{
	uintptr_t at = (uintptr_t)m->hva;

	return smaps_field_kb(at, at + 1, "KernelPageSize:") << 10;
}

static int thp_check_enabled(struct mb_error *err)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");

	if (!f) {
		return mb_error_set(err, -EOPNOTSUPP, NULL, "backing thp: this kernel has no transparent hugepages");
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (strstr(buf, "[never]")) {
		return mb_error_set(err, -EOPNOTSUPP, NULL, "backing thp: transparent hugepages are disabled (/sys/kernel/mm/transparent_hugepage/enabled is [never])");
	}
	return 0;
}

static int check_hugetlb_free(enum mb_backing type, uint64_t bytes,
			      struct mb_error *err)
{
	uint64_t psize = mb_backing_page_size(type);
	long need = mb_backing_hugepages_needed(type, bytes);
	struct mb_hugepage_pool pool;

	if (mb_hugepages_read(psize, &pool)) {
		return mb_error_set(err, -EOPNOTSUPP, NULL, "backing %s: this kernel has no %s hugepage pool",
			 mb_backing_name(type), mb_hugepage_size_name(psize));
	}
	if (pool.free - pool.resv >= need)
		return 0;
	return mb_error_set(err, -ENOSPC, NULL,
		 "need %ld free %s hugepages, %ld free; reserve them with "
		 "'echo %ld > /sys/kernel/mm/hugepages/hugepages-%llukB/nr_hugepages' "
		 "as root, or pass --reserve-hugepages",
		 need, mb_hugepage_size_name(psize), pool.free - pool.resv,
		 pool.nr + need - (pool.free - pool.resv),
		 (unsigned long long)(psize >> 10));
}

int mb_backing_alloc(struct mb_backing_mem *m, enum mb_backing type,
		     uint64_t bytes, struct mb_error *err)
{
	uint64_t psize = mb_backing_page_size(type);
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, ret;
	void *p;

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->memfd = -1;
	m->size = bytes;
	m->map_size = align_up(bytes, psize);

	switch (type) {
	case MB_BACKING_HUGETLB_1G:
	case MB_BACKING_HUGETLB_2M:
		ret = check_hugetlb_free(type, bytes, err);
		if (ret)
			return ret;
		flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			(type == MB_BACKING_HUGETLB_1G ? MAP_HUGE_1GB :
							 MAP_HUGE_2MB);
		break;
	case MB_BACKING_THP:
		ret = thp_check_enabled(err);
		if (ret)
			return ret;
		m->map_size += psize;	/* room to align to 2MiB */
		break;
	case MB_BACKING_SHMEM:
		m->memfd = memfd_create("migbench-guest", MFD_CLOEXEC);
		if (m->memfd < 0 || ftruncate(m->memfd, (off_t)m->map_size)) {
			ret = mb_error_set(err, -errno, NULL, "backing shmem: %s", strerror(errno));
			goto fail;
		}
		flags = MAP_SHARED;
		break;
	case MB_BACKING_ANONYMOUS:
		break;
	}

	p = mmap(NULL, m->map_size, PROT_READ | PROT_WRITE, flags, m->memfd, 0);
	if (p == MAP_FAILED) {
		ret = mb_error_set(err, -errno, NULL, "backing %s: mmap of %llu bytes: %s",
			 mb_backing_name(type),
			 (unsigned long long)m->map_size, strerror(errno));
		goto fail;
	}
	m->map_base = p;
	m->hva = (void *)align_up((uintptr_t)p, psize);
	if (type == MB_BACKING_THP &&
	    madvise(m->hva, align_up(bytes, psize), MADV_HUGEPAGE)) {
		ret = mb_error_set(err, -errno, NULL, "backing thp: madvise(MADV_HUGEPAGE): %s",
			 strerror(errno));
		goto fail;
	}
	/*
	 * 4KiB pages even where THP is "always" (Debian's default), as the
	 * selftest's anonymous backing asks too: otherwise the kernel's
	 * setting, not the spec, would choose the page size.
	 */
	if (type == MB_BACKING_ANONYMOUS && madvise(p, m->map_size, MADV_NOHUGEPAGE)) {
		ret = mb_error_set(err, -errno, NULL, "backing anonymous: madvise(MADV_NOHUGEPAGE): %s",
			 strerror(errno));
		goto fail;
	}
	if ((type == MB_BACKING_HUGETLB_1G || type == MB_BACKING_HUGETLB_2M) &&
	    smaps_page_size(m) != psize) {
		ret = mb_error_set(err, -EINVAL, NULL,
				   "backing %s: the kernel mapped %llu-byte pages, not %llu",
				   mb_backing_name(type),
				   (unsigned long long)smaps_page_size(m),
				   (unsigned long long)psize);
		goto fail;
	}
	return 0;
fail:
	mb_backing_free(m);
	return ret;
}

uint64_t mb_backing_huge_bytes(const struct mb_backing_mem *m)
{
	uintptr_t start = (uintptr_t)m->map_base,
		  end = start + m->map_size;

	switch (m->type) {
	case MB_BACKING_HUGETLB_1G:
	case MB_BACKING_HUGETLB_2M:
		return m->map_size;
	case MB_BACKING_THP:
		return smaps_field_kb(start, end, "AnonHugePages:") << 10;
	default:
		return 0;
	}
}

void mb_backing_free(struct mb_backing_mem *m)
{
	if (m->map_base)
		munmap(m->map_base, m->map_size);
	if (m->memfd >= 0)
		close(m->memfd);
	memset(m, 0, sizeof(*m));
	m->memfd = -1;
}
