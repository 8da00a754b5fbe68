// SPDX-License-Identifier: MIT
#include "domain.h"

#include <errno.h>
#include <stdio.h>

#include "libvirtd.h"

/* Only for text migbench writes itself (paths, its own command line). */
static void xml_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 7 < len; in++) {
		const char *rep = *in == '&' ? "&amp;" : *in == '<' ? "&lt;" :
				  *in == '>' ? "&gt;" : *in == '\'' ? "&apos;" :
				  *in == '"' ? "&quot;" : NULL;

		if (rep)
			o += (size_t)snprintf(out + o, len - o, "%s", rep);
		else
			out[o++] = *in;
	}
	out[o] = '\0';
}

int mb_domain_xml(const struct mb_domain_spec *s, char *buf, size_t len)
{
	char kernel[600], cmdline[600], serial[600], initrd[700] = "", backing[160] = "";
	char features[160] = "", qemu_args[400] = "", qemu_env[400] = "", esc[300];
	int n;

	xml_escape(s->kernel, kernel, sizeof(kernel));
	xml_escape(s->cmdline, cmdline, sizeof(cmdline));
	xml_escape(s->serial_path, serial, sizeof(serial));
	if (s->initrd) {
		char esc[600];

		xml_escape(s->initrd, esc, sizeof(esc));
		snprintf(initrd, sizeof(initrd), "<initrd>%s</initrd>", esc);
	}
	if (s->dirty_ring_entries)
		snprintf(features, sizeof(features),
			 "<features><kvm><dirty-ring state='on' size='%llu'/></kvm></features>",
			 (unsigned long long)s->dirty_ring_entries);
	for (size_t i = 0, o = 0; s->trace_events && s->trace_events[i]; i++) {
		int w = snprintf(qemu_args + o, sizeof(qemu_args) - o,
				 "<qemu:arg value='-trace'/><qemu:arg value='%s'/>", s->trace_events[i]);

		if (w < 0 || (size_t)w >= sizeof(qemu_args) - o)
			return -ENOSPC;
		o += (size_t)w;
	}
	if (s->private_dir) {
		xml_escape(s->private_dir, esc, sizeof(esc));
		snprintf(qemu_env, sizeof(qemu_env), "<qemu:env name='%s' value='%s'/>",
			 MB_LIBVIRTD_DIR_ENV, esc);
	}
	if (s->page_size)
		snprintf(backing, sizeof(backing),
			 "<memoryBacking><hugepages><page size='%llu' unit='KiB'/>"
			 "</hugepages></memoryBacking>",
			 (unsigned long long)(s->page_size >> 10));
	n = snprintf(buf, len,
		"<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
		"<name>%s</name>"
		"<metadata><mb:run xmlns:mb='" MB_DOMAIN_XMLNS "' id='%lld'/></metadata>"
		"<memory unit='KiB'>%llu</memory>%s"
		"<vcpu>%u</vcpu>"
		"<os><type arch='x86_64' machine='pc'>hvm</type>"
		"<kernel>%s</kernel>%s<cmdline>%s</cmdline></os>%s"
		"<cpu mode='host-passthrough'>%s</cpu>"
		"<on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot>"
		"<on_crash>destroy</on_crash>"
		"<devices><serial type='file'><source path='%s'/><target port='0'/></serial>"
		"<memballoon model='none'/></devices>"
		"<qemu:commandline>%s%s</qemu:commandline>"
		"</domain>",
		s->name, (long long)s->run_id, (unsigned long long)(s->memory_bytes >> 10),
		backing, s->vcpus, kernel, initrd, cmdline, features,
		s->disable_arch_capabilities ?
			"<feature policy='disable' name='arch-capabilities'/>" : "",
		serial, qemu_args, qemu_env);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
