// SPDX-License-Identifier: MIT
/*
 * damon: DAMON's virtual-address monitoring (the fvaddr operations, on
 * the test memory's addresses only) through its sysfs interface, with a
 * kdamond of the run's own.  Each region is one page of the backing, so
 * that one sampling prepares an access check of every test page: DAMON
 * clears the page's Accessed bit in the primary MMU and, through the
 * clear-young notifier, in KVM (the only aging path that reaches hugetlb
 * memory), then after its sampling interval asks whether it was accessed
 * (pte_young, the folio's idle flag, the test-young notifier).
 *
 * A pass is a kdamond started for it: the mark is its first sampling's
 * preparation, timed by the kdamond's own CPU time up to its first sleep
 * (/proc/PID/schedstat: the kernel thread does the work, not the run's
 * process); the vCPUs then touch the memory while it sleeps; its check
 * and its first aggregation (one sampling per aggregation) report every
 * region's nr_accesses through the damon:damon_aggregated tracepoint,
 * and the pass's kdamond is stopped.  The sampling interval is set from
 * the vCPUs' populate time, so that their pass ends before the check; a
 * pass whose vCPUs outlast it fails saying so, never counts.
 *
 * Only where no kdamond exists: one that migbench did not start is never
 * stopped, changed or recreated (the machine's own DAMON, say), and the
 * run's is removed after it, by the reap too after a killed worker.
 */
#include "aging_mechanism.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "kfile.h"
#include "tracefs.h"

#define KDAMONDS "/sys/kernel/mm/damon/admin/kdamonds"
#define KDAMOND KDAMONDS "/0"
#define CONTEXT KDAMOND "/contexts/0"
#define TARGET CONTEXT "/targets/0"
#define PAGE 4096ULL
/* sysfs makes a directory per region: 256MiB of 4KiB pages at most */
#define MAX_REGIONS 65536ULL
/* the sampling interval: four populate passes, within these bounds */
#define SAMPLE_MIN_US 1000000ULL
#define SAMPLE_MAX_US 120000000ULL
/* a kdamond's sleep may end up to a jiffy early (HZ 100 and up) */
#define SLEEP_SLACK_NS 20000000ULL
#define WAIT_NS 120000000000ULL
/*
 * DAMON's sysfs files only try its lock (EBUSY while the kdamond or
 * another writer holds it, after every sampling): each access is tried
 * again, for up to a second.
 */
#define BUSY_TRIES 100

static void busy_wait(void)
{
	const struct timespec ms10 = { .tv_nsec = 10000000 };

	nanosleep(&ms10, NULL);
}

/* A number in a DAMON file; -ESRCH for the kdamond's pid while it does not run (-1). */
static int read_u64(const char *path, uint64_t *v)
{
	char line[32], *end;
	long long n;
	int ret;

	for (int i = 0; (ret = mb_kfile_read_line(path, line, sizeof(line))) == -EBUSY &&
	     i < BUSY_TRIES; i++)
		busy_wait();
	if (ret)
		return ret;
	errno = 0;
	n = strtoll(line, &end, 10);
	if (errno || end == line)
		return -EINVAL;
	if (n < 0)
		return -ESRCH;
	*v = (uint64_t)n;
	return 0;
}

static int put(const char *dir, const char *file, struct mb_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int put(const char *dir, const char *file, struct mb_error *err, const char *fmt, ...)
{
	char text[32];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (int i = 0; (ret = mb_kfile_write(dir, file, text)) == -EBUSY && i < BUSY_TRIES; i++)
		busy_wait();
	if (ret)
		mb_error_set(err, ret, "aging", "damon: writing %s to %s/%s: %s", text, dir, file,
			     strerror(-ret));
	return ret;
}

static uint64_t regions_of(enum mb_backing backing, uint64_t bytes)
{
	uint64_t size = mb_backing_page_size(backing);

	return (bytes + size - 1) / size;
}

/* Whether a kdamond exists that is not the run's: DAMON is then not ours. */
static int no_kdamond(struct mb_error *err)
{
	uint64_t n;
	int ret = read_u64(KDAMONDS "/nr_kdamonds", &n);

	if (ret)
		return mb_error_set(err, ret, "aging", "damon: reading " KDAMONDS "/nr_kdamonds: %s",
				    strerror(-ret));
	if (n)
		return mb_fail(err, "aging", "damon: %" PRIu64 " kdamond%s exist%s already ("
			       KDAMONDS "/nr_kdamonds): migbench runs DAMON only where none "
			       "does, and never changes one it did not start", n, n == 1 ? "" : "s",
			       n == 1 ? "s" : "");
	return 0;
}

static int check(enum mb_backing backing, uint64_t bytes, struct mb_error *err)
{
	uint64_t n = regions_of(backing, bytes);

	if (access(KDAMONDS "/nr_kdamonds", F_OK))
		return mb_fail(err, "aging", "damon: this kernel has no DAMON sysfs interface ("
			       KDAMONDS " is absent: CONFIG_DAMON_SYSFS is not set)");
	if (n > MAX_REGIONS)
		return mb_fail(err, "aging", "damon ages in one region per page of the backing, at "
			       "most %llu: %" PRIu64 " bytes of %s memory are %" PRIu64 " regions",
			       MAX_REGIONS, bytes, mb_backing_name(backing), n);
	return no_kdamond(err);
}

/* The kdamond, its context and its target: the run's process. */
static int open_damon(struct mb_aging_state *a, struct mb_error *err)
{
	int ret = no_kdamond(err);

	if (ret)
		return ret;
	/*
	 * Recorded first, so that the reap removes it after a killed worker.
	 * Between the count above and the write below another user could make
	 * a kdamond of its own: DAMON's sysfs has no way to claim one.
	 */
	a->changed.damon = (int)getpid();
	ret = mb_aging_record(a);
	if (ret) {
		a->changed.damon = 0;
		return mb_error_set(err, ret, NULL, "recording the kdamond in %s: %s", a->state,
				    strerror(-ret));
	}
	ret = put(KDAMONDS, "nr_kdamonds", err, "1");
	a->damon_made = !ret;
	if (!ret)
		ret = put(KDAMOND "/contexts", "nr_contexts", err, "1");
	if (!ret)
		ret = put(CONTEXT, "operations", err, "fvaddr");
	if (!ret)
		ret = put(CONTEXT "/targets", "nr_targets", err, "1");
	if (!ret)
		ret = put(TARGET, "pid_target", err, "%d", (int)getpid());
	return ret;
}

/*
 * Once the memory exists: its regions, one page of the backing each, as
 * many of them at least as DAMON keeps (no merging, no splitting), and
 * one sampling per aggregation.
 */
static int set_regions(struct mb_aging_state *a, struct mb_error *err)
{
	static const char *const intervals[] = { "sample_us", "aggr_us", "update_us" };
	uint64_t region = mb_backing_page_size(a->backing), limit;
	char dir[128];
	int ret;

	a->regions = (unsigned int)regions_of(a->backing, a->end - a->start);
	limit = a->regions < 3 ? 3 : a->regions;	/* DAMON's least min_nr_regions */
	a->sample_us = a->populate_ns / 1000 * 4;
	a->sample_us = a->sample_us < SAMPLE_MIN_US ? SAMPLE_MIN_US :
		       a->sample_us > SAMPLE_MAX_US ? SAMPLE_MAX_US : a->sample_us;
	ret = put(CONTEXT "/monitoring_attrs/nr_regions", "max", err, "%" PRIu64, limit);
	if (!ret)
		ret = put(CONTEXT "/monitoring_attrs/nr_regions", "min", err, "%" PRIu64, limit);
	for (size_t i = 0; !ret && i < sizeof(intervals) / sizeof(intervals[0]); i++)
		ret = put(CONTEXT "/monitoring_attrs/intervals", intervals[i], err, "%" PRIu64,
			  a->sample_us);
	if (!ret)
		ret = put(TARGET "/regions", "nr_regions", err, "%u", a->regions);
	for (unsigned int i = 0; !ret && i < a->regions; i++) {
		uint64_t lo = a->start + i * region, hi = lo + region;

		snprintf(dir, sizeof(dir), TARGET "/regions/%u", i);
		ret = put(dir, "start", err, "%" PRIu64, lo);
		if (!ret)
			ret = put(dir, "end", err, "%" PRIu64, hi < a->end ? hi : a->end);
	}
	return ret;
}

static int before(struct mb_aging_state *a, struct mb_error *err)
{
	return a->regions ? 0 : set_regions(a, err);
}

static bool stopped(const struct mb_aging_state *a)
{
	return a->stop && *a->stop;
}

/* The kthread's state letter in /proc/PID/stat, '?' if it is gone. */
static char task_state(int pid)
{
	char path[64], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return '?';
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' && p[2] ? p[2] : '?';
}

/*
 * The pass: a kdamond started, which prepares every region's access
 * check and then sleeps for the sampling interval (TASK_IDLE, "I"):
 * ns is its CPU time until then.
 */
static int mark(struct mb_aging_state *a, uint64_t *ns, struct mb_error *err)
{
	const struct timespec tick = { .tv_nsec = 1000000 };
	char path[64], line[128];
	uint64_t pid, t0 = mb_now_ns();
	unsigned long long run;
	int ret = put(KDAMOND, "state", err, "on");

	if (ret == -EBUSY)
		return mb_fail(err, "aging", "damon: DAMON is busy: a kdamond it runs for its own "
			       "modules (DAMON_RECLAIM, DAMON_LRU_SORT) or another user holds it");
	if (ret)
		return ret;
	a->check_ns = t0 + a->sample_us * 1000 - SLEEP_SLACK_NS;
	ret = read_u64(KDAMOND "/pid", &pid);
	if (ret || !pid)
		return mb_error_set(err, ret ? ret : -ESRCH, "aging",
				    "damon: the kdamond started has no pid in " KDAMOND "/pid");
	a->kdamond = (int)pid;
	for (char state; (state = task_state(a->kdamond)) != 'I'; nanosleep(&tick, NULL)) {
		if (stopped(a))
			return -EINTR;
		if (state == '?' || mb_now_ns() - t0 > WAIT_NS)
			return mb_fail(err, "aging", "damon: kdamond %d %s before it prepared its "
				       "access checks", a->kdamond,
				       state == '?' ? "ended" : "did not sleep in 120 s");
	}
	snprintf(path, sizeof(path), "/proc/%d/schedstat", a->kdamond);
	ret = mb_kfile_read_line(path, line, sizeof(line));
	if (ret || sscanf(line, "%llu", &run) != 1)
		return mb_error_set(err, ret ? ret : -EINVAL, "aging", "damon: reading %s: %s", path,
				    ret ? strerror(-ret) : "no run time");
	*ns = run;
	return 0;
}

static int stop(struct mb_aging_state *a, struct mb_error *err)
{
	a->kdamond = 0;
	return put(KDAMOND, "state", err, "off");
}

static int late(struct mb_aging_state *a, struct mb_error *err)
{
	stop(a, NULL);
	return mb_fail(err, "aging", "damon: the vCPUs' pass ended after DAMON's sampling "
		       "interval (%.1f s, four times the populate pass), so its check could "
		       "come before the guest touched every page", (double)a->sample_us / 1e6);
}

/*
 * One damon_aggregated line: a region and its nr_accesses; or one of the
 * check's test-young calls that reached KVM.
 */
static void count_line(struct mb_aging_state *a, const char *line, uint64_t *idle,
		       uint64_t *total, unsigned int *seen, unsigned int *regions)
{
	unsigned long long start, end;
	unsigned int accesses, age;
	const char *p = strstr(line, "damon_aggregated: ");

	if (!p && strstr(line, "kvm_test_age_hva: "))
		a->checked_test_age++;
	if (!p || sscanf(p, "damon_aggregated: target_id=%*u nr_regions=%u %llu-%llu: %u %u",
			 regions, &start, &end, &accesses, &age) != 5 || end <= start)
		return;
	(*seen)++;
	*total += (end - start) / PAGE;
	if (!accesses)
		*idle += (end - start) / PAGE;
}

/* Read the regions' events as they come, until there is one per region. */
static int read_regions(struct mb_aging_state *a, const char *dir, uint64_t *idle,
			uint64_t *total, struct mb_error *err)
{
	char path[300], buf[65536];
	size_t have = 0;
	unsigned int seen = 0, regions = a->regions;
	struct pollfd pfd;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/trace_pipe", dir);
	pfd.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	pfd.events = POLLIN;
	if (pfd.fd < 0)
		return mb_error_set(err, -errno, NULL, "opening %s: %s", path, strerror(errno));
	*idle = *total = 0;
	a->checked_test_age = 0;
	while (seen < a->regions) {
		ssize_t n;
		char *nl, *line;

		if (stopped(a)) {
			ret = -EINTR;
			break;
		}
		if (regions != a->regions) {
			ret = mb_fail(err, "aging", "damon: the kdamond reported %u regions, not the %u "
				      "it was given: DAMON merged or split them", regions, a->regions);
			break;
		}
		if (mb_now_ns() > a->check_ns + WAIT_NS) {
			ret = mb_fail(err, "aging", "damon: %u of %u regions reported their accesses "
				      "in 120 s after the sampling interval", seen, a->regions);
			break;
		}
		n = read(pfd.fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			ret = mb_error_set(err, -errno, NULL, "reading %s: %s", path, strerror(errno));
			break;
		}
		if (n <= 0) {
			poll(&pfd, 1, 200);
			continue;
		}
		have += (size_t)n;
		buf[have] = '\0';
		for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			count_line(a, line, idle, total, &seen, &regions);
		}
		have = strlen(line);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;	/* no event is a line this long */
	}
	close(pfd.fd);
	return ret;
}

/*
 * Idle: the regions the kdamond's check found not accessed, in 4KiB
 * pages; total: the pages of all regions, the test memory; and the
 * check's test-young calls that reached KVM.  Then the pass's kdamond is
 * stopped.
 */
static int count_idle(struct mb_aging_state *a, uint64_t *idle, uint64_t *total,
		      struct mb_error *err)
{
	struct mb_tracefs_instance inst;
	char filter[96], hva[96], size[24];
	uint64_t lost;
	int ret;

	if (mb_now_ns() >= a->check_ns)
		return late(a, err);
	ret = mb_tracefs_instance_make(&inst, err);
	if (ret)
		return ret;
	/* room for two events a region (about 48 bytes each) on the kdamond's CPU */
	snprintf(size, sizeof(size), "%u", a->regions / 8 < 1024 ? 1024 : a->regions / 8);
	/* the pass's kdamond only: khugepaged, say, asks test-young too */
	snprintf(filter, sizeof(filter), "start >= %" PRIu64 " && end <= %" PRIu64
		 " && common_pid == %d", a->start, a->end, a->kdamond);
	snprintf(hva, sizeof(hva), "hva >= 0x%" PRIx64 " && hva < 0x%" PRIx64 " && common_pid == %d",
		 a->start, a->end, a->kdamond);
	ret = mb_kfile_write(inst.dir, "buffer_size_kb", size);
	if (!ret)
		ret = mb_kfile_write(inst.dir, "events/damon/damon_aggregated/filter", filter);
	if (!ret)
		ret = mb_kfile_write(inst.dir, "events/kvm/kvm_test_age_hva/filter", hva);
	if (!ret)
		ret = mb_kfile_write(inst.dir, "events/damon/damon_aggregated/enable", "1");
	if (!ret)
		ret = mb_kfile_write(inst.dir, "events/kvm/kvm_test_age_hva/enable", "1");
	if (ret) {
		mb_error_set(err, ret, NULL, "enabling damon:damon_aggregated in %s: %s", inst.dir,
			     strerror(-ret));
	} else if (mb_now_ns() >= a->check_ns) {
		ret = late(a, err);
	} else {
		ret = read_regions(a, inst.dir, idle, total, err);
		lost = mb_tracefs_lost(&inst);
		/* lost events explain a wait that timed out too */
		if (ret != -EINTR && lost)
			ret = mb_error_set(err, -EOVERFLOW, NULL, "the trace buffer lost %" PRIu64
					   " of the regions' events", lost);
	}
	mb_tracefs_instance_remove(&inst);
	if (stop(a, ret ? NULL : err) && !ret)
		ret = -EIO;
	return ret;	/* -EINTR: stopped, err untouched */
}

/* Off (which fails where it is off already), then gone. */
static int remove_kdamond(void)
{
	put(KDAMOND, "state", NULL, "off");
	return put(KDAMONDS, "nr_kdamonds", NULL, "0");
}

/* The live run: the kdamond its own write made, however far it got. */
static void close_damon(struct mb_aging_state *a)
{
	if (a->damon_made && !remove_kdamond())
		a->damon_made = false;
}

int mb_aging_damon_put_back(int pid)
{
	uint64_t n, target;

	if (read_u64(KDAMONDS "/nr_kdamonds", &n) || n != 1)
		return 0;
	/*
	 * Known by its target, which only the run sets: a kdamond killed
	 * before its target was written is left (and refuses later runs
	 * with its reason) rather than guessed at.
	 */
	if (read_u64(TARGET "/pid_target", &target) || target != (uint64_t)pid)
		return 0;
	return remove_kdamond();
}

const struct mb_aging_mechanism mb_aging_damon = {
	.check = check, .open = open_damon, .before = before, .mark = mark,
	.count_idle = count_idle, .close = close_damon, .counted = "monitored_pages",
};
