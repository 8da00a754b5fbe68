// SPDX-License-Identifier: MIT
#include "migrun.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "domain.h"
#include "hostinfo.h"
#include "ioctltrace.h"
#include "libvirtd.h"
#include "migration.h"
#include "remotedest.h"

#define DOMAIN_NAME	"migbench-migration"
#define LOG_DIRTY	0x1u	/* KVM_MEM_LOG_DIRTY_PAGES */

struct run {
	const struct mb_migspec *spec;
	const struct mb_run_opts *opts;
	struct mb_run_result *res;
	struct mb_libvirtd src, dst;
	bool have_dst;
	virConnectPtr sc, dc;
	virDomainPtr dom;
	char serial[512], log[512];
	char migrate_uri[300];	/* a local destination's QEMU listens here */
	char *dest_xml;		/* another host's: the guest without the source's files */
};

static enum mb_run_status fail(struct run *r, enum mb_run_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->res->error.message, sizeof(r->res->error.message), fmt, ap);
	va_end(ap);
	return st;
}

static void progress(struct run *r, const char *msg)
{
	if (r->opts->progress)
		r->opts->progress(r->opts->progress_ctx, msg);
}

static bool stopped(struct run *r)
{
	return r->opts->stop && *r->opts->stop;
}

/* Wait for text on the guest's console; false on timeout or stop. */
static bool wait_console(struct run *r, const char *text, int seconds)
{
	for (int i = 0; i < seconds * 10 && !stopped(r); i++) {
		char buf[8192] = "";
		FILE *f = fopen(r->serial, "re");

		if (f) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);

			buf[n] = '\0';
			fclose(f);
			if (strstr(buf, text))
				return true;
		}
		usleep(100 * 1000);
	}
	return false;
}

static pid_t qemu_pid(struct run *r)
{
	char path[600];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/run/libvirt/qemu/%s.pid", r->src.dir, DOMAIN_NAME);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

/* kvm_set_user_memory events in QEMU's log, in order: slot and flags. */
struct memslot_event {
	unsigned int slot, flags;
	unsigned long long size;
};

static size_t read_memslot_events(const char *log, struct memslot_event **out)
{
	char line[512];
	size_t n = 0, cap = 0;
	FILE *f = fopen(log, "re");

	*out = NULL;
	while (f && fgets(line, sizeof(line), f)) {
		struct memslot_event e;
		char *at = strstr(line, "kvm_set_user_memory Slot#");

		if (!at || sscanf(at, "kvm_set_user_memory Slot#%u flags=0x%x gpa=%*s size=0x%llx",
				  &e.slot, &e.flags, &e.size) != 3)
			continue;
		if (n == cap) {
			struct memslot_event *p = realloc(*out, (cap = cap * 2 + 32) * sizeof(*p));

			if (!p)
				break;
			*out = p;
		}
		(*out)[n++] = e;
	}
	if (f)
		fclose(f);
	return n;
}

/*
 * The traced ioctls as samples.  The i-th traced memslot update is the
 * i-th kvm_set_user_memory event after the trace began (QEMU logs each
 * right after its ioctl); its slot's previous flags tell a disabling of
 * dirty logging (the zap) from an enabling.
 */
static void trace_samples(struct run *r, const struct mb_ioctl_trace *t, size_t events_before)
{
	struct memslot_event *ev;
	size_t nev = read_memslot_events(r->log, &ev), next = events_before;
	unsigned int flags[512] = { 0 };
	uint32_t seq[MB_NR_METRICS] = { 0 };

	for (size_t i = 0; i < events_before && i < nev; i++)
		if (ev[i].slot < 512)
			flags[ev[i].slot] = ev[i].size ? ev[i].flags : 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct mb_ioctl_call *c = &t->calls[i];
		enum mb_metric m = MB_NR_METRICS;

		if (c->ret != 0)
			continue;
		if (c->cmd == MB_KVM_GET_DIRTY_LOG)
			m = MB_QEMU_GET_DIRTY_LOG_NS;
		else if (c->cmd == MB_KVM_CLEAR_DIRTY_LOG)
			m = MB_QEMU_CLEAR_DIRTY_LOG_NS;
		else if (c->cmd == MB_KVM_RESET_DIRTY_RINGS)
			m = MB_QEMU_RESET_DIRTY_RINGS_NS;
		else if (c->cmd == MB_KVM_SET_USER_MEMORY_REGION && next < nev) {
			struct memslot_event *e = &ev[next++];
			unsigned int before = e->slot < 512 ? flags[e->slot] : 0;

			if (e->size && (before & LOG_DIRTY) && !(e->flags & LOG_DIRTY))
				m = MB_QEMU_DISABLE_DIRTY_LOG_NS;
			else if (e->size && !(before & LOG_DIRTY) && (e->flags & LOG_DIRTY))
				m = MB_QEMU_ENABLE_DIRTY_LOG_NS;
			if (e->slot < 512)
				flags[e->slot] = e->size ? e->flags : 0;
		}
		if (m != MB_NR_METRICS)
			mb_samples_add(&r->res->samples, m, 0, seq[m]++, c->duration_ns);
	}
	free(ev);
}

static void migration_samples(struct run *r, const struct mb_migration_result *m)
{
	struct mb_samples *s = &r->res->samples;

	for (size_t i = 0; i < m->n; i++) {
		const struct mb_jobstat *j = &m->series[i];
		uint32_t it = (uint32_t)j->iteration;

		mb_samples_add(s, MB_JOB_T_MS, it, (uint32_t)i, j->t_ms);
		mb_samples_add(s, MB_JOB_MEMORY_PROCESSED_BYTES, it, (uint32_t)i, j->processed);
		mb_samples_add(s, MB_JOB_MEMORY_REMAINING_BYTES, it, (uint32_t)i, j->remaining);
		mb_samples_add(s, MB_JOB_DIRTY_RATE_PPS, it, (uint32_t)i, j->dirty_rate);
		mb_samples_add(s, MB_JOB_BPS, it, (uint32_t)i, j->bps);
	}
	mb_samples_add(s, MB_MIGRATION_TOTAL_MS, 0, 0, m->total_ms);
	mb_samples_add(s, MB_MIGRATION_SETUP_MS, 0, 0, m->setup_ms);
	mb_samples_add(s, MB_MIGRATION_ITERATIONS, 0, 0, m->iterations);
	mb_samples_add(s, MB_MIGRATION_TRANSFERRED_BYTES, 0, 0, m->transferred_bytes);
	mb_samples_add(s, MB_MIGRATION_DIRTY_RATE_PPS, 0, 0, m->dirty_rate_pps);
	if (!m->aborted)	/* a cancelled migration has no downtime */
		mb_samples_add(s, MB_MIGRATION_DOWNTIME_MS, 0, 0, m->downtime_ms);
}

static enum mb_run_status start_guest(struct run *r)
{
	const struct mb_migspec *s = r->spec;
	char cmdline[600], xml[8192], msg[128];
	struct mb_domain_spec d = {
		.name = DOMAIN_NAME, .memory_bytes = s->memory, .vcpus = s->vcpus,
		.page_size = mb_migspec_page_size(s), .serial_path = r->serial,
		.disable_arch_capabilities = 1, .dirty_ring_entries = s->dirty_ring_entries,
		.trace_memslots = s->trace, .private_dir = r->src.dir,
	};

	/*
	 * guest_kernel and guest_initrd were resolved in the administrator's
	 * directory when this process loaded the spec; that directory and all
	 * above it are root's alone, so the paths cannot have moved since.
	 */
	if (s->guest_kernel[0]) {
		d.kernel = s->guest_kernel;
		d.initrd = s->guest_initrd[0] ? s->guest_initrd : NULL;
		d.cmdline = s->guest_cmdline;
	} else {
		int n = snprintf(cmdline, sizeof(cmdline), "cpus=%u access=%s rate_mib_s=%llu",
				 s->vcpus, mb_access_name(s->access),
				 (unsigned long long)s->rate_mib_s);

		if (s->wss)
			snprintf(cmdline + n, sizeof(cmdline) - (size_t)n, " wss=%lluM",
				 (unsigned long long)(s->wss >> 20));
		d.kernel = r->opts->guest_kernel;
		d.cmdline = cmdline;
	}
	if (mb_domain_xml(&d, xml, sizeof(xml)))
		return fail(r, MB_RUN_BAD_SPEC, "the domain description is too long");
	r->dom = virDomainCreateXML(r->sc, xml, 0);
	if (!r->dom) {
		virErrorPtr e = virGetLastError();

		return fail(r, MB_RUN_FAILED, "starting the guest: %s",
			    e && e->message ? e->message : "libvirt refused the domain");
	}
	if (!s->guest_kernel[0] && !wait_console(r, "cpus dirtying", 60)) {
		char tail[300] = "";
		FILE *f = fopen(r->serial, "re");

		if (f) {	/* the guest says why, e.g. a vCPU that did not start */
			size_t n = fread(tail, 1, sizeof(tail) - 1, f);

			tail[n] = '\0';
			fclose(f);
		}
		for (char *p = tail; *p; p++)
			*p = *p == '\n' ? ' ' : *p;
		return stopped(r) ? MB_RUN_INTERRUPTED :
		       fail(r, MB_RUN_FAILED, "the guest did not start dirtying memory: %s", tail);
	}
	if (s->guest_kernel[0])
		sleep(5);	/* a guest of the user's: give it time to boot */
	snprintf(msg, sizeof(msg), "guest running on %u vCPUs with %llu MiB",
		 s->vcpus, (unsigned long long)(s->memory >> 20));
	progress(r, msg);
	return MB_RUN_OK;
}

/*
 * The guest goes on where it should be: on the destination, or on the
 * source when the migration was cancelled.  Told by the domain's state and
 * its vCPUs' time growing (the console cannot tell: both QEMUs on one host
 * share its file).
 */
static bool guest_still_running(struct run *r, bool on_source)
{
	virDomainPtr d = on_source ? r->dom : virDomainLookupByName(r->dc, DOMAIN_NAME);
	virDomainInfo a, b;
	bool running = false;

	if (d && virDomainGetInfo(d, &a) == 0) {
		sleep(2);
		running = virDomainGetInfo(d, &b) == 0 && b.state == VIR_DOMAIN_RUNNING &&
			  b.cpuTime > a.cpuTime;
	}
	if (d && !on_source)
		virDomainFree(d);
	return running;
}

static enum mb_run_status migrate_live(struct run *r)
{
	const struct mb_migspec *s = r->spec;
	struct mb_ioctl_trace trace = { 0 };
	struct mb_migration_result m = { 0 };
	struct memslot_event *ev;
	size_t events_before = read_memslot_events(r->log, &ev);
	struct mb_migration_opts o = {
		.dest_uri = r->have_dst ? r->dst.uri : s->destination, .dest_conn = r->dc,
		.migrate_uri = r->have_dst ? r->migrate_uri : NULL, .dest_xml = r->dest_xml,
		.max_bandwidth_mib_s = s->max_bandwidth,
		.downtime_limit_ms = (uint32_t)s->downtime_limit_ms,
		.auto_converge = s->auto_converge, .postcopy = s->postcopy,
		.abort_after_iterations = s->cancel_after_iterations,
		.stop = (volatile int *)r->opts->stop,
	};
	char err[256] = "", msg[256];
	bool tracing = false, aborted;
	int ret;

	free(ev);
	if (s->trace) {
		pid_t pid = qemu_pid(r);

		if (pid <= 0)
			snprintf(err, sizeof(err), "no QEMU pid");
		if (pid <= 0 || mb_ioctl_trace_start(&trace, pid, "CPU ", err, sizeof(err))) {
			char why[400];

			/* the run goes on; say what it will lack and why */
			snprintf(why, sizeof(why), "not tracing QEMU's ioctls (%.200s): the "
				 "qemu_*_dirty_log_ns and qemu_reset_dirty_rings_ns metrics are missing", err);
			progress(r, why);
		} else {
			tracing = true;
		}
	}
	progress(r, s->cancel_after_iterations ? "migrating, to be cancelled" : "migrating");
	ret = mb_migrate(r->dom, &o, &m);
	sleep(2);	/* the source's memslot updates after a cancel */
	if (tracing) {
		mb_ioctl_trace_stop(&trace);
		trace_samples(r, &trace, events_before);
		mb_ioctl_trace_free(&trace);
	}
	if (ret) {
		mb_migration_result_free(&m);
		return stopped(r) ? MB_RUN_INTERRUPTED : fail(r, MB_RUN_FAILED, "%s", m.error);
	}
	migration_samples(r, &m);
	snprintf(msg, sizeof(msg), "%s after %llu ms, %llu iterations",
		 m.aborted ? "migration cancelled" : "migrated",
		 (unsigned long long)m.total_ms, (unsigned long long)m.iterations);
	progress(r, msg);
	aborted = m.aborted;
	mb_migration_result_free(&m);
	if (stopped(r))
		return MB_RUN_INTERRUPTED;
	return guest_still_running(r, aborted) ? MB_RUN_OK :
	       fail(r, MB_RUN_FAILED, "the guest is not running on the %s after the migration",
		    aborted ? "source" : "destination");
}

static void teardown(struct run *r)
{
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
	struct run r = { .spec = spec, .opts = opts, .res = res };
	enum mb_run_status st = MB_RUN_OK;
	char err[512];

	memset(res, 0, sizeof(*res));
	res->spec = mb_migspec_to_json(spec);
	res->environment = mb_hostinfo_json();
	r.src.supervisor = r.dst.supervisor = -1;
	if (access("/usr/sbin/libvirtd", X_OK) || access("/usr/bin/qemu-system-x86_64", X_OK))
		return fail(&r, MB_RUN_UNAVAILABLE, "libvirtd or qemu-system-x86_64 is not installed");
	if (mb_libvirtd_start(&r.src, mb_site_state_dir(opts->site), err, sizeof(err)))
		return fail(&r, MB_RUN_UNAVAILABLE, "source: %s", err);
	snprintf(r.serial, sizeof(r.serial), "%s/serial.log", r.src.dir);
	snprintf(r.log, sizeof(r.log), "%s/log/qemu/%s.log", r.src.dir, DOMAIN_NAME);
	if (!strcmp(spec->destination, "local")) {
		if (mb_libvirtd_start(&r.dst, mb_site_state_dir(opts->site), err, sizeof(err))) {
			st = fail(&r, MB_RUN_UNAVAILABLE, "local destination: %s", err);
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
		st = fail(&r, MB_RUN_UNAVAILABLE, "cannot connect to %s",
			  r.sc ? spec->destination : r.src.uri);
		goto out;
	}
	progress(&r, "libvirtd ready");
	st = start_guest(&r);
	if (!st && !r.have_dst && mb_remotedest_xml(r.dom, &r.dest_xml))
		st = fail(&r, MB_RUN_FAILED, "the guest's description for %s", spec->destination);
	if (!st)
		st = migrate_live(&r);
out:
	teardown(&r);
	if (st == MB_RUN_INTERRUPTED && !res->error.message[0])
		snprintf(res->error.message, sizeof(res->error.message), "interrupted");
	return st;
}
