// SPDX-License-Identifier: MIT

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "request/run_limits.h"
#include "privdir.h"
#include "strict_json.h"
#include "version.h"

#define MIN_TOKEN_LEN 16

static void usage(void)
{
	printf("usage: migbenchd [--listen ADDR]... [--db PATH] [--data-dir DIR]\n"
	       "                 [--token-file PATH] [--worker PATH] [--config FILE | --no-config]\n"
	       "       migbenchd --help | -h | --version\n"
	       "\n"
	       "  --listen ADDR      host:port or unix:PATH; repeatable.  Default: a unix\n"
	       "                     socket (/run/migbench/migbenchd.sock as root) and\n"
	       "                     " DEFAULT_TCP_LISTEN ".  Other than loopback needs a token.\n"
	       "  --db PATH          SQLite database (default DATA_DIR/migbench.db)\n"
	       "  --data-dir DIR     default /var/lib/migbench as root,\n"
	       "                     ~/.local/share/migbench otherwise\n"
	       "  --token-file PATH  bearer token (file mode 0600) required for every\n"
	       "                     request that changes state\n"
	       "  --worker PATH      migbench-worker (default: next to migbenchd)\n"
	       "  --config FILE      the same settings as a JSON object (default\n"
	       "                     " MIGBENCHD_CONFIG " where it exists): {\"listen\": [...],\n"
	       "                     \"db\": ..., \"data_dir\": ..., \"token_file\": ..., \"worker\": ...,\n"
	       "                     \"host_names\": [...], \"limits\": {...}}, and, there only,\n"
	       "                     \"guest_kernel_dir\" (DATA_DIR/guest-kernels),\n"
	       "                     \"migration_state_dir\" (" MB_SITE_DEFAULT_STATE_DIR "),\n"
	       "                     \"destination_query_allow\" ([]: libvirt URI parameters),\n"
	       "                     \"allow_reboot\" (false: campaigns may reboot the host),\n"
	       "                     \"host_kernel_dir\" (/boot: campaigns' kernels),\n"
	       "                     \"boot_attempts\" (2: boots of a campaign step that fail)\n"
	       "                     host_names: more names clients may use in the Host header\n"
	       "                     (besides localhost and the listen addresses)\n"
	       "                     limits: {\"guest_memory_per_run\": \"16G\",\n"
	       "                     \"hugepage_memory_per_run\": \"16G\", \"samples_per_run\": N,\n"
	       "                     \"queued_runs\": N}; by default half of RAM, 10000000\n"
	       "                     samples and 1000 queued runs\n"
	       "  --no-config        read no configuration file, not even " MIGBENCHD_CONFIG "\n");
}

static int set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int add_listen(struct config *cfg, const char *value, char *err,
		      size_t err_len)
{
	if (cfg->nr_listen == CONFIG_MAX_LISTEN) {
		snprintf(err, err_len, "at most %d --listen addresses", CONFIG_MAX_LISTEN);
		return -E2BIG;
	}
	cfg->listen[cfg->nr_listen] = strdup(value);
	return cfg->listen[cfg->nr_listen++] ? 0 : -ENOMEM;
}

static void free_host_names(struct config *cfg)
{
	for (unsigned int i = 0; i < CONFIG_MAX_HOST_NAMES; i++) {
		free(cfg->host_names[i]);
		cfg->host_names[i] = NULL;
	}
}

static void clear_listen(struct config *cfg)
{
	for (unsigned int i = 0; i < cfg->nr_listen; i++)
		free(cfg->listen[i]);
	cfg->nr_listen = 0;
}

/*
 * A name for the Host header: a DNS name or an address, optionally with
 * :PORT; nothing that could smuggle another header or a path.
 */
static bool is_host_name(const char *s)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]";
	size_t n = strlen(s);

	return n && n <= CONFIG_MAX_HOST_NAME && strspn(s, allowed) == n;
}

static int load_host_names(struct config *cfg, struct json_object *value,
			   const char *path, char *err, size_t err_len)
{
	size_t n = json_object_is_type(value, json_type_array) ?
		   json_object_array_length(value) : 0;

	if (!json_object_is_type(value, json_type_array) || n > CONFIG_MAX_HOST_NAMES) {
		snprintf(err, err_len, "--config %s: host_names: must be an array of at most %d names",
			 path, CONFIG_MAX_HOST_NAMES);
		return -EINVAL;
	}
	free_host_names(cfg);
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(value, i);

		if (!json_object_is_type(a, json_type_string) ||
		    !is_host_name(json_object_get_string(a))) {
			snprintf(err, err_len,
				 "--config %s: host_names: each must be a host name or address, optionally with :PORT",
				 path);
			return -EINVAL;
		}
		cfg->host_names[i] = strdup(json_object_get_string(a));
		if (!cfg->host_names[i])
			return -ENOMEM;
	}
	return 0;
}

static void clear_query_allow(struct config *cfg)
{
	for (unsigned int i = 0; cfg->query_allow[i]; i++) {
		free(cfg->query_allow[i]);
		cfg->query_allow[i] = NULL;
	}
}

/* Names a destination URI may carry; never one that runs or opens something. */
static int set_query_allow(struct config *cfg, struct json_object *value, const char *path,
			   char *err, size_t err_len)
{
	struct mb_error e = { 0 };
	size_t n = json_object_is_type(value, json_type_array) ? json_object_array_length(value) : 0;

	clear_query_allow(cfg);
	if (!json_object_is_type(value, json_type_array) || n > MB_SITE_MAX_QUERY) {
		snprintf(err, err_len, "--config %s: destination_query_allow: must be an array of "
			 "at most %d parameter names", path, MB_SITE_MAX_QUERY);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(value, i);

		if (!json_object_is_type(a, json_type_string)) {
			snprintf(err, err_len, "--config %s: destination_query_allow: must be an array of strings",
				 path);
			return -EINVAL;
		}
		if (mb_site_check_query_name(json_object_get_string(a), &e)) {
			snprintf(err, err_len, "--config %s: %s", path, e.message);
			return -EINVAL;
		}
		cfg->query_allow[i] = strdup(json_object_get_string(a));
		if (!cfg->query_allow[i])
			return -ENOMEM;
	}
	return 0;
}

static int load_file(struct config *cfg, const char *path, char *err,
		     size_t err_len)
{
	static const char *const keys[] = { "db", "data_dir", "token_file", "worker",
					    "guest_kernel_dir", "migration_state_dir",
					    "host_kernel_dir" };
	char **fields[] = { &cfg->db, &cfg->data_dir, &cfg->token_file, &cfg->worker,
			    &cfg->guest_kernel_dir, &cfg->migration_state_dir,
			    &cfg->host_kernel_dir };
	struct json_object *obj;
	char jerr[256];
	int ret = 0;

	if (mb_json_parse_file(path, &obj, jerr, sizeof(jerr))) {
		snprintf(err, err_len, "--config %s: %s", path, jerr);
		return -EINVAL;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, err_len, "--config %s: must be a JSON object", path);
		json_object_put(obj);
		return -EINVAL;
	}
	json_object_object_foreach(obj, key, value) {
		bool known = false;

		if (!strcmp(key, "limits")) {
			char why[256];

			known = true;
			ret = limits_load(&cfg->limits, value, why, sizeof(why));
			if (ret)
				snprintf(err, err_len, "--config %s: %s", path, why);
		}
		if (!strcmp(key, "listen")) {
			known = true;
			clear_listen(cfg);
			if (json_object_is_type(value, json_type_string)) {
				ret = add_listen(cfg, json_object_get_string(value), err, err_len);
			} else if (json_object_is_type(value, json_type_array)) {
				for (size_t i = 0; !ret && i < json_object_array_length(value); i++) {
					struct json_object *a = json_object_array_get_idx(value, i);

					if (!json_object_is_type(a, json_type_string)) {
						/* not the addresses before it alone: the whole list is wrong */
						snprintf(err, err_len, "--config %s: listen[%zu]: must be a string "
							 "such as \"127.0.0.1:7733\" or \"unix:PATH\"", path, i);
						ret = -EINVAL;
						break;
					}
					ret = add_listen(cfg, json_object_get_string(a), err, err_len);
				}
			}
			if (!ret && !cfg->nr_listen) {
				snprintf(err, err_len, "--config %s: listen: must be a string or an array of strings",
					 path);
				ret = -EINVAL;
			}
		} else if (!strcmp(key, "destination_query_allow")) {
			known = true;
			ret = set_query_allow(cfg, value, path, err, err_len);
		}
		if (!strcmp(key, "allow_reboot")) {
			known = true;
			if (!json_object_is_type(value, json_type_boolean)) {
				snprintf(err, err_len, "--config %s: allow_reboot: must be true or false",
					 path);
				ret = -EINVAL;
			}
			cfg->campaigns.allow_reboot = json_object_get_boolean(value);
		}
		if (!strcmp(key, "boot_attempts")) {
			known = true;
			if (!json_object_is_type(value, json_type_int) ||
			    json_object_get_int64(value) < 1 || json_object_get_int64(value) > 10) {
				snprintf(err, err_len, "--config %s: boot_attempts: must be an integer "
					 "from 1 to 10", path);
				ret = -EINVAL;
			}
			cfg->campaigns.boot_attempts = (int)json_object_get_int64(value);
		}
		if (!strcmp(key, "host_names")) {
			known = true;
			ret = load_host_names(cfg, value, path, err, err_len);
		}
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strcmp(key, keys[i]))
				continue;
			known = true;
			if (!json_object_is_type(value, json_type_string)) {
				snprintf(err, err_len, "--config %s: %s: must be a string", path, key);
				ret = -EINVAL;
			} else {
				ret = set_string(fields[i], json_object_get_string(value));
			}
		}
		if (!known) {
			snprintf(err, err_len, "--config %s: %s: unknown key", path, key);
			ret = -EINVAL;
		}
		if (ret)
			break;
	}
	json_object_put(obj);
	return ret;
}

static int load_token(struct config *cfg, char *err, size_t err_len)
{
	char buf[512] = "";
	struct stat sb;
	size_t n;
	FILE *f = fopen(cfg->token_file, "re");

	if (!f || fstat(fileno(f), &sb)) {
		snprintf(err, err_len, "--token-file %s: %s", cfg->token_file, strerror(errno));
		if (f)
			fclose(f);
		return -errno;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 077)) {
		snprintf(err, err_len,
			 "--token-file %s: must be a regular file only its owner can read (chmod 600), mode is %o",
			 cfg->token_file, sb.st_mode & 0777);
		fclose(f);
		return -EPERM;
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n < MIN_TOKEN_LEN || strchr(buf, ' ')) {
		snprintf(err, err_len, "--token-file %s: the token must be at least %d characters, no spaces",
			 cfg->token_file, MIN_TOKEN_LEN);
		return -EINVAL;
	}
	cfg->token = strdup(buf);
	return cfg->token ? 0 : -ENOMEM;
}

static int set_defaults(struct config *cfg, char *err, size_t err_len)
{
	char path[PATH_MAX], exe[PATH_MAX], *dir;
	bool root = geteuid() == 0;
	const char *home = getenv("HOME"), *runtime = getenv("XDG_RUNTIME_DIR");
	ssize_t n;
	int ret = 0;

	if (!cfg->data_dir) {
		if (!root && !home) {
			snprintf(err, err_len, "set --data-dir (no HOME)");
			return -EINVAL;
		}
		snprintf(path, sizeof(path), "%s", root ? "/var/lib/migbench" : home);
		if (!root)
			strncat(path, "/.local/share/migbench", sizeof(path) - strlen(path) - 1);
		ret = set_string(&cfg->data_dir, path);
	}
	if (!ret && !cfg->db) {
		snprintf(path, sizeof(path), "%s/migbench.db", cfg->data_dir);
		ret = set_string(&cfg->db, path);
	}
	if (!ret && !cfg->guest_kernel_dir) {
		snprintf(path, sizeof(path), "%s/guest-kernels", cfg->data_dir);
		ret = set_string(&cfg->guest_kernel_dir, path);
	}
	if (!ret && !cfg->migration_state_dir)
		ret = set_string(&cfg->migration_state_dir, MB_SITE_DEFAULT_STATE_DIR);
	if (!ret && !cfg->host_kernel_dir)
		ret = set_string(&cfg->host_kernel_dir, "/boot");
	if (!ret && cfg->host_kernel_dir[0] != '/') {
		snprintf(err, err_len, "host_kernel_dir must be an absolute path");
		ret = -EINVAL;
	}
	if (!cfg->campaigns.boot_attempts)
		cfg->campaigns.boot_attempts = 2;
	cfg->campaigns.host_kernel_dir = cfg->host_kernel_dir;
	if (!ret && (cfg->guest_kernel_dir[0] != '/' || cfg->migration_state_dir[0] != '/')) {
		snprintf(err, err_len, "guest_kernel_dir and migration_state_dir must be absolute paths");
		ret = -EINVAL;
	}
	cfg->site = (struct mb_site_policy){
		.guest_kernel_dir = cfg->guest_kernel_dir,
		.destination_query_allow = (const char *const *)cfg->query_allow,
		.state_dir = cfg->migration_state_dir,
	};
	if (!ret && !cfg->nr_listen) {
		if (root || runtime) {
			snprintf(path, sizeof(path), "unix:%s/migbench/migbenchd.sock",
				 root ? "/run" : runtime);
			ret = add_listen(cfg, path, err, err_len);
		}
		if (!ret)
			ret = add_listen(cfg, DEFAULT_TCP_LISTEN, err, err_len);
	}
	if (!ret && !cfg->worker) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		/* installed side by side, or in the build tree (worker/), or installed */
		dir = dirname(exe);
		snprintf(path, sizeof(path), "%s/migbench-worker", dir);
		if (access(path, X_OK))
			snprintf(path, sizeof(path), "%s/../worker/migbench-worker", dir);
		if (access(path, X_OK))
			snprintf(path, sizeof(path), "%s", MIGBENCH_LIBEXECDIR "/migbench-worker");
		ret = set_string(&cfg->worker, path);
	}
	return ret;
}

int config_parse(int argc, char **argv, struct config *cfg, char *err,
		 size_t err_len)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "data-dir", required_argument, NULL, 'D' },
		{ "token-file", required_argument, NULL, 't' },
		{ "worker", required_argument, NULL, 'w' },
		{ "config", required_argument, NULL, 'c' },
		{ "no-config", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct config flags = { 0 };
	const char *config_file = NULL;
	bool no_config = false;
	int c, ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	limits_default(&cfg->limits);
	argv[0] = "migbenchd";
	while (!ret && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': ret = add_listen(&flags, optarg, err, err_len); break;
		case 'd': ret = set_string(&flags.db, optarg); break;
		case 'D': ret = set_string(&flags.data_dir, optarg); break;
		case 't': ret = set_string(&flags.token_file, optarg); break;
		case 'w': ret = set_string(&flags.worker, optarg); break;
		case 'c': config_file = optarg; break;
		case 'n': no_config = true; break;
		case 'h': usage(); config_free(&flags); return 1;
		case 'V': printf("migbenchd %s\n", mb_version()); config_free(&flags); return 1;
		default:
			snprintf(err, err_len, "try 'migbenchd --help'");
			ret = -EINVAL;
		}
	}
	if (!ret && optind < argc) {
		snprintf(err, err_len, "unexpected argument '%s'", argv[optind]);
		ret = -EINVAL;
	}
	if (!ret && no_config && config_file) {
		snprintf(err, err_len, "--config and --no-config: one or the other");
		ret = -EINVAL;
	}
	/* the installed configuration, unless another or none is asked for */
	if (!ret && !config_file && !no_config && access(MIGBENCHD_CONFIG, F_OK) == 0)
		config_file = MIGBENCHD_CONFIG;
	if (!ret && config_file)
		ret = load_file(cfg, config_file, err, err_len);
	if (!ret) {
		/* flags over the file */
		if (flags.nr_listen) {
			clear_listen(cfg);
			memcpy(cfg->listen, flags.listen, sizeof(flags.listen));
			cfg->nr_listen = flags.nr_listen;
			flags.nr_listen = 0;
		}
#define TAKE(f) if (flags.f) { free(cfg->f); cfg->f = flags.f; flags.f = NULL; }
		TAKE(db) TAKE(data_dir) TAKE(token_file) TAKE(worker)
#undef TAKE
		ret = set_defaults(cfg, err, err_len);
	}
	if (!ret && cfg->token_file)
		ret = load_token(cfg, err, err_len);
	config_free(&flags);
	if (ret)
		config_free(cfg);
	return ret;
}

/*
 * The data directory holds every result and the daemon's log: only its
 * owner reads it (the API is how others see results).  One made by an
 * earlier migbenchd with a wider mode is narrowed; one that belongs to
 * someone else is left alone.
 */
static int make_private_dir(const char *dir)
{
	struct stat sb;
	int ret = mb_mkdir_p(dir, 0755, 0700);

	if (ret)
		return ret;
	if (lstat(dir, &sb))
		return -errno;
	if (S_ISDIR(sb.st_mode) && sb.st_uid == geteuid() && (sb.st_mode & 077) &&
	    chmod(dir, sb.st_mode & 07700))
		return -errno;
	return 0;
}

int config_prepare_dirs(const struct config *cfg, char *err, size_t err_len)
{
	char path[PATH_MAX];
	int ret = make_private_dir(cfg->data_dir);

	if (ret) {
		snprintf(err, err_len, "--data-dir %s: %s", cfg->data_dir, strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s", cfg->db);
	ret = mb_mkdir_p(dirname(path), 0755, 0700);
	if (ret) {
		snprintf(err, err_len, "--db %s: %s", cfg->db, strerror(-ret));
		return ret;
	}
	for (unsigned int i = 0; i < cfg->nr_listen; i++) {
		if (strncmp(cfg->listen[i], "unix:", 5))
			continue;
		snprintf(path, sizeof(path), "%s", cfg->listen[i] + 5);
		ret = mb_mkdir_p(dirname(path), 0755, 0755);
		if (ret) {
			snprintf(err, err_len, "--listen %s: %s", cfg->listen[i], strerror(-ret));
			return ret;
		}
	}
	ret = mb_mkdir_p(cfg->guest_kernel_dir, 0755, 0755);
	if (ret) {
		snprintf(err, err_len, "guest_kernel_dir %s: %s", cfg->guest_kernel_dir, strerror(-ret));
		return ret;
	}
	/* migration runs need root; a daemon that is not cannot make a root-only directory */
	if (geteuid() == 0) {
		char why[512];
		int fd = mb_privdir_open(cfg->migration_state_dir, MB_PRIVDIR_CREATE, why, sizeof(why));

		if (fd < 0) {
			snprintf(err, err_len, "migration_state_dir: %s", why);
			return fd;
		}
		close(fd);
	}
	return 0;
}

void config_free(struct config *cfg)
{
	clear_listen(cfg);
	free_host_names(cfg);
	free(cfg->db);
	free(cfg->data_dir);
	free(cfg->token_file);
	free(cfg->worker);
	free(cfg->token);
	free(cfg->guest_kernel_dir);
	free(cfg->migration_state_dir);
	free(cfg->host_kernel_dir);
	clear_query_allow(cfg);
	memset(cfg, 0, sizeof(*cfg));
}
