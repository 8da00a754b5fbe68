/* SPDX-License-Identifier: MIT */
/* migbench host and kernels: the host, and the kernels runs were measured on, for people. */
#ifndef MIGBENCH_CLI_HOST_VIEW_H
#define MIGBENCH_CLI_HOST_VIEW_H

/* argv[0] is the command; --json prints the API's document instead.  The exit code. */
int cmd_host(int argc, char **argv);
int cmd_kernels(int argc, char **argv);

#endif
