// SPDX-License-Identifier: MIT
/*
 * The kernel selftest's command line for dirty-log specs: each spec key
 * as dirty_log_perf_test's flag (Linux 6.3 and later: -v vCPUs, -b bytes
 * per vCPU, -s backing, -i iterations, -x memslots, -w write percent, -a
 * random access, -r seed, -g no manual protect, -e vCPUs run during the
 * disable, -c CPUs), nothing where migbench's default is the selftest's,
 * and every reason a spec has no equivalent, with no line then.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "tap.h"

static const struct mb_engine *kvm;

/* The line for a spec, or NULL with err. */
static char *line_of(struct json_object *spec, struct mb_error *err, int *ret)
{
	struct textbuf b = { 0 };
	size_t len;
	char *text = NULL;

	*ret = mb_engine_selftest(kvm, spec, &b, err);
	text = textbuf_take(&b, &len);
	if (*ret) {
		free(text);
		return NULL;
	}
	return text;
}

static void check_line(const char *spec_json, const char *want)
{
	struct json_object *spec = json_tokener_parse(spec_json);
	struct mb_error err = { 0 };
	int ret;
	char *line = line_of(spec, &err, &ret);

	tap_ok(ret == 0 && line && !strcmp(line, want), "%s: '%s' (got '%s')", spec_json, want,
	       line ? line : err.message);
	free(line);
	json_object_put(spec);
}

/* No line, -ENOENT, and exactly these reasons, the first key as the field. */
static void check_none(const char *spec_json, const char *field, const char *why)
{
	struct json_object *spec = json_tokener_parse(spec_json);
	struct mb_error err = { 0 };
	int ret;
	char *line = line_of(spec, &err, &ret);

	tap_ok(ret == -ENOENT && !line && err.code == -ENOENT && !strcmp(err.field, field) &&
	       !strcmp(err.message, why), "%s: no equivalent, '%s' (got %d, '%s': '%s')",
	       spec_json, why, ret, err.field, line ? line : err.message);
	free(line);
	json_object_put(spec);
}

/* A request as the API resolves it: every key written out, then the line. */
static void check_resolved(const char *request, const char *want)
{
	struct json_object *req = json_tokener_parse(request), *spec = NULL;
	struct mb_error err = { 0 };
	char *line = NULL;
	int ret = mb_engine_normalise(kvm, req, NULL, &spec, NULL, &err);

	if (!ret)
		line = line_of(spec, &err, &ret);
	tap_ok(line && !strcmp(line, want), "resolved %s: '%s' (got '%s')", request, want,
	       line ? line : err.message);
	free(line);
	json_object_put(req);
	json_object_put(spec);
}

int main(void)
{
	const struct mb_engine *libvirt = mb_engine_find("migration");
	struct json_object *spec = json_tokener_parse("{\"memory\": \"1G\"}");
	struct textbuf b = { 0 };
	struct mb_error err = { 0 };
	size_t len = 0;
	char *text = NULL;

	kvm = mb_engine_find("dirtylog");
	if (!tap_ok(kvm && kvm->selftest && !strcmp(kvm->selftest_name, "dirty_log_perf_test"),
		    "the dirtylog engine has a selftest: dirty_log_perf_test"))
		return tap_done();
	tap_ok(libvirt && !libvirt->selftest &&
	       mb_engine_selftest(libvirt, spec, &b, &err) == -EOPNOTSUPP &&
	       (text = textbuf_take(&b, &len)) && !len,
	       "the migration engine has none, and says so, writing nothing (%s)", err.message);
	free(text);
	json_object_put(spec);

	check_line("{}", "dirty_log_perf_test");
	check_resolved("{}", "dirty_log_perf_test");
	check_resolved("{\"backing\": \"hugetlb-2m\", \"mem_per_vcpu\": \"64M\", \"iterations\": 4}",
		       "dirty_log_perf_test -b 64M -s anonymous_hugetlb_2mb -i 4");
	/* the comparison test's spec, as a run resolves it (both caps on) */
	check_line("{\"vcpus\": 2, \"mem_per_vcpu\": \"512M\", \"backing\": \"hugetlb-1g\", "
		   "\"iterations\": 3, \"write_percent\": 100, \"access\": \"sequential\", \"seed\": 1, "
		   "\"manual_protect\": true, \"initially_set\": true, \"clear_chunk_pages\": 0, "
		   "\"memslots\": 1, \"vcpus_run_during_disable\": false, \"dirty_ring_entries\": 0}",
		   "dirty_log_perf_test -v 2 -b 512M -s anonymous_hugetlb_1gb -i 3");
	check_line("{\"vcpus\": 4, \"mem_per_vcpu\": \"2G\", \"backing\": \"thp\", \"iterations\": 5, "
		   "\"memslots\": 4, \"write_percent\": 50, \"access\": \"random\", \"seed\": 7, "
		   "\"manual_protect\": false, \"vcpus_run_during_disable\": true, "
		   "\"pin\": [0, 1, 2, 3, 1]}",
		   "dirty_log_perf_test -v 4 -b 2G -s anonymous_thp -i 5 -x 4 -w 50 -a -r 7 -g -e "
		   "-c 0,1,2,3,1");
	check_line("{\"backing\": \"shmem\", \"mem_per_vcpu\": 3145728, \"manual_protect\": true}",
		   "dirty_log_perf_test -b 3M -s shmem");
	check_line("{\"backing\": \"anonymous\", \"mem_per_vcpu\": \"1G\", \"iterations\": 2}",
		   "dirty_log_perf_test");
	/* the seed only where a page is drawn: random order or some pages read */
	check_line("{\"seed\": 9}", "dirty_log_perf_test");
	check_line("{\"seed\": 9, \"write_percent\": 0}", "dirty_log_perf_test -w 0");
	check_line("{\"seed\": 9, \"write_percent\": 30}", "dirty_log_perf_test -w 30 -r 9");
	check_line("{\"seed\": 1, \"access\": \"random\"}", "dirty_log_perf_test -a");
	/* the selftest's own zap: disable dirty logging, then delete the memslots */
	check_line("{\"zap\": [\"disable\", \"delete\"], \"invalidate\": \"dontneed\", "
		   "\"guest_page_size\": \"4k\"}", "dirty_log_perf_test");
	check_line("{\"zap\": [\"disable\"]}", "dirty_log_perf_test");
	check_line("{\"manual_protect\": false, \"initially_set\": false}", "dirty_log_perf_test -g");

	check_none("{\"dirty_ring_entries\": 4096}", "dirty_ring_entries",
		   "dirty_ring_entries: the selftest reads the dirty bitmap, not a dirty ring");
	check_none("{\"manual_protect\": true, \"initially_set\": false}", "initially_set",
		   "initially_set: the selftest sets KVM_DIRTY_LOG_INITIALLY_SET whenever the kernel "
		   "offers it (-g turns manual protect off as well)");
	check_none("{\"iterations\": 1, \"clear_chunk_pages\": 64, \"guest_page_size\": \"2m\", "
		   "\"zap\": [\"disable\", \"invalidate\", \"delete\"]}", "iterations",
		   "iterations: the selftest runs at least 2; clear_chunk_pages: the selftest clears "
		   "each memslot in one KVM_CLEAR_DIRTY_LOG; guest_page_size: the selftest's guest "
		   "maps its memory with 4KiB pages; zap: the selftest has no invalidate step");
	check_none("{\"zap\": [\"disable\", \"touch\", \"delete\"]}", "zap",
		   "zap: the selftest has no touch step");
	check_none("{\"zap\": [\"delete\", \"disable\"]}", "zap",
		   "zap: the selftest disables dirty logging right after the iterations, then "
		   "deletes the memslots");
	check_none("{\"zap\": [\"delete\"]}", "zap",
		   "zap: the selftest disables dirty logging right after the iterations, then "
		   "deletes the memslots");
	check_none("{\"access\": \"random\", \"seed\": 0}", "seed",
		   "seed: the selftest's -r takes 1 .. 2147483647");
	check_none("{\"backing\": \"hugetlb-16g\"}", "backing",
		   "backing: the selftest has no backing for \"hugetlb-16g\"");
	/* aging: access_tracking_perf_test's shape is fixed; its nearest line named */
	check_none("{\"aging\": \"lru_gen\", \"vcpus\": 2, \"mem_per_vcpu\": \"64M\", "
		   "\"backing\": \"thp\"}", "aging",
		   "aging: dirty_log_perf_test does not age memory; access_tracking_perf_test "
		   "(from 6.16, with MGLRU on) ages twice, writing after the first pass and reading "
		   "after the second, where migbench ages every iteration and accesses by "
		   "write_percent: no line runs the same; the nearest is access_tracking_perf_test "
		   "-v 2 -b 64M -s anonymous_thp");
	check_none("{\"aging\": \"reclaim\"}", "aging",
		   "aging: dirty_log_perf_test does not age memory, and access_tracking_perf_test "
		   "ages only through page_idle (up to 6.15) or MGLRU's lru_gen (from 6.16): no "
		   "selftest ages through reclaim");
	check_none("{\"vcpus\": 2, \"sweep_step\": 3}", "sweep_step",
		   "sweep_step: the selftest has no flag for it");
	return tap_done();
}
