// SPDX-License-Identifier: MIT
/*
 * Spec parsing and validation: every bad value is rejected with a message
 * naming its key, and a full spec survives a round trip unchanged.
 */
#include <string.h>
#include <unistd.h>

#include "spec.h"
#include "spec_validate.h"
#include "strict_json.h"
#include "tap.h"

#define ONLINE_CPUS 4	/* the validation tests pretend a 4-CPU host */

struct bad_case {
	const char *json;	/* one spec object */
	const char *key;
	const char *message;
};

static const struct bad_case bad_json[] = {
	{ "{\"vcpu\": 1}", "vcpu", "vcpu: unknown key" },
	{ "{\"vcpus\": 0}", "vcpus", "vcpus: must be between 1 and 512, got 0" },
	{ "{\"vcpus\": 5}", "vcpus", "vcpus: must be between 1 and 4 (online CPUs), got 5" },
	{ "{\"vcpus\": -1}", "vcpus", "vcpus: must be a non-negative integer, got -1" },
	{ "{\"vcpus\": 1.5}", "vcpus", "vcpus: must be a non-negative integer, got double" },
	{ "{\"vcpus\": \"2\"}", "vcpus", "vcpus: must be a non-negative integer, got string" },
	{ "{\"vcpus\": true}", "vcpus", "vcpus: must be a non-negative integer, got boolean" },
	{ "{\"vcpus\": null}", "vcpus", "vcpus: must be a non-negative integer, got null" },
	{ "{\"mem_per_vcpu\": \"12Q\"}", "mem_per_vcpu",
	  "mem_per_vcpu: must be a byte count such as 4096, \"512M\" or \"1G\", got \"12Q\"" },
	{ "{\"mem_per_vcpu\": \"-1G\"}", "mem_per_vcpu",
	  "mem_per_vcpu: must be a byte count such as 4096, \"512M\" or \"1G\", got \"-1G\"" },
	{ "{\"mem_per_vcpu\": 100}", "mem_per_vcpu",
	  "mem_per_vcpu: must be between 4096 and 1099511627776, got 100" },
	{ "{\"mem_per_vcpu\": 6000}", "mem_per_vcpu",
	  "mem_per_vcpu: must be a multiple of 4096 bytes, got 6000" },
	{ "{\"mem_per_vcpu\": \"99999999999999999999G\"}", "mem_per_vcpu",
	  "mem_per_vcpu: \"99999999999999999999G\" is too large" },
	{ "{\"vcpus\": 4, \"mem_per_vcpu\": \"200G\"}", "mem_per_vcpu",
	  "mem_per_vcpu: vcpus * mem_per_vcpu must be at most 500G" },
	{ "{\"backing\": \"hugetlb\"}", "backing",
	  "backing: must be one of \"anonymous\", \"thp\", \"hugetlb-2m\", \"hugetlb-1g\", \"shmem\", got \"hugetlb\"" },
	{ "{\"backing\": 1}", "backing", "backing: must be a string, got int" },
	{ "{\"guest_page_size\": \"1g\"}", "guest_page_size",
	  "guest_page_size: must be one of \"4k\", \"2m\", got \"1g\"" },
	{ "{\"guest_page_size\": \"4K\"}", "guest_page_size",
	  "guest_page_size: must be one of \"4k\", \"2m\", got \"4K\"" },
	{ "{\"guest_page_size\": \"\"}", "guest_page_size",
	  "guest_page_size: must be one of \"4k\", \"2m\", got \"\"" },
	{ "{\"guest_page_size\": 4096}", "guest_page_size",
	  "guest_page_size: must be a string, got int" },
	{ "{\"guest_page_size\": null}", "guest_page_size",
	  "guest_page_size: must be a string, got null" },
	{ "{\"iterations\": 0}", "iterations", "iterations: must be between 1 and 100000, got 0" },
	{ "{\"write_percent\": 101}", "write_percent", "write_percent: must be between 0 and 100, got 101" },
	{ "{\"access\": \"strided\"}", "access",
	  "access: must be one of \"sequential\", \"random\", got \"strided\"" },
	{ "{\"seed\": -5}", "seed", "seed: must be a non-negative integer, got -5" },
	{ "{\"manual_protect\": 1}", "manual_protect", "manual_protect: must be true or false, got int" },
	{ "{\"initially_set\": \"yes\"}", "initially_set", "initially_set: must be true or false, got string" },
	{ "{\"manual_protect\": false, \"initially_set\": true}", "initially_set",
	  "initially_set: needs manual_protect" },
	{ "{\"clear_chunk_pages\": 100}", "clear_chunk_pages",
	  "clear_chunk_pages: must be 0 or a multiple of 64, got 100" },
	{ "{\"manual_protect\": false, \"clear_chunk_pages\": 64}", "clear_chunk_pages",
	  "clear_chunk_pages: needs manual_protect (KVM_CLEAR_DIRTY_LOG)" },
	{ "{\"memslots\": 0}", "memslots", "memslots: must be between 1 and 512, got 0" },
	{ "{\"mem_per_vcpu\": \"1M\", \"memslots\": 3}", "memslots",
	  "memslots: 3 does not divide the 256 guest pages evenly" },
	{ "{\"mem_per_vcpu\": \"1M\", \"memslots\": 8}", "memslots",
	  "memslots: each memslot must hold a multiple of 64 pages, 8 memslots hold 32" },
	{ "{\"vcpus_run_during_disable\": \"true\"}", "vcpus_run_during_disable",
	  "vcpus_run_during_disable: must be true or false, got string" },
	{ "{\"dirty_ring_entries\": 300}", "dirty_ring_entries",
	  "dirty_ring_entries: must be 0 or a power of two from 256 to 65536, got 300" },
	{ "{\"dirty_ring_entries\": 128}", "dirty_ring_entries",
	  "dirty_ring_entries: must be 0 or a power of two from 256 to 65536, got 128" },
	{ "{\"dirty_ring_entries\": 131072}", "dirty_ring_entries",
	  "dirty_ring_entries: must be between 0 and 65536, got 131072" },
	{ "{\"dirty_ring_entries\": 1024, \"manual_protect\": true}", "manual_protect",
	  "manual_protect: does not apply with a dirty ring (dirty_ring_entries > 0)" },
	{ "{\"dirty_ring_entries\": 1024, \"initially_set\": true}", "initially_set",
	  "initially_set: does not apply with a dirty ring (dirty_ring_entries > 0)" },
	{ "{\"pin\": 1}", "pin", "pin: must be an array of CPU numbers, got int" },
	{ "{\"pin\": [\"a\"]}", "pin", "pin: must be a non-negative integer, got string" },
	{ "{\"vcpus\": 2, \"pin\": [0]}", "pin",
	  "pin: lists 1 CPUs; give one per vCPU (2), plus optionally one for the main thread" },
	{ "{\"pin\": [7]}", "pin", "pin: CPU 7 is not online (0..3)" },
	{ "{\"zap\": \"delete\"}", "zap", "zap: must be an array of step names, got string" },
	{ "{\"zap\": [1]}", "zap", "zap: step 0 must be a string, got int" },
	{ "{\"zap\": [\"remove\"]}", "zap",
	  "zap: must be one of \"disable\", \"touch\", \"invalidate\", \"delete\", got \"remove\"" },
	{ "{\"zap\": [\"disable\", \"disable\"]}", "zap", "zap: lists \"disable\" twice" },
	{ "{\"zap\": [\"delete\", \"disable\"]}", "zap",
	  "zap: lists \"disable\" after \"delete\", when no memslot is left" },
	{ "{\"zap\": [\"delete\"], \"vcpus_run_during_disable\": true}", "vcpus_run_during_disable",
	  "vcpus_run_during_disable: needs \"disable\" in zap" },
	{ "{\"invalidate\": \"dontneed\"}", "invalidate", "invalidate: needs \"invalidate\" in zap" },
	{ "{\"invalidate\": \"munmap\", \"zap\": [\"invalidate\"]}", "invalidate",
	  "invalidate: must be one of \"mprotect\", \"dontneed\", got \"munmap\"" },
	{ "{\"aging\": \"idle\"}", "aging",
	  "aging: must be one of \"none\", \"lru_gen\", \"page_idle\", \"reclaim\", \"damon\", got \"idle\"" },
	{ "{\"aging\": \"lru_gen\", \"zap\": [\"disable\", \"delete\"]}", "zap",
	  "zap: lists \"disable\": an aging run (aging) leaves dirty logging off" },
	{ "{\"aging\": \"lru_gen\", \"dirty_ring_entries\": 1024}", "dirty_ring_entries",
	  "dirty_ring_entries: does not apply to an aging run (aging), which leaves dirty logging off" },
	{ "{\"aging\": \"lru_gen\", \"manual_protect\": true}", "manual_protect",
	  "manual_protect: does not apply to an aging run (aging), which leaves dirty logging off" },
	{ "{\"aging\": \"lru_gen\", \"clear_chunk_pages\": 64}", "clear_chunk_pages",
	  "clear_chunk_pages: does not apply to an aging run (aging), which leaves dirty logging off" },
	{ "[1, 2]", "", "spec must be a JSON object, got array" },
};

struct bad_text {
	const char *key, *text, *message;
};

static const struct bad_text bad_flags[] = {
	{ "vcpus", "two", "vcpus: must be a non-negative integer, got \"two\"" },
	{ "vcpus", "2x", "vcpus: must be a non-negative integer, got \"2x\"" },
	{ "vcpus", "-2", "vcpus: must be a non-negative integer, got \"-2\"" },
	{ "seed", "99999999999999999999999", "seed: \"99999999999999999999999\" is too large" },
	{ "manual_protect", "maybe", "manual_protect: must be true or false, got \"maybe\"" },
	{ "pin", "0,,x", "pin: must be a non-negative integer, got \"x\"" },
	{ "pin", ",", "pin: empty CPU list" },
	{ "mem_per_vcpu", "1.5G", "mem_per_vcpu: must be a byte count such as 4096, \"512M\" or \"1G\", got \"1.5G\"" },
	{ "nonsense", "1", "nonsense: unknown key" },
	{ "guest_page_size", "2M", "guest_page_size: must be one of \"4k\", \"2m\", got \"2M\"" },
	{ "guest_page_size", "4096", "guest_page_size: must be one of \"4k\", \"2m\", got \"4096\"" },
};

static int parse_spec(const char *json, struct mb_spec *spec,
		      struct mb_error *err)
{
	struct json_object *obj;
	char jerr[256];
	int ret;

	mb_spec_init(spec);
	if (mb_json_parse(json, strlen(json), &obj, jerr, sizeof(jerr))) {
		snprintf(err->message, sizeof(err->message), "JSON: %.200s", jerr);
		return -1;
	}
	ret = mb_spec_from_json(spec, obj, err);
	json_object_put(obj);
	if (!ret)
		ret = mb_spec_validate(spec, ONLINE_CPUS, err);
	return ret;
}

static void test_bad_json(void)
{
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		struct mb_error err = { 0 };
		struct mb_spec spec;
		int ret = parse_spec(bad_json[i].json, &spec, &err);

		tap_ok(ret != 0 && !strcmp(err.field, bad_json[i].key) &&
		       !strcmp(err.message, bad_json[i].message),
		       "rejects %s", bad_json[i].json);
		if (ret == 0 || strcmp(err.message, bad_json[i].message))
			tap_diag("got key '%s' message '%s'", err.field, err.message);
	}
}

static void test_bad_flags(void)
{
	for (size_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		struct mb_error err = { 0 };
		struct mb_spec spec;
		int ret;

		mb_spec_init(&spec);
		ret = mb_spec_set_text(&spec, bad_flags[i].key, bad_flags[i].text, &err);
		tap_ok(ret != 0 && !strcmp(err.message, bad_flags[i].message),
		       "rejects --%s %s", bad_flags[i].key, bad_flags[i].text);
		if (ret == 0 || strcmp(err.message, bad_flags[i].message))
			tap_diag("got '%s'", err.message);
	}
}

static void test_good_flags(void)
{
	struct mb_error err = { 0 };
	struct mb_spec spec;
	int ret = 0;

	mb_spec_init(&spec);
	ret |= mb_spec_set_text(&spec, "vcpus", "2", &err);
	ret |= mb_spec_set_text(&spec, "mem_per_vcpu", "512M", &err);
	ret |= mb_spec_set_text(&spec, "backing", "hugetlb-1g", &err);
	ret |= mb_spec_set_text(&spec, "guest_page_size", "2m", &err);
	ret |= mb_spec_set_text(&spec, "manual_protect", "false", &err);
	ret |= mb_spec_set_text(&spec, "vcpus_run_during_disable", "true", &err);
	ret |= mb_spec_set_text(&spec, "pin", "1,0,3", &err);
	tap_ok(ret == 0, "flags parse (%s)", err.message);
	tap_ok(spec.vcpus == 2 && spec.mem_per_vcpu == 512ULL << 20 &&
	       spec.backing == MB_BACKING_HUGETLB_1G &&
	       spec.guest_page_size == MB_GUEST_PAGE_2M &&
	       spec.manual_protect == MB_FALSE && spec.vcpus_run_during_disable &&
	       spec.nr_pin == 3 && spec.pin[0] == 1 && spec.pin[2] == 3,
	       "flags set the fields they name");
	tap_ok(mb_spec_validate(&spec, ONLINE_CPUS, &err) == 0,
	       "vCPU pins plus one main-thread pin validate");
}

static void test_defaults(void)
{
	struct mb_spec spec;

	mb_spec_init(&spec);
	/* dirty_log_perf_test's own defaults */
	tap_ok(spec.vcpus == 1 && spec.mem_per_vcpu == 1ULL << 30 &&
	       spec.iterations == 2 && spec.write_percent == 100 &&
	       spec.backing == MB_BACKING_ANONYMOUS && spec.memslots == 1 &&
	       spec.manual_protect == MB_AUTO && spec.initially_set == MB_AUTO &&
	       spec.guest_page_size == MB_GUEST_PAGE_4K,
	       "defaults match dirty_log_perf_test (4KiB guest pages too)");
}

/* Both guest page sizes from JSON, and each written back as it came. */
static void test_guest_page_size(void)
{
	static const char *const values[] = { "4k", "2m" };

	for (int i = 0; i < 2; i++) {
		char json[64];
		struct mb_error err = { 0 };
		struct json_object *out, *v;
		struct mb_spec spec;
		int ret;

		snprintf(json, sizeof(json), "{\"guest_page_size\": \"%s\"}", values[i]);
		ret = parse_spec(json, &spec, &err);
		out = mb_spec_to_json(&spec);
		tap_ok(ret == 0 && (int)spec.guest_page_size == i &&
		       mb_spec_guest_page_bytes(&spec) == (i ? 2ULL << 20 : 4096) &&
		       json_object_object_get_ex(out, "guest_page_size", &v) &&
		       !strcmp(json_object_get_string(v), values[i]),
		       "guest_page_size \"%s\" is taken and written back (%s)", values[i],
		       err.message);
		json_object_put(out);
	}
}

/*
 * damon: refused without DAMON's sysfs, for more regions than it takes,
 * and where a kdamond exists (one migbench did not start: this machine's
 * own, say), reading DAMON's files only.
 */
static void test_aging_damon(void)
{
	const char *nr = "/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds";
	struct mb_error err = { 0 };
	struct mb_spec spec;
	char line[32] = "";
	FILE *f = fopen(nr, "re");
	int ret;

	if (!f) {
		ret = parse_spec("{\"aging\": \"damon\", \"mem_per_vcpu\": \"64M\"}", &spec, &err);
		tap_ok(ret && !strcmp(err.field, "aging") &&
		       strstr(err.message, "has no DAMON sysfs interface"),
		       "aging damon without %s: refused naming aging (%s)", nr, err.message);
		return;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	ret = parse_spec("{\"aging\": \"damon\", \"mem_per_vcpu\": \"1G\"}", &spec, &err);
	tap_ok(ret && !strcmp(err.field, "aging") &&
	       strstr(err.message, "1073741824 bytes of anonymous memory are 262144 regions"),
	       "aging damon on 1GiB of 4KiB pages: refused, past DAMON's regions (%s)", err.message);
	memset(&err, 0, sizeof(err));
	ret = parse_spec("{\"aging\": \"damon\", \"mem_per_vcpu\": \"64M\"}", &spec, &err);
	if (atoi(line) > 0)
		tap_ok(ret && !strcmp(err.field, "aging") && strstr(err.message, "exist") &&
		       strstr(err.message, "never changes one it did not start"),
		       "aging damon where %d kdamond(s) exist: refused naming aging (%s)", atoi(line),
		       err.message);
	else
		tap_ok(!ret, "aging damon where DAMON has no kdamond: taken (%s)", err.message);
}

/*
 * An aging run zaps by deleting unless zap says otherwise; a mechanism
 * this host lacks is refused naming aging and what is missing, one it has
 * is taken.
 */
static void test_aging(void)
{
	static const struct { const char *key, *path, *missing; } needs[] = {
		{ "lru_gen", "/sys/kernel/mm/lru_gen/enabled", "this kernel has no multi-gen LRU" },
		{ "page_idle", "/sys/kernel/mm/page_idle/bitmap", "this kernel has no" },
	};
	struct mb_error err = { 0 };
	struct mb_spec spec;
	int ret;

	mb_spec_init(&spec);
	ret = mb_spec_set_text(&spec, "aging", "lru_gen", &err);
	mb_spec_settle(&spec);
	tap_ok(!ret && spec.nr_zap == 1 && spec.zap[0] == MB_ZAP_DELETE,
	       "aging without zap: zap is [\"delete\"] (%s)", err.message);
	mb_spec_init(&spec);
	ret = mb_spec_set_text(&spec, "zap", "invalidate,delete", &err) ||
	      mb_spec_set_text(&spec, "aging", "lru_gen", &err);
	mb_spec_settle(&spec);
	tap_ok(!ret && spec.nr_zap == 2 && spec.zap[0] == MB_ZAP_INVALIDATE,
	       "aging with zap: zap as given (%s)", err.message);
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		char json[64];
		bool has = access(needs[i].path, F_OK) == 0;

		snprintf(json, sizeof(json), "{\"aging\": \"%s\"}", needs[i].key);
		memset(&err, 0, sizeof(err));
		ret = parse_spec(json, &spec, &err);
		if (!has)
			tap_ok(ret && !strcmp(err.field, "aging") && strstr(err.message, needs[i].missing),
			       "aging %s without %s: refused naming aging (%s)", needs[i].key,
			       needs[i].path, err.message);
		else
			tap_ok(!strcmp(err.field, "aging") || !ret,
			       "aging %s where %s exists: taken, or refused naming aging (%s)",
			       needs[i].key, needs[i].path, err.message);
	}
	test_aging_damon();
}

/* A full spec read from a file comes back out as the reference text. */
static void test_round_trip(const char *dir)
{
	char in[512], ref[512], jerr[256], expected[4096] = "";
	struct mb_error err = { 0 };
	struct json_object *obj, *out;
	struct mb_spec spec;
	const char *got;
	FILE *f;
	size_t n;

	snprintf(in, sizeof(in), "%s/spec-full.json", dir);
	snprintf(ref, sizeof(ref), "%s/spec-full.expected.json", dir);
	if (!tap_ok(mb_json_parse_file(in, &obj, jerr, sizeof(jerr)) == 0,
		    "read %s (%s)", in, jerr))
		return;
	mb_spec_init(&spec);
	tap_ok(mb_spec_from_json(&spec, obj, &err) == 0 &&
	       mb_spec_validate(&spec, ONLINE_CPUS, &err) == 0,
	       "full spec is valid (%s)", err.message);
	json_object_put(obj);
	out = mb_spec_to_json(&spec);
	got = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
						  JSON_C_TO_STRING_SPACED);
	f = fopen(ref, "re");
	n = f ? fread(expected, 1, sizeof(expected) - 1, f) : 0;
	if (f)
		fclose(f);
	expected[n] = '\0';
	if (n && expected[n - 1] == '\n')
		expected[n - 1] = '\0';
	if (!tap_ok(!strcmp(got, expected), "spec JSON matches %s", ref))
		tap_diag("got:\n%s", got);
	json_object_put(out);
}

int main(int argc, char **argv)
{
	test_defaults();
	test_bad_json();
	test_bad_flags();
	test_good_flags();
	test_guest_page_size();
	test_aging();
	test_round_trip(argc > 1 ? argv[1] : "tests/data");
	return tap_done();
}
