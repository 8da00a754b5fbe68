// SPDX-License-Identifier: MIT
/*
 * Migration runs for real: the migration guest on 1GiB hugepages, moved
 * live to a local destination with the source QEMU's dirty-log ioctls
 * traced; then the same cancelled after one iteration, where QEMU turns
 * dirty logging off while the guest goes on running on the source, the
 * case where the zap matters; and once with the postcopy capability
 * enabled.  Nothing may be left afterwards.
 */
#include <dirent.h>
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

static void progress(void *ctx, const char *msg)
{
	(void)ctx;
	tap_diag("%s", msg);
}

enum variant { COMPLETE, CANCEL, POSTCOPY };

/* Private state of the runs, root-only (made by main). */
static char state_dir[] = "/tmp/mbtest-state-XXXXXX";

static void one_run(const char *kernel, enum variant v)
{
	static const char *const names[] = { "completed migration", "cancelled migration",
					     "postcopy capability" };
	const char *name = names[v];
	uint64_t cancel_after = v == CANCEL;
	struct mb_site_policy site = { .state_dir = state_dir };
	struct mb_run_opts opts = { .guest_kernel = kernel, .progress = progress, .site = &site };
	struct mb_run_result res;
	struct mb_migspec spec;
	enum mb_run_status st;
	uint64_t max;

	mb_migspec_init(&spec);
	spec.memory = 1ULL << 30;
	spec.wss = 512ULL << 20;
	spec.rate_mib_s = cancel_after ? 256 : 64;
	spec.cancel_after_iterations = cancel_after;
	if (cancel_after)	/* slower than the guest dirties: it cannot finish first */
		spec.max_bandwidth = 100;
	spec.postcopy = v == POSTCOPY;
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
	tap_ok(count(&res.samples, MB_QEMU_CLEAR_DIRTY_LOG_NS, &max) +
	       count(&res.samples, MB_QEMU_GET_DIRTY_LOG_NS, &max) >= 1,
	       "%s: QEMU's KVM_GET/CLEAR_DIRTY_LOG calls were traced (%zu clear, %zu get)", name,
	       count(&res.samples, MB_QEMU_CLEAR_DIRTY_LOG_NS, &max),
	       count(&res.samples, MB_QEMU_GET_DIRTY_LOG_NS, &max));
	if (cancel_after)
		tap_ok(count(&res.samples, MB_QEMU_DISABLE_DIRTY_LOG_NS, &max) >= 1 && max > 0,
		       "cancelled: dirty logging turned off while the guest runs, %zu updates, longest %llu ns",
		       count(&res.samples, MB_QEMU_DISABLE_DIRTY_LOG_NS, &max),
		       (unsigned long long)max);
	else if (v == COMPLETE) {
		size_t n = count(&res.samples, MB_MIGRATION_DOWNTIME_MS, &max);

		tap_ok(n == 1, "completed: downtime recorded (%llu ms)", (unsigned long long)max);
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
