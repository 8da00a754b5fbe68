// SPDX-License-Identifier: MIT
/*
 * lru_gen: the multi-gen LRU's aging, through its debugfs interface
 * (/sys/kernel/debug/lru_gen, "+ memcg_id node_id max_gen 1 1": swap or
 * not, force a page-table walk; the 6.16 selftest's command).  A pass
 * gives every page found accessed the youngest generation and opens a
 * new one; pages left in older generations are idle.  Whether the walk
 * asks KVM (clear_young) depends on the kernel: 6.1 clears the primary
 * PTEs' Accessed bits only, so the guest's accesses go unseen; 6.12 calls
 * the notifier.  MGLRU is switched on for the run where it is off.
 */
#include "aging_mechanism.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "kfile.h"

#define LRU_GEN MB_DEBUGFS "/lru_gen"

static int check(enum mb_backing backing, uint64_t bytes, struct mb_error *err)
{
	struct stat sb;

	(void)backing;
	(void)bytes;
	if (access(MB_LRU_GEN_SYSFS "/enabled", F_OK))
		return mb_fail(err, "aging", "lru_gen: this kernel has no multi-gen LRU ("
			       MB_LRU_GEN_SYSFS " is absent: CONFIG_LRU_GEN is not set)");
	if (stat(MB_DEBUGFS, &sb) || !S_ISDIR(sb.st_mode))
		return mb_fail(err, "aging", "lru_gen: this kernel has no debugfs at " MB_DEBUGFS);
	return 0;
}

/* MGLRU's capabilities mask ("0x0007"); bit 0 is the feature itself. */
static int switch_on(struct mb_aging_state *a, struct mb_error *err)
{
	char state[32];
	int ret = mb_kfile_read_line(MB_LRU_GEN_SYSFS "/enabled", state, sizeof(state));

	if (ret)
		return mb_error_set(err, ret, NULL, "reading " MB_LRU_GEN_SYSFS "/enabled: %s",
				    strerror(-ret));
	if (strtoul(state, NULL, 0) & 1)
		return 0;
	snprintf(a->changed.enabled, sizeof(a->changed.enabled), "%s", state);
	ret = mb_aging_record(a);
	if (ret) {
		a->changed.enabled[0] = '\0';
		return mb_error_set(err, ret, NULL, "recording MGLRU's state in %s: %s", a->state,
				    strerror(-ret));
	}
	ret = mb_kfile_write(MB_LRU_GEN_SYSFS, "enabled", "y");
	if (ret)
		return mb_error_set(err, ret, NULL, "switching MGLRU on: %s", strerror(-ret));
	return 0;
}

static int open_lru_gen(struct mb_aging_state *a, struct mb_error *err)
{
	int ret = switch_on(a, err);

	if (ret || !access(LRU_GEN, F_OK))
		return ret;
	a->changed.debugfs = true;
	ret = mb_aging_record(a);
	if (ret) {
		a->changed.debugfs = false;
		return mb_error_set(err, ret, NULL, "recording the debugfs mount in %s: %s",
				    a->state, strerror(-ret));
	}
	if (mount("debugfs", MB_DEBUGFS, "debugfs", 0, NULL)) {
		ret = -errno;
		a->changed.debugfs = false;
		mb_aging_record(a);
		return mb_error_set(err, ret, NULL, "mounting debugfs at " MB_DEBUGFS ": %s",
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

static int gens_error(struct mb_aging_state *a, int ret, const char *doing, struct mb_error *err)
{
	return mb_error_set(err, ret, "aging", "lru_gen: %s %s: %s", doing, a->name,
			    ret == -ENOENT ? "not listed in " LRU_GEN : strerror(-ret));
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

/* The generations as they stand before the pass, kept for it. */
static int before(struct mb_aging_state *a, struct mb_error *err)
{
	struct gens g;
	int ret = read_gens(a, NULL, &g);

	if (ret)
		return gens_error(a, ret, "reading the generations of", err);
	a->nodes = g.nr;
	memcpy(a->node, g.node, sizeof(a->node));
	memcpy(a->youngest, g.max, sizeof(a->youngest));
	return 0;
}

static int mark(struct mb_aging_state *a, uint64_t *ns, struct mb_error *err)
{
	struct gens g = { .nr = a->nodes };
	int ret;

	memcpy(g.node, a->node, sizeof(g.node));
	memcpy(g.max, a->youngest, sizeof(g.max));
	ret = age(a, &g, ns);
	if (ret)
		return gens_error(a, ret, "aging", err);
	for (unsigned int n = 0; n < g.nr; n++)
		a->marked[n] = g.max[n] + 1;
	return 0;
}

/*
 * Idle: an untimed pass, then the pages left in generations older than
 * the one the mark opened; total: all the cgroup's pages on the LRU.
 */
static int count_idle(struct mb_aging_state *a, uint64_t *idle, uint64_t *total,
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
		return gens_error(a, ret, "counting idle pages of", err);
	*idle = *total = 0;
	for (unsigned int n = 0; n < g.nr; n++) {
		*idle += g.older[n];
		*total += g.pages[n];
	}
	return 0;
}

const struct mb_aging_mechanism mb_aging_lru_gen = {
	.check = check, .open = open_lru_gen, .before = before, .mark = mark,
	.count_idle = count_idle, .counted = "cgroup_pages", .memcg = true,
};
