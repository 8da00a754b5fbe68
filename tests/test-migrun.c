// SPDX-License-Identifier: MIT
/*
 * Migration runs for real: the migration guest on 1GiB hugepages, moved
 * live to a local destination with the source QEMU's dirty-log ioctls
 * traced and checked against QEMU's own kvm_vm_ioctl events, with the
 * dirty bitmap and with a dirty ring; the guest's own dirty rate and
 * libvirt's against the spec's; the phases and the guest's stalls; then
 * the same cancelled after one iteration, where QEMU turns dirty logging
 * off while the guest goes on running on the source, the case where the
 * zap matters; and once switched to postcopy after one iteration.
 * Nothing may be left afterwards.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hugepages.h"
#include "migrun.h"
#include "tap.h"

static size_t count(const struct mb_samples *s, enum mb_metric m, uint64_t *max)
{
	size_t n = 0;

	*max = 0;
	for (size_t i = 0; i < s->len; i++)
		if (s->rows[i].metric == m) {
			n++;
			if (s->rows[i].value > *max)
				*max = s->rows[i].value;
		}
	return n;
}

static int processes(const char *comm)
{
	char cmd[96], line[64];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "pgrep -x %s", comm);	/* fixed names only */
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p))
		n++;
	if (p)
		pclose(p);
	return n;
}

/* The trace check's counts, as migrun reports them: traced and QEMU's own. */
static char verified[512];

static void progress(void *ctx, const char *msg)
{
	(void)ctx;
	tap_diag("%s", msg);
	if (!strncmp(msg, "traced/QEMU's own count", 23))
		snprintf(verified, sizeof(verified), "%s", msg);
}

enum variant { COMPLETE, RING, CANCEL, POSTCOPY };

/* Private state of the runs, root-only (made by main). */
static char state_dir[] = "/tmp/mbtest-state-XXXXXX";

static bool within(uint64_t v, uint64_t want, double tolerance)
{
	return v >= want * (1 - tolerance) && v <= want * (1 + tolerance);
}

static const char *missing(const struct mb_run_result *res, enum mb_metric m)
{
	struct json_object *why;

	return res->missing && json_object_object_get_ex(res->missing, mb_metric_name(m), &why) ?
	       json_object_get_string(why) : NULL;
}

/*
 * QEMU's own kvm_vm_ioctl events against the trace, per command: equal,
 * and for the bitmap, clears among them (QEMU passes _IOWR commands
 * sign-extended, which the tracer once missed).
 */
static void check_verified(const char *name, bool ring)
{
	size_t get[2], clear[2], set[2], reset[2];
	int n = sscanf(verified, "traced/QEMU's own count outside the vCPU threads: "
		       "KVM_GET_DIRTY_LOG %zu/%zu, KVM_CLEAR_DIRTY_LOG %zu/%zu, "
		       "KVM_SET_USER_MEMORY_REGION %zu/%zu, KVM_RESET_DIRTY_RINGS %zu/%zu",
		       &get[0], &get[1], &clear[0], &clear[1], &set[0], &set[1], &reset[0], &reset[1]);

	tap_ok(n == 8 && get[0] == get[1] && clear[0] == clear[1] && set[0] == set[1] &&
	       reset[0] == reset[1], "%s: every traced count equals QEMU's own (%s)", name, verified);
	if (ring)
		tap_ok(n == 8 && get[1] == 0 && clear[1] == 0 && set[1] > 0,
		       "%s: with a dirty ring QEMU neither gets nor clears a bitmap", name);
	else
		tap_ok(n == 8 && clear[1] > 0 && get[1] > 0,
		       "%s: QEMU cleared the dirty log %zu times, all traced", name, n == 8 ? clear[1] : 0);
}

static void check_guest(const char *name, const struct mb_run_result *res,
			const struct mb_migspec *spec)
{
	uint64_t guest = 0, calc = 0, stall = 0, boot = 0, max;
	size_t nboot = count(&res->samples, MB_GUEST_BOOT_MS, &boot);
	size_t nguest = count(&res->samples, MB_GUEST_DIRTY_RATE_MIB_S, &guest);
	size_t ncalc = count(&res->samples, MB_DIRTY_RATE_CALC_MIB_S, &calc);
	size_t nstall = count(&res->samples, MB_GUEST_STALL_MS, &stall);
	size_t windows = count(&res->samples, MB_GUEST_T_MS, &max);
	size_t rates = count(&res->samples, MB_GUEST_WRITE_RATE_KIB_S, &max);

	tap_ok(nboot == 1 && boot > 0 && !missing(res, MB_GUEST_BOOT_MS),
	       "%s: the guest dirtied memory %llu ms after it was started", name,
	       (unsigned long long)boot);
	tap_ok(nguest == 1 && within(guest, spec->rate_mib_s, 0.15),
	       "%s: the guest's own count says %llu MiB/s for rate_mib_s %llu (15%%)", name,
	       (unsigned long long)guest, (unsigned long long)spec->rate_mib_s);
	tap_ok(ncalc == 1 && within(calc, spec->rate_mib_s, 0.15),
	       "%s: libvirt's dirty-rate calculation says %llu MiB/s (15%%)", name,
	       (unsigned long long)calc);
	tap_ok(nstall == 1 && windows > 10 && rates == windows * spec->vcpus,
	       "%s: the guest's longest stall (%llu ms) and its write rate per vCPU every 10 ms "
	       "(%zu windows)", name, (unsigned long long)stall, windows);
}

static void check_phases(const char *name, const struct mb_run_result *res, enum variant v)
{
	uint64_t start = 0, pre = 0, post = 0, total = 0, down = 0, max;
	size_t nstart = count(&res->samples, MB_MIGRATION_DEST_START_MS, &start);
	size_t npre = count(&res->samples, MB_MIGRATION_PRECOPY_MS, &pre);
	size_t npost = count(&res->samples, MB_MIGRATION_POSTCOPY_MS, &post);
	size_t ndown = count(&res->samples, MB_MIGRATION_DOWNTIME_MS, &down);
	size_t marks = count(&res->samples, MB_MIGRATION_ITERATION_T_MS, &max);

	count(&res->samples, MB_MIGRATION_TOTAL_MS, &total);
	tap_ok(nstart == 1 && start > 0 && npre == 1 && pre > 0 && start + pre <= total + 100,
	       "%s: phases: %llu ms until the first RAM byte, %llu ms of precopy, %llu ms in all",
	       name, (unsigned long long)start, (unsigned long long)pre, (unsigned long long)total);
	tap_ok(marks >= 2, "%s: when each iteration began (%zu)", name, marks);
	if (v == POSTCOPY) {
		tap_ok(npost == 1 && post > 0, "%s: it switched to postcopy, %llu ms until the end",
		       name, (unsigned long long)post);
		tap_ok(missing(res, MB_GUEST_STALL_MS) && !count(&res->samples, MB_GUEST_STALL_MS, &max),
		       "%s: the destination's memory is not read in postcopy, and the stall is "
		       "named missing (%s)", name, missing(res, MB_GUEST_STALL_MS));
	}
	else
		tap_ok(ndown == 1 && !npost, "%s: downtime %llu ms, no postcopy phase", name,
		       (unsigned long long)down);
}

/* No 0 that means "not measured": such figures are named as missing instead. */
static void check_no_false_zero(const char *name, const struct mb_run_result *res)
{
	size_t zeros = 0;

	for (size_t i = 0; i < res->samples.len; i++)
		zeros += (res->samples.rows[i].metric == MB_MIGRATION_DIRTY_RATE_PPS ||
			  res->samples.rows[i].metric == MB_JOB_DIRTY_RATE_PPS) &&
			 res->samples.rows[i].value == 0;
	tap_ok(zeros == 0, "%s: QEMU's dirty rate is never stored as 0 (%zu zeros); %s", name, zeros,
	       missing(res, MB_MIGRATION_DIRTY_RATE_PPS) ? "its absence is explained" :
	       "it was measured");
}

static void one_run(const char *kernel, enum variant v)
{
	static const char *const names[] = { "completed migration", "dirty ring",
					     "cancelled migration", "postcopy switch" };
	const char *name = names[v];
	uint64_t cancel_after = v == CANCEL;
	struct mb_site_policy site = { .state_dir = state_dir };
	struct mb_run_opts opts = { .guest_kernel = kernel, .progress = progress, .site = &site };
	struct mb_run_result res;
	struct mb_migspec spec;
	enum mb_run_status st;
	uint64_t max;

	mb_migspec_init(&spec);
	spec.vcpus = 1;
	spec.memory = 1ULL << 30;
	spec.wss = 512ULL << 20;
	spec.rate_mib_s = cancel_after ? 256 : 64;
	spec.cancel_after_iterations = cancel_after;
	spec.verify_trace = v == COMPLETE || v == RING;
	if (cancel_after)	/* slower than the guest dirties: it cannot finish first */
		spec.max_bandwidth = 100;
	if (v == RING) {	/* long enough for QEMU's reaper thread to run */
		spec.dirty_ring_entries = 65536;
		spec.max_bandwidth = 100;
	}
	if (v == POSTCOPY) {	/* 4KiB pages: a 1GiB one would move whole on its first fault */
		spec.backing = MB_BACKING_ANONYMOUS;
		spec.memory = 512ULL << 20;
		spec.wss = 256ULL << 20;
		spec.rate_mib_s = 256;
		spec.max_bandwidth = 100;
		spec.postcopy = true;
		spec.postcopy_after_iterations = 1;
	}
	verified[0] = '\0';
	st = mb_migration_run(&spec, &opts, &res);
	if (!tap_ok(st == MB_RUN_OK, "%s: the run succeeds (%s)", name, res.error.message)) {
		mb_run_result_free(&res);
		return;
	}
	tap_ok(count(&res.samples, MB_MIGRATION_TOTAL_MS, &max) == 1 && max > 0 &&
	       count(&res.samples, MB_MIGRATION_ITERATIONS, &max) == 1 && max >= 1,
	       "%s: total time and iterations recorded", name);
	tap_ok(count(&res.samples, MB_JOB_T_MS, &max) >= 1 &&
	       count(&res.samples, MB_JOB_MEMORY_REMAINING_BYTES, &max) >= 1,
	       "%s: the job statistics time series (%zu samples)", name,
	       count(&res.samples, MB_JOB_T_MS, &max));
	tap_ok(count(&res.samples, MB_QEMU_ENABLE_DIRTY_LOG_NS, &max) >= 1,
	       "%s: the memslot updates turning dirty logging on were traced (%zu)", name,
	       count(&res.samples, MB_QEMU_ENABLE_DIRTY_LOG_NS, &max));
	check_no_false_zero(name, &res);
	if (spec.verify_trace)
		check_verified(name, v == RING);
	if (v == COMPLETE) {
		check_guest(name, &res, &spec);
		size_t clears = count(&res.samples, MB_QEMU_CLEAR_DIRTY_LOG_NS, &max);

		tap_ok(clears > 0, "%s: qemu_clear_dirty_log_ns stored (%zu calls, longest %llu ns)",
		       name, clears, (unsigned long long)max);
		tap_ok(missing(&res, MB_QEMU_DISABLE_DIRTY_LOG_NS) &&
		       missing(&res, MB_QEMU_RESET_DIRTY_RINGS_NS),
		       "%s: why there is no disable (%s) and no ring reset (%s)", name,
		       missing(&res, MB_QEMU_DISABLE_DIRTY_LOG_NS),
		       missing(&res, MB_QEMU_RESET_DIRTY_RINGS_NS));
	}
	if (v != CANCEL)
		check_phases(name, &res, v);
	if (cancel_after) {
		size_t disables = count(&res.samples, MB_QEMU_DISABLE_DIRTY_LOG_NS, &max);

		tap_ok(disables >= 1 && max > 0,
		       "cancelled: dirty logging turned off while the guest runs, %zu updates, longest %llu ns",
		       disables, (unsigned long long)max);
		tap_ok(missing(&res, MB_MIGRATION_DOWNTIME_MS) &&
		       !count(&res.samples, MB_MIGRATION_DOWNTIME_MS, &max),
		       "cancelled: no downtime stored, and why (%s)",
		       missing(&res, MB_MIGRATION_DOWNTIME_MS));
	}
	mb_run_result_free(&res);
}

int main(int argc, char **argv)
{
	const char *kernel = argc > 1 ? argv[1] : "build/engine/libvirt/mbguest.elf";
	struct mb_hugepage_reservation resv;
	struct mb_hugepage_pool pool;
	char path[512];
	struct mb_error herr = { 0 };
	long before;

	if (access("/dev/kvm", R_OK | W_OK))
		tap_skip_all("/dev/kvm is not usable here");
	if (geteuid() != 0)
		tap_skip_all("private libvirtd instances and tracefs need root");
	if (access("/usr/sbin/libvirtd", X_OK) || access("/usr/bin/qemu-system-x86_64", X_OK))
		tap_skip_all("libvirtd or qemu-system-x86_64 is not installed (scripts/deps.sh installs them)");
	if (mb_hugepages_read(MB_SIZE_1G, &pool))
		tap_skip_all("this kernel has no 1GiB hugepage pool");
	before = pool.nr;
	if (!realpath(kernel, path))
		snprintf(path, sizeof(path), "%s", kernel);
	if (!mkdtemp(state_dir))
		tap_skip_all("cannot make a temporary directory");
	if (!tap_ok(mb_hugepages_reserve(MB_SIZE_1G, 2, &resv, &herr) == 0,
		    "1GiB pages for both ends (%s)", herr.message))
		return tap_done();
	one_run(path, COMPLETE);
	one_run(path, RING);
	one_run(path, CANCEL);
	one_run(path, POSTCOPY);
	mb_hugepages_release(&resv);
	mb_hugepages_read(MB_SIZE_1G, &pool);
	tap_ok(pool.nr == before, "1GiB pool back to %ld", before);
	tap_ok(processes("qemu-system-x86") == 0 && processes("libvirtd") == 0 &&
	       processes("virtlogd") == 0, "no QEMU, libvirtd or virtlogd left");
	{
		DIR *d = opendir("/sys/kernel/tracing/instances");
		int left = 0;
		struct dirent *de;

		while (d && (de = readdir(d)))
			left += !strncmp(de->d_name, "migbench-", 9);
		if (d)
			closedir(d);
		tap_ok(left == 0, "no tracefs instance left");
	}
	tap_ok(rmdir(state_dir) == 0, "no private directory left in the state directory");
	return tap_done();
}
