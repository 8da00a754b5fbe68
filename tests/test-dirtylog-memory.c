// SPDX-License-Identifier: MIT
/*
 * The kernel memory of the test memslots, as the engine measures it in a
 * memory cgroup: the dirty bitmap against the arithmetic (KVM allocates
 * two bitmaps of one bit per 4KiB page, each rounded up to a whole long,
 * with kvzalloc: past 8KiB that is whole pages in a power-of-two block)
 * and the memslot metadata growing linearly with the memslot's size.
 */
#include <math.h>

#include "kvmtest.h"

/* KVM's dirty bitmap for one memslot, as its allocator rounds it. */
static uint64_t bitmap_bytes(uint64_t pages)
{
	uint64_t bytes = 2 * ((pages + 63) / 64 * 8), block = 4096;

	if (bytes <= 8192)
		return bytes;	/* a slab object: charged to the byte */
	while (block < bytes)
		block *= 2;
	return block;
}

static bool figure(const struct mb_run_result *res, enum mb_metric m, uint64_t *v)
{
	return mb_samples_get(&res->samples, m, 0, v);
}

/* One run: 1 vCPU, size bytes in memslots memslots, one iteration. */
static bool measure(uint64_t size, unsigned int memslots, uint64_t *meta, uint64_t *bitmap,
		    const char **why)
{
	struct mb_run_result res;
	struct mb_spec spec;
	struct json_object *reason;
	char label[96];
	bool ok;

	mb_spec_init(&spec);
	spec.mem_per_vcpu = size;
	spec.memslots = memslots;
	spec.iterations = 1;
	snprintf(label, sizeof(label), "%lluMiB in %u memslot(s)",
		 (unsigned long long)(size >> 20), memslots);
	ok = kvmtest_run(label, &spec, NULL, &res) &&
	     figure(&res, MB_MEMSLOT_METADATA_BYTES, meta) &&
	     figure(&res, MB_DIRTY_BITMAP_BYTES, bitmap);
	if (!ok && res.missing &&
	    json_object_object_get_ex(res.missing, "memslot_metadata_bytes", &reason)) {
		static char copy[256];

		snprintf(copy, sizeof(copy), "%s", json_object_get_string(reason));
		*why = copy;
	}
	if (ok) {
		uint64_t per_gib;

		tap_ok(figure(&res, MB_MEMSLOT_METADATA_BYTES_PER_GIB, &per_gib) &&
		       llabs((long long)per_gib - (long long)(*meta * (1ULL << 30) / size)) <= 1,
		       "%s: metadata per GiB is the total scaled to 1GiB (%llu)", label,
		       (unsigned long long)per_gib);
		tap_diag("%s: memslot metadata %llu bytes, dirty bitmap %llu bytes", label,
			 (unsigned long long)*meta, (unsigned long long)*bitmap);
	}
	mb_run_result_free(&res);
	return ok;
}

int main(void)
{
	static const uint64_t sizes[] = { 256ULL << 20, 512ULL << 20, 1ULL << 30 };
	uint64_t meta[3], bitmap[3], m2, b2;
	const char *why = NULL;
	double slope, intercept, worst = 0;

	kvmtest_require_kvm();
	for (int i = 0; i < 3; i++) {
		if (!measure(sizes[i], 1, &meta[i], &bitmap[i], &why)) {
			if (why && geteuid() != 0)
				tap_skip_all(why);
			tap_ok(false, "kernel memory measured (%s)", why ? why : "the run failed");
			return tap_done();
		}
		tap_ok(bitmap[i] == bitmap_bytes(sizes[i] / 4096),
		       "%lluMiB: dirty bitmap %llu bytes, the arithmetic says %llu",
		       (unsigned long long)(sizes[i] >> 20), (unsigned long long)bitmap[i],
		       (unsigned long long)bitmap_bytes(sizes[i] / 4096));
	}
	if (measure(1ULL << 30, 2, &m2, &b2, &why))
		tap_ok(b2 == 2 * bitmap_bytes((512ULL << 20) / 4096),
		       "1GiB in 2 memslots: dirty bitmap %llu bytes, two of 512MiB",
		       (unsigned long long)b2);
	/* a line through the 256MiB and 1GiB figures must pass through 512MiB */
	slope = (double)(meta[2] - meta[0]) / (double)(sizes[2] - sizes[0]);
	intercept = (double)meta[0] - slope * (double)sizes[0];
	for (int i = 0; i < 3; i++) {
		double off = fabs((double)meta[i] - (intercept + slope * (double)sizes[i]));

		worst = off / (double)meta[i] > worst ? off / (double)meta[i] : worst;
	}
	tap_ok(worst < 0.01 && slope > 0 && fabs(intercept) < 0.05 * (double)meta[0],
	       "memslot metadata grows linearly: %.0f bytes per GiB, %.0f fixed, worst point %.2f%% off the line",
	       slope * (1ULL << 30), intercept, worst * 100);
	return tap_done();
}
