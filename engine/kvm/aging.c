// SPDX-License-Identifier: MIT
#include "aging.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "clock.h"
#include "kfile.h"
#include "leftover.h"

#define PREFIX "migbench-aging-"
#define DEBUGFS "/sys/kernel/debug"
#define LRU_GEN DEBUGFS "/lru_gen"
#define LRU_GEN_SYSFS "/sys/kernel/mm/lru_gen"
#define PAGE_IDLE "/sys/kernel/mm/page_idle/bitmap"
/*
 * What a run changed, for the reap after a killed worker: a file in /run
 * that no service manager removes with the unit's cgroup (systemd trims a
 * stopped unit's delegated subtree), gone with a reboot as the changes are.
 */
#define STATE_DIR "/run"

int mb_aging_host_check(enum mb_aging how, enum mb_backing backing, struct mb_error *err)
{
	struct mb_cgroup_place p;
	struct stat sb;

	switch (how) {
	case MB_AGING_NONE:
		return 0;
	case MB_AGING_PAGE_IDLE:
		if (access(PAGE_IDLE, F_OK))
			return mb_fail(err, "aging", "page_idle: this kernel has no " PAGE_IDLE
				       " (CONFIG_IDLE_PAGE_TRACKING is not set)");
		return mb_fail(err, "aging", "page_idle is not built yet (lru_gen is)");
	case MB_AGING_RECLAIM:
	case MB_AGING_DAMON:
		return mb_fail(err, "aging", "%s is not built yet (lru_gen is)",
			       mb_aging_names[how]);
	case MB_AGING_LRU_GEN:
		break;
	}
	if (access(LRU_GEN_SYSFS "/enabled", F_OK))
		return mb_fail(err, "aging", "lru_gen: this kernel has no multi-gen LRU ("
			       LRU_GEN_SYSFS " is absent: CONFIG_LRU_GEN is not set)");
	if (mb_backing_hugepage_size(backing))
		return mb_fail(err, "aging",
			       "lru_gen cannot age %s memory: hugetlb folios are on no LRU",
			       mb_backing_name(backing));
	if (mb_cgroup_locate(&p, NULL) || !p.v2)
		return mb_fail(err, "aging", "lru_gen needs the memory controller on cgroup v2 "
			       "(the run's memory is aged in a memory cgroup of its own)");
	if (!mb_cgroup_lists(p.parent, "cgroup.subtree_control", "memory"))
		return mb_fail(err, "aging",
			       "lru_gen: the memory controller is not enabled below %s", p.parent);
	if (stat(DEBUGFS, &sb) || !S_ISDIR(sb.st_mode))
		return mb_fail(err, "aging", "lru_gen: this kernel has no debugfs at " DEBUGFS);
	return 0;
}

void mb_aging_init(struct mb_aging_state *a)
{
	memset(a, 0, sizeof(*a));
	a->memcg_id = -1;
}

/* Record what the run is about to change, before it does (see STATE_DIR). */
static int record(const struct mb_aging_state *a, const char *enabled, bool debugfs)
{
	char tmp[sizeof(a->state) + 8];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", a->state);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (enabled[0])
		fprintf(f, "enabled %s\n", enabled);
	if (debugfs)
		fprintf(f, "debugfs\n");
	if (fclose(f) || rename(tmp, a->state)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

/* MGLRU's capabilities mask ("0x0007"); bit 0 is the feature itself. */
static int switch_on(struct mb_aging_state *a, struct mb_error *err)
{
	char state[32];
	int ret = mb_kfile_read_line(LRU_GEN_SYSFS "/enabled", state, sizeof(state));

	if (ret)
		return mb_error_set(err, ret, NULL, "reading " LRU_GEN_SYSFS "/enabled: %s",
				    strerror(-ret));
	if (strtoul(state, NULL, 0) & 1)
		return 0;
	ret = record(a, state, false);
	if (ret)
		return mb_error_set(err, ret, NULL, "recording MGLRU's state in %s: %s", a->state,
				    strerror(-ret));
	snprintf(a->enabled_before, sizeof(a->enabled_before), "%s", state);
	ret = mb_kfile_write(LRU_GEN_SYSFS, "enabled", "y");
	if (ret)
		return mb_error_set(err, ret, NULL, "switching MGLRU on: %s", strerror(-ret));
	return 0;
}

static int mount_debugfs(struct mb_aging_state *a, struct mb_error *err)
{
	int ret;

	if (!access(LRU_GEN, F_OK))
		return 0;
	ret = record(a, a->enabled_before, true);
	if (ret)
		return mb_error_set(err, ret, NULL, "recording the debugfs mount in %s: %s",
				    a->state, strerror(-ret));
	if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL)) {
		ret = -errno;
		record(a, a->enabled_before, false);
		return mb_error_set(err, ret, NULL, "mounting debugfs at " DEBUGFS ": %s",
				    strerror(-ret));
	}
	if (access(LRU_GEN, F_OK))
		return mb_error_set(err, -ENOENT, NULL, "debugfs has no lru_gen file");
	return 0;
}

/* The generations of the run's memcg: per node its youngest, and pages. */
struct gens {
	unsigned int nr;
	int node[MB_AGING_MAX_NODES];
	uint64_t max[MB_AGING_MAX_NODES];
	/* pages in generations below `below[node]`, and in all */
	uint64_t older[MB_AGING_MAX_NODES], pages[MB_AGING_MAX_NODES];
};

/*
 * Read debugfs's lru_gen: "memcg ID PATH", " node N", then lines of
 * "GEN AGE_MS NR_ANON NR_FILE" for the memcg whose PATH is ours.  below
 * (may be NULL): per node, the generation under which pages count older.
 */
static int read_gens(struct mb_aging_state *a, const uint64_t *below, struct gens *g)
{
	FILE *f = fopen(LRU_GEN, "re");
	char line[PATH_MAX + 64];
	bool ours = false;

	memset(g, 0, sizeof(*g));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char path[PATH_MAX];
		unsigned long long gen, age, anon, file;
		long id;
		int node;

		if (sscanf(line, "memcg %ld %4095s", &id, path) == 2) {
			ours = !strcmp(path, a->name);
			if (ours)
				a->memcg_id = id;
		} else if (!ours) {
			continue;
		} else if (sscanf(line, " node %d", &node) == 1) {
			if (g->nr == MB_AGING_MAX_NODES)
				break;
			g->node[g->nr++] = node;
		} else if (g->nr && sscanf(line, "%llu %llu %llu %llu", &gen, &age, &anon, &file) == 4) {
			unsigned int n = g->nr - 1;

			g->max[n] = gen > g->max[n] ? gen : g->max[n];
			g->pages[n] += anon + file;
			if (below && gen < below[n])
				g->older[n] += anon + file;
		}
	}
	fclose(f);
	return a->memcg_id >= 0 && g->nr ? 0 : -ENOENT;
}

int mb_aging_open(struct mb_aging_state *a, struct mb_error *err)
{
	struct mb_cgroup_place p;
	char pid[24];
	int ret;

	mb_aging_init(a);
	ret = mb_cgroup_locate(&p, err);
	if (ret)
		return ret;
	snprintf(a->home, sizeof(a->home), "%s", p.own);
	snprintf(a->dir, sizeof(a->dir), "%s/" PREFIX "%d", p.parent, (int)getpid());
	snprintf(a->name, sizeof(a->name), "%s", a->dir + p.mount_len);
	snprintf(a->state, sizeof(a->state), STATE_DIR "/" PREFIX "%d", (int)getpid());
	if (mkdir(a->dir, 0700)) {
		ret = -errno;
		mb_error_set(err, ret, NULL, "making the aging cgroup %s: %s", a->dir,
			     strerror(errno));
		a->dir[0] = '\0';
		return ret;
	}
	ret = switch_on(a, err);
	if (!ret)
		ret = mount_debugfs(a, err);
	if (ret)
		return ret;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ret = mb_kfile_write(a->dir, "cgroup.procs", pid);
	if (ret)
		return mb_error_set(err, ret, NULL, "joining %s: %s", a->dir, strerror(-ret));
	return 0;
}

/* "+ memcg node max_gen 1 1" on every node; the writes' time. */
static int age(struct mb_aging_state *a, const struct gens *g, uint64_t *ns)
{
	int fd = open(LRU_GEN, O_WRONLY | O_CLOEXEC), ret = 0;
	char cmd[MB_AGING_MAX_NODES][96];
	size_t len[MB_AGING_MAX_NODES];
	uint64_t t0, t1;

	if (fd < 0)
		return -errno;
	for (unsigned int n = 0; n < g->nr; n++)
		len[n] = (size_t)snprintf(cmd[n], sizeof(cmd[n]), "+ %ld %d %llu 1 1", a->memcg_id,
					  g->node[n], (unsigned long long)g->max[n]);
	*ns = 0;
	for (unsigned int n = 0; n < g->nr && !ret; n++) {
		t0 = mb_now_ns();
		ret = write(fd, cmd[n], len[n]) == (ssize_t)len[n] ? 0 : -errno;
		t1 = mb_now_ns();
		*ns += t1 - t0;
	}
	close(fd);
	return ret;
}

int mb_aging_mark(struct mb_aging_state *a, uint64_t start, uint64_t end, uint64_t *ns,
		  struct mb_notifier_counts *kvm, struct mb_error *err)
{
	struct mb_notifier_trace trace;
	struct gens g;
	int ret = read_gens(a, NULL, &g);

	if (ret)
		return mb_error_set(err, ret, "aging", "lru_gen: reading the generations of %s "
				    "in " LRU_GEN ": %s", a->name,
				    ret == -ENOENT ? "not listed" : strerror(-ret));
	ret = mb_notifier_trace_start(&trace, start, end, err);
	if (ret)
		return ret;
	ret = age(a, &g, ns);
	if (ret) {
		mb_notifier_trace_stop(&trace, kvm, NULL);
		return mb_error_set(err, ret, "aging", "lru_gen: aging %s: %s", a->name,
				    strerror(-ret));
	}
	for (unsigned int n = 0; n < g.nr; n++)
		a->marked[n] = g.max[n] + 1;
	return mb_notifier_trace_stop(&trace, kvm, err);
}

int mb_aging_count_idle(struct mb_aging_state *a, uint64_t *idle, uint64_t *total,
			struct mb_error *err)
{
	uint64_t ns;
	struct gens g;
	int ret = read_gens(a, NULL, &g);

	if (!ret)
		ret = age(a, &g, &ns);
	if (!ret)
		ret = read_gens(a, a->marked, &g);
	if (ret)
		return mb_error_set(err, ret, "aging", "lru_gen: counting idle pages of %s: %s",
				    a->name, ret == -ENOENT ? "not listed in " LRU_GEN : strerror(-ret));
	*idle = *total = 0;
	for (unsigned int n = 0; n < g.nr; n++) {
		*idle += g.older[n];
		*total += g.pages[n];
	}
	return 0;
}

/* Put back what the state file says was changed, then remove it. */
static void restore(const char *state)
{
	char line[64], enabled[32];
	FILE *f = fopen(state, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "enabled %31s", enabled) == 1)
			mb_kfile_write(LRU_GEN_SYSFS, "enabled", enabled);
		else if (!strcmp(line, "debugfs\n"))
			umount(DEBUGFS);
	}
	fclose(f);
	unlink(state);
}

void mb_aging_close(struct mb_aging_state *a)
{
	char pid[24];

	if (!a->dir[0])
		return;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	/* if the move fails the cgroup stays, and the reap removes it after the process */
	if (!mb_kfile_write(a->home, "cgroup.procs", pid))
		rmdir(a->dir);
	restore(a->state);
	a->dir[0] = '\0';
}

int mb_aging_reap(void)
{
	struct mb_cgroup_place p;
	int n = mb_leftovers_reap(STATE_DIR, PREFIX, restore);

	if (!mb_cgroup_locate(&p, NULL))
		n += mb_cgroup_reap(p.parent, PREFIX);
	return n;
}
