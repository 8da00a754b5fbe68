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

#include "clock.h"

#define SAMPLE_MS 100
#define FIRST_BYTE_SAMPLE_MS 10

struct migrate_thread {
	virDomainPtr dom;
	const struct mb_migration_opts *o;
	struct mb_migration_result *r;
	int ret;
	char error[512];
	volatile int done;
	/* libvirt's events, written by the event thread under lock */
	pthread_mutex_t lock;
	pthread_t event_thread;
	bool events_running;
	volatile int events_done;
	int timer, cb_iteration, cb_lifecycle;
};

static uint64_t since_ms(const struct mb_migration_result *r)
{
	return (mb_now_ns() - r->start_ns) / 1000000;
}

/*
 * libvirt quotes QEMU's last words when QEMU dies; QEMU's trace events
 * (qemulog.h) go to the same place, "TID@SEC.USEC:event ...": keep the rest.
 */
static void without_trace_lines(const char *in, char *out, size_t len)
{
	size_t o = 0;

	while (*in && o + 1 < len) {
		const char *end = strchr(in, '\n');
		size_t n = end ? (size_t)(end - in) : strlen(in);
		int tid;
		unsigned long long sec, usec;
		char colon;

		if (sscanf(in, "%d@%llu.%llu%c", &tid, &sec, &usec, &colon) != 4 || colon != ':') {
			if (n > len - o - 2)
				n = len - o - 2;
			memcpy(out + o, in, n);
			o += n;
			out[o++] = ' ';
		}
		in += end ? (size_t)(end - in) + 1 : strlen(in);
	}
	out[o ? o - 1 : 0] = '\0';
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
		char why[2048];

		e = virGetLastError();
		without_trace_lines(e && e->message ? e->message : "unknown error", why, sizeof(why));
		snprintf(m->error, sizeof(m->error), "migration to %.200s failed: %.280s",
			 m->o->dest_uri, why);
	}
	virTypedParamsFree(params, nparams);
	__atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* value of name; known only when libvirt gave it */
static struct mb_figure stat_of(virTypedParameterPtr p, int n, const char *name)
{
	unsigned long long v = 0;
	struct mb_figure f = { 0 };

	f.known = virTypedParamsGetULLong(p, n, name, &v) == 1;
	f.v = v;
	return f;
}

/* A sample while QEMU moves RAM; true once the first byte has moved. */
static bool sample(virDomainPtr dom, struct mb_migration_result *r)
{
	virTypedParameterPtr p = NULL;
	struct mb_jobstat *s, j;
	int type, n = 0;
	bool moving;

	/* only while the job runs: a cancelled one reports zeros */
	if (virDomainGetJobStats(dom, &type, &p, &n, 0) < 0 ||
	    (type != VIR_DOMAIN_JOB_UNBOUNDED && type != VIR_DOMAIN_JOB_BOUNDED)) {
		virTypedParamsFree(p, n);
		return r->first_byte_ms.known;
	}
	j.t_ms = since_ms(r);
	j.processed = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_PROCESSED).v;
	j.remaining = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_REMAINING).v;
	j.total = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_TOTAL).v;
	j.dirty_rate = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE).v;
	j.iteration = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION).v;
	j.bps = stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_BPS).v;
	virTypedParamsFree(p, n);
	/*
	 * Until QEMU starts on RAM (the destination QEMU starting, taking
	 * its memory) libvirt reports 0 total and 0 remaining: not figures.
	 */
	moving = j.total && j.processed;
	if (moving && !r->first_byte_ms.known)
		r->first_byte_ms = (struct mb_figure){ j.t_ms, true };
	if (!j.total)
		return r->first_byte_ms.known;
	s = realloc(r->series, (r->n + 1) * sizeof(*s));
	if (s) {
		r->series = s;
		r->series[r->n++] = j;
	}
	return r->first_byte_ms.known;
}

static void keep(struct mb_figure *to, struct mb_figure from)
{
	if (from.known)
		*to = from;
}

/* The completed job's figures, from whichever side still has them. */
static void completed_stats(virDomainPtr dom, struct mb_migration_result *r)
{
	virTypedParameterPtr p = NULL;
	int type, n = 0;

	if (virDomainGetJobStats(dom, &type, &p, &n, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0)
		return;
	keep(&r->total_ms, stat_of(p, n, VIR_DOMAIN_JOB_TIME_ELAPSED));
	keep(&r->downtime_ms, stat_of(p, n, VIR_DOMAIN_JOB_DOWNTIME));
	keep(&r->setup_ms, stat_of(p, n, VIR_DOMAIN_JOB_SETUP_TIME));
	keep(&r->iterations, stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION));
	keep(&r->transferred_bytes, stat_of(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED));
	keep(&r->dirty_rate_pps, stat_of(p, n, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE));
	virTypedParamsFree(p, n);
}

/*
 * The same domain through a connection of its own: a call on the
 * connection that is busy in the peer-to-peer migrate call can wait until
 * the migration ends (an abort did, here), so the statistics, the abort
 * and the events go through this one.
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

/* libvirt's event loop: once per process, before the connection it serves opens */
static pthread_once_t event_impl_once = PTHREAD_ONCE_INIT;
static int event_impl_ret;

static void event_impl_register(void)
{
	event_impl_ret = virEventRegisterDefaultImpl();
}

static void wake(int timer, void *opaque)
{
	(void)timer;
	(void)opaque;
}

static void *event_main(void *arg)
{
	struct migrate_thread *m = arg;

	while (!__atomic_load_n(&m->events_done, __ATOMIC_ACQUIRE))
		if (virEventRunDefaultImpl() < 0)
			break;
	return NULL;
}

static void on_iteration(virConnectPtr conn, virDomainPtr dom, int iteration, void *opaque)
{
	struct migrate_thread *m = opaque;
	struct mb_migration_result *r = m->r;

	(void)conn;
	(void)dom;
	pthread_mutex_lock(&m->lock);
	/* iterations are numbered from 1, each once */
	if (iteration >= 1 && (size_t)iteration == r->n_iteration_ms + 1 &&
	    r->n_iteration_ms < sizeof(r->iteration_ms) / sizeof(r->iteration_ms[0]))
		r->iteration_ms[r->n_iteration_ms++] = since_ms(r);
	pthread_mutex_unlock(&m->lock);
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct migrate_thread *m = opaque;
	struct mb_migration_result *r = m->r;

	(void)conn;
	(void)dom;
	pthread_mutex_lock(&m->lock);
	/*
	 * The source stops (MIGRATED) before libvirt learns that QEMU went
	 * into postcopy; then it says so again (POSTCOPY): the first is the
	 * time, the second the kind.
	 */
	if (event == VIR_DOMAIN_EVENT_SUSPENDED &&
	    (detail == VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED ||
	     detail == VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY)) {
		if (!r->stopped_ms.known)
			r->stopped_ms = (struct mb_figure){ since_ms(r), true };
		r->postcopy_started |= detail == VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY;
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* Events on the control connection; false when libvirt gives none. */
static bool events_start(struct migrate_thread *m, virConnectPtr conn, virDomainPtr dom)
{
	if (event_impl_ret < 0)
		return false;
	m->timer = virEventAddTimeout(50, wake, NULL, NULL);
	m->cb_iteration = virConnectDomainEventRegisterAny(conn, dom,
		VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
		VIR_DOMAIN_EVENT_CALLBACK(on_iteration), m, NULL);
	m->cb_lifecycle = virConnectDomainEventRegisterAny(conn, dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
		VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), m, NULL);
	if (m->timer < 0 || m->cb_iteration < 0 || m->cb_lifecycle < 0 ||
	    pthread_create(&m->event_thread, NULL, event_main, m))
		return false;
	m->events_running = true;
	return true;
}

static void events_stop(struct migrate_thread *m, virConnectPtr conn)
{
	if (m->events_running) {
		__atomic_store_n(&m->events_done, 1, __ATOMIC_RELEASE);
		pthread_join(m->event_thread, NULL);	/* the timer wakes it */
		m->events_running = false;
	}
	if (m->cb_iteration >= 0)
		virConnectDomainEventDeregisterAny(conn, m->cb_iteration);
	if (m->cb_lifecycle >= 0)
		virConnectDomainEventDeregisterAny(conn, m->cb_lifecycle);
	if (m->timer >= 0)
		virEventRemoveTimeout(m->timer);
}

static uint64_t current_iteration(struct migrate_thread *m)
{
	struct mb_migration_result *r = m->r;
	uint64_t it = r->n ? r->series[r->n - 1].iteration : 0;

	pthread_mutex_lock(&m->lock);
	if (r->n_iteration_ms > it)
		it = r->n_iteration_ms;
	pthread_mutex_unlock(&m->lock);
	return it;
}

int mb_migrate(virDomainPtr dom, const struct mb_migration_opts *o,
	       struct mb_migration_result *r)
{
	struct migrate_thread m = { .dom = dom, .o = o, .r = r, .timer = -1,
				    .cb_iteration = -1, .cb_lifecycle = -1 };
	virConnectPtr control_conn = NULL;
	virDomainPtr control;
	pthread_t thread;
	char postcopy_error[300] = "";	/* the migration thread writes m.error */
	bool postcopy_asked = false;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	pthread_once(&event_impl_once, event_impl_register);
	pthread_mutex_init(&m.lock, NULL);
	control = control_handle(dom, &control_conn);
	if (!control) {
		snprintf(r->error, sizeof(r->error), "cannot open a second connection to the source");
		ret = -EIO;
		goto out;
	}
	if (o->downtime_limit_ms &&
	    virDomainMigrateSetMaxDowntime(dom, o->downtime_limit_ms, 0) < 0) {
		snprintf(r->error, sizeof(r->error), "downtime_limit_ms: libvirt refused %u ms",
			 o->downtime_limit_ms);
		ret = -EINVAL;
		goto out;
	}
	events_start(&m, control_conn, control);
	r->start_ns = mb_now_ns();
	if (pthread_create(&thread, NULL, migrate_main, &m)) {
		snprintf(r->error, sizeof(r->error), "cannot start the migration thread");
		ret = -EAGAIN;
		goto out;
	}
	while (!__atomic_load_n(&m.done, __ATOMIC_ACQUIRE)) {
		/* finely until the first RAM byte, which ends the destination's start */
		bool moving = sample(control, r);
		uint64_t it = current_iteration(&m);

		/*
		 * An iteration counts once RAM moves in it: QEMU announces
		 * iteration 1 from its setup, before the job reports any RAM,
		 * and a loaded host can stay there for seconds; cancelled then,
		 * the run would cancel a migration that never migrated.
		 */
		if (!r->aborted && ((o->stop && *o->stop) ||
				    (o->abort_after_iterations && moving &&
				     it >= o->abort_after_iterations))) {
			/* the job as it stood when cancelled: the event can come between samples */
			sample(control, r);
			r->aborted = virDomainAbortJob(control) == 0;
		}
		if (!postcopy_asked && o->postcopy_after_iterations &&
		    it > o->postcopy_after_iterations) {
			postcopy_asked = true;
			if (virDomainMigrateStartPostCopy(control, 0) < 0) {
				virErrorPtr e = virGetLastError();

				snprintf(postcopy_error, sizeof(postcopy_error), "switching to postcopy: %s",
					 e && e->message ? e->message : "libvirt refused");
			}
		}
		usleep((moving ? SAMPLE_MS : FIRST_BYTE_SAMPLE_MS) * 1000);
	}
	pthread_join(thread, NULL);
	r->end_ns = mb_now_ns();
	completed_stats(control, r);
	for (size_t i = 0; i < r->n; i++)
		if (!r->iterations.known || r->series[i].iteration > r->iterations.v)
			r->iterations = (struct mb_figure){ r->series[i].iteration, true };
	if (m.ret < 0 && r->aborted) {	/* the abort we asked for */
		r->total_ms = (struct mb_figure){ (r->end_ns - r->start_ns) / 1000000, true };
		goto out;
	}
	if (m.ret < 0) {
		snprintf(r->error, sizeof(r->error), "%s", m.error);
		ret = -EIO;
		goto out;
	}
	if (r->n && !r->dirty_rate_pps.known)
		r->dirty_rate_pps = (struct mb_figure){ r->series[r->n - 1].dirty_rate, true };
	if (!r->total_ms.known)
		r->total_ms = (struct mb_figure){ (r->end_ns - r->start_ns) / 1000000, true };
	if (o->dest_conn) {	/* the source's domain is gone; the destination kept the job */
		virDomainPtr moved = virDomainLookupByName(o->dest_conn, virDomainGetName(dom));

		if (moved) {
			completed_stats(moved, r);
			virDomainFree(moved);
		}
	}
	/* migrated, but not the way it was asked to */
	snprintf(r->error, sizeof(r->error), "%s", postcopy_error);
	if (!r->error[0] && o->abort_after_iterations)
		snprintf(r->error, sizeof(r->error),
			 "the migration completed before cancel_after_iterations=%llu could cancel it",
			 (unsigned long long)o->abort_after_iterations);
out:
	events_stop(&m, control_conn);
	if (control)
		virDomainFree(control);
	if (control_conn)
		virConnectClose(control_conn);
	pthread_mutex_destroy(&m.lock);
	return ret;
}

void mb_migration_result_free(struct mb_migration_result *r)
{
	free(r->series);
	r->series = NULL;
	r->n = 0;
}
