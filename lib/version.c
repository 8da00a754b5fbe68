// SPDX-License-Identifier: MIT
#include "version.h"

#include "version_git.h"	/* generated at build time: MB_GIT */

const char *mb_version(void)
{
	/* MB_VERSION comes from meson's project version, MB_GIT from git describe or "" */
	return MB_GIT[0] ? MB_VERSION " (git " MB_GIT ")" : MB_VERSION;
}
