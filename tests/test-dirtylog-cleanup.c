// SPDX-License-Identifier: MIT
/*
 * Nothing is left behind: after a run that succeeds, one interrupted
 * mid-run, one whose vCPU fails, and one refused for want of hugepages,
 * this process has the file descriptors, threads and mappings it had
 * before, and the hugepage pools are as they were.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "kvm.h"
#include "kvmtest.h"

struct snapshot {
	int fds, threads, maps;
	long nr_1g, nr_2m;
};

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "re");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void take(struct snapshot *s)
{
	struct mb_hugepage_pool p;

	s->fds = count_dir("/proc/self/fd") - 1;	/* less opendir's own */
	s->threads = count_dir("/proc/self/task");
	s->maps = count_lines("/proc/self/maps");
	s->nr_1g = mb_hugepages_read(MB_SIZE_1G, &p) ? -1 : p.nr;
	s->nr_2m = mb_hugepages_read(MB_SIZE_2M, &p) ? -1 : p.nr;
}

static void check_same(const char *name, const struct snapshot *a)
{
	struct snapshot b;

	take(&b);
	tap_ok(a->fds == b.fds, "%s: file descriptors %d -> %d", name, a->fds, b.fds);
	tap_ok(a->threads == b.threads, "%s: threads %d -> %d", name,
	       a->threads, b.threads);
	tap_ok(a->maps == b.maps, "%s: mappings %d -> %d", name, a->maps, b.maps);
	tap_ok(a->nr_1g == b.nr_1g && a->nr_2m == b.nr_2m,
	       "%s: hugepage pools 1GiB %ld -> %ld, 2MiB %ld -> %ld", name,
	       a->nr_1g, b.nr_1g, a->nr_2m, b.nr_2m);
}

static volatile sig_atomic_t stop;

/* Interrupt as soon as the first iteration is done. */
static void stop_after_first_iteration(void *ctx, const char *msg)
{
	(void)ctx;
	if (!strncmp(msg, "iteration 1/", 12))
		stop = 1;
}

static void test_interrupted(bool hugetlb)
{
	struct mb_run_opts opts = {
		.stop = &stop,
		.progress = stop_after_first_iteration,
		.reserve_hugepages = hugetlb,
	};
	const char *name = hugetlb ? "interrupted hugetlb-1g run" : "interrupted run";
	struct mb_run_result res;
	struct snapshot before;
	struct mb_spec spec;
	enum mb_run_status st;

	kvmtest_small_spec(&spec);
	spec.iterations = 50;
	if (hugetlb) {
		const char *why = kvmtest_hugepages_unavailable(MB_SIZE_1G, 1);

		if (why) {
			tap_skip("%s: %s", name, why);
			return;
		}
		spec.backing = MB_BACKING_HUGETLB_1G;
	}
	stop = 0;
	take(&before);
	st = mb_dirtylog_run(&spec, &opts, &res);
	tap_ok(st == MB_RUN_INTERRUPTED && !strcmp(res.error.message, "interrupted"),
	       "%s: reported as interrupted (%d: %s)", name, st, res.error.message);
	tap_ok(kvmtest_count(&res.samples, MB_DIRTY_MEMORY_NS) < spec.iterations,
	       "%s: stopped early", name);
	mb_run_result_free(&res);
	check_same(name, &before);
}

/*
 * Make a vCPU fail for real: once memory is populated, delete the
 * guest's system memslot (its code and page tables) behind the engine's
 * back, so the next KVM_RUN cannot fetch an instruction.
 */
static void delete_system_memslot(void *ctx, const char *msg)
{
	char link[64], path[300];
	struct dirent *de;
	DIR *d;

	(void)ctx;
	if (strncmp(msg, "populated", 9))
		return;
	d = opendir("/proc/self/fd");
	while (d && (de = readdir(d))) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, "anon_inode:kvm-vm"))
			kvm_vm_set_memslot(atoi(de->d_name), 0, 0, 0, 0, NULL);
	}
	if (d)
		closedir(d);
}

static void test_vcpu_failure(void)
{
	struct mb_run_opts opts = { .progress = delete_system_memslot };
	struct mb_run_result res;
	struct snapshot before;
	struct mb_spec spec;
	enum mb_run_status st;

	kvmtest_small_spec(&spec);
	take(&before);
	st = mb_dirtylog_run(&spec, &opts, &res);
	tap_ok(st == MB_RUN_FAILED && !strncmp(res.error.message, "vCPU ", 5),
	       "failed vCPU: run fails naming the vCPU (%s)", res.error.message);
	mb_run_result_free(&res);
	check_same("failed vCPU", &before);
}

static void test_no_hugepages(void)
{
	struct mb_run_opts opts = { 0 };
	struct mb_run_result res;
	struct mb_hugepage_pool pool;
	struct snapshot before;
	struct mb_spec spec;
	enum mb_run_status st;
	char want[512];
	long avail, need;

	if (mb_hugepages_read(MB_SIZE_1G, &pool)) {
		tap_skip("refused run: this kernel has no 1GiB hugepage pool");
		return;
	}
	kvmtest_small_spec(&spec);
	avail = pool.free - pool.resv;
	need = avail + 1;
	spec.backing = MB_BACKING_HUGETLB_1G;
	spec.mem_per_vcpu = (uint64_t)need << 30;
	spec.vcpus = 1;
	snprintf(want, sizeof(want),
		 "need %ld free 1GiB hugepages, %ld free; reserve them with "
		 "'echo %ld > /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages' "
		 "as root, or pass --reserve-hugepages", need, avail, pool.nr + 1);
	take(&before);
	st = mb_dirtylog_run(&spec, &opts, &res);
	tap_ok(st == MB_RUN_UNAVAILABLE, "refused run: status unavailable (%d)", st);
	if (!tap_ok(!strcmp(res.error.message, want), "refused run: says what is missing and how to get it"))
		tap_diag("got '%s'", res.error.message);
	tap_ok(res.samples.len == 0, "refused run: measured nothing");
	mb_run_result_free(&res);
	check_same("refused run", &before);
}

static void test_success(void)
{
	struct mb_run_result res;
	struct snapshot before;
	struct mb_spec spec;

	kvmtest_small_spec(&spec);
	spec.dirty_ring_entries = 1024;
	take(&before);
	kvmtest_run("dirty-ring run", &spec, NULL, &res);
	mb_run_result_free(&res);
	check_same("dirty-ring run", &before);
}

int main(void)
{
	struct mb_run_result warm_up;
	struct mb_spec spec;

	kvmtest_require_kvm();
	/*
	 * glibc keeps the stacks of joined threads mapped for reuse: one run
	 * first, so that cache is not mistaken for a leak of the runs below.
	 */
	kvmtest_small_spec(&spec);
	spec.iterations = 1;
	tap_ok(mb_dirtylog_run(&spec, &(struct mb_run_opts){ 0 }, &warm_up) ==
	       MB_RUN_OK, "warm-up run");
	mb_run_result_free(&warm_up);
	test_success();
	test_interrupted(false);
	test_interrupted(true);
	test_vcpu_failure();
	test_no_hugepages();
	return tap_done();
}
