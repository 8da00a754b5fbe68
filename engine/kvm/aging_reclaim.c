// SPDX-License-Identifier: MIT
/*
 * reclaim: the rmap walk of reclaim, through cgroup v2's memory.reclaim
 * on the run's own cgroup (folio_referenced: clear_flush_young on every
 * mapping of every page it scans, KVM's among them).  What it finds
 * referenced it keeps on the LRU, what it finds idle it evicts to swap:
 * a pass is not a pure aging pass.  The LRU is the kernel's own (MGLRU
 * where it is on), left as it is.
 */
#include "aging_mechanism.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "clock.h"
#include "kfile.h"

#define SWAPS "/proc/swaps"

/* Swap space free, KiB, over every active device (how many: *devices); -errno. */
static long long swap_free_kib(unsigned int *devices)
{
	FILE *f = fopen(SWAPS, "re");
	char line[512];
	long long sum = 0;

	*devices = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char name[256], type[32];
		long long size, used;

		if (sscanf(line, "%255s %31s %lld %lld", name, type, &size, &used) == 4) {
			sum += size - used;
			++*devices;
		}
	}
	fclose(f);
	return sum;
}

/*
 * Swap for all the test memory: with less, every pass would end short of
 * its request for want of somewhere to evict to.
 */
static int check(enum mb_backing backing, uint64_t bytes, struct mb_error *err)
{
	unsigned int devices;
	long long kib = swap_free_kib(&devices);
	struct mb_cgroup_place p;
	char path[sizeof(p.parent) + 16];

	(void)backing;
	if (kib < 0)
		return mb_fail(err, "aging", "reclaim: cannot read " SWAPS);
	if (!devices)
		return mb_fail(err, "aging", "reclaim needs swap to evict the guest's memory to: "
			       SWAPS " lists no free swap (swapon a device or zram first)");
	if (kib <= 0)
		return mb_fail(err, "aging", "reclaim needs swap to evict the guest's memory to: "
			       SWAPS " lists no free swap (its %u device(s) are full)", devices);
	if ((uint64_t)kib < bytes / 1024)
		return mb_fail(err, "aging", "reclaim needs swap for the test memory's %llu KiB: "
			       SWAPS " lists %lld KiB free", (unsigned long long)(bytes / 1024), kib);
	/* a non-root cgroup has memory.reclaim from 5.19 on */
	if (!mb_cgroup_locate(&p, NULL) && p.v2 && p.parent[p.mount_len]) {
		snprintf(path, sizeof(path), "%s/memory.reclaim", p.parent);
		if (access(path, F_OK))
			return mb_fail(err, "aging", "reclaim: this kernel has no memory.reclaim "
				       "(cgroup v2, from 5.19)");
	}
	return 0;
}

static int read_vmstat(struct mb_aging_state *a, struct mb_aging_vmstat *v, struct mb_error *err)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "pgscan", offsetof(struct mb_aging_vmstat, pgscan) },
		{ "pgsteal", offsetof(struct mb_aging_vmstat, pgsteal) },
		{ "pgactivate", offsetof(struct mb_aging_vmstat, pgactivate) },
		{ "pgdeactivate", offsetof(struct mb_aging_vmstat, pgdeactivate) },
	};
	char path[sizeof(a->dir) + 16], line[256];
	unsigned int seen = 0;
	FILE *f;

	/*
	 * Reading cpu.stat flushes the cgroup's per-CPU statistics, events
	 * included, on the kernels migbench is tested on (6.1, 6.12: one
	 * rstat tree for every controller); memory.stat alone flushes only
	 * past a threshold.
	 */
	snprintf(path, sizeof(path), "%s/cpu.stat", a->dir);
	f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			;
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/memory.stat", a->dir);
	f = fopen(path, "re");
	if (!f)
		return mb_error_set(err, -errno, "aging", "reclaim: reading %s: %s", path,
				    strerror(errno));
	memset(v, 0, sizeof(*v));
	while (fgets(line, sizeof(line), f)) {
		char key[64];
		unsigned long long n;

		if (sscanf(line, "%63s %llu", key, &n) != 2)
			continue;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(key, keys[i].key)) {
				*(uint64_t *)((char *)v + keys[i].off) = n;
				seen |= 1u << i;
			}
	}
	fclose(f);
	if (seen != (1u << (sizeof(keys) / sizeof(keys[0]))) - 1)
		return mb_error_set(err, -ENODATA, "aging", "reclaim: %s lacks a reclaim counter "
				    "(pgscan, pgsteal, pgactivate, pgdeactivate)", path);
	return 0;
}

/* Whether the multi-gen LRU is on (bit 0 of its capabilities mask). */
static bool mglru_on(void)
{
	char state[32];

	return !mb_kfile_read_line(MB_LRU_GEN_SYSFS "/enabled", state, sizeof(state)) &&
	       (strtoul(state, NULL, 0) & 1);
}

/* The LRU the pass runs on, per pass: another run may switch MGLRU. */
static int before(struct mb_aging_state *a, struct mb_error *err)
{
	a->mglru = mglru_on();
	return read_vmstat(a, &a->before, err);
}

/*
 * One memory.reclaim request for the test memory's size.  EAGAIN is the
 * kernel's answer when it freed less than asked: an outcome, not a fault.
 */
static int mark(struct mb_aging_state *a, uint64_t *ns, struct mb_error *err)
{
	char path[sizeof(a->dir) + 16], req[32];
	int fd, len, ret = 0;
	ssize_t w;
	uint64_t t0, t1;

	snprintf(path, sizeof(path), "%s/memory.reclaim", a->dir);
	len = snprintf(req, sizeof(req), "%llu", (unsigned long long)a->bytes);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return mb_error_set(err, -errno, "aging", "reclaim: opening %s: %s", path,
				    strerror(errno));
	t0 = mb_now_ns();
	w = write(fd, req, (size_t)len);
	t1 = mb_now_ns();
	if (w < 0)
		ret = -errno;
	else if (w != len)
		ret = -EIO;
	close(fd);
	*ns = t1 - t0;
	a->short_of_request = ret == -EAGAIN;
	if (ret && ret != -EAGAIN)
		return mb_error_set(err, ret, "aging", "reclaim: writing %s to %s: %s", req, path,
				    strerror(-ret));
	return 0;
}

static int after(struct mb_aging_state *a, struct mb_error *err)
{
	struct mb_aging_vmstat now;
	int ret = read_vmstat(a, &now, err);

	if (ret)
		return ret;
	a->pass.pgscan = now.pgscan - a->before.pgscan;
	a->pass.pgsteal = now.pgsteal - a->before.pgsteal;
	a->pass.pgactivate = now.pgactivate - a->before.pgactivate;
	a->pass.pgdeactivate = now.pgdeactivate - a->before.pgdeactivate;
	return 0;
}

const struct mb_aging_mechanism mb_aging_reclaim = {
	.check = check, .before = before, .mark = mark, .after = after,
	.no_idle = "reclaim evicts until it has freed what was asked, pages it found accessed "
		   "included (the classic LRU gives them a second look on the active list, the "
		   "multi-gen LRU a younger generation, then both evict them): it leaves no "
		   "count of pages still idle; reclaim_activated_pages counts the pages the "
		   "classic LRU activated",
	.memcg = true,
};
