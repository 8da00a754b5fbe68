/* SPDX-License-Identifier: MIT */
/* migbench campaign start|ls|show|abort|report: kernel campaigns. */
#ifndef MIGBENCH_CLI_CAMPAIGN_H
#define MIGBENCH_CLI_CAMPAIGN_H

/* argv[0] is "campaign"; the exit code. */
int cmd_campaign(int argc, char **argv);

#endif
