// SPDX-License-Identifier: MIT
#include "ioctltrace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"

#define MAX_THREADS 4096

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* "comm-TID [cpu] flags TIMESTAMP: sys_ioctl(...)", TIMESTAMP ticks or s.us */
static void parse_line(struct mb_ioctl_trace *t, char *line, struct mb_ioctl_call *open_calls,
		       size_t *nopen)
{
	char *bracket = strchr(line, '['), *colon, *dash, *ev;
	unsigned long long sec, usec, when;
	pid_t tid;

	if (!bracket)
		return;
	*bracket = '\0';
	dash = strrchr(line, '-');
	if (!dash)
		return;
	tid = (pid_t)atoi(dash + 1);
	ev = strstr(bracket + 1, ": sys_ioctl");
	if (!ev)
		return;
	*ev = '\0';
	colon = strrchr(bracket + 1, ' ');
	if (!colon)
		return;
	if (t->tsc) {
		if (sscanf(colon + 1, "%llu", &when) != 1)
			return;
	} else {
		if (sscanf(colon + 1, "%llu.%llu", &sec, &usec) != 2)
			return;
		when = sec * 1000000 + usec;
	}
	ev += 2;
	if (!strncmp(ev, "sys_ioctl(", 10)) {
		char *cmd = strstr(ev, "cmd: ");
		struct mb_ioctl_call c = { .tid = tid, .start = when };

		if (!cmd)
			return;
		c.cmd = (uint32_t)strtoul(cmd + 5, NULL, 16);
		for (size_t i = 0; i < *nopen; i++)	/* a lost exit */
			if (open_calls[i].tid == tid) {
				open_calls[i] = c;
				t->unmatched++;
				return;
			}
		if (*nopen < MAX_THREADS)
			open_calls[(*nopen)++] = c;
	} else if (!strncmp(ev, "sys_ioctl -> ", 13)) {
		for (size_t i = 0; i < *nopen; i++) {
			struct mb_ioctl_call *c = &open_calls[i];

			if (c->tid != tid)
				continue;
			c->duration_ns = when - c->start;	/* converted at the end */
			c->ret = strtoll(ev + 13, NULL, 16);
			if (t->n == t->cap) {
				size_t cap = t->cap ? t->cap * 2 : 256;
				struct mb_ioctl_call *p = realloc(t->calls, cap * sizeof(*p));

				if (!p)
					return;
				t->calls = p;
				t->cap = cap;
			}
			t->calls[t->n++] = *c;
			open_calls[i] = open_calls[--(*nopen)];
			return;
		}
		/* the exit of an ioctl that was not one of ours (the enter is filtered) */
	}
}

/*
 * The tracepoint records the command as the 64-bit register the caller
 * passed.  A caller that holds it in an int, as QEMU's kvm_vm_ioctl(s,
 * int type, ...) does, hands ioctl() a sign-extended value, so a command
 * with bit 31 set (every _IOWR one: KVM_CLEAR_DIRTY_LOG is 0xc018aec0)
 * arrives as 0xffffffffc018aec0; the kernel itself only looks at the low
 * 32 bits.  Both spellings are matched.
 */
static int command_filter(char *out, size_t len)
{
	static const uint32_t cmds[] = {
		MB_KVM_GET_DIRTY_LOG, MB_KVM_CLEAR_DIRTY_LOG, MB_KVM_SET_USER_MEMORY_REGION,
		MB_KVM_RESET_DIRTY_RINGS,
	};
	size_t used = 0;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		uint64_t wide = (uint64_t)(int64_t)(int32_t)cmds[i];
		int n = snprintf(out + used, len - used, "%scmd == 0x%x", used ? " || " : "", cmds[i]);

		if (n > 0 && wide != cmds[i] && (size_t)n < len - used)
			n += snprintf(out + used + (size_t)n, len - used - (size_t)n,
				      " || cmd == 0x%llx", (unsigned long long)wide);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct mb_ioctl_trace *t = arg;
	struct mb_ioctl_call *open_calls = calloc(MAX_THREADS, sizeof(*open_calls));
	char buf[65536], line[1024];
	size_t nopen = 0, used = 0;
	ssize_t n;

	if (!open_calls)
		return NULL;
	for (;;) {
		struct pollfd pfd = { .fd = t->pipe_fd, .events = POLLIN };

		n = read(t->pipe_fd, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN) {
			if (__atomic_load_n(&t->stopping, __ATOMIC_ACQUIRE))
				break;	/* stopped and drained */
			poll(&pfd, 1, 100);
			continue;
		}
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (used < sizeof(line) - 1)
					line[used++] = buf[i];
				continue;
			}
			line[used] = '\0';
			parse_line(t, line, open_calls, &nopen);
			used = 0;
		}
	}
	t->unmatched += nopen;
	free(open_calls);
	return NULL;
}

/* Add pid's threads, less those named skip_prefix..., to set_event_pid. */
static int add_threads(struct mb_ioctl_trace *t, pid_t pid, const char *skip_prefix)
{
	char dir[64], path[600], comm[64], list[8192] = "";
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name);
		f = fopen(path, "re");
		comm[0] = '\0';
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (skip_prefix && !strncmp(comm, skip_prefix, strlen(skip_prefix))) {
			if (t->nskipped < sizeof(t->skipped) / sizeof(t->skipped[0]))
				t->skipped[t->nskipped++] = (pid_t)atoi(de->d_name);
			continue;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s ", de->d_name);
	}
	closedir(d);
	return mb_kfile_write(t->inst.dir, "set_event_pid", list);
}

int mb_ioctl_trace_start(struct mb_ioctl_trace *t, pid_t pid, const char *skip_prefix,
			 char *err, size_t err_len)
{
	struct mb_error e = { 0 };
	char filter[512];
	int ret;

	memset(t, 0, sizeof(*t));
	t->pipe_fd = -1;
	ret = mb_tracefs_instance_make(&t->inst, &e);
	if (ret) {
		snprintf(err, err_len, "%s", e.message);
		return ret;
	}
	ret = command_filter(filter, sizeof(filter));
	if (ret) {
		snprintf(err, err_len, "the ioctl filter does not fit");
		goto fail;
	}
	/* TSC ticks, for sub-microsecond calls; tracefs would print us */
	t->tsc = mb_kfile_write(t->inst.dir, "trace_clock", "x86-tsc") == 0;
	t->tsc0 = rdtsc();
	t->ns0 = mb_now_ns();
	if ((ret = mb_kfile_write(t->inst.dir, "buffer_size_kb", "16384")) ||
	    (ret = mb_kfile_write(t->inst.dir, "options/event-fork", "1")) ||
	    (ret = add_threads(t, pid, skip_prefix)) ||
	    (ret = mb_kfile_write(t->inst.dir, "events/syscalls/sys_enter_ioctl/filter", filter)) ||
	    (ret = mb_kfile_write(t->inst.dir, "events/syscalls/sys_enter_ioctl/enable", "1")) ||
	    (ret = mb_kfile_write(t->inst.dir, "events/syscalls/sys_exit_ioctl/enable", "1"))) {
		snprintf(err, err_len, "setting up the ioctl tracepoints in %s: %s", t->inst.dir,
			 strerror(-ret));
		goto fail;
	}
	{
		char path[300];

		snprintf(path, sizeof(path), "%s/trace_pipe", t->inst.dir);
		t->pipe_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	}
	if (t->pipe_fd < 0 || pthread_create(&t->reader, NULL, reader_main, t)) {
		ret = -EIO;
		snprintf(err, err_len, "cannot read %s/trace_pipe", t->inst.dir);
		goto fail;
	}
	t->reading = true;
	return 0;
fail:
	mb_ioctl_trace_stop(t);
	return ret;
}

void mb_ioctl_trace_stop(struct mb_ioctl_trace *t)
{
	if (t->inst.dir[0]) {
		mb_kfile_write(t->inst.dir, "events/syscalls/sys_enter_ioctl/enable", "0");
		mb_kfile_write(t->inst.dir, "events/syscalls/sys_exit_ioctl/enable", "0");
	}
	if (t->reading) {	/* the reader drains what is left, then ends */
		uint64_t ticks = rdtsc() - t->tsc0, ns = mb_now_ns() - t->ns0;

		__atomic_store_n(&t->stopping, true, __ATOMIC_RELEASE);
		pthread_join(t->reader, NULL);
		t->reading = false;
		for (size_t i = 0; i < t->n; i++)	/* to nanoseconds */
			t->calls[i].duration_ns = t->tsc && ticks ?
				(uint64_t)((double)t->calls[i].duration_ns * (double)ns / (double)ticks) :
				t->calls[i].duration_ns * 1000;
	}
	if (t->pipe_fd >= 0)
		close(t->pipe_fd);
	t->pipe_fd = -1;
	mb_tracefs_instance_remove(&t->inst);
}

void mb_ioctl_trace_free(struct mb_ioctl_trace *t)
{
	free(t->calls);
	t->calls = NULL;
	t->n = t->cap = 0;
}
