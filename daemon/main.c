// SPDX-License-Identifier: MIT
/*
 * migbenchd: schedules benchmark runs over REST, runs them one at a time
 * in worker processes, and keeps every result in SQLite.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "api/app.h"
#include "api/routes.h"
#include "campaign/campaign.h"
#include "config.h"
#include "http/cache.h"
#include "http/server.h"
#include "notify.h"
#include "runs/queue.h"
#include "store/store.h"
#include "cgroup.h"

#define PROG "migbenchd"

/* Block the stop signals in every thread; main takes them with sigwait. */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int open_store(const struct config *cfg, struct store **st)
{
	char err[512];
	int ret = config_prepare_dirs(cfg, err, sizeof(err));

	if (!ret)
		ret = store_open(cfg->db, st, err, sizeof(err));
	if (ret)
		fprintf(stderr, PROG ": %s\n", err);
	return ret;
}

/*
 * Every connection is an fd: the soft limit (often 1024) would cap the
 * HTTP server far below its connection limits, so take the hard one.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			fprintf(stderr, PROG ": raising the open file limit: %s\n",
				strerror(errno));
	}
}

/*
 * Under a service manager that delegated the unit's cgroup (Delegate= in
 * migbenchd.service), live in a leaf of it, so that the memory controller
 * can be enabled below the unit and runs can measure the kernel memory of
 * their memslots in cgroups of their own beside the leaf.  Elsewhere
 * nothing moves, and runs record why they could not measure.
 */
static void settle_cgroup(void)
{
	struct mb_error err = { 0 };
	int ret = mb_cgroup_settle(PROG, &err);

	if (ret < 0)
		fprintf(stderr, PROG ": %s: kernel memory will not be measured\n", err.message);
	else if (ret)
		fprintf(stderr, PROG ": living in the leaf cgroup " PROG
			" of the cgroup delegated to it\n");
}

static int start_server(const struct config *cfg, struct app *app,
			struct http_server **srv)
{
	char err[512], status[512] = "STATUS=listening on";
	int ret = http_start((const char *const *)cfg->listen, cfg->nr_listen,
			     cfg->token != NULL, api_dispatch, app, srv, err,
			     sizeof(err));

	if (ret) {
		fprintf(stderr, PROG ": %s\n", err);
		return ret;
	}
	for (unsigned int i = 0; i < cfg->nr_listen; i++) {
		const char *a = http_bound_address(*srv, i);

		fprintf(stderr, PROG ": listening on %s\n", a);
		snprintf(status + strlen(status), sizeof(status) - strlen(status), " %s", a);
	}
	notify(status);
	return 0;
}

static int wait_for_stop(const sigset_t *set)
{
	int sig = 0;

	do {
		sigwait(set, &sig);
	} while (sig == SIGHUP);	/* nothing to reload */
	return sig;
}

int main(int argc, char **argv)
{
	struct http_server *srv = NULL;
	struct store *st = NULL;
	struct config cfg;
	struct app app = { 0 };
	char err[512];
	sigset_t set;
	int ret, sig;

	ret = config_parse(argc, argv, &cfg, err, sizeof(err));
	if (ret) {
		if (ret < 0)
			fprintf(stderr, PROG ": %s\n", err);
		return ret < 0 ? 2 : 0;
	}
	block_signals(&set);
	settle_cgroup();
	ret = open_store(&cfg, &st);
	if (ret)
		goto out;
	ret = queue_recover(st, &cfg.site);
	if (ret)
		fprintf(stderr, PROG ": cleaning up after an earlier run: %s\n",
			strerror(-ret));
	ret = campaigns_open(st, &cfg.campaigns, &app.campaigns);
	if (ret) {
		fprintf(stderr, PROG ": reading this boot for campaigns: %s\n", strerror(-ret));
		goto out;
	}
	ret = queue_start(st, cfg.worker, &cfg.limits, &cfg.site, app.campaigns, &app.queue);
	if (ret) {
		fprintf(stderr, PROG ": starting the run queue: %s\n", strerror(-ret));
		goto out;
	}
	app.st = st;
	app.access.token = cfg.token;
	app.access.host_names = (const char *const *)cfg.host_names;
	app.limits = &cfg.limits;
	app.site = &cfg.site;
	app.campaign_policy = &cfg.campaigns;
	app.runs_cache = cache_new(32);
	app.run_cache = cache_new(64);
	if (!app.runs_cache || !app.run_cache) {
		ret = -ENOMEM;
		goto out;
	}
	raise_fd_limit();
	ret = start_server(&cfg, &app, &srv);
	if (ret)
		goto out;
	notify("READY=1");
	sig = wait_for_stop(&set);
	fprintf(stderr, PROG ": signal %d, stopping\n", sig);
	notify("STOPPING=1");
	ret = 0;
out:
	http_stop(srv);
	queue_stop(app.queue);
	campaigns_close(app.campaigns);
	cache_free(app.runs_cache);
	cache_free(app.run_cache);
	store_close(st);
	config_free(&cfg);
	return ret ? 1 : 0;
}
