// SPDX-License-Identifier: MIT
/*
 * The migration engine behind the engine interface: kind "migration", its
 * spec (migspec.c), the run (migrun.c) and what a report shows of it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "hostinfo.h"
#include "reaper.h"
#include "migrun.h"
#include "migspec.h"

static const struct mb_engine_key keys[] = {
	{ "vcpus", MB_KEY_UINT, "vCPUs of the guest, 1 .. online CPUs (2)", NULL },
	{ "memory", MB_KEY_SIZE, "guest memory, 64M .. 3G for migbench's guest (1G)", NULL },
	{ "backing", MB_KEY_NAME, "hugetlb-1g, hugetlb-2m or anonymous (hugetlb-1g)",
	  mig_backing_names },
	{ "wss", MB_KEY_SIZE, "working set the guest dirties, 0: most of memory (0)", NULL },
	{ "access", MB_KEY_NAME, "sequential or random (sequential)", mb_access_names },
	{ "rate_mib_s", MB_KEY_UINT, "cap on the guest's write rate in MiB/s, 0: none (0)", NULL },
	{ "destination", MB_KEY_TEXT, "local, or qemu+ssh|libssh|libssh2|tls|tcp://[USER@]HOST[:PORT]/system (local)", NULL },
	{ "max_bandwidth", MB_KEY_UINT, "MiB/s, 0: libvirt's default (0)", NULL },
	{ "downtime_limit_ms", MB_KEY_UINT, "ms, 0: QEMU's default (0)", NULL },
	{ "postcopy", MB_KEY_BOOL, "enable postcopy (false)", NULL },
	{ "auto_converge", MB_KEY_BOOL, "enable auto-converge (false)", NULL },
	{ "dirty_ring_entries", MB_KEY_UINT, "QEMU's KVM dirty ring, power of two 256 .. 65536, 0: bitmap (0)", NULL },
	{ "cancel_after_iterations", MB_KEY_UINT, "abort the migration at that iteration, 0: complete it (0)", NULL },
	{ "postcopy_after_iterations", MB_KEY_UINT, "with postcopy, switch to it after that many iterations, 0: never (0)", NULL },
	{ "trace", MB_KEY_BOOL, "trace the source QEMU's dirty-log ioctls (true)", NULL },
	{ "verify_trace", MB_KEY_BOOL, "check the trace against QEMU's own kvm_vm_ioctl events; slows QEMU (false)", NULL },
	{ "dirty_rate_calc_s", MB_KEY_UINT, "seconds of libvirt's dirty-rate calculation before migrating, 0: none (1)", NULL },
	{ "guest_kernel", MB_KEY_TEXT, "a guest kernel of your own, a file in migbenchd's guest_kernel_dir", NULL },
	{ "guest_initrd", MB_KEY_TEXT, "its initrd, in the same directory", NULL },
	{ "guest_cmdline", MB_KEY_TEXT, "its command line", NULL },
	{ NULL, 0, NULL, NULL },
};

/* The zap and the dirty-log clears first, then what the user waits for. */
static const struct mb_headline headline[] = {
	{ "qemu_clear_dirty_log_ns", "qemu_get_dirty_log_ns" },
	{ "qemu_disable_dirty_log_ns", NULL },
	{ "migration_total_ms", NULL },
	{ NULL, NULL },
};

/*
 * Reports: the headline, then QEMU's gets (beside the clears when both
 * exist), what the user waits for phase by phase, and what the guest
 * felt.  Apart from the headline so that adaptive repetition does not
 * wait on them too.
 */
static const struct mb_headline report_first[] = {
	{ "qemu_clear_dirty_log_ns", "qemu_get_dirty_log_ns" },
	{ "qemu_disable_dirty_log_ns", NULL },
	{ "migration_total_ms", NULL },
	{ "qemu_get_dirty_log_ns", NULL },
	{ "migration_dest_start_ms", NULL },
	{ "migration_precopy_ms", NULL },
	{ "migration_downtime_ms", NULL },
	{ "guest_stall_ms", NULL },
	{ NULL, NULL },
};

static void spec_init(void *spec)
{
	mb_migspec_init(spec);
}

static int spec_load(void *spec, struct json_object *obj, const struct mb_site_policy *site,
		     struct mb_error *err)
{
	return mb_migspec_from_json(spec, obj, mb_online_cpus(), site, err);
}

static struct json_object *spec_to_json(const void *spec)
{
	return mb_migspec_to_json(spec);
}

static int value_from_text(const char *key, const char *text,
			   struct json_object **out, struct mb_error *err)
{
	const struct mb_engine_key *k = mb_engine_key(&mb_engine_libvirt, key);

	return k ? mb_key_value_from_text(k, text, out, err) : mb_fail(err, key, "unknown key");
}

/* A local migration holds the guest's memory twice while it moves. */
static void needs(const void *p, struct mb_run_needs *out)
{
	const struct mb_migspec *spec = p;
	uint64_t page = mb_migspec_page_size(spec);
	bool local = !strcmp(spec->destination, "local");

	memset(out, 0, sizeof(*out));
	out->memory_bytes = spec->memory * (local ? 2 : 1);
	out->memory_doubled = local;
	out->memory_key = "memory";
	/* job statistics every poll: bounded by time, not by the spec */
	out->samples = 0;
	out->samples_key = NULL;
	if (!page)
		return;
	out->hugepages[0].page_size = page;
	out->hugepages[0].pages = (long)(spec->memory / page) * (local ? 2 : 1);
}

/* "migration key=value ..." */
static void describe_key(struct textbuf *b, const char *key, struct json_object *val)
{
	textbuf_printf(b, " %s=%s", key, json_object_get_string(val));
}

static bool flag_is(struct json_object *spec, const char *key, bool want)
{
	struct json_object *v;

	return json_object_object_get_ex(spec, key, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v) == want;
}

/* "migration 2 vCPU 1G hugetlb-1g → local, wss 512M, rate 64 MiB/s" */
static int spec_line(struct json_object *spec, struct textbuf *b)
{
	static const struct { const char *key, *fmt; } numbers[] = {
		{ "rate_mib_s", ", rate %" PRId64 " MiB/s" },
		{ "max_bandwidth", ", bandwidth %" PRId64 " MiB/s" },
		{ "downtime_limit_ms", ", downtime limit %" PRId64 " ms" },
	};
	const char *memory = mb_spec_text(spec, "memory"), *backing = mb_spec_text(spec, "backing");
	const char *dest = mb_spec_text(spec, "destination"), *wss = mb_spec_text(spec, "wss");
	const char *guest = mb_spec_text(spec, "guest_kernel");
	struct json_object *v;

	if (!json_object_object_get_ex(spec, "vcpus", &v) || !memory || !backing || !dest)
		return -ENOENT;
	textbuf_printf(b, "migration %" PRId64 " vCPU %s %s \u2192 %s", json_object_get_int64(v),
		       memory, backing, dest);
	if (wss && strcmp(wss, "0"))
		textbuf_printf(b, ", wss %s", wss);
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		if (mb_spec_int(spec, numbers[i].key) > 0)
			textbuf_printf(b, numbers[i].fmt, mb_spec_int(spec, numbers[i].key));
	if (flag_is(spec, "postcopy", true))
		textbuf_printf(b, ", postcopy");
	if (flag_is(spec, "auto_converge", true))
		textbuf_printf(b, ", auto-converge");
	if (mb_spec_int(spec, "dirty_ring_entries") > 0)
		textbuf_printf(b, ", dirty ring %" PRId64, mb_spec_int(spec, "dirty_ring_entries"));
	if (mb_spec_int(spec, "cancel_after_iterations") > 0)
		textbuf_printf(b, ", cancelled at iteration %" PRId64,
			       mb_spec_int(spec, "cancel_after_iterations"));
	if (flag_is(spec, "trace", false))
		textbuf_printf(b, ", not traced");
	if (guest && *guest)
		textbuf_printf(b, ", guest %s", guest);
	return 0;
}

static enum mb_run_status run(void *spec, const struct mb_run_opts *opts,
			      struct mb_run_result *res)
{
	return mb_migration_run(spec, opts, res);
}

const struct mb_engine mb_engine_libvirt = {
	.kind = "migration",
	.title = "a guest migrated live through libvirt/QEMU, its dirty-log ioctls traced",
	.report_title = "KVM live-migration comparison",
	.keys = keys,
	.headline = headline,
	.report_first = report_first,
	.spec_size = sizeof(struct mb_migspec),
	.spec_init = spec_init,
	.spec_load = spec_load,
	.spec_to_json = spec_to_json,
	.value_from_text = value_from_text,
	.needs = needs,
	.command = "migration",
	.describe_key = describe_key,
	.spec_line = spec_line,
	.run = run,
	.reap_leftovers = mb_reap_leftovers,
};
