/* SPDX-License-Identifier: MIT */
/*
 * The host's boot: which kernel this boot is (release, version, command
 * line, boot id, and the campaign token it was booted with), what kernel
 * an image file holds, and rebooting into one (kexec through systemd, so
 * that migbenchd and the store are stopped cleanly first).
 */
#ifndef MIGBENCH_HOSTBOOT_H
#define MIGBENCH_HOSTBOOT_H

#include <stdbool.h>
#include <stddef.h>

#define HOSTBOOT_TOKEN_KEY "migbench.step="
#define HOSTBOOT_MAX_CMDLINE 1536	/* x86's limit is 2048, with room for the token */

struct hostboot {
	char release[128];	/* uname -r */
	char version[256];	/* uname -v */
	char cmdline[4096];	/* /proc/cmdline */
	char boot_id[40];
	char token[96];		/* "migbench.step=C.S" from the command line, or "" */
};

/* This boot; 0 or -errno. */
int hostboot_read(struct hostboot *b);

/*
 * The kernel an x86 bzImage says it is: the release (uname -r) and the
 * version (uname -v) from its header's version string.  -ENOEXEC if the
 * file is not a bzImage with one.
 */
int hostboot_image_version(int fd, char *release, size_t rlen, char *version, size_t vlen);

/* The command line this host was booted with, without the boot loader's
 * and migbench's own words (BOOT_IMAGE=, initrd=, migbench.step=). */
void hostboot_default_cmdline(const struct hostboot *b, char *out, size_t len);

/*
 * Whether KVM is there to run on: /dev/kvm exists, or the boot is older
 * than a few minutes.  Right after a boot udev may not have loaded the
 * KVM module yet (it does when it gets to the CPU), and a run started
 * then fails on a missing /dev/kvm.
 */
bool hostboot_kvm_settled(void);

/*
 * Whether migbenchd can reboot this host into another kernel by kexec:
 * the kernel offers kexec and migbenchd runs as a systemd service (its
 * parent is PID 1 and systemd is the init), which is what stops it and
 * closes the store before the kexec.  false with why.
 */
bool hostboot_can_kexec(char *why, size_t len);

/*
 * Load the kernel (kexec_file_load: the kernel checks the image itself)
 * and ask systemd to kexec into it.  0, or -errno with why; after a
 * failure nothing stays loaded.
 */
int hostboot_kexec(int kernel_fd, int initrd_fd, const char *cmdline, char *why, size_t len);

#endif
