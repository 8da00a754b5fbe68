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

	if (m->o->migrate_uri)
		virTypedParamsAddString(&params, &nparams, &maxparams,
					VIR_MIGRATE_PARAM_URI, m->o->migrate_uri);
	if (m->o->dest_xml)
		virTypedParamsAddString(&params, &nparams, &maxparams,
					VIR_MIGRATE_PARAM_DEST_XML, m->o->dest_xml);
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

	/* only while the job runs: a cancelled one reports zeros */
	if (virDomainGetJobStats(dom, &type, &p, &n, 0) < 0 ||
	    (type != VIR_DOMAIN_JOB_UNBOUNDED && type != VIR_DOMAIN_JOB_BOUNDED)) {
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

/*
 * The same domain through a connection of its own: a call on the
 * connection that is busy in the peer-to-peer migrate call can wait until
 * the migration ends (an abort did, here), so the statistics and the
 * abort go through this one.
 */
static virDomainPtr control_handle(virDomainPtr dom, virConnectPtr *conn)
{
	char *uri = virConnectGetURI(virDomainGetConnect(dom));
	unsigned char uuid[VIR_UUID_BUFLEN];
	virDomainPtr d = NULL;

	*conn = uri ? virConnectOpen(uri) : NULL;
	free(uri);
	if (*conn && virDomainGetUUID(dom, uuid) == 0)
		d = virDomainLookupByUUID(*conn, uuid);
	return d;
}

int mb_migrate(virDomainPtr dom, const struct mb_migration_opts *o,
	       struct mb_migration_result *r)
{
	struct migrate_thread m = { .dom = dom, .o = o };
	uint64_t t0 = now_ms();
	virConnectPtr control_conn = NULL;
	virDomainPtr control;
	pthread_t thread;

	memset(r, 0, sizeof(*r));
	control = control_handle(dom, &control_conn);
	if (!control) {
		snprintf(r->error, sizeof(r->error), "cannot open a second connection to the source");
		if (control_conn)
			virConnectClose(control_conn);
		return -EIO;
	}
	if (o->downtime_limit_ms &&
	    virDomainMigrateSetMaxDowntime(dom, o->downtime_limit_ms, 0) < 0) {
		snprintf(r->error, sizeof(r->error), "downtime_limit_ms: libvirt refused %u ms",
			 o->downtime_limit_ms);
		return -EINVAL;
	}
	if (pthread_create(&thread, NULL, migrate_main, &m)) {
		snprintf(r->error, sizeof(r->error), "cannot start the migration thread");
		virDomainFree(control);
		virConnectClose(control_conn);
		return -EAGAIN;
	}
	while (!__atomic_load_n(&m.done, __ATOMIC_ACQUIRE)) {
		sample(control, t0, r);
		if (!r->aborted && ((o->stop && *o->stop) ||
				    (o->abort_after_iterations && r->n &&
				     r->series[r->n - 1].iteration >= o->abort_after_iterations)))
			r->aborted = virDomainAbortJob(control) == 0;
		usleep(SAMPLE_MS * 1000);
	}
	pthread_join(thread, NULL);
	completed_stats(control, r);
	virDomainFree(control);
	virConnectClose(control_conn);
	for (size_t i = 0; i < r->n; i++)
		if (r->series[i].iteration > r->iterations)
			r->iterations = r->series[i].iteration;
	if (m.ret < 0 && r->aborted) {	/* the abort we asked for */
		r->total_ms = now_ms() - t0;
		return 0;
	}
	if (m.ret < 0) {
		snprintf(r->error, sizeof(r->error), "%s", m.error);
		return -EIO;
	}
	if (r->n)
		r->dirty_rate_pps = r->series[r->n - 1].dirty_rate;
	if (!r->total_ms)
		r->total_ms = now_ms() - t0;
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
