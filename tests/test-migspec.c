// SPDX-License-Identifier: MIT
/*
 * What a migration spec may name: destinations parsed strictly (no URI
 * parameter that makes libvirt run a program or open a path, no
 * qemu+ext:// or qemu+unix://, nothing past 255 characters), and guest
 * kernels only from the administrator's directory, with one message for
 * every path outside it whether or not it exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migspec.h"
#include "tap.h"

static const char *const allow[] = { "no_verify", "sshauth", NULL };
static struct mb_site_policy site = { .destination_query_allow = allow };

/* The spec {key: value}; 0 or -EINVAL with err. */
static int load(const char *key, const char *value, struct mb_migspec *s, struct mb_error *err)
{
	struct json_object *obj = json_object_new_object();
	int ret;

	json_object_object_add(obj, key, json_object_new_string(value));
	mb_migspec_init(s);
	memset(err, 0, sizeof(*err));
	ret = mb_migspec_from_json(s, obj, 2, &site, err);
	json_object_put(obj);
	return ret;
}

static void destination_ok(const char *d)
{
	struct mb_migspec s;
	struct mb_error err;

	tap_ok(load("destination", d, &s, &err) == 0 && !strcmp(s.destination, d),
	       "destination %s is accepted (%s)", d, err.message);
}

static void destination_refused(const char *d, const char *why)
{
	struct mb_migspec s;
	struct mb_error err;

	tap_ok(load("destination", d, &s, &err) == -EINVAL && !strcmp(err.field, "destination"),
	       "%s: refused, naming destination (%s)", why, err.message);
}

static void check_destinations(void)
{
	char longer[320];

	destination_ok("local");
	destination_ok("qemu+ssh://host/system");
	destination_ok("qemu+ssh://bench_1@host-2.example.com:2222/system");
	destination_ok("qemu+tls://10.0.0.1/system");
	destination_ok("qemu+tcp://[::1]:16509/system");
	destination_ok("qemu+libssh2://host/system?no_verify=1&sshauth=privkey");
	destination_refused("qemu+ssh://x/system?command=/home/u/evil", "?command=");
	destination_refused("qemu+ssh://x/system?socket=/tmp/s", "?socket=");
	destination_refused("qemu+ssh://x/system?netcat=/tmp/nc", "?netcat=");
	destination_refused("qemu+ssh://x/system?keyfile=/root/.ssh/id_rsa", "?keyfile=");
	destination_refused("qemu+ssh://x/system?no_verify=1&command=x", "a second parameter ?command=");
	destination_refused("qemu+ssh://x/system?no_verify=/tmp/x", "an allowed parameter with a path");
	destination_refused("qemu+ssh://x/system?", "an empty query");
	destination_refused("qemu+ssh://x/system?no_verify=1&", "a trailing &");
	destination_refused("qemu+ext:///system?command=/tmp/evil", "qemu+ext://");
	destination_refused("qemu+unix:///system?socket=/run/libvirt/libvirt-sock", "qemu+unix://");
	destination_refused("qemu:///system", "a local URI");
	destination_refused("nowhere", "not a URI");
	destination_refused("qemu+ssh://-oProxyCommand=evil/system", "a host that is an ssh option");
	destination_refused("qemu+ssh://-oProxyCommand=x@host/system", "a user that is an ssh option");
	destination_refused("qemu+ssh://user:secret@host/system", "a password");
	destination_refused("qemu+ssh://ho st/system", "a space in the host");
	destination_refused("qemu+ssh://host/session", "a path other than /system");
	destination_refused("qemu+ssh://host/system/x", "more path");
	destination_refused("qemu+ssh://host/system#x", "a fragment");
	destination_refused("qemu+ssh://host:0/system", "port 0");
	destination_refused("qemu+ssh://host:65536/system", "port 65536");
	destination_refused("qemu+ssh://[::1/system", "an unclosed IPv6 bracket");
	destination_refused("qemu+ssh://host", "no path");
	memset(longer, 'a', sizeof(longer));
	memcpy(longer, "qemu+ssh://", 11);
	snprintf(longer + 300 - 7, sizeof(longer) - 293, "/system");
	destination_refused(longer, "300 characters");
	snprintf(longer, sizeof(longer), "local%0250d", 0);
	destination_refused(longer, "255 characters past \"local\"");
}

static void check_query_names(void)
{
	static const char *const never[] = { "command", "socket", "netcat", "keyfile", "name", NULL };
	struct mb_error err;

	for (const char *const *n = never; *n; n++)
		tap_ok(mb_site_check_query_name(*n, &err) == -EINVAL &&
		       !strcmp(err.field, "destination_query_allow"),
		       "%s can never be allowed (%s)", *n, err.message);
	tap_ok(mb_site_check_query_name("no_verify", &err) == 0, "no_verify may be allowed");
	tap_ok(mb_site_check_query_name("No-Verify", &err) == -EINVAL, "a name must be lower case and _");
}

static void kernel_refused(const char *name, const char *field_msg, const char *why)
{
	struct mb_migspec s;
	struct mb_error err;

	tap_ok(load("guest_kernel", name, &s, &err) == -EINVAL && !strcmp(err.field, "guest_kernel") &&
	       !strcmp(err.message, field_msg),
	       "guest_kernel %s: %s (%s)", name, why, err.message);
}

static void check_guest_files(void)
{
	char dir[] = "/tmp/mbtest-kernels-XXXXXX", path[300], outside[400], other[400];
	struct mb_migspec s;
	struct mb_error err;
	FILE *f;

	if (geteuid() != 0 || !mkdtemp(dir) || chmod(dir, 0755)) {
		tap_skip("guest kernel directory: root-owned files need root");
		return;
	}
	site.guest_kernel_dir = dir;
	snprintf(path, sizeof(path), "%s/vmlinuz", dir);
	if ((f = fopen(path, "w")))
		fclose(f);
	chmod(path, 0644);
	snprintf(path, sizeof(path), "%s/everyones", dir);
	if ((f = fopen(path, "w")))
		fclose(f);
	chmod(path, 0666);
	snprintf(path, sizeof(path), "%s/link", dir);
	if (symlink("/etc/shadow", path))
		tap_diag("symlink: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0755);

	tap_ok(load("guest_kernel", "vmlinuz", &s, &err) == 0 &&
	       !strcmp(s.guest_kernel, strcat(strcpy(path, dir), "/vmlinuz")),
	       "a name in the directory is accepted as its absolute path (%s)", s.guest_kernel);
	tap_ok(load("guest_kernel", path, &s, &err) == 0, "and that absolute path too (%s)", err.message);
	tap_ok(load("guest_initrd", "/etc/shadow", &s, &err) == -EINVAL &&
	       !strcmp(err.field, "guest_initrd"), "guest_initrd is held to the same rules (%s)",
	       err.message);
	snprintf(outside, sizeof(outside), "guest_kernel: must name a file in the guest kernel directory %s",
		 dir);
	kernel_refused("/etc/shadow", outside, "outside the directory");
	kernel_refused("../../etc/shadow", outside, "the same words for ..");
	kernel_refused("/nonexistent/vmlinuz", outside, "the same words for a path that does not exist");
	kernel_refused("nonexistent", outside, "the same words for a file not in the directory");
	kernel_refused("/dev/sda", outside, "the same words for a device");
	snprintf(other, sizeof(other), "%s/../../etc/shadow", dir);
	kernel_refused(other, outside, "the same words for the directory followed by ..");
	kernel_refused("link", "guest_kernel: \"link\" is a symlink: name the file itself",
		       "a symlink in the directory");
	kernel_refused("everyones", "guest_kernel: \"everyones\" must be owned by root, writable "
		       "by root only and readable by all", "a file others may write");
	snprintf(path, sizeof(path), "%s/private", dir);
	if ((f = fopen(path, "w")))
		fclose(f);
	chmod(path, 0600);
	kernel_refused("private", "guest_kernel: \"private\" must be owned by root, writable "
		       "by root only and readable by all", "a file only root may read");
	kernel_refused("sub", "guest_kernel: \"sub\" is not a regular file", "a directory");
	chmod(dir, 0777);
	snprintf(other, sizeof(other), "guest_kernel: the guest kernel directory %s must exist, be "
		 "root's and writable by root only, like each directory above it", dir);
	kernel_refused("vmlinuz", other, "a directory others may write");
	chmod(dir, 0755);
	{
		/* a parent someone else may write: the directory could be swapped */
		char parent[] = "/tmp/mbtest-parent-XXXXXX", inner[64];

		if (mkdtemp(parent) && !chmod(parent, 0777)) {
			snprintf(inner, sizeof(inner), "%s/kernels", parent);
			mkdir(inner, 0755);
			site.guest_kernel_dir = inner;
			snprintf(other, sizeof(other), "guest_kernel: the guest kernel directory %s must "
				 "exist, be root's and writable by root only, like each directory above it",
				 inner);
			kernel_refused("vmlinuz", other, "a directory whose parent others may write");
			rmdir(inner);
			rmdir(parent);
			site.guest_kernel_dir = dir;
		}
	}
	site.guest_kernel_dir = NULL;
	kernel_refused("vmlinuz", "guest_kernel: this migbenchd has no guest kernel directory "
		       "(guest_kernel_dir in its config)", "no directory configured");
	snprintf(path, sizeof(path), "rm -rf -- '%s'", dir);	/* a mkdtemp name */
	if (system(path))
		tap_diag("could not remove %s", dir);
}

int main(void)
{
	check_destinations();
	check_query_names();
	check_guest_files();
	return tap_done();
}
