// SPDX-License-Identifier: MIT
/*
 * The guest's description for a destination on another host: the
 * source's migratable XML (a reference file in libvirt 9.0's layout) with
 * the serial console and its console mirror made chardevs of type null
 * and the source's private directory gone from QEMU's environment,
 * checked against the expected file; everything else byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remotedest.h"
#include "tap.h"

static char *slurp(const char *dir, const char *name)
{
	char path[512], *buf;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = calloc(1, (size_t)len + 1)) || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		tap_ok(0, "read %s", path);
		exit(1);
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	const char *plain = "<domain><devices><serial type='pty'><target port='0'/></serial>"
			    "</devices></domain>";
	char *source, *expected, *out = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
		return 2;
	}
	source = slurp(argv[1], "remotedest-source.xml");
	expected = slurp(argv[1], "remotedest-dest.xml");
	tap_ok(mb_remotedest_xml_edit(source, &out) == 0 && !strcmp(out, expected),
	       "the engine's guest: serial and console null, no private directory, the rest as it was");
	if (out && strcmp(out, expected))
		tap_diag("got:\n%s", out);
	free(out);
	out = NULL;
	tap_ok(mb_remotedest_xml_edit(plain, &out) == 0 && !strcmp(out, plain),
	       "a description with nothing of the source's is left as it is");
	free(out);
	out = NULL;
	tap_ok(mb_remotedest_xml_edit(expected, &out) == 0 && !strcmp(out, expected),
	       "editing twice changes nothing more");
	free(out);
	free(source);
	free(expected);
	return tap_done();
}
