// SPDX-License-Identifier: MIT
#include "qemulog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioctltrace.h"

#define MAX_SLOTS 512

size_t mb_qemulog_memslots(const char *log, struct mb_memslot_event **out)
{
	char line[512];
	size_t n = 0, cap = 0;
	FILE *f = fopen(log, "re");

	*out = NULL;
	while (f && fgets(line, sizeof(line), f)) {
		struct mb_memslot_event e;
		unsigned long long gpa, size, hva;
		char *at = strstr(line, "kvm_set_user_memory Slot#");

		if (!at || sscanf(at, "kvm_set_user_memory Slot#%u flags=0x%x gpa=0x%llx size=0x%llx ua=0x%llx",
				  &e.slot, &e.flags, &gpa, &size, &hva) != 5)
			continue;
		e.gpa = gpa;
		e.size = size;
		e.hva = hva;
		if (n == cap) {
			struct mb_memslot_event *p = realloc(*out, (cap = cap * 2 + 32) * sizeof(*p));

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

uint64_t mb_qemulog_hva(const char *log, uint64_t gpa)
{
	struct mb_memslot_event *ev, slots[MAX_SLOTS] = { 0 };
	size_t n = mb_qemulog_memslots(log, &ev);
	uint64_t hva = 0;

	for (size_t i = 0; i < n; i++)
		if (ev[i].slot < MAX_SLOTS)
			slots[ev[i].slot] = ev[i];
	for (size_t s = 0; s < MAX_SLOTS; s++)
		if (slots[s].size && gpa >= slots[s].gpa && gpa - slots[s].gpa < slots[s].size)
			hva = slots[s].hva + (gpa - slots[s].gpa);
	free(ev);
	return hva;
}

static int skipped(pid_t tid, const pid_t *skip, size_t nskip)
{
	for (size_t i = 0; i < nskip; i++)
		if (skip[i] == tid)
			return 1;
	return 0;
}

int mb_qemulog_vm_ioctls(const char *log, uint64_t from_us, uint64_t to_us,
			 const pid_t *skip, size_t nskip, struct mb_qemu_ioctls *out)
{
	char line[512];
	FILE *f = fopen(log, "re");

	memset(out, 0, sizeof(*out));
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long sec, usec, when;
		unsigned int type;
		int tid;

		if (sscanf(line, "%d@%llu.%llu:kvm_vm_ioctl type 0x%x", &tid, &sec, &usec, &type) != 4)
			continue;
		when = sec * 1000000ULL + usec;
		if (when < from_us || when > to_us || skipped((pid_t)tid, skip, nskip))
			continue;
		out->get_dirty_log += type == MB_KVM_GET_DIRTY_LOG;
		out->clear_dirty_log += type == MB_KVM_CLEAR_DIRTY_LOG;
		out->set_user_memory += type == MB_KVM_SET_USER_MEMORY_REGION;
		out->reset_dirty_rings += type == MB_KVM_RESET_DIRTY_RINGS;
	}
	fclose(f);
	return 0;
}

/* "TID@SEC.USEC:event ...": a line of QEMU's own trace events. */
static bool trace_line(const char *line)
{
	unsigned long tid, sec, usec;
	char colon;

	return sscanf(line, "%lu@%lu.%lu%c", &tid, &sec, &usec, &colon) == 4 && colon == ':';
}

void mb_qemulog_last_words(const char *log, char *out, size_t len)
{
	char line[512], keep[3][512] = { "" };
	FILE *f = fopen(log, "re");
	size_t n = 0, o = 0, l;
	bool continued = false, cmdline;

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		l = strlen(line);
		/*
		 * libvirt logs QEMU's command line one argument a line, each but
		 * the last ending in a backslash: it says nothing of why QEMU ended
		 */
		cmdline = continued || (l && line[l - 1] == '\\');
		continued = l && line[l - 1] == '\\';
		if (!l || cmdline || trace_line(line))
			continue;
		snprintf(keep[n % 3], sizeof(keep[0]), "%s", line);
		n++;
	}
	fclose(f);
	for (size_t i = n > 3 ? n - 3 : 0; i < n && o + 1 < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? " | " : "", keep[i % 3]);
	if (o >= len)
		out[len - 1] = '\0';
}
