// SPDX-License-Identifier: MIT
#include "compare_select.h"

#include <errno.h>
#include <string.h>

#include "samples.h"

int compare_select_parse(const char *text, struct compare_select *s, struct mb_error *err)
{
	const char *p = text;

	memset(s, 0, sizeof(*s));
	if (!text || !*text)
		return 0;
	if (!strcmp(text, "all")) {
		s->all = true;
		return 0;
	}
	s->listed = true;
	while (*p) {
		size_t len = strcspn(p, ",");

		if (!len || len >= sizeof(s->names[0]))
			return mb_fail(err, "metrics", "\"all\" or a comma-separated list of "
				       "metric names");
		if (s->n == COMPARE_MAX_SELECTED)
			return mb_fail(err, "metrics", "at most %d names",
				       COMPARE_MAX_SELECTED);
		memcpy(s->names[s->n], p, len);
		s->names[s->n][len] = '\0';
		if (!mb_metric_label_of(s->names[s->n]))	/* unknown, or a kvm_stat.* one */
			return mb_fail(err, "metrics", "%.63s is not a metric migbench "
				       "compares", s->names[s->n]);
		s->n++;
		p += len;
		if (*p == ',' && !*++p)
			return mb_fail(err, "metrics", "\"all\" or a comma-separated list of "
				       "metric names");
	}
	return 0;
}

bool compare_select_has(const struct compare_select *s, const char *metric, size_t rank,
			size_t lead)
{
	if (s->all)
		return true;
	if (!s->listed)
		return rank < lead;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], metric))
			return true;
	return false;
}

const char *compare_select_name(const struct compare_select *s, const char *text)
{
	return s->all ? "all" : s->listed ? text : "default";
}
