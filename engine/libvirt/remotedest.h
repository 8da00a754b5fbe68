/* SPDX-License-Identifier: MIT */
/*
 * A destination on another host (a URI, not "local"): nothing there is
 * migbench's.  The guest goes there described without the source's own
 * files, and after the run it is destroyed there by its UUID, since no
 * private libvirtd of the run takes it down with itself.
 */
#ifndef MIGBENCH_REMOTEDEST_H
#define MIGBENCH_REMOTEDEST_H

#include <libvirt/libvirt.h>

/*
 * The guest's description for the other host (VIR_MIGRATE_PARAM_DEST_XML):
 * its migratable XML with the serial console, a file in the source's
 * private directory that QEMU there could not open, made a chardev of type
 * null, and without the source's private directory in QEMU's environment.
 * *xml is the caller's to free; 0 or -errno.
 */
int mb_remotedest_xml(virDomainPtr dom, char **xml);

/* The same on a text: *out is the caller's to free; 0 or -ENOMEM. */
int mb_remotedest_xml_edit(const char *migratable, char **out);

/*
 * Destroy the guest dom (a handle of the source's) on the destination dc,
 * found by UUID: a domain of the same name there may be someone else's.
 * Nothing happens when it is not there (it never went, or libvirt took
 * back a failed migration).
 */
void mb_remotedest_destroy(virConnectPtr dc, virDomainPtr dom);

#endif
