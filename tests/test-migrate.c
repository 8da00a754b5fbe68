// SPDX-License-Identifier: MIT
/*
 * A real live migration on this machine: two private libvirtd instances
 * (not the system's) reached over unix sockets only, the migration guest
 * on 1GiB hugepages dirtying memory on two vCPUs, migrated peer to peer
 * over a unix socket with the job statistics sampled; the guest must go
 * on running on the destination, and nothing may be left afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domain.h"
#include "hugepages.h"
#include "libvirtd.h"
#include "site.h"
#include "migration.h"
#include "tap.h"

static size_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? 0 : (size_t)sb.st_size;
}

static bool console_has(const char *path, const char *text)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

static bool wait_console(const char *path, const char *text, int seconds)
{
	for (int i = 0; i < seconds * 10; i++) {
		if (console_has(path, text))
			return true;
		usleep(100 * 1000);
	}
	return false;
}

static int count_processes(const char *comm)
{
	char cmd[128], line[64];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "pgrep -x %s", comm);
	p = popen(cmd, "r");	/* a fixed string, no user input */
	while (p && fgets(line, sizeof(line), p))
		n++;
	if (p)
		pclose(p);
	return n;
}

/*
 * A process in the namespace of a libvirtd's supervisor, as libvirtd's
 * capabilities probe is: daemonized (its parent gone), with none of
 * migbench's environment.  Its pid, or -1.
 */
static pid_t plant(pid_t supervisor)
{
	char path[64];
	int pipefd[2];
	pid_t pid = -1, child;

	if (pipe(pipefd))
		return -1;
	child = fork();
	if (child == 0) {
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)supervisor);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNS))
			_exit(1);
		pid = fork();
		if (pid == 0) {
			close(pipefd[0]);
			close(pipefd[1]);
			clearenv();
			execl("/bin/sleep", "sleep", "600", (char *)NULL);
			_exit(127);
		}
		if (write(pipefd[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	if (child < 0 || read(pipefd[0], &pid, sizeof(pid)) != sizeof(pid))
		pid = -1;
	close(pipefd[0]);
	if (child > 0)
		waitpid(child, NULL, 0);
	return pid;
}

static bool gone(pid_t pid, int seconds)
{
	for (int i = 0; i < seconds * 100; i++) {
		if (kill(pid, 0) && errno == ESRCH)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

int main(int argc, char **argv)
{
	struct mb_libvirtd src, dst;
	pid_t planted;
	struct mb_hugepage_reservation resv;
	struct mb_migration_result result = { 0 };
	char err[512], xml[4096], serial[512], src_dir[256] = "";
	struct mb_error herr = { 0 };
	const char *guest = argc > 1 ? argv[1] : "build/engine/libvirt/mbguest.elf";
	struct mb_hugepage_pool pool;
	virConnectPtr sc = NULL, dc = NULL;
	virDomainPtr dom = NULL, moved = NULL;
	long nr_before;
	int ret;

	if (access("/dev/kvm", R_OK | W_OK))
		tap_skip_all("/dev/kvm is not usable here");
	if (access("/usr/sbin/libvirtd", X_OK) || access("/usr/bin/qemu-system-x86_64", X_OK))
		tap_skip_all("libvirtd or qemu-system-x86_64 is not installed (scripts/deps.sh installs them)");
	if (geteuid() != 0)
		tap_skip_all("private libvirtd instances need root (mount namespaces)");
	if (mb_hugepages_read(MB_SIZE_1G, &pool))
		tap_skip_all("this kernel has no 1GiB hugepage pool");
	nr_before = pool.nr;

	/* one 1GiB page for the guest on each side while it moves */
	if (!tap_ok(mb_hugepages_reserve(MB_SIZE_1G, 2, &resv, &herr) == 0,
		    "two 1GiB hugepages for source and destination (%s)", herr.message))
		return tap_done();
	/* the default, under /run: hidden in each namespace by its private /run */
	ret = mb_libvirtd_start(&src, MB_SITE_DEFAULT_STATE_DIR, err, sizeof(err));
	if (!tap_ok(ret == 0, "a private libvirtd as the source (%s)", err))
		goto out_resv;
	snprintf(src_dir, sizeof(src_dir), "%s", src.dir);
	ret = mb_libvirtd_start(&dst, MB_SITE_DEFAULT_STATE_DIR, err, sizeof(err));
	if (!tap_ok(ret == 0, "a second private libvirtd as the destination (%s)", err))
		goto out_src;
	sc = virConnectOpen(src.uri);
	dc = virConnectOpen(dst.uri);
	tap_ok(sc && dc, "connections to both");

	snprintf(serial, sizeof(serial), "%s/serial.log", src.dir);
	{
		char kernel[512];
		struct mb_domain_spec spec = {
			.name = "migbench-test", .run_id = 1, .memory_bytes = 1ULL << 30,
			.vcpus = 2, .page_size = MB_SIZE_1G, .kernel = realpath(guest, kernel),
			.cmdline = "wss=512M cpus=2 rate_mib_s=64", .serial_path = serial,
			.disable_arch_capabilities = 1,
		};

		if (!spec.kernel)
			spec.kernel = guest;
		tap_ok(mb_domain_xml(&spec, xml, sizeof(xml)) == 0 &&
		       strstr(xml, "<page size='1048576' unit='KiB'/>") &&
		       strstr(xml, "xmlns:mb='" MB_DOMAIN_XMLNS "' id='1'"),
		       "domain XML: 1GiB pages and migbench's metadata");
	}
	dom = sc ? virDomainCreateXML(sc, xml, 0) : NULL;
	if (!tap_ok(dom != NULL, "the guest starts on the source"))
		goto out_dst;
	tap_ok(wait_console(serial, "mbguest: 2 cpus dirtying 512 MiB", 30),
	       "the guest is dirtying memory on both vCPUs");
	wait_console(serial, "mbguest: t=2s", 10);

	char migrate_uri[300];

	snprintf(migrate_uri, sizeof(migrate_uri), "unix://%s/migrate/qemu.sock", dst.dir);
	struct mb_migration_opts opts = { .dest_uri = dst.uri, .dest_conn = dc,
					  .migrate_uri = migrate_uri, .downtime_limit_ms = 300 };
	ret = mb_migrate(dom, &opts, &result);
	if (!tap_ok(ret == 0, "live migration to the second libvirtd (%s)", result.error))
		goto out_dom;
	tap_ok(result.n >= 1, "job statistics sampled while it ran (%zu samples)", result.n);
	tap_ok(result.total_ms.known && result.total_ms.v > 0 &&
	       result.transferred_bytes.known && result.transferred_bytes.v > (256ULL << 20) &&
	       result.downtime_ms.known && result.iterations.known,
	       "final figures: %llu ms, %llu bytes transferred, %llu iterations, downtime %llu ms",
	       (unsigned long long)result.total_ms.v,
	       (unsigned long long)result.transferred_bytes.v,
	       (unsigned long long)result.iterations.v,
	       (unsigned long long)result.downtime_ms.v);
	tap_ok(result.first_byte_ms.known && result.stopped_ms.known &&
	       result.stopped_ms.v > result.first_byte_ms.v && result.n_iteration_ms >= 1 &&
	       result.first_byte_ms.v <= result.total_ms.v,
	       "phases: first RAM byte at %llu ms, the source stopped at %llu ms, %zu iteration "
	       "events", (unsigned long long)result.first_byte_ms.v,
	       (unsigned long long)result.stopped_ms.v, result.n_iteration_ms);

	moved = virDomainLookupByName(dc, "migbench-test");
	{
		int state = 0, reason;

		tap_ok(moved && virDomainGetState(moved, &state, &reason, 0) == 0 &&
		       state == VIR_DOMAIN_RUNNING, "the guest runs on the destination");
	}
	{
		size_t before = file_size(serial);

		sleep(3);
		tap_ok(file_size(serial) > before, "its console goes on after the move");
	}
out_dom:
	if (moved) {
		virDomainDestroy(moved);
		virDomainFree(moved);
	}
	if (dom) {
		virDomainDestroy(dom);	/* fails harmlessly when it moved */
		virDomainFree(dom);
	}
out_dst:
	if (dc)
		virConnectClose(dc);
	if (sc)
		virConnectClose(sc);
	planted = dst.supervisor > 0 ? plant(dst.supervisor) : -1;
	tap_ok(planted > 0, "a process planted in the destination's namespace, parent gone, "
	       "environment empty (pid %d)", (int)planted);
	mb_libvirtd_stop(&dst);
	tap_ok(planted > 0 && gone(planted, 10),
	       "stopping that libvirtd ends every process left in its namespace");
	if (planted > 0 && !gone(planted, 0))
		kill(planted, SIGKILL);
out_src:
	mb_libvirtd_stop(&src);
out_resv:
	mb_hugepages_release(&resv);
	mb_migration_result_free(&result);
	mb_hugepages_read(MB_SIZE_1G, &pool);
	tap_ok(pool.nr == nr_before, "1GiB pool back to %ld", nr_before);
	tap_ok(src_dir[0] && access(src_dir, F_OK) && errno == ENOENT,
	       "the source's private directory is gone (%s)", src_dir);
	tap_ok(count_processes("qemu-system-x86") == 0 && count_processes("libvirtd") == 0 &&
	       count_processes("virtlogd") == 0, "no QEMU, libvirtd or virtlogd left");
	return tap_done();
}
