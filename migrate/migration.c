// SPDX-License-Identifier: MIT
#include "migration.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#define SAMPLE_MS 100

struct migrate_thread {
	virDomainPtr dom;
	const struct mb_migration_opts *o;
	int ret;
	char error[512];
	volatile int done;
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void *migrate_main(void *arg)
{
	struct migrate_thread *m = arg;
	virTypedParameterPtr params = NULL;
	int nparams = 0, maxparams = 0;
	unsigned int flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER;
	virErrorPtr e;

	if (m->o->max_bandwidth_mib_s)
		virTypedParamsAddULLong(&params, &nparams, &maxparams,
					VIR_MIGRATE_PARAM_BANDWIDTH, m->o->max_bandwidth_mib_s);
	if (m->o->auto_converge)
		flags |= VIR_MIGRATE_AUTO_CONVERGE;
	if (m->o->postcopy)
		flags |= VIR_MIGRATE_POSTCOPY;
	m->ret = virDomainMigrateToURI3(m->dom, m->o->dest_uri, params, nparams, flags);
	if (m->ret < 0) {
		e = virGetLastError();
		snprintf(m->error, sizeof(m->error), "migration to %s failed: %s",
			 m->o->dest_uri, e && e->message ? e->message : "unknown error");
	}
	virTypedParamsFree(params, nparams);
	__atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static uint64_t stat_of(virTypedParameterPtr p, int n, const char *name)
{
	unsigned long long v = 0;

	virTypedParamsGetULLong(p, n, name, &v);
	return v;
}

static int sample(virDomainPtr dom, uint64_t t0, struct mb_migration_result *r)
{
	virTypedParameterPtr p = NULL;
	struct mb_jobstat *s;
	int type, n = 0;

	if (virDomainGetJobStats(dom, &type, &p, &n, 0) < 0 || type == VIR_DOMAIN_JOB_NONE) {
		virTypedParamsFree(p, n);
		return 0;
	}
	s = realloc(r->series, (r->n + 1) * sizeof(*s));
	if (!s) {
		virTypedParamsFree(p, n);
		return -ENOMEM;
	}
	r->series = s;
	s = &r->series[r->n++];
	s->t_ms = now_ms() - t0;
	s->processed = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_PROCESSED);
	s->remaining = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_REMAINING);
	s->total = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_TOTAL);
	s->dirty_rate = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE);
	s->iteration = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION);
	s->bps = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_BPS);
	r->setup_ms = stat_of(p, n, VIR_DOMAIN_JOB_SETUP_TIME);
	r->transferred_bytes = stat_of(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED);
	virTypedParamsFree(p, n);
	return 0;
}

/* The completed job's figures, from whichever side still has them. */
static void completed_stats(virDomainPtr dom, struct mb_migration_result *r)
{
	virTypedParameterPtr p = NULL;
	int type, n = 0;

	if (virDomainGetJobStats(dom, &type, &p, &n, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0)
		return;
	r->total_ms = stat_of(p, n, VIR_DOMAIN_JOB_TIME_ELAPSED) ?: r->total_ms;
	r->downtime_ms = stat_of(p, n, VIR_DOMAIN_JOB_DOWNTIME) ?: r->downtime_ms;
	r->setup_ms = stat_of(p, n, VIR_DOMAIN_JOB_SETUP_TIME) ?: r->setup_ms;
	r->iterations = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION) ?: r->iterations;
	r->transferred_bytes = stat_of(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED) ?: r->transferred_bytes;
	r->dirty_rate_pps = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE) ?: r->dirty_rate_pps;
	virTypedParamsFree(p, n);
}

int mb_migrate(virDomainPtr dom, const struct mb_migration_opts *o,
	       struct mb_migration_result *r)
{
	struct migrate_thread m = { .dom = dom, .o = o };
	uint64_t t0 = now_ms();
	pthread_t thread;

	memset(r, 0, sizeof(*r));
	if (o->downtime_limit_ms &&
	    virDomainMigrateSetMaxDowntime(dom, o->downtime_limit_ms, 0) < 0) {
		snprintf(r->error, sizeof(r->error), "downtime_limit_ms: libvirt refused %u ms",
			 o->downtime_limit_ms);
		return -EINVAL;
	}
	if (pthread_create(&thread, NULL, migrate_main, &m)) {
		snprintf(r->error, sizeof(r->error), "cannot start the migration thread");
		return -EAGAIN;
	}
	while (!__atomic_load_n(&m.done, __ATOMIC_ACQUIRE)) {
		sample(dom, t0, r);
		usleep(SAMPLE_MS * 1000);
	}
	pthread_join(thread, NULL);
	if (m.ret < 0) {
		snprintf(r->error, sizeof(r->error), "%s", m.error);
		return -EIO;
	}
	r->total_ms = now_ms() - t0;
	if (r->n) {
		r->iterations = r->series[r->n - 1].iteration;
		r->dirty_rate_pps = r->series[r->n - 1].dirty_rate;
	}
	completed_stats(dom, r);
	if (o->dest_conn) {	/* the source's domain is gone; the destination kept the job */
		virDomainPtr moved = virDomainLookupByName(o->dest_conn, virDomainGetName(dom));

		if (moved) {
			completed_stats(moved, r);
			virDomainFree(moved);
		}
	}
	return 0;
}

void mb_migration_result_free(struct mb_migration_result *r)
{
	free(r->series);
	r->series = NULL;
	r->n = 0;
}
