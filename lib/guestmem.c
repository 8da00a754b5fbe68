// SPDX-License-Identifier: MIT
#include "guestmem.h"

#include "hugepages.h"

const char *const mb_backing_names[] = {
	[MB_BACKING_ANONYMOUS] = "anonymous",
	[MB_BACKING_THP] = "thp",
	[MB_BACKING_HUGETLB_2M] = "hugetlb-2m",
	[MB_BACKING_HUGETLB_1G] = "hugetlb-1g",
	[MB_BACKING_SHMEM] = "shmem",
	NULL,
};

const char *const mb_access_names[] = {
	[MB_ACCESS_SEQUENTIAL] = "sequential",
	[MB_ACCESS_RANDOM] = "random",
	NULL,
};

const char *mb_backing_name(enum mb_backing b)
{
	return mb_backing_names[b];
}

const char *mb_access_name(enum mb_access a)
{
	return mb_access_names[a];
}

uint64_t mb_backing_hugepage_size(enum mb_backing b)
{
	return b == MB_BACKING_HUGETLB_1G ? MB_SIZE_1G :
	       b == MB_BACKING_HUGETLB_2M ? MB_SIZE_2M : 0;
}
