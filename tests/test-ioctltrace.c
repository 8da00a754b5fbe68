// SPDX-License-Identifier: MIT
/*
 * The ioctl tracer against a process whose ioctls are known: it traces
 * migbench-dirtylog (started stopped, so nothing is missed), and the
 * KVM_CLEAR_DIRTY_LOG, KVM_GET_DIRTY_LOG and KVM_SET_USER_MEMORY_REGION
 * calls the kernel saw must be exactly the ones the engine made and
 * recorded.  The tracefs instance must be gone afterwards.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ioctltrace.h"
#include "tap.h"

static bool tracefs_mounted(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "re");

	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, " /sys/kernel/tracing tracefs ") != NULL;
	if (f)
		fclose(f);
	return found;
}

static int leftover_instances(void)
{
	DIR *d = opendir("/sys/kernel/tracing/instances");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += !strncmp(de->d_name, "migbench-", 9);
	if (d)
		closedir(d);
	return n;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static size_t count(const struct mb_ioctl_trace *t, uint32_t cmd, uint64_t *max_us)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->calls[i].cmd == cmd && t->calls[i].ret == 0) {
			n++;
			if (t->calls[i].duration_ns / 1000 > *max_us)
				*max_us = t->calls[i].duration_ns / 1000;
		}
	return n;
}

/* As QEMU's kvm_vm_ioctl(): the command travels as an int. */
static int vm_ioctl(int fd, int type, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, type);
	arg = va_arg(ap, void *);
	va_end(ap);
	return ioctl(fd, type, arg);
}

static size_t count_any(const struct mb_ioctl_trace *t, uint32_t cmd)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->calls[i].cmd == cmd;
	return n;
}

/*
 * A command with bit 31 set, passed in an int, reaches the tracepoint
 * sign-extended: QEMU's KVM_CLEAR_DIRTY_LOG calls went unseen that way.
 * The calls go to /dev/null (ENOTTY): the kernel records them all the same.
 */
static void sign_extended_commands(void)
{
	struct mb_ioctl_trace t;
	char err[256];
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);
		char arg[64] = { 0 };

		raise(SIGSTOP);
		for (int i = 0; i < 7; i++)
			vm_ioctl(fd, (int)MB_KVM_CLEAR_DIRTY_LOG, arg);
		for (int i = 0; i < 3; i++)
			vm_ioctl(fd, (int)MB_KVM_GET_DIRTY_LOG, arg);
		_exit(0);
	}
	waitpid(pid, &status, WUNTRACED);
	if (!tap_ok(mb_ioctl_trace_start(&t, pid, NULL, err, sizeof(err)) == 0,
		    "tracing a process that passes commands as int (%s)", err)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	kill(pid, SIGCONT);
	waitpid(pid, &status, 0);
	mb_ioctl_trace_stop(&t);
	tap_ok(count_any(&t, MB_KVM_CLEAR_DIRTY_LOG) == 7,
	       "all 7 sign-extended KVM_CLEAR_DIRTY_LOG calls are traced: %zu",
	       count_any(&t, MB_KVM_CLEAR_DIRTY_LOG));
	tap_ok(count_any(&t, MB_KVM_GET_DIRTY_LOG) == 3 && t.n == 10,
	       "and the 3 KVM_GET_DIRTY_LOG, nothing else: %zu of %zu",
	       count_any(&t, MB_KVM_GET_DIRTY_LOG), t.n);
	mb_ioctl_trace_free(&t);
}

int main(int argc, char **argv)
{
	const char *bin = argc > 1 ? argv[1] : "build/cli/migbench-dirtylog";
	struct mb_ioctl_trace t;
	struct json_object *result = NULL, *samples;
	bool was_mounted = tracefs_mounted();
	char err[256], out[1 << 16];
	int pipefd[2], status;
	size_t len = 0, engine_clears = 0;
	double engine_ns[256], traced_ns[256];
	size_t traced = 0;
	uint64_t max_us = 0;
	pid_t pid;
	ssize_t n;

	if (geteuid() != 0)
		tap_skip_all("tracefs needs root");
	if (access("/dev/kvm", R_OK | W_OK))
		tap_skip_all("/dev/kvm is not usable here");
	if (pipe(pipefd))
		return 1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		raise(SIGSTOP);	/* until the tracer is attached */
		execl(bin, bin, "--vcpus", "2", "--mem-per-vcpu", "16M", "--iterations", "5",
		      "--memslots", "2", "--clear-chunk-pages", "512", "--manual-protect",
		      "--json", "--quiet", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	waitpid(pid, &status, WUNTRACED);
	if (!tap_ok(mb_ioctl_trace_start(&t, pid, NULL, err, sizeof(err)) == 0,
		    "tracing starts on the stopped process (%s)", err)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return tap_done();
	}
	tap_ok(leftover_instances() == 1, "in a private tracefs instance");
	kill(pid, SIGCONT);
	while ((n = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	waitpid(pid, &status, 0);
	mb_ioctl_trace_stop(&t);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the traced run succeeds");

	result = json_tokener_parse(out);
	if (result && json_object_object_get_ex(result, "samples", &samples))
		for (size_t i = 0; i < json_object_array_length(samples); i++) {
			struct json_object *row = json_object_array_get_idx(samples, i), *m, *v;

			json_object_object_get_ex(row, "metric", &m);
			json_object_object_get_ex(row, "value", &v);
			if (!strcmp(json_object_get_string(m), "clear_dirty_log_call_ns") &&
			    engine_clears < 256)
				engine_ns[engine_clears++] = (double)json_object_get_int64(v);
		}
	tap_ok(engine_clears == 80, "the engine recorded 80 clear calls (16 chunks x 5 iterations): %zu",
	       engine_clears);
	tap_ok(count(&t, MB_KVM_CLEAR_DIRTY_LOG, &max_us) == engine_clears,
	       "the kernel saw the same number of KVM_CLEAR_DIRTY_LOG calls (%zu)",
	       count(&t, MB_KVM_CLEAR_DIRTY_LOG, &max_us));
	tap_ok(count(&t, MB_KVM_GET_DIRTY_LOG, &max_us) == 10,
	       "and 10 KVM_GET_DIRTY_LOG (2 memslots x 5): %zu", count(&t, MB_KVM_GET_DIRTY_LOG, &max_us));
	tap_ok(count(&t, MB_KVM_SET_USER_MEMORY_REGION, &max_us) == 9,
	       "and 9 memslot updates (3 created, 2 enabled, 2 disabled, 2 deleted): %zu",
	       count(&t, MB_KVM_SET_USER_MEMORY_REGION, &max_us));
	tap_ok(t.unmatched == 0 && max_us < 1000000,
	       "every call paired with its return (%zu unmatched), none absurdly long (%llu us)",
	       t.unmatched, (unsigned long long)max_us);
	{
		size_t zero = 0;

		for (size_t i = 0; i < t.n; i++)
			zero += t.calls[i].duration_ns == 0;
		tap_ok(t.tsc && zero == 0, "every duration positive, in TSC resolution (%zu zero)", zero);
	}
	for (size_t i = 0; i < t.n && traced < 256; i++)
		if (t.calls[i].cmd == MB_KVM_CLEAR_DIRTY_LOG)
			traced_ns[traced++] = (double)t.calls[i].duration_ns;
	if (engine_clears && traced) {
		double e, k;

		qsort(engine_ns, engine_clears, sizeof(double), cmp);
		qsort(traced_ns, traced, sizeof(double), cmp);
		e = engine_ns[engine_clears / 2];
		k = traced_ns[traced / 2];
		/* units, not speed: a us/ns mix-up would be off by 1000 */
		tap_ok(k > e / 10 && k < e * 10,
		       "traced and engine-timed KVM_CLEAR_DIRTY_LOG agree in scale: median %.0f ns traced, %.0f ns by the engine",
		       k, e);
	}
	sign_extended_commands();
	tap_ok(leftover_instances() == 0, "the tracefs instances are removed");
	tap_ok(tracefs_mounted() == was_mounted, "tracefs mounted as it was before (%s)",
	       was_mounted ? "mounted" : "not mounted");
	json_object_put(result);
	mb_ioctl_trace_free(&t);
	return tap_done();
}
