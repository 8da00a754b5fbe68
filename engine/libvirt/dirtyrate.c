// SPDX-License-Identifier: MIT
#include "dirtyrate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#include <libvirt/virterror.h>

/* calc_status and the rate; false when libvirt gives no record. */
static bool poll_once(virDomainPtr dom, int *status, long long *mb_s)
{
	virDomainPtr doms[] = { dom, NULL };
	virDomainStatsRecordPtr *records = NULL;
	bool got = false;

	if (virDomainListGetStats(doms, VIR_DOMAIN_STATS_DIRTYRATE, &records, 0) == 1) {
		virDomainStatsRecordPtr r = records[0];

		*status = -1;
		*mb_s = -1;
		virTypedParamsGetInt(r->params, r->nparams, "dirtyrate.calc_status", status);
		virTypedParamsGetLLong(r->params, r->nparams, "dirtyrate.megabytes_per_second", mb_s);
		got = true;
	}
	virDomainStatsRecordListFree(records);
	return got;
}

int mb_dirty_rate_calc(virDomainPtr dom, unsigned int seconds, bool ring,
		       struct mb_dirty_rate *out, char *err, size_t err_len)
{
	unsigned int flags = ring ? VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING :
				    VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP;
	uint64_t deadline;

	memset(out, 0, sizeof(*out));
	out->start_ns = mb_now_ns();
	if (virDomainStartDirtyRateCalc(dom, (int)seconds, flags) < 0) {
		virErrorPtr e = virGetLastError();

		snprintf(err, err_len, "libvirt's dirty-rate calculation (%s mode) did not start: %s",
			 ring ? "dirty-ring" : "dirty-bitmap",
			 e && e->message ? e->message : "unknown error");
		return -EIO;
	}
	out->end_ns = out->start_ns + (uint64_t)seconds * 1000000000ULL;
	deadline = out->end_ns + 10ULL * 1000000000ULL;
	while (mb_now_ns() < deadline) {
		long long mb_s;
		int status;

		usleep(100 * 1000);
		if (!poll_once(dom, &status, &mb_s))
			continue;
		if (status == VIR_DOMAIN_DIRTYRATE_MEASURED && mb_s >= 0) {
			out->mib_s = (uint64_t)mb_s;
			return 0;
		}
	}
	snprintf(err, err_len, "libvirt's dirty-rate calculation gave no result within %u s",
		 seconds + 10);
	return -ETIMEDOUT;
}
