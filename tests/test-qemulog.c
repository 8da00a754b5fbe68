// SPDX-License-Identifier: MIT
/*
 * What a failed migration quotes of QEMU's log: its last words, without
 * the trace events and without the command line libvirt logs one
 * argument a line; nothing from a log that is missing.
 */
#include <stdio.h>
#include <string.h>

#include "qemulog.h"
#include "tap.h"

int main(int argc, char **argv)
{
	const char *want = "2026-12-03 11:47:22.669+0000: initiating migration | "
			   "2026-12-03T11:47:23.100000Z qemu-system-x86_64: "
			   "kvm_dirty_ring_reap_locked: Assertion failed | "
			   "2026-12-03 11:47:23.200+0000: shutting down, reason=crashed";
	char path[512], out[800], small[40];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/qemu-source.log", argv[1]);
	mb_qemulog_last_words(path, out, sizeof(out));
	tap_ok(!strcmp(out, want), "the last three lines that are not trace events or the "
	       "command line: \"%s\"", out);
	mb_qemulog_last_words(path, small, sizeof(small));
	tap_ok(strlen(small) == sizeof(small) - 1 && !strncmp(small, want, sizeof(small) - 1),
	       "cut to the buffer, terminated: \"%s\"", small);
	mb_qemulog_last_words("/nonexistent/qemu.log", out, sizeof(out));
	tap_ok(out[0] == '\0', "a log that cannot be read gives nothing");
	return tap_done();
}
