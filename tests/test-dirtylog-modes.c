// SPDX-License-Identifier: MIT
/*
 * Real runs on /dev/kvm across the dirty-log modes: access orders, write
 * percentages, manual protect on and off, initially-set, dirty rings
 * (small enough to fill mid-pass), several memslots and chunked clears,
 * and both page sizes of the guest's mapping of its test memory.
 */
#include "kvmtest.h"
#include "spec_validate.h"

struct mode_case {
	const char *name;
	const char *const *flags;	/* key, value, key, value, ..., NULL */
	int manual_protect;		/* resolved value expected, -1: any */
	int initially_set;
};

#define FLAGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct mode_case cases[] = {
	{ "sequential 100%", FLAGS("write_percent", "100"), -1, -1 },
	{ "sequential 50%", FLAGS("write_percent", "50"), -1, -1 },
	{ "sequential 0%", FLAGS("write_percent", "0"), -1, -1 },
	{ "random 100%", FLAGS("access", "random"), -1, -1 },
	{ "random 50%", FLAGS("access", "random", "write_percent", "50"), -1, -1 },
	{ "random 0%", FLAGS("access", "random", "write_percent", "0"), -1, -1 },
	{ "manual protect off (get clears)",
	  FLAGS("manual_protect", "false"), MB_FALSE, MB_FALSE },
	{ "manual protect on, not initially set",
	  FLAGS("manual_protect", "true", "initially_set", "false",
		"write_percent", "50"), MB_TRUE, MB_FALSE },
	{ "manual protect, initially set",
	  FLAGS("manual_protect", "true", "initially_set", "true"), MB_TRUE, MB_TRUE },
	{ "dirty ring 256 entries (fills mid-pass)",
	  FLAGS("dirty_ring_entries", "256"), MB_FALSE, MB_FALSE },
	{ "dirty ring 4096 entries, random 50%",
	  FLAGS("dirty_ring_entries", "4096", "access", "random",
		"write_percent", "50"), MB_FALSE, MB_FALSE },
	{ "4 memslots, clear in 128-page chunks",
	  FLAGS("memslots", "4", "clear_chunk_pages", "128"), -1, -1 },
	{ "2 memslots, one clear per memslot",
	  FLAGS("memslots", "2", "access", "random", "write_percent", "70"), -1, -1 },
	{ "vCPUs run while dirty logging is disabled",
	  FLAGS("vcpus_run_during_disable", "true"), -1, -1 },
	{ "one vCPU, 5 iterations, other seed",
	  FLAGS("vcpus", "1", "iterations", "5", "seed", "12345",
		"write_percent", "25"), -1, -1 },
	{ "4KiB guest pages, sequential 100%",
	  FLAGS("guest_page_size", "4k"), -1, -1 },
	{ "2MiB guest pages, sequential 100%",
	  FLAGS("guest_page_size", "2m"), -1, -1 },
	{ "4KiB guest pages, random 50%, 2 memslots",
	  FLAGS("guest_page_size", "4k", "access", "random", "write_percent", "50",
		"memslots", "2"), -1, -1 },
	{ "2MiB guest pages, random 50%, 2 memslots",
	  FLAGS("guest_page_size", "2m", "access", "random", "write_percent", "50",
		"memslots", "2"), -1, -1 },
	{ "4KiB guest pages, test memory ending inside a page table",
	  FLAGS("guest_page_size", "4k", "mem_per_vcpu", "384K", "write_percent", "0"),
	  -1, -1 },
	{ "2MiB guest pages, test memory ending inside a 2MiB page",
	  FLAGS("guest_page_size", "2m", "mem_per_vcpu", "384K"), -1, -1 },
};

/* The guest page size the case asks for, or NULL. */
static const char *asked_page_size(const struct mode_case *c)
{
	for (const char *const *f = c->flags; *f; f += 2)
		if (!strcmp(f[0], "guest_page_size"))
			return f[1];
	return NULL;
}

/* The resolved spec the run reports names the guest page size it ran. */
static void check_recorded_page_size(const struct mode_case *c,
				     const struct mb_run_result *res)
{
	const char *want = asked_page_size(c), *got = "absent";
	struct json_object *v;

	if (!want)
		return;
	if (res->spec && json_object_object_get_ex(res->spec, "guest_page_size", &v))
		got = json_object_get_string(v);
	tap_ok(!strcmp(got, want), "%s: the resolved spec records guest_page_size \"%s\" (%s)",
	       c->name, want, got);
}

int main(void)
{
	kvmtest_require_kvm();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mode_case *c = &cases[i];
		struct mb_error err = { 0 };
		struct mb_run_result res;
		struct mb_spec spec;
		int bad = 0;

		kvmtest_small_spec(&spec);
		for (const char *const *f = c->flags; *f; f += 2)
			bad |= mb_spec_set_text(&spec, f[0], f[1], &err);
		bad |= mb_spec_validate(&spec, mb_online_cpus(), &err);
		if (!tap_ok(!bad, "%s: spec valid (%s)", c->name, err.message))
			continue;
		if (!kvmtest_run(c->name, &spec, NULL, &res)) {
			mb_run_result_free(&res);
			continue;
		}
		check_recorded_page_size(c, &res);
		if (c->manual_protect >= 0 || c->initially_set >= 0)
			tap_ok((c->manual_protect < 0 ||
				spec.manual_protect == c->manual_protect) &&
			       (c->initially_set < 0 ||
				spec.initially_set == c->initially_set),
			       "%s: resolved manual_protect=%d initially_set=%d",
			       c->name, spec.manual_protect,
			       spec.initially_set);
		mb_run_result_free(&res);
	}
	return tap_done();
}
