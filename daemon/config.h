/* SPDX-License-Identifier: MIT */
/*
 * migbenchd's settings: command-line flags, or the same keys in a JSON
 * config file (--config); flags win.  Defaults need nothing but the build.
 */
#ifndef MIGBENCH_CONFIG_H
#define MIGBENCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "campaign/campaign_spec.h"
#include "request/run_limits.h"
#include "site.h"

#define CONFIG_MAX_LISTEN 8
#define DEFAULT_TCP_LISTEN "127.0.0.1:7733"
#define CONFIG_MAX_HOST_NAMES 16
#define CONFIG_MAX_HOST_NAME 260	/* a DNS name and a port */

struct config {
	char *listen[CONFIG_MAX_LISTEN];
	unsigned int nr_listen;
	char *db;
	char *data_dir;
	char *token_file;
	char *worker;
	char *token;		/* read from token_file */
	struct limits limits;	/* "limits" in the config file */
	/* more names for the Host header; NULL-terminated (one slot spare) */
	char *host_names[CONFIG_MAX_HOST_NAMES + 1];
	/* config file only: what runs may use (site.h) */
	char *guest_kernel_dir;		/* default DATA_DIR/guest-kernels */
	char *migration_state_dir;	/* default MB_SITE_DEFAULT_STATE_DIR */
	char *query_allow[MB_SITE_MAX_QUERY + 1];	/* destination_query_allow */
	struct mb_site_policy site;	/* points into the above */
	/* config file only: kernel campaigns, which reboot the host */
	struct campaign_policy campaigns;	/* host_kernel_dir points into it */
	char *host_kernel_dir;		/* default /boot */
};

/* 0, 1 when --help was printed, or -errno with err filled in. */
int config_parse(int argc, char **argv, struct config *cfg, char *err,
		 size_t err_len);
/*
 * Create the data directory, the unix sockets' directories, the guest
 * kernel directory, and the migration state directory (root's only:
 * refused if it exists otherwise).
 */
int config_prepare_dirs(const struct config *cfg, char *err, size_t err_len);
void config_free(struct config *cfg);

#endif
