// SPDX-License-Identifier: MIT

#include "campaign/hostboot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kfile.h"

/* The last word of cmdline that starts with key, whole, into out. */
static void find_word(const char *cmdline, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	out[0] = '\0';
	while (*p) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n >= klen && !strncmp(p, key, klen) && n < len)
			snprintf(out, len, "%.*s", (int)n, p);
		p += n;
	}
}

int hostboot_read(struct hostboot *b)
{
	struct utsname u;
	int ret;

	memset(b, 0, sizeof(*b));
	if (uname(&u))
		return -errno;
	snprintf(b->release, sizeof(b->release), "%s", u.release);
	snprintf(b->version, sizeof(b->version), "%s", u.version);
	ret = mb_kfile_read_line("/proc/cmdline", b->cmdline, sizeof(b->cmdline));
	if (!ret)
		ret = mb_kfile_read_line("/proc/sys/kernel/random/boot_id", b->boot_id, sizeof(b->boot_id));
	find_word(b->cmdline, HOSTBOOT_TOKEN_KEY, b->token, sizeof(b->token));
	return ret;
}

/*
 * The x86 boot protocol: "HdrS" at 0x202, and at 0x20e the offset (from
 * 0x200) of a NUL-terminated string "RELEASE (BUILDER) VERSION", the
 * words uname -r and uname -v will print.
 */
int hostboot_image_version(int fd, char *release, size_t rlen, char *version, size_t vlen)
{
	unsigned char hdr[0x210];
	char text[512];
	const char *hash;
	uint16_t off;
	ssize_t n;

	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr + 0x202, "HdrS", 4))
		return -ENOEXEC;
	off = (uint16_t)(hdr[0x20e] | hdr[0x20f] << 8);
	n = pread(fd, text, sizeof(text) - 1, 0x200 + (off_t)off);
	if (!off || n <= 0)
		return -ENOEXEC;
	text[n] = '\0';
	if (!memchr(text, '\0', (size_t)n) || !(hash = strstr(text, " #")) ||
	    strcspn(text, " ") == 0)
		return -ENOEXEC;
	snprintf(release, rlen, "%.*s", (int)strcspn(text, " "), text);
	snprintf(version, vlen, "%s", hash + 1);
	return 0;
}

void hostboot_default_cmdline(const struct hostboot *b, char *out, size_t len)
{
	static const char *const drop[] = { "BOOT_IMAGE=", "initrd=", HOSTBOOT_TOKEN_KEY };
	const char *p = b->cmdline;
	size_t o = 0;

	out[0] = '\0';
	while (*p) {
		bool keep = true;
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		for (size_t i = 0; n && i < sizeof(drop) / sizeof(drop[0]); i++)
			keep &= strncmp(p, drop[i], strlen(drop[i])) != 0;
		if (n && keep && o + n + 2 < len) {
			o += (size_t)snprintf(out + o, len - o, "%s%.*s", o ? " " : "", (int)n, p);
		}
		p += n;
	}
}

bool hostboot_kvm_settled(void)
{
	double uptime = 0;
	FILE *f;

	if (!access("/dev/kvm", F_OK))
		return true;
	f = fopen("/proc/uptime", "re");
	if (f) {
		if (fscanf(f, "%lf", &uptime) != 1)
			uptime = 0;
		fclose(f);
	}
	return uptime > 180;
}

bool hostboot_can_kexec(char *why, size_t len)
{
	struct stat sb;

	if (stat("/sys/kernel/kexec_loaded", &sb)) {
		snprintf(why, len, "this kernel offers no kexec (/sys/kernel/kexec_loaded is missing)");
		return false;
	}
	if (stat("/run/systemd/system", &sb) || getppid() != 1 || !getenv("INVOCATION_ID")) {
		snprintf(why, len, "migbenchd reboots its host by kexec through systemd, which "
			 "stops it and closes the store first: run it as the migbenchd.service "
			 "systemd unit");
		return false;
	}
	return true;
}

static int run_systemctl_kexec(char *why, size_t len)
{
	static const char *const paths[] = { "/usr/bin/systemctl", "/bin/systemctl" };
	char *const argv[] = { "systemctl", "kexec", NULL };
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int status = 0, ret = ENOENT;
	pid_t pid;

	for (size_t i = 0; i < 2 && ret == ENOENT; i++)
		ret = posix_spawn(&pid, paths[i], NULL, NULL, argv, envp);
	if (ret) {
		snprintf(why, len, "cannot run systemctl kexec: %s", strerror(ret));
		return -ret;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(why, len, "systemctl kexec failed (status %d); see migbenchd's journal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -ECHILD;
	}
	return 0;
}

int hostboot_kexec(int kernel_fd, int initrd_fd, const char *cmdline, char *why, size_t len)
{
	unsigned long flags = initrd_fd < 0 ? KEXEC_FILE_NO_INITRAMFS : 0;
	int ret;

	if (syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, strlen(cmdline) + 1, cmdline,
		    flags)) {
		ret = -errno;
		snprintf(why, len, "the kernel refused to load the image for kexec "
			 "(kexec_file_load: %s%s)", strerror(-ret),
			 ret == -EPERM || ret == -EKEYREJECTED ?
			 "; a lockdown or signature policy may refuse unsigned kernels" : "");
		return ret;
	}
	ret = run_systemctl_kexec(why, len);
	if (ret)
		syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, (unsigned long)KEXEC_FILE_UNLOAD);
	return ret;
}
