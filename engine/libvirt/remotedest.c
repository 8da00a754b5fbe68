// SPDX-License-Identifier: MIT
#include "remotedest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libvirtd.h"

/*
 * Remove the element from p to end (exclusive), with its line's
 * indentation and line break when it stood on a line of its own, so the
 * text reads as libvirt wrote it.
 */
static void cut(char *start, char *p, char *end)
{
	char *from = p;

	while (from > start && (from[-1] == ' ' || from[-1] == '\t'))
		from--;
	if (from > start && from[-1] == '\n')
		from--;
	else
		from = p;
	memmove(from, end, strlen(end) + 1);
}

/*
 * In the element that starts at el and ends with close: type='file' made
 * type='null' (the same length) and its <source> removed.  Where the next
 * element starts.
 */
static char *null_chardev(char *xml, char *el, const char *close)
{
	char *end = strstr(el, close), *src, *src_end;

	if (!end)
		return el + 1;
	memcpy(strstr(el, "'file'"), "'null'", 6);
	src = strstr(el, "<source");
	if (src && src < end) {
		src_end = strchr(src, '>');
		if (src_end && src_end[-1] != '/') {	/* <source ...>...</source> */
			src_end = strstr(src_end, "</source>");
			src_end = src_end ? src_end + strlen("</source>") - 1 : NULL;
		}
		if (src_end && src_end < end)
			cut(xml, src, src_end + 1);
	}
	return el + 1;
}

int mb_remotedest_xml_edit(const char *migratable, char **out)
{
	/* the serial port and the console libvirt shows as its mirror */
	static const char *const elements[][2] = {
		{ "<serial type='file'>", "</serial>" },
		{ "<console type='file'>", "</console>" },
	};
	/*
	 * The source's private directory means nothing there, and a reaper on
	 * the source host must never take a QEMU of the other host for its own.
	 */
	static const char env[] = "<qemu:env name='" MB_LIBVIRTD_DIR_ENV "'";
	char *xml = strdup(migratable), *end;

	if (!xml)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(elements) / sizeof(elements[0]); i++)
		for (char *el = xml; (el = strstr(el, elements[i][0]));)
			el = null_chardev(xml, el, elements[i][1]);
	for (char *el = xml; (el = strstr(el, env)) && (end = strstr(el, "/>"));)
		cut(xml, el, end + 2);
	*out = xml;
	return 0;
}

int mb_remotedest_xml(virDomainPtr dom, char **xml)
{
	char *migratable = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_MIGRATABLE);
	int ret;

	if (!migratable)
		return -EIO;
	ret = mb_remotedest_xml_edit(migratable, xml);
	free(migratable);
	return ret;
}

void mb_remotedest_destroy(virConnectPtr dc, virDomainPtr dom)
{
	unsigned char uuid[VIR_UUID_BUFLEN];
	virDomainPtr there;

	/* the handle keeps its UUID after the domain left the source */
	if (virDomainGetUUID(dom, uuid) < 0)
		return;
	there = virDomainLookupByUUID(dc, uuid);
	if (there) {
		virDomainDestroy(there);
		virDomainFree(there);
	}
}
