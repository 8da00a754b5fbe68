// SPDX-License-Identifier: MIT
#include "aging.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aging_mechanism.h"
#include "cgroup.h"
#include "kfile.h"
#include "leftover.h"

#define PREFIX "migbench-aging-"
#define PAGE_IDLE "/sys/kernel/mm/page_idle/bitmap"
/*
 * What a run changed, for the reap after a killed worker: a file in /run
 * that no service manager removes with the unit's cgroup (systemd trims a
 * stopped unit's delegated subtree), gone with a reboot as the changes are.
 */
#define STATE_DIR "/run"

static const struct mb_aging_mechanism *mechanism(enum mb_aging how)
{
	switch (how) {
	case MB_AGING_LRU_GEN:
		return &mb_aging_lru_gen;
	case MB_AGING_RECLAIM:
		return &mb_aging_reclaim;
	case MB_AGING_DAMON:
		return &mb_aging_damon;
	default:
		return NULL;
	}
}

int mb_aging_host_check(enum mb_aging how, enum mb_backing backing, uint64_t bytes,
			struct mb_error *err)
{
	const char *name = mb_aging_names[how];
	struct mb_cgroup_place p;
	int ret;

	switch (how) {
	case MB_AGING_NONE:
		return 0;
	case MB_AGING_PAGE_IDLE:
		if (access(PAGE_IDLE, F_OK))
			return mb_fail(err, "aging", "page_idle: this kernel has no " PAGE_IDLE
				       " (CONFIG_IDLE_PAGE_TRACKING is not set)");
		return mb_fail(err, "aging", "page_idle is not built yet (lru_gen, reclaim and damon "
			       "are)");
	case MB_AGING_LRU_GEN:
	case MB_AGING_RECLAIM:
	case MB_AGING_DAMON:
		break;
	}
	/* what the kernel lacks first: no cgroup set-up gives it */
	ret = mechanism(how)->check(backing, bytes, err);
	if (ret || !mechanism(how)->memcg)
		return ret;
	if (mb_backing_hugepage_size(backing))
		return mb_fail(err, "aging", "%s cannot age %s memory: hugetlb folios are on no LRU",
			       name, mb_backing_name(backing));
	if (mb_cgroup_locate(&p, NULL) || !p.v2)
		return mb_fail(err, "aging", "%s needs the memory controller on cgroup v2 "
			       "(the run's memory is aged in a memory cgroup of its own)", name);
	if (!mb_cgroup_lists(p.parent, "cgroup.subtree_control", "memory"))
		return mb_fail(err, "aging", "%s: the memory controller is not enabled below %s",
			       name, p.parent);
	return 0;
}

int mb_aging_open(struct mb_aging_state *a, enum mb_aging how, enum mb_backing backing,
		  uint64_t bytes, struct mb_error *err)
{
	struct mb_cgroup_place p;
	char pid[24];
	int ret;

	mb_aging_init(a);
	a->m = mechanism(how);
	a->bytes = bytes;
	a->backing = backing;
	if (!a->m)
		return mb_fail(err, "aging", "%s cannot age memory here", mb_aging_names[how]);
	snprintf(a->state, sizeof(a->state), STATE_DIR "/" PREFIX "%d", (int)getpid());
	if (!a->m->memcg)
		return a->m->open(a, err);
	ret = mb_cgroup_locate(&p, err);
	if (ret)
		return ret;
	snprintf(a->home, sizeof(a->home), "%s", p.own);
	snprintf(a->dir, sizeof(a->dir), "%s/" PREFIX "%d", p.parent, (int)getpid());
	snprintf(a->name, sizeof(a->name), "%s", a->dir + p.mount_len);
	if (mkdir(a->dir, 0700)) {
		ret = -errno;
		mb_error_set(err, ret, NULL, "making the aging cgroup %s: %s", a->dir,
			     strerror(errno));
		a->dir[0] = '\0';
		return ret;
	}
	ret = a->m->open ? a->m->open(a, err) : 0;
	if (ret)
		return ret;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ret = mb_kfile_write(a->dir, "cgroup.procs", pid);
	if (ret)
		return mb_error_set(err, ret, NULL, "joining %s: %s", a->dir, strerror(-ret));
	return 0;
}

int mb_aging_mark(struct mb_aging_state *a, uint64_t start, uint64_t end, uint64_t *ns,
		  struct mb_notifier_counts *kvm, struct mb_error *err)
{
	struct mb_notifier_trace trace;
	int ret;

	a->start = start;
	a->end = end;
	ret = a->m->before ? a->m->before(a, err) : 0;
	if (ret)
		return ret;
	ret = mb_notifier_trace_start(&trace, start, end, err);
	if (ret)
		return ret;
	ret = a->m->mark(a, ns, err);
	if (ret) {
		mb_notifier_trace_stop(&trace, kvm, NULL);
		return ret;
	}
	ret = mb_notifier_trace_stop(&trace, kvm, err);
	if (!ret && a->m->after)
		ret = a->m->after(a, err);
	return ret;
}

int mb_aging_count_idle(struct mb_aging_state *a, uint64_t *idle, uint64_t *total,
			struct mb_error *err)
{
	return a->m->count_idle ? a->m->count_idle(a, idle, total, err) : -ENODATA;
}

const char *mb_aging_counted(const struct mb_aging_state *a)
{
	return a->m ? a->m->counted : NULL;
}

const char *mb_aging_no_idle(const struct mb_aging_state *a)
{
	return a->m ? a->m->no_idle : NULL;
}

/*
 * Put back what the state file says was changed, then remove it: kept
 * while a kdamond it names could not be removed, for the reap to retry.
 */
static void restore(const char *state)
{
	char line[64], enabled[32];
	FILE *f = fopen(state, "re");
	bool keep = false;
	int pid;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "enabled %31s", enabled) == 1)
			mb_kfile_write(MB_LRU_GEN_SYSFS, "enabled", enabled);
		else if (!strcmp(line, "debugfs\n"))
			umount(MB_DEBUGFS);
		else if (sscanf(line, "damon %d", &pid) == 1 && pid > 0)
			keep |= mb_aging_damon_put_back(pid) < 0;	/* the reap tries again */
	}
	fclose(f);
	if (!keep)
		unlink(state);
}

void mb_aging_close(struct mb_aging_state *a)
{
	char pid[24];

	if (a->dir[0]) {
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		/* if the move fails the cgroup stays, and the reap removes it after the process */
		if (!mb_kfile_write(a->home, "cgroup.procs", pid))
			rmdir(a->dir);
		a->dir[0] = '\0';
	}
	if (a->m && a->m->close)
		a->m->close(a);
	if (a->state[0])
		restore(a->state);
	a->state[0] = '\0';
}

int mb_aging_reap(void)
{
	struct mb_cgroup_place p;
	int n = mb_leftovers_reap(STATE_DIR, PREFIX, restore);

	if (!mb_cgroup_locate(&p, NULL))
		n += mb_cgroup_reap(p.parent, PREFIX);
	return n;
}
