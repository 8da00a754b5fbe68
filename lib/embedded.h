/* SPDX-License-Identifier: MIT */
/* Files built into the binaries by tools/embed.py. */
#ifndef MIGBENCH_EMBEDDED_H
#define MIGBENCH_EMBEDDED_H

#include <stddef.h>

struct mb_embedded {
	const char *name;		/* file name, no directory */
	const unsigned char *data;	/* NUL-terminated */
	size_t size;			/* without the NUL */
};

#endif
