// SPDX-License-Identifier: MIT
/*
 * The engine interface: the registry finds each engine by kind and no
 * other; each engine's key table (its flags and --help) names exactly the
 * keys its spec takes; specs go request -> resolved JSON -> spec again
 * unchanged; needs and descriptions follow from the spec.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "hugepages.h"
#include "spec.h"
#include "tap.h"

/* What the administrator allows: a guest kernel directory made by main(). */
static struct mb_site_policy site;

static struct json_object *parse(const char *text)
{
	return json_tokener_parse(text);
}

/* The key table against the keys the spec writes back (all of them, resolved). */
static void check_keys(const struct mb_engine *e, const char *full_request)
{
	struct json_object *req = parse(full_request), *out = NULL;
	struct mb_error err = { 0 };
	size_t n = 0, missing = 0;
	int ret = mb_engine_normalise(e, req, &site, &out, NULL, &err);

	tap_ok(ret == 0, "%s: a request naming every key is accepted (%s)", e->kind, err.message);
	for (const struct mb_engine_key *k = e->keys; k->name; k++, n++)
		if (!out || !json_object_object_get_ex(out, k->name, NULL)) {
			tap_diag("%s: key %s not in the resolved spec", e->kind, k->name);
			missing++;
		}
	tap_ok(out && !missing && json_object_object_length(out) == (int)n,
	       "%s: its key table names exactly the %zu keys of its spec", e->kind, n);
	json_object_put(req);
	json_object_put(out);
}

static void check_round_trip(const struct mb_engine *e, const char *request)
{
	struct json_object *req = parse(request), *once = NULL, *twice = NULL;
	struct mb_error err = { 0 };

	tap_ok(mb_engine_normalise(e, req, &site, &once, NULL, &err) == 0 &&
	       mb_engine_normalise(e, once, &site, &twice, NULL, &err) == 0 &&
	       json_object_equal(once, twice),
	       "%s: request -> resolved spec -> the same spec again", e->kind);
	json_object_put(req);
	json_object_put(once);
	json_object_put(twice);
}

static void check_flag(const struct mb_engine *e, const char *key, const char *text,
		       const char *want)
{
	struct json_object *v = NULL, *w = parse(want);
	struct mb_error err = { 0 };

	tap_ok(e->value_from_text(key, text, &v, &err) == 0 && json_object_equal(v, w),
	       "%s: --%s %s is %s as JSON (%s)", e->kind, key, text, want,
	       v ? json_object_to_json_string(v) : err.message);
	json_object_put(v);
	json_object_put(w);
}

static void check_needs(const struct mb_engine *e, const char *request, uint64_t page_size,
			long pages)
{
	struct json_object *req = parse(request);
	struct mb_run_needs needs;
	struct mb_error err = { 0 };
	void *spec = NULL;

	if (!tap_ok(mb_engine_spec_parse(e, req, &site, &spec, &err) == 0, "%s: %s parses (%s)",
		    e->kind, request, err.message)) {
		json_object_put(req);
		return;
	}
	e->needs(spec, &needs);
	tap_ok(needs.hugepages[0].page_size == page_size && needs.hugepages[0].pages == pages &&
	       !needs.hugepages[1].pages,
	       "%s: %s needs %ld pages of %llu bytes (got %ld of %llu)", e->kind, request, pages,
	       (unsigned long long)page_size, needs.hugepages[0].pages,
	       (unsigned long long)needs.hugepages[0].page_size);
	free(spec);
	json_object_put(req);
}

/* The guest memory a run holds: its test memory and the guest's own. */
static void check_memory(const struct mb_engine *e, const char *request, uint64_t want,
			 const char *why)
{
	struct json_object *req = parse(request);
	struct mb_run_needs needs = { 0 };
	struct mb_error err = { 0 };
	void *spec = NULL;

	if (mb_engine_spec_parse(e, req, &site, &spec, &err) == 0)
		e->needs(spec, &needs);
	tap_ok(spec && needs.memory_bytes == want && !strcmp(needs.memory_key, "mem_per_vcpu"),
	       "%s: %s holds %llu bytes: %s (got %llu; %s)", e->kind, request,
	       (unsigned long long)want, why, (unsigned long long)needs.memory_bytes, err.message);
	free(spec);
	json_object_put(req);
}

static void check_describe(const struct mb_engine *e, const char *request, const char *want)
{
	struct json_object *req = parse(request), *spec = NULL;
	struct textbuf b = { 0 };
	struct mb_error err = { 0 };
	char *text = NULL;
	size_t len;

	if (mb_engine_normalise(e, req, &site, &spec, NULL, &err) == 0) {
		mb_engine_describe(e, spec, &b);
		text = textbuf_take(&b, &len);
	}
	tap_ok(text && !strcmp(text, want), "%s: described as '%s' (got '%s')", e->kind, want,
	       text ? text : err.message);
	free(text);
	json_object_put(req);
	json_object_put(spec);
}

/* The spec in a few words: normalised first (a stored spec), or as given. */
static void check_spec_line(const struct mb_engine *e, const char *kind, const char *request,
			    bool normalise, const char *want)
{
	struct json_object *req = parse(request), *spec = NULL;
	struct textbuf b = { 0 };
	struct mb_error err = { 0 };
	char *text = NULL;
	size_t len;

	if (!normalise || mb_engine_normalise(e, req, &site, &spec, NULL, &err) == 0) {
		mb_engine_spec_line(e, kind, normalise ? spec : req, &b);
		text = textbuf_take(&b, &len);
	}
	tap_ok(text && !strcmp(text, want), "%s %s: in a few words '%s' (got '%s')", kind, request,
	       want, text ? text : err.message);
	free(text);
	json_object_put(req);
	json_object_put(spec);
}

static bool in_lead(const struct mb_headline *lead, const char *metric)
{
	for (; lead && lead->metric; lead++)
		if (!strcmp(lead->metric, metric) || (lead->fallback && !strcmp(lead->fallback, metric)))
			return true;
	return false;
}

/*
 * Reports lead with the headline, in its order, and may add figures after
 * it that adaptive repetition does not wait on; every name a metric.
 */
static void check_report_first(const struct mb_engine *e)
{
	const struct mb_headline *first = mb_engine_report_first(e);
	size_t n = 0, extra = 0, unknown = 0;
	bool headline_first = true;

	for (const struct mb_headline *h = e->headline; h->metric; h++, n++)
		headline_first &= first[n].metric && !strcmp(first[n].metric, h->metric);
	for (const struct mb_headline *f = first; f->metric; f++) {
		extra += !in_lead(e->headline, f->metric);
		unknown += mb_metric_from_name(f->metric) < 0 ||
			   (f->fallback && mb_metric_from_name(f->fallback) < 0);
	}
	tap_ok(headline_first && !unknown, "%s: reports lead with its %zu headline metrics, in "
	       "order, then %zu more; every one a metric", e->kind, n, extra);
}

int main(void)
{
	const struct mb_engine *kvm = mb_engine_find("dirtylog");
	const struct mb_engine *libvirt = mb_engine_find("migration");
	struct mb_error err = { 0 };
	struct json_object *out = NULL, *bad;
	unsigned int n = 0;
	char kinds[128], kernel_dir[] = "/tmp/mbtest-kernels-XXXXXX";

	tap_ok(kvm && libvirt && kvm != libvirt, "the registry finds both engines by kind");
	tap_ok(!mb_engine_find("xen") && !mb_engine_find("") && !mb_engine_find("Dirtylog"),
	       "and no other kind");
	while (mb_engine_at(n))
		n++;
	tap_ok(n == 2 && mb_engine_default() == kvm, "two engines, dirtylog the default");
	mb_engine_kinds(kinds, sizeof(kinds));
	tap_ok(!strcmp(kinds, "\"dirtylog\" or \"migration\""), "kinds for messages: %s", kinds);
	if (!kvm || !libvirt)
		return tap_done();

	check_keys(kvm, "{\"vcpus\": 1, \"mem_per_vcpu\": \"8M\", \"backing\": \"anonymous\", "
		   "\"iterations\": 2, \"write_percent\": 100, \"access\": \"random\", \"seed\": 3, "
		   "\"manual_protect\": true, \"initially_set\": false, \"clear_chunk_pages\": 64, "
		   "\"memslots\": 2, \"vcpus_run_during_disable\": false, \"dirty_ring_entries\": 0, "
		   "\"pin\": [0]}");
	/* a guest kernel must be root's, in a directory of root's */
	if (geteuid() == 0 && mkdtemp(kernel_dir) && chmod(kernel_dir, 0755) == 0) {
		char path[300];
		FILE *f;

		snprintf(path, sizeof(path), "%s/vmlinuz", kernel_dir);
		f = fopen(path, "w");
		if (f)
			fclose(f);
		site.guest_kernel_dir = kernel_dir;
		check_keys(libvirt, "{\"vcpus\": 1, \"memory\": \"1G\", \"backing\": \"hugetlb-1g\", "
			   "\"wss\": \"512M\", \"access\": \"random\", \"rate_mib_s\": 64, "
			   "\"destination\": \"local\", \"max_bandwidth\": 100, \"downtime_limit_ms\": 50, "
			   "\"postcopy\": false, \"auto_converge\": true, \"dirty_ring_entries\": 4096, "
			   "\"cancel_after_iterations\": 0, \"trace\": true, \"guest_kernel\": \"vmlinuz\", "
			   "\"guest_initrd\": \"vmlinuz\", \"guest_cmdline\": \"console=ttyS0\"}");
		unlink(path);
		rmdir(kernel_dir);
	} else {
		tap_skip("migration: every key: a root-owned guest kernel needs root");
		tap_skip("migration: its key table: the same");
	}
	check_round_trip(kvm, "{\"backing\": \"hugetlb-1g\", \"mem_per_vcpu\": \"512M\"}");
	check_round_trip(libvirt, "{\"memory\": \"2G\", \"wss\": \"1G\", \"rate_mib_s\": 64}");

	bad = parse("{\"vcpus\": 1, \"mem_per_vcpu\": \"8M\", \"memory\": \"1G\"}");
	tap_ok(mb_engine_normalise(kvm, bad, &site, &out, NULL, &err) == -EINVAL &&
	       !strcmp(err.field, "memory") && !strcmp(err.message, "memory: unknown key"),
	       "dirtylog: another engine's key is refused, naming it (%s)", err.message);
	json_object_put(bad);
	bad = parse("[1]");
	tap_ok(mb_engine_normalise(libvirt, bad, &site, &out, NULL, &err) == -EINVAL && err.code == -EINVAL,
	       "migration: a spec that is not an object is refused (%s)", err.message);
	json_object_put(bad);

	check_flag(kvm, "mem_per_vcpu", "512M", "\"512M\"");
	check_flag(kvm, "manual_protect", "false", "false");
	check_flag(kvm, "pin", "0,1", "[0, 1]");
	check_flag(kvm, "guest_page_size", "2m", "\"2m\"");
	check_flag(libvirt, "memory", "1G", "\"1G\"");
	check_flag(libvirt, "rate_mib_s", "64", "64");
	check_flag(libvirt, "postcopy", "true", "true");
	check_flag(libvirt, "destination", "qemu+ssh://host/system", "\"qemu+ssh://host/system\"");
	tap_ok(libvirt->value_from_text("memory", "lots", &out, &err) == -EINVAL &&
	       !strcmp(err.field, "memory"), "migration: --memory lots is refused (%s)", err.message);
	tap_ok(libvirt->value_from_text("mem_per_vcpu", "1G", &out, &err) == -EINVAL &&
	       !strcmp(err.message, "mem_per_vcpu: unknown key"),
	       "migration: a dirtylog key is not one of its flags");

	check_needs(kvm, "{\"backing\": \"hugetlb-1g\", \"mem_per_vcpu\": \"512M\"}", MB_SIZE_1G, 1);
	check_needs(kvm, "{\"backing\": \"hugetlb-2m\", \"mem_per_vcpu\": \"8M\"}", MB_SIZE_2M, 4);
	check_needs(kvm, "{\"backing\": \"anonymous\", \"mem_per_vcpu\": \"8M\"}", 0, 0);
	check_memory(kvm, "{\"mem_per_vcpu\": \"1G\"}", (1ULL << 30) + (6ULL << 20),
		     "6MiB of its own, 2MiB of them page tables for 4KiB pages");
	check_memory(kvm, "{\"mem_per_vcpu\": \"1G\", \"guest_page_size\": \"2m\"}",
		     (1ULL << 30) + (4ULL << 20), "4MiB of its own with 2MiB pages");
	check_memory(kvm, "{\"mem_per_vcpu\": \"500G\"}", (500ULL << 30) + (1004ULL << 20),
		     "the largest guest: 1000MiB of page tables for 4KiB pages");
	check_needs(libvirt, "{\"memory\": \"2G\"}", MB_SIZE_1G, 4);
	check_needs(libvirt, "{\"memory\": \"2G\", \"destination\": \"qemu+ssh://h/system\"}",
		    MB_SIZE_1G, 2);
	check_needs(libvirt, "{\"memory\": \"64M\", \"backing\": \"anonymous\"}", 0, 0);

	check_report_first(kvm);
	check_report_first(libvirt);
	tap_ok(in_lead(mb_engine_report_first(kvm), "delete_memslot_ns") &&
	       in_lead(mb_engine_report_first(kvm), "invalidate_ns") &&
	       !in_lead(kvm->headline, "delete_memslot_ns") && !in_lead(kvm->headline, "invalidate_ns"),
	       "dirtylog: the zap paths come next in reports, and adaptive repetition does not wait "
	       "on them");

	check_describe(kvm, "{\"backing\": \"hugetlb-1g\", \"mem_per_vcpu\": \"512M\", "
		       "\"manual_protect\": false}",
		       "migbench-dirtylog --mem-per-vcpu 512M --backing hugetlb-1g --manual-protect=false");
	check_describe(kvm, "{\"guest_page_size\": \"2m\"}",
		       "migbench-dirtylog --guest-page-size 2m");
	check_describe(kvm, "{\"guest_page_size\": \"4k\"}", "migbench-dirtylog");
	check_describe(libvirt, "{\"memory\": \"2G\", \"rate_mib_s\": 64}",
		       "migration memory=2G rate_mib_s=64");
	check_spec_line(kvm, "dirtylog", "{\"backing\": \"hugetlb-1g\", \"mem_per_vcpu\": \"512M\", "
			"\"vcpus\": 2, \"iterations\": 3, \"manual_protect\": false, "
			"\"zap\": [\"disable\"]}", true,
			"dirtylog 2 x 512M hugetlb-1g, 3 iterations, no manual protect, zap disable");
	check_spec_line(kvm, "dirtylog", "{\"iterations\": 1, \"guest_page_size\": \"2m\"}", true,
			"dirtylog 1 x 1G anonymous, 1 iteration, 2MiB guest pages");
	check_spec_line(kvm, "dirtylog", "{\"vcpus\": 1, \"seed\": 7}", false,
			"dirtylog vcpus=1 seed=7");
	check_spec_line(libvirt, "migration", "{\"memory\": \"2G\", \"rate_mib_s\": 64, "
			"\"trace\": false, \"postcopy\": true}", true,
			"migration 2 vCPU 2G hugetlb-1g \u2192 local, rate 64 MiB/s, postcopy, not traced");
	check_spec_line(NULL, "xen", "{\"memory\": \"2G\", \"pin\": [0, 1]}", false,
			"xen memory=2G pin=[ 0, 1 ]");
	return tap_done();
}
