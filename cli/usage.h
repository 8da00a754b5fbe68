/* SPDX-License-Identifier: MIT */
/*
 * migbench's usage: each command's synopsis and help, as --help, -h and
 * `migbench help CMD` print it, and the one line that points there after
 * a wrong option.
 */
#ifndef MIGBENCH_CLI_USAGE_H
#define MIGBENCH_CLI_USAGE_H

#include <stdbool.h>
#include <stdio.h>

/* The whole usage: global options, every command, addresses and exit codes. */
void usage_all(FILE *out);
/* One command's usage ("ls", "campaign"); false if there is no such command. */
bool usage_of(FILE *out, const char *cmd);
/* Whether argv holds -h or --help before a "--": the command's help is asked for. */
bool usage_asked(int argc, char **argv);
/*
 * The command a wrong option is reported for ("ls", "campaign show"), and
 * the pointer printed after getopt's own line on it: "Try 'migbench ls
 * --help'."  usage_wrong() prints that pointer and returns EXIT_USAGE.
 */
void usage_command(const char *cmd);
int usage_wrong(void);
/* "migbench 0.1.0 (git 6f4211c)": --version. */
void usage_version(FILE *out, const char *prog);

#endif
