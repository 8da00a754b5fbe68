// SPDX-License-Identifier: MIT
#include "hugemap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backing.h"
#include "textbuf.h"

/* The count of a statistic after a phase: the smallest, or the last. */
struct reading {
	bool seen;
	uint64_t value;
};

static int stat_index(const struct mb_samples *s, const char *name)
{
	for (uint16_t i = 0; i < s->nr_stat_names; i++)
		if (!strcmp(s->stat_names[i], name))
			return i;
	return -1;
}

/* What each phase left of one count; while logging: its lowest. */
static void readings(const struct mb_samples *s, int stat, struct reading *out)
{
	for (size_t i = 0; i < s->len; i++) {
		const struct mb_sample *r = &s->rows[i];
		struct reading *p;

		if (r->metric != MB_KVM_STAT || r->stat != stat || r->seq >= MB_NR_PHASES)
			continue;
		p = &out[r->seq];
		if (r->seq == MB_PHASE_ITERATION && p->seen && p->value <= r->value)
			continue;
		p->seen = true;
		p->value = r->value;
	}
}

/* Whether KVM counted any mapping at all after populate. */
static bool mapped_after_populate(const struct mb_samples *s)
{
	static const char *const counts[] = { "pages_4k", "pages_2m", "pages_1g" };

	for (size_t i = 0; i < s->len; i++) {
		const struct mb_sample *r = &s->rows[i];

		if (r->metric != MB_KVM_STAT || r->seq != MB_PHASE_POPULATE || !r->value)
			continue;
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			if (!strcmp(s->stat_names[r->stat], counts[c]))
				return true;
	}
	return false;
}

/* An MMU that keeps no page counts: say what it does count. */
static void reports_instead(struct textbuf *t, const struct mb_samples *s, const char *mmu)
{
	unsigned int n = 0;

	textbuf_printf(t, ": %s counts no mappings (pages_4k, pages_2m and pages_1g stay 0)", mmu);
	for (size_t i = 0; i < s->len; i++) {
		const struct mb_sample *r = &s->rows[i];

		if (r->metric != MB_KVM_STAT || r->seq != MB_PHASE_POPULATE || !r->value)
			continue;
		textbuf_printf(t, "%s%s %llu", n++ ? ", " : "; after populate it reports ",
			       s->stat_names[r->stat], (unsigned long long)r->value);
	}
}

/* The host's MMU, as kvm.tdp_mmu says, for a statement about it. */
static void mmu_name(char *out, size_t len)
{
	FILE *f = fopen("/sys/module/kvm/parameters/tdp_mmu", "re");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	snprintf(out, len, "%s", c == 'Y' ? "the TDP MMU" :
		 c == 'N' ? "the shadow MMU (kvm.tdp_mmu=N)" : "the host's MMU");
}

static void add_u64(struct json_object *o, const char *key, const struct reading *r)
{
	if (r->seen)
		json_object_object_add(o, key, json_object_new_uint64(r->value));
}

struct json_object *mb_huge_mappings_json(const struct mb_spec *spec,
					  const struct mb_samples *samples)
{
	struct json_object *o = json_object_new_object();
	struct reading r[MB_NR_PHASES] = { 0 };
	const char *stat, *size;
	struct textbuf t = { 0 };
	char mmu[64], *text;
	size_t len;
	int idx;

	switch (mb_backing_page_size(spec->backing)) {
	case 1ULL << 30:
		stat = "pages_1g", size = "1GiB";
		break;
	case 2ULL << 20:
		stat = "pages_2m", size = "2MiB";
		break;
	default:
		json_object_object_add(o, "statement", json_object_new_string(
			"no huge mappings to split: the backing gives 4KiB pages"));
		return o;
	}
	mmu_name(mmu, sizeof(mmu));
	idx = stat_index(samples, stat);
	json_object_object_add(o, "stat", json_object_new_string(stat));
	if (idx < 0) {
		textbuf_printf(&t, "%s mappings not reported: KVM's statistics have no %s", size, stat);
		goto out;
	}
	readings(samples, idx, r);
	add_u64(o, "before", &r[MB_PHASE_POPULATE]);
	add_u64(o, "while_logging", &r[MB_PHASE_ITERATION]);
	add_u64(o, "after_disable", &r[MB_PHASE_DISABLE]);
	add_u64(o, "after_touch", &r[MB_PHASE_TOUCH]);
	textbuf_printf(&t, "%s mappings: %llu before", size,
		       (unsigned long long)r[MB_PHASE_POPULATE].value);
	if (r[MB_PHASE_ITERATION].seen)
		textbuf_printf(&t, ", %llu while logging",
			       (unsigned long long)r[MB_PHASE_ITERATION].value);
	if (r[MB_PHASE_DISABLE].seen)
		textbuf_printf(&t, ", %llu after disable",
			       (unsigned long long)r[MB_PHASE_DISABLE].value);
	if (r[MB_PHASE_TOUCH].seen)
		textbuf_printf(&t, ", %llu after touch", (unsigned long long)r[MB_PHASE_TOUCH].value);
	if (!r[MB_PHASE_POPULATE].value) {
		if (mapped_after_populate(samples))
			textbuf_printf(&t, ": %s mapped none before dirty logging", mmu);
		else
			reports_instead(&t, samples, mmu);
		goto out;
	}
	if (r[MB_PHASE_ITERATION].seen) {
		bool split = r[MB_PHASE_ITERATION].value < r[MB_PHASE_POPULATE].value;

		json_object_object_add(o, "split", json_object_new_boolean(split));
		textbuf_printf(&t, split ? ": split while logging" : ": not split while logging");
	}
	if (r[MB_PHASE_TOUCH].seen && mb_spec_zaps(spec, MB_ZAP_DISABLE)) {
		bool back = r[MB_PHASE_TOUCH].value >= r[MB_PHASE_POPULATE].value;

		json_object_object_add(o, "recovered", json_object_new_boolean(back));
		textbuf_printf(&t, back ? ", recovered after disable" : ", not recovered after disable");
	}
out:
	text = textbuf_take(&t, &len);
	json_object_object_add(o, "statement", json_object_new_string(text ? text : ""));
	free(text);
	return o;
}
