// SPDX-License-Identifier: MIT
#include "notifier.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define PAGE 4096ULL

static const char *const events[] = {
	"events/kvm/kvm_unmap_hva_range", "events/kvm/kvm_age_hva", "events/kvm/kvm_test_age_hva",
};

int mb_notifier_trace_start(struct mb_notifier_trace *t, uint64_t start, uint64_t end,
			    struct mb_error *err)
{
	char range[128], hva[128], path[300], size[24];
	uint64_t pages, kb;
	int ret;

	t->start = start;
	t->end = end;
	ret = mb_tracefs_instance_make(&t->inst, err);
	if (ret)
		return ret;
	snprintf(range, sizeof(range), "start < 0x%" PRIx64 " && end > 0x%" PRIx64, end, start);
	snprintf(hva, sizeof(hva), "hva >= 0x%" PRIx64 " && hva < 0x%" PRIx64, start, end);
	/*
	 * A call may cover one page (shmem ages page by page): room for one
	 * event (about 32 bytes) per test page on the CPU that makes them,
	 * at least 4MiB; at most 16MiB, since every CPU gets a buffer of that
	 * size (2GiB of memory aged page by page); a pass that overflows it
	 * fails saying so.
	 */
	pages = (end - start) / PAGE;
	kb = pages / 32 < 4096 ? 4096 : pages / 32 > 16384 ? 16384 : pages / 32;
	snprintf(size, sizeof(size), "%" PRIu64, kb);
	ret = mb_kfile_write(t->inst.dir, "buffer_size_kb", size);
	for (size_t i = 0; !ret && i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(path, sizeof(path), "%s/filter", events[i]);
		ret = mb_kfile_write(t->inst.dir, path, i == 2 ? hva : range);
		snprintf(path, sizeof(path), "%s/enable", events[i]);
		if (!ret)
			ret = mb_kfile_write(t->inst.dir, path, "1");
	}
	if (ret) {
		mb_error_set(err, ret, NULL, "enabling KVM's mmu-notifier tracepoints in %s: %s",
			     t->inst.dir, strerror(-ret));
		mb_tracefs_instance_remove(&t->inst);
	}
	return ret;
}

/* Pages of [start, end) inside the test memory. */
static uint64_t overlap(const struct mb_notifier_trace *t, uint64_t start, uint64_t end)
{
	uint64_t lo = start > t->start ? start : t->start, hi = end < t->end ? end : t->end;

	return hi > lo ? (hi - lo) / PAGE : 0;
}

static void count_line(const struct mb_notifier_trace *t, const char *line,
		       struct mb_notifier_counts *c)
{
	unsigned long long start, end;
	const char *p;

	if ((p = strstr(line, "kvm_unmap_hva_range: ")) &&
	    sscanf(p, "kvm_unmap_hva_range: mmu notifier unmap range: %llx -- %llx",
		   &start, &end) == 2) {
		c->unmap_calls++;
		c->unmap_pages += overlap(t, start, end);
	} else if ((p = strstr(line, "kvm_age_hva: ")) &&
		   sscanf(p, "kvm_age_hva: mmu notifier age hva: %llx -- %llx", &start, &end) == 2) {
		c->age_calls++;
		c->aged_pages += overlap(t, start, end);
	} else if (strstr(line, "kvm_test_age_hva: ")) {
		c->test_age_calls++;
	}
}

int mb_notifier_trace_stop(struct mb_notifier_trace *t, struct mb_notifier_counts *c,
			   struct mb_error *err)
{
	char path[300], line[512];
	uint64_t lost;
	FILE *f;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	mb_kfile_write(t->inst.dir, "tracing_on", "0");
	snprintf(path, sizeof(path), "%s/trace", t->inst.dir);
	f = fopen(path, "re");
	if (!f) {
		ret = mb_error_set(err, -errno, NULL, "reading %s: %s", path, strerror(errno));
	} else {
		while (fgets(line, sizeof(line), f))
			if (line[0] != '#')
				count_line(t, line, c);
		fclose(f);
		lost = mb_tracefs_lost(&t->inst);
		if (lost)
			ret = mb_error_set(err, -EOVERFLOW, NULL,
					   "the trace buffer lost %" PRIu64 " events", lost);
	}
	mb_tracefs_instance_remove(&t->inst);
	return ret;
}
