// SPDX-License-Identifier: MIT
#include "migrun.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "dirtyrate.h"
#include "guestprogress.h"
#include "clock.h"
#include "hostinfo.h"
#include "libvirtd.h"
#include "migguest.h"
#include "migfigures.h"
#include "migration.h"
#include "qemulog.h"
#include "qemutrace.h"
#include "remotedest.h"

/* after the migration, the guest's progress is watched this much longer */
#define AFTER_MS	1000

static void mark_trace_missing(struct migrun *r, const char *why)
{
	static const enum mb_metric traced[] = {
		MB_QEMU_GET_DIRTY_LOG_NS, MB_QEMU_CLEAR_DIRTY_LOG_NS, MB_QEMU_RESET_DIRTY_RINGS_NS,
		MB_QEMU_ENABLE_DIRTY_LOG_NS, MB_QEMU_DISABLE_DIRTY_LOG_NS,
	};

	for (size_t i = 0; i < sizeof(traced) / sizeof(traced[0]); i++)
		mb_run_missing(r->res, traced[i], "%s", why);
}

/* The traced calls this run's configuration makes none of, and why. */
static void explain_untraced(struct migrun *r, bool aborted)
{
	const struct mb_migspec *s = r->spec;
	size_t n[MB_NR_METRICS] = { 0 };

	for (size_t i = 0; i < r->res->samples.len; i++)
		n[r->res->samples.rows[i].metric]++;
	if (!n[MB_QEMU_GET_DIRTY_LOG_NS])
		mb_run_missing(r->res, MB_QEMU_GET_DIRTY_LOG_NS, "%s", s->dirty_ring_entries ?
			       "QEMU harvests a dirty ring, not the dirty bitmap" :
			       "QEMU made no KVM_GET_DIRTY_LOG call while traced");
	if (!n[MB_QEMU_CLEAR_DIRTY_LOG_NS])
		mb_run_missing(r->res, MB_QEMU_CLEAR_DIRTY_LOG_NS, "%s", s->dirty_ring_entries ?
			       "a dirty ring is reset (KVM_RESET_DIRTY_RINGS), not cleared" :
			       "QEMU made no KVM_CLEAR_DIRTY_LOG call while traced (without "
			       "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 KVM_GET_DIRTY_LOG clears)");
	if (!n[MB_QEMU_RESET_DIRTY_RINGS_NS])
		mb_run_missing(r->res, MB_QEMU_RESET_DIRTY_RINGS_NS, "%s", s->dirty_ring_entries ?
			       "QEMU reset no dirty ring outside its vCPU threads while traced" :
			       "dirty_ring_entries is 0: QEMU uses the dirty bitmap");
	if (!n[MB_QEMU_ENABLE_DIRTY_LOG_NS])
		mb_run_missing(r->res, MB_QEMU_ENABLE_DIRTY_LOG_NS,
			       "QEMU enabled dirty logging on no memslot while traced");
	if (!n[MB_QEMU_DISABLE_DIRTY_LOG_NS])
		mb_run_missing(r->res, MB_QEMU_DISABLE_DIRTY_LOG_NS, "%s", aborted ?
			       "QEMU disabled dirty logging on no memslot while traced" :
			       "the source QEMU ends after a completed migration without disabling "
			       "dirty logging; cancel_after_iterations measures it");
}

/*
 * Before the migration: libvirt's dirty-rate calculation and, over the
 * same seconds, the guest's own count, so the two can be read together.
 */
static void measure_dirty_rate(struct migrun *r)
{
	const struct mb_migspec *s = r->spec;
	struct mb_dirty_rate dr = { 0 };
	unsigned int seconds = s->dirty_rate_calc_s ? (unsigned int)s->dirty_rate_calc_s : 1;
	char err[400], msg[200];
	double guest;

	migrun_progress(r, "measuring the guest's dirty rate");
	if (!s->dirty_rate_calc_s)
		mb_run_missing(r->res, MB_DIRTY_RATE_CALC_MIB_S, "dirty_rate_calc_s is 0");
	else if (mb_dirty_rate_calc(r->dom, seconds, s->dirty_ring_entries != 0, &dr, err,
				    sizeof(err)))
		mb_run_missing(r->res, MB_DIRTY_RATE_CALC_MIB_S, "%s", err);
	else
		mb_samples_add(&r->res->samples, MB_DIRTY_RATE_CALC_MIB_S, 0, 0, dr.mib_s);
	if (!r->gp.running)
		return;
	if (!dr.end_ns) {	/* no calculation: the guest's own count over as long */
		dr.start_ns = mb_now_ns();
		dr.end_ns = dr.start_ns + seconds * 1000000000ULL;
		sleep(seconds + 1);
	}
	if (mb_guest_progress_rate(&r->gp, dr.start_ns, dr.end_ns, &guest) == 0) {
		mb_samples_add(&r->res->samples, MB_GUEST_DIRTY_RATE_MIB_S, 0, 0,
			       (uint64_t)(guest + 0.5));
		snprintf(msg, sizeof(msg), "the guest writes %.0f MiB/s by its own count%s", guest,
			 s->dirty_rate_calc_s ? "" : " (no libvirt calculation)");
		migrun_progress(r, msg);
	} else {
		mb_run_missing(r->res, MB_GUEST_DIRTY_RATE_MIB_S,
			       "the guest's progress was not read while the rate was measured");
	}
}

/* The guest's writes during the migration, and its longest stall. */
static void guest_figures(struct migrun *r, const struct mb_migration_result *m)
{
	uint64_t to = m->end_ns + AFTER_MS * 1000000ULL, stall;
	bool source_only = (!r->have_dst || r->spec->postcopy) && !m->aborted;

	if (!r->gp.running)
		return;
	mb_guest_progress_stop(&r->gp);
	/* with the source's memory alone, progress ends where the source stopped */
	if (source_only)
		to = m->stopped_ms.known ? m->start_ns + m->stopped_ms.v * 1000000ULL : m->start_ns;
	mb_guest_progress_samples(&r->gp, m->start_ns, to, &r->res->samples);
	if (r->have_dst && source_only)
		mb_run_missing(r->res, MB_GUEST_STALL_MS, "with postcopy the destination's memory is "
			       "not read (a read from outside would fault pages in under QEMU's "
			       "userfaultfd), so progress after the source stopped is unknown");
	else if (source_only)
		mb_run_missing(r->res, MB_GUEST_STALL_MS, "the destination is another host: its "
			       "QEMU's memory cannot be read from here, so progress after the "
			       "switch-over is unknown");
	else if (mb_guest_progress_stall(&r->gp, m->start_ns, to, &stall) == 0)
		mb_samples_add(&r->res->samples, MB_GUEST_STALL_MS, 0, 0, stall);
	else
		mb_run_missing(r->res, MB_GUEST_STALL_MS,
			       "fewer than two readings of the guest's progress during the migration");
}

static bool start_trace(struct migrun *r, struct mb_qemu_trace *q)
{
	char err[256] = "", why[400];
	pid_t pid = migguest_qemu_pid(r);

	if (!r->spec->trace) {
		mark_trace_missing(r, "trace is off in the spec");
		return false;
	}
	if (pid <= 0)
		snprintf(err, sizeof(err), "no QEMU pid");
	if (pid > 0 && mb_qemu_trace_start(q, pid, r->log, err, sizeof(err)) == 0)
		return true;
	/* the run goes on; say what it lacks and why */
	snprintf(why, sizeof(why), "QEMU's ioctls were not traced: %.300s", err);
	mark_trace_missing(r, why);
	migrun_progress(r, why);
	return false;
}

/* 0, or the run fails: the trace missed or invented calls */
static enum mb_run_status finish_trace(struct migrun *r, struct mb_qemu_trace *q, bool aborted)
{
	char msg[400];
	int ret = 0;

	mb_qemu_trace_stop(q);
	mb_qemu_trace_samples(q, &r->res->samples);
	explain_untraced(r, aborted);
	if (r->spec->verify_trace) {
		ret = mb_qemu_trace_verify(q, msg, sizeof(msg));
		migrun_progress(r, msg);
	}
	mb_qemu_trace_free(q);
	return ret ? migrun_fail(r, MB_RUN_FAILED, "verify_trace: %s", msg) : MB_RUN_OK;
}

/*
 * A failed migration, with what each QEMU's log said last: libvirt's own
 * message ("domain is not running") does not say which QEMU ended or why.
 */
static enum mb_run_status migration_failed(struct migrun *r, const char *error)
{
	char pidfile[600], log[600], src[800], dst[800] = "";

	migguest_qemu_files(&r->src, pidfile, sizeof(pidfile), log, sizeof(log));
	mb_qemulog_last_words(log, src, sizeof(src));
	if (r->have_dst) {
		migguest_qemu_files(&r->dst, pidfile, sizeof(pidfile), log, sizeof(log));
		mb_qemulog_last_words(log, dst, sizeof(dst));
	}
	return migrun_fail(r, MB_RUN_FAILED, "%s; the source QEMU's log ends: %.400s%s%.400s", error,
			   src[0] ? src : "(nothing)", r->have_dst ? "; the destination's: " : "",
			   r->have_dst ? (dst[0] ? dst : "(nothing)") : "");
}

static enum mb_run_status migrate_live(struct migrun *r)
{
	const struct mb_migspec *s = r->spec;
	struct mb_qemu_trace trace;
	struct mb_migration_result m = { 0 };
	struct mb_migration_opts o = {
		.dest_uri = r->have_dst ? r->dst.uri : s->destination, .dest_conn = r->dc,
		.migrate_uri = r->have_dst ? r->migrate_uri : NULL, .dest_xml = r->dest_xml,
		.max_bandwidth_mib_s = s->max_bandwidth,
		.downtime_limit_ms = (uint32_t)s->downtime_limit_ms,
		.auto_converge = s->auto_converge, .postcopy = s->postcopy,
		.postcopy_after_iterations = s->postcopy_after_iterations,
		.abort_after_iterations = s->cancel_after_iterations,
		.stop = (volatile int *)r->opts->stop,
	};
	enum mb_run_status st;
	bool tracing, aborted;
	char msg[256];
	int ret;

	tracing = start_trace(r, &trace);
	migrun_progress(r, s->cancel_after_iterations ? "migrating, to be cancelled" :
		    s->postcopy_after_iterations ? "migrating, to switch to postcopy" : "migrating");
	ret = mb_migrate(r->dom, &o, &m);
	sleep(2);	/* the source's memslot updates after a cancel */
	st = tracing ? finish_trace(r, &trace, m.aborted) : MB_RUN_OK;
	if (ret || st) {
		mb_migration_result_free(&m);
		return migrun_stopped(r) ? MB_RUN_INTERRUPTED : st ? st : migration_failed(r, m.error);
	}
	mb_migration_figures(s, &m, r->res);
	snprintf(msg, sizeof(msg), "%s after %llu ms, %llu iterations%s",
		 m.aborted ? "migration cancelled" : "migrated",
		 (unsigned long long)m.total_ms.v, (unsigned long long)m.iterations.v,
		 m.postcopy_started ? ", the last in postcopy" : "");
	migrun_progress(r, msg);
	aborted = m.aborted;
	if (migrun_stopped(r)) {
		mb_migration_result_free(&m);
		return MB_RUN_INTERRUPTED;
	}
	st = migguest_running(r, aborted) ? MB_RUN_OK :
	     migrun_fail(r, MB_RUN_FAILED, "the guest is not running on the %s after the migration",
			 aborted ? "source" : "destination");
	guest_figures(r, &m);
	if (!st && m.error[0])	/* it migrated, but not the way the spec asked */
		st = migrun_fail(r, MB_RUN_FAILED, "%s", m.error);
	mb_migration_result_free(&m);
	return st;
}

static void mark_guest_missing(struct migrun *r, const char *why)
{
	static const enum mb_metric guest[] = {
		MB_GUEST_DIRTY_RATE_MIB_S, MB_GUEST_STALL_MS, MB_GUEST_T_MS,
		MB_GUEST_WRITE_RATE_KIB_S,
	};

	for (size_t i = 0; i < sizeof(guest) / sizeof(guest[0]); i++)
		mb_run_missing(r->res, guest[i], "%s", why);
}

/* Watch the guest's progress from now on; what cannot be is said. */
static void watch_guest(struct migrun *r)
{
	char pidfile[600], log[600], dpid[600], dlog[600], err[400];
	bool read_dst = r->have_dst && !r->spec->postcopy;

	if (!r->progress_gpa) {
		mark_guest_missing(r, r->spec->guest_kernel[0] ?
				   "a guest kernel of the user's reports no progress" :
				   "the guest did not say where its progress block is");
		return;
	}
	migguest_qemu_files(&r->src, pidfile, sizeof(pidfile), log, sizeof(log));
	migguest_qemu_files(&r->dst, dpid, sizeof(dpid), dlog, sizeof(dlog));
	/*
	 * In postcopy the destination's memory is under QEMU's userfaultfd: a
	 * read from outside can fault a page in before QEMU places it, and
	 * QEMU then dies (postcopy_place_page: File exists).  Not read then.
	 */
	if (mb_guest_progress_start(&r->gp, r->spec->vcpus, r->progress_gpa, pidfile, log,
				    read_dst ? dpid : NULL, read_dst ? dlog : NULL,
				    err, sizeof(err)))
		mark_guest_missing(r, err);
}

static void teardown(struct migrun *r)
{
	mb_guest_progress_free(&r->gp);	/* reads QEMU's memory: before QEMU goes */
	if (r->dom && r->dc && !r->have_dst)	/* no libvirtd of ours takes it down there */
		mb_remotedest_destroy(r->dc, r->dom);
	free(r->dest_xml);
	if (r->dom) {
		virDomainDestroy(r->dom);	/* fails harmlessly once it moved */
		virDomainFree(r->dom);
	}
	if (r->dc)
		virConnectClose(r->dc);
	if (r->sc)
		virConnectClose(r->sc);
	if (r->have_dst)
		mb_libvirtd_stop(&r->dst);	/* destroys what runs there */
	mb_libvirtd_stop(&r->src);
}

enum mb_run_status mb_migration_run(const struct mb_migspec *spec,
				    const struct mb_run_opts *opts,
				    struct mb_run_result *res)
{
	struct migrun r = { .spec = spec, .opts = opts, .res = res };
	enum mb_run_status st = MB_RUN_OK;
	struct sigaction pipe_action;
	char err[512];

	/*
	 * libvirt writes its sockets with write(): a private libvirtd that
	 * has just gone would kill the caller with SIGPIPE instead of failing
	 * the call.  libvirt asks its applications to ignore it; the daemon's
	 * worker does, and so does every other caller from here on.
	 */
	if (!sigaction(SIGPIPE, NULL, &pipe_action) && pipe_action.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);	/* a caller's own handler is left as it is */
	memset(res, 0, sizeof(*res));
	res->spec = mb_migspec_to_json(spec);
	res->environment = mb_hostinfo_json();
	r.src.supervisor = r.dst.supervisor = -1;
	if (access("/usr/sbin/libvirtd", X_OK) || access("/usr/bin/qemu-system-x86_64", X_OK))
		return migrun_fail(&r, MB_RUN_UNAVAILABLE, "libvirtd or qemu-system-x86_64 is not installed");
	if (mb_libvirtd_start(&r.src, mb_site_state_dir(opts->site), err, sizeof(err)))
		return migrun_fail(&r, MB_RUN_UNAVAILABLE, "source: %s", err);
	snprintf(r.serial, sizeof(r.serial), "%s/serial.log", r.src.dir);
	snprintf(r.log, sizeof(r.log), "%s/log/qemu/%s.log", r.src.dir, MIGRUN_DOMAIN_NAME);
	if (!strcmp(spec->destination, "local")) {
		if (mb_libvirtd_start(&r.dst, mb_site_state_dir(opts->site), err, sizeof(err))) {
			st = migrun_fail(&r, MB_RUN_UNAVAILABLE, "local destination: %s", err);
			goto out;
		}
		r.have_dst = true;
		/* QEMU to QEMU over a unix socket in the destination's root-only directory */
		snprintf(r.migrate_uri, sizeof(r.migrate_uri), "unix://%s/migrate/qemu.sock",
			 r.dst.dir);
	}
	r.sc = virConnectOpen(r.src.uri);
	r.dc = virConnectOpen(r.have_dst ? r.dst.uri : spec->destination);
	if (!r.sc || !r.dc) {
		st = migrun_fail(&r, MB_RUN_UNAVAILABLE, "cannot connect to %s",
				 r.sc ? spec->destination : r.src.uri);
		goto out;
	}
	migrun_progress(&r, "libvirtd ready");
	r.gp.src[0].fd = r.gp.src[1].fd = -1;
	st = migguest_start(&r);
	if (!st && !r.have_dst && mb_remotedest_xml(r.dom, &r.dest_xml))
		st = migrun_fail(&r, MB_RUN_FAILED, "the guest's description for %s", spec->destination);
	if (!st) {
		watch_guest(&r);
		measure_dirty_rate(&r);
		st = migrun_stopped(&r) ? MB_RUN_INTERRUPTED : migrate_live(&r);
	}
out:
	teardown(&r);
	if (st == MB_RUN_INTERRUPTED && !res->error.message[0])
		snprintf(res->error.message, sizeof(res->error.message), "interrupted");
	return st;
}
