/* SPDX-License-Identifier: MIT */
/* Which migbench this is: what every program's --version prints. */
#ifndef MIGBENCH_VERSION_H
#define MIGBENCH_VERSION_H

/* "0.1.0", and where built from a checkout its git description: "0.1.0 (git 6f4211c-dirty)". */
const char *mb_version(void);

#endif
