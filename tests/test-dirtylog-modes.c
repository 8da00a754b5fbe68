// SPDX-License-Identifier: MIT
/*
 * Real runs on /dev/kvm across the dirty-log modes: access orders, write
 * percentages, manual protect on and off, initially-set, dirty rings
 * (small enough to fill mid-pass), several memslots and chunked clears.
 */
#include "kvmtest.h"

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
};

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
		if (kvmtest_run(c->name, &spec, NULL, &res) &&
		    (c->manual_protect >= 0 || c->initially_set >= 0))
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
