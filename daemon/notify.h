/* SPDX-License-Identifier: MIT */
/* systemd's readiness protocol (sd_notify), without libsystemd. */
#ifndef MIGBENCH_NOTIFY_H
#define MIGBENCH_NOTIFY_H

/* Send "READY=1", "STATUS=...", "STOPPING=1" lines; no-op outside systemd. */
void notify(const char *state);

#endif
