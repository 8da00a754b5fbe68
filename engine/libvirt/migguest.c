// SPDX-License-Identifier: MIT
/*
 * The migration guest on the source host: started from its domain
 * description, watched until it dirties memory (started once more when it
 * stays silent), and its QEMU's files and process found.
 */
#include "migguest.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "clock.h"
#include "domain.h"
#include "qemulog.h"

/* from starting the guest to its first line, and to "cpus dirtying", at most (migguest_start) */
#define GUEST_FIRST_LINE_S	60
/*
 * Guests started again after one printed nothing at all: a start that
 * hung was seen to follow another in one campaign step (nested under
 * TCG), and one that hangs costs only its wait, before anything is
 * measured.
 */
#define GUEST_RESTARTS		2
#define GUEST_START_S	300

/*
 * Until the guest's console says text, it says it stopped with an error
 * of its own (a vCPU that did not start), the run is stopped or seconds
 * pass.
 */
static bool wait_console(struct migrun *r, const char *text, int seconds)
{
	for (int i = 0; i < seconds * 10 && !migrun_stopped(r); i++) {
		char buf[8192] = "";
		FILE *f = fopen(r->serial, "re");

		if (f) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);

			buf[n] = '\0';
			fclose(f);
			if (strstr(buf, text))
				return true;
			if (strstr(buf, "mbguest: error:"))
				return false;
		}
		usleep(100 * 1000);
	}
	return false;
}

/* Where a private libvirtd keeps QEMU's pid and its log. */
void migguest_qemu_files(const struct mb_libvirtd *d, char *pidfile, size_t plen, char *log,
			 size_t llen)
{
	snprintf(pidfile, plen, "%s/run/libvirt/qemu/%s.pid", d->dir, MIGRUN_DOMAIN_NAME);
	snprintf(log, llen, "%s/log/qemu/%s.log", d->dir, MIGRUN_DOMAIN_NAME);
}

pid_t migguest_qemu_pid(struct migrun *r)
{
	char path[600], log[600];
	long pid = 0;
	FILE *f;

	migguest_qemu_files(&r->src, path, sizeof(path), log, sizeof(log));
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

/* Where migbench's guest keeps its progress block, from its console; 0: unsaid. */
static uint64_t progress_block(struct migrun *r)
{
	char buf[8192] = "", *at;
	unsigned long long gpa = 0;
	FILE *f = fopen(r->serial, "re");

	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);

		buf[n] = '\0';
		fclose(f);
	}
	at = strstr(buf, "progress at 0x");
	if (!at || sscanf(at, "progress at 0x%llx", &gpa) != 1)
		return 0;
	return gpa;
}

static bool console_said_something(struct migrun *r)
{
	struct stat st;

	return stat(r->serial, &st) == 0 && st.st_size > 0;
}

/*
 * What a guest that printed nothing was doing: its vCPUs' time over a
 * second (spinning, or halted waiting for an interrupt) and the host's
 * clocksource.
 */
static void stuck_evidence(struct migrun *r, char *buf, size_t len)
{
	char cs[64] = "unknown";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
	virDomainInfo a, b;

	if (f) {
		if (fgets(cs, sizeof(cs), f))
			cs[strcspn(cs, "\n")] = '\0';
		fclose(f);
	}
	if (virDomainGetInfo(r->dom, &a) == 0 && sleep(1) == 0 && virDomainGetInfo(r->dom, &b) == 0)
		snprintf(buf, len, "state %d, its vCPUs ran %.0f ms of the last second; the host's "
			 "clocksource %s", b.state, (double)(b.cpuTime - a.cpuTime) / 1e6, cs);
	else
		snprintf(buf, len, "the host's clocksource %s", cs);
}

enum mb_run_status migguest_start(struct migrun *r)
{
	const struct mb_migspec *s = r->spec;
	/*
	 * kvm_set_user_memory always: it says where guest memory lives in
	 * QEMU (the progress block) and classes the traced memslot updates;
	 * QEMU logs it only when memslots change.
	 */
	static const char *const memslots[] = { "kvm_set_user_memory", NULL };
	static const char *const verify[] = { "kvm_set_user_memory", "kvm_vm_ioctl", NULL };
	char cmdline[600], xml[8192], msg[400], ev[200], pidfile[600], qlog[600];
	struct timespec started, now;
	uint64_t boot_ms;
	bool ready;
	struct mb_domain_spec d = {
		.name = MIGRUN_DOMAIN_NAME, .memory_bytes = s->memory, .vcpus = s->vcpus,
		.page_size = mb_migspec_page_size(s), .serial_path = r->serial,
		.disable_arch_capabilities = 1, .dirty_ring_entries = s->dirty_ring_entries,
		.trace_events = s->verify_trace ? verify : memslots, .private_dir = r->src.dir,
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
		return migrun_fail(r, MB_RUN_BAD_SPEC, "the domain description is too long");
	for (int attempt = 0;; attempt++) {
		r->dom = virDomainCreateXML(r->sc, xml, 0);
		if (!r->dom) {
			virErrorPtr e = virGetLastError();

			return migrun_fail(r, MB_RUN_FAILED, "starting the guest: %s",
					   e && e->message ? e->message : "libvirt refused the domain");
		}
		/*
		 * Firmware and the multiboot loader first, then the guest's
		 * first line: half a second even nested under TCG.  Its own
		 * errors end the wait at once.
		 */
		clock_gettime(CLOCK_MONOTONIC, &started);
		ready = s->guest_kernel[0] ||
			(wait_console(r, "mbguest: ", GUEST_FIRST_LINE_S) &&
			 wait_console(r, "cpus dirtying", GUEST_START_S));
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ready || attempt >= GUEST_RESTARTS || migrun_stopped(r) || console_said_something(r))
			break;
		/*
		 * Nothing at all from the guest: stuck before its first
		 * instruction of its own.  Seen nested in the test host (TCG)
		 * in campaign steps, never on a lab machine; nothing is
		 * measured yet, so another guest may start in its place, at most
		 * GUEST_RESTARTS times, with what the one before was doing said.
		 */
		stuck_evidence(r, ev, sizeof(ev));
		snprintf(msg, sizeof(msg), "the guest printed nothing in %d s (%s): starting it again",
			 GUEST_FIRST_LINE_S, ev);
		migrun_progress(r, msg);
		fprintf(stderr, "migbench: migration: %s\n", msg);
		virDomainDestroy(r->dom);
		virDomainFree(r->dom);
		r->dom = NULL;
		migguest_qemu_files(&r->src, pidfile, sizeof(pidfile), qlog, sizeof(qlog));
		/* the next QEMU's log and console alone: both are read from the start */
		if (truncate(qlog, 0) && errno != ENOENT)
			return migrun_fail(r, MB_RUN_FAILED, "emptying QEMU's log %s: %s", qlog, strerror(errno));
		if (truncate(r->serial, 0) && errno != ENOENT)
			return migrun_fail(r, MB_RUN_FAILED, "emptying the guest's console %s: %s", r->serial,
					   strerror(errno));
	}
	if (!ready) {
		char tail[300] = "";
		FILE *f = fopen(r->serial, "re");

		if (f) {	/* the guest says why, e.g. a vCPU that did not start */
			size_t n = fread(tail, 1, sizeof(tail) - 1, f);

			tail[n] = '\0';
			fclose(f);
		}
		for (char *p = tail; *p; p++)
			*p = *p == '\n' ? ' ' : *p;
		return migrun_stopped(r) ? MB_RUN_INTERRUPTED :
		       migrun_fail(r, MB_RUN_FAILED, "the guest did not start dirtying memory: %s", tail);
	}
	if (s->guest_kernel[0])
		sleep(5);	/* a guest of the user's: give it time to boot */
	else
		r->progress_gpa = progress_block(r);
	/* to the poll that saw the line: 100 ms resolution */
	boot_ms = (uint64_t)((now.tv_sec - started.tv_sec) * 1000 +
			     (now.tv_nsec - started.tv_nsec) / 1000000);
	if (s->guest_kernel[0])
		mb_run_missing(r->res, MB_GUEST_BOOT_MS,
			       "a guest kernel of the user's says nothing migbench reads on its console");
	else
		mb_samples_add(&r->res->samples, MB_GUEST_BOOT_MS, 0, 0, boot_ms);
	snprintf(msg, sizeof(msg), "guest running on %u vCPUs with %llu MiB",
		 s->vcpus, (unsigned long long)(s->memory >> 20));
	migrun_progress(r, msg);
	return MB_RUN_OK;
}

/*
 * The guest goes on where it should be: on the destination, or on the
 * source when the migration was cancelled.  Told by the domain's state and
 * its vCPUs' time growing (the console cannot tell: both QEMUs on one host
 * share its file).
 */
bool migguest_running(struct migrun *r, bool on_source)
{
	virDomainPtr d = on_source ? r->dom : virDomainLookupByName(r->dc, MIGRUN_DOMAIN_NAME);
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
