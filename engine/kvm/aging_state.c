// SPDX-License-Identifier: MIT
/* An aging run's state set up empty, and what it changed recorded for the reap. */
#include "aging_state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void mb_aging_init(struct mb_aging_state *a)
{
	memset(a, 0, sizeof(*a));
	a->memcg_id = -1;
}

int mb_aging_record(const struct mb_aging_state *a)
{
	char tmp[sizeof(a->state) + 8];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", a->state);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (a->changed.enabled[0])
		fprintf(f, "enabled %s\n", a->changed.enabled);
	if (a->changed.debugfs)
		fprintf(f, "debugfs\n");
	if (a->changed.damon)
		fprintf(f, "damon %d\n", a->changed.damon);
	if (fclose(f) || rename(tmp, a->state)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}
