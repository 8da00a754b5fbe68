// SPDX-License-Identifier: MIT

#include "runs/queue.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "campaign/campaign.h"
#include "campaign/hostboot.h"
#include "request/run_limits.h"
#include "runs/adaptive.h"
#include "runs/holdings.h"
#include "runs/summaries.h"
#include "runs/worker_link.h"
#include "store/runs.h"
#include "store/store.h"
#include "engine.h"

/* A finished run the store could not take yet (disk full, locked). */
struct unrecorded {
	int64_t id;
	char state[16], result[32];
	char *error, *summary;
};

struct queue {
	struct store *st;
	char *worker_path;
	const struct limits *limits;
	const struct mb_site_policy *site;
	struct campaigns *campaigns;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool quit;
	bool kicked;
	int64_t running_id;	/* 0 when idle */
	pid_t worker_pid;
	bool cancel_requested;
	/*
	 * While the store cannot be written the queue waits, says why, and
	 * retries every PAUSE_RETRY_S rather than claiming runs in a loop.
	 */
	char paused[320];
	struct unrecorded unrecorded;
};

#define PAUSE_RETRY_S	10

static void set_paused(struct queue *q, const char *why)
{
	pthread_mutex_lock(&q->lock);
	if (strcmp(q->paused, why ? why : ""))
		fprintf(stderr, "migbenchd: %s%s\n", why ? "queue paused: " : "queue resumed",
			why ? why : "");
	snprintf(q->paused, sizeof(q->paused), "%s", why ? why : "");
	pthread_mutex_unlock(&q->lock);
}

/*
 * Record a run's end.  When the store refuses, the queue keeps it, pauses
 * and tries again before it starts anything else: the run never stays
 * "running" while the daemon lives.
 */
static void record_finish(struct queue *q, int64_t id, const char *state, const char *result,
			  const char *error, const char *summary)
{
	struct unrecorded *u = &q->unrecorded;
	char why[320];
	int ret = store_run_finish(q->st, id, state, result, error, summary);

	if (!ret)
		return;
	u->id = id;
	snprintf(u->state, sizeof(u->state), "%s", state);
	snprintf(u->result, sizeof(u->result), "%s", result);
	u->error = error ? strdup(error) : NULL;
	u->summary = summary ? strdup(summary) : NULL;
	snprintf(why, sizeof(why), "the database cannot be written (%s): run %lld ended %s "
		 "but is not recorded yet; retrying every %d s", store_strerror(ret), (long long)id,
		 state, PAUSE_RETRY_S);
	set_paused(q, why);
}

/* The kept end of a run, written now if the store takes it: 0 or -errno. */
static int record_unrecorded(struct queue *q)
{
	struct unrecorded *u = &q->unrecorded;
	int ret;

	if (!u->id)
		return 0;
	ret = store_run_finish(q->st, u->id, u->state, u->result, u->error, u->summary);
	if (ret)
		return ret;
	free(u->error);
	free(u->summary);
	memset(u, 0, sizeof(*u));
	return 0;
}

static bool is_worker(pid_t pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strncmp(comm, "migbench-worker", 15);
}

/*
 * What runs of an engine leave behind when their worker dies (a migration's
 * guests outlive its libvirtd): each engine takes down its own.
 */
static void reap_leftovers(const struct mb_site_policy *site, const struct mb_engine *only)
{
	const struct mb_engine *e;

	for (unsigned int i = 0; (e = mb_engine_at(i)); i++) {
		int n;

		if (only && e != only)
			continue;
		n = e->reap_leftovers(site);
		if (n > 0)
			fprintf(stderr, "migbenchd: took down %d thing(s) left by %s runs\n",
				n, e->kind);
	}
}

int queue_recover(struct store *st, const struct mb_site_policy *site)
{
	int pids[16], n = store_running_pids(st, pids, 16);

	/* Workers die with their parent; one that has not yet is told to. */
	for (int i = 0; i < n; i++) {
		if (!is_worker(pids[i]))
			continue;
		kill(pids[i], SIGTERM);
		for (int t = 0; t < 300 && kill(pids[i], 0) == 0; t++)
			usleep(100 * 1000);
	}
	n = store_interrupt_running(st, "migbenchd stopped while the run was running");
	if (n < 0)
		return n;
	reap_leftovers(site, NULL);
	return holdings_restore(st);
}

/* The run's final state from what the worker said and how it ended. */
static void finish_run(struct queue *q, int64_t id, struct worker_outcome *o,
		       int wstatus, bool cancelled, bool stopping)
{
	const char *state = "failed", *result = o->outcome;
	struct json_object *summary = NULL;
	char error[600];

	snprintf(error, sizeof(error), "%s", o->error ? o->error : "");
	if (cancelled) {
		state = "cancelled";
		result = "cancelled";
		snprintf(error, sizeof(error), "cancelled while running");
	} else if (!strcmp(o->outcome, "ok") && !o->protocol_error) {
		state = "done";
		summary = summary_of_run(q->st, id);
	} else if (!strcmp(o->outcome, "interrupted") || stopping) {
		state = "interrupted";
		result = "interrupted";
		snprintf(error, sizeof(error), "migbenchd stopped during the run");
	} else if (!o->outcome[0]) {
		result = "worker-crashed";
		if (WIFSIGNALED(wstatus))
			snprintf(error, sizeof(error), "migbench-worker was killed by signal %d",
				 WTERMSIG(wstatus));
		else
			snprintf(error, sizeof(error), "migbench-worker exited with status %d "
				 "without a result", WEXITSTATUS(wstatus));
	} else if (o->protocol_error) {
		result = "worker-crashed";
		snprintf(error, sizeof(error), "migbench-worker wrote lines it should not");
	}
	if (o->store_error) {	/* the run measured, but not all of it was kept */
		state = "failed";
		result = "store-failed";
		snprintf(error, sizeof(error), "storing the run's results failed (%s); "
			 "%llu samples were stored before", store_strerror(o->store_error),
			 (unsigned long long)o->stored);
	} else if (o->over_limit && !cancelled && !stopping) {
		state = "failed";
		result = "run-failed";
		snprintf(error, sizeof(error), "stopped after %llu samples, the limit "
			 "samples_per_run", (unsigned long long)o->stored);
	}
	record_finish(q, id, state, result, error[0] ? error : NULL,
		      summary ? json_object_to_json_string_ext(summary,
						JSON_C_TO_STRING_PLAIN) : NULL);
	json_object_put(summary);
}

/*
 * The worker's request, {"kind", "spec", "site"}, its engine, and what the
 * run will hold of the host, as the engine says.  The worker checks the
 * spec against the site policy again before it runs anything.
 */
/*
 * The stored request of run id, checked again here: the host may have
 * changed since it was queued (another kernel booted by a campaign, swap
 * gone).  err says what is wrong with it now.
 */
static int load_request(struct queue *q, int64_t id, char **request,
			const struct mb_engine **engine, struct mb_run_needs *needs,
			struct mb_error *err)
{
	struct json_object *req;
	struct store_run run;
	void *spec;
	int ret = store_run_get(q->st, id, &run);

	memset(needs, 0, sizeof(*needs));
	if (ret)
		return mb_error_set(err, ret, NULL, "the store failed");
	ret = mb_error_set(err, -EINVAL, NULL, "it has no spec of a known kind");
	if (run.spec && run.kind && (*engine = mb_engine_find(run.kind))) {
		memset(err, 0, sizeof(*err));
		ret = mb_engine_spec_parse(*engine, run.spec, q->site, &spec, err);
		if (!ret) {
			(*engine)->needs(spec, needs);
			free(spec);
		}
		req = json_object_new_object();
		json_object_object_add(req, "kind", json_object_new_string(run.kind));
		json_object_object_add(req, "spec", json_object_get(run.spec));
		json_object_object_add(req, "site", mb_site_to_json(q->site));
		*request = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
		json_object_put(req);
		if (!*request)
			ret = mb_error_set(err, -ENOMEM, NULL, "out of memory");
	}
	store_run_clear(&run);
	return ret;
}

/*
 * Wait for the worker's end without reaping it, forget its pid, then reap:
 * until then the pid cannot be reused, so a cancel's kill() never reaches
 * another process.
 */
static void wait_worker(struct queue *q, pid_t pid, int *wstatus)
{
	siginfo_t info;

	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&q->lock);
	q->worker_pid = 0;
	pthread_mutex_unlock(&q->lock);
	while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
		;
}

/* The runner owns run id from now on: cancel finds it here. */
static void set_running(struct queue *q, int64_t id, pid_t pid)
{
	pthread_mutex_lock(&q->lock);
	q->running_id = id;
	q->worker_pid = pid;
	if (!id)
		q->cancel_requested = false;
	pthread_mutex_unlock(&q->lock);
}

/* One run, start to end; 0, or -errno when the store would not start it. */
static int execute(struct queue *q, int64_t id)
{
	struct worker_outcome o = { .outcome = "" };
	const struct mb_engine *engine = NULL;
	struct mb_error err = { 0 };
	struct mb_run_needs needs;
	struct holdings held;
	char *spec_text = NULL;
	int to_w = -1, from_w = -1, wstatus = 0;
	bool cancelled, stopping;
	pid_t pid;
	int ret;

	/*
	 * Known as running before it is claimed, so a cancel always finds it
	 * either still queued (and the claim fails) or here.
	 */
	set_running(q, id, 0);
	ret = store_run_start(q->st, id);
	if (ret) {
		set_running(q, 0, 0);
		return ret == -EALREADY ? 0 : ret;	/* cancelled meanwhile: next */
	}
	if (load_request(q, id, &spec_text, &engine, &needs, &err)) {
		char why[sizeof(err.message) + 64];

		snprintf(why, sizeof(why), "the stored spec cannot be run here: %s", err.message);
		record_finish(q, id, "failed", "bad-spec", why, NULL);
		goto out;
	}
	if (holdings_take(q->st, id, &needs, &held, &err)) {
		record_finish(q, id, "failed", "host-unavailable", err.message, NULL);
		goto out;
	}
	pid = worker_spawn(q->worker_path, &to_w, &from_w);
	if (pid < 0) {
		holdings_give_back(q->st, &held);
		record_finish(q, id, "failed", "worker-crashed", "cannot start migbench-worker",
			      NULL);
		goto out;
	}
	store_run_set_worker(q->st, id, pid);
	pthread_mutex_lock(&q->lock);
	q->worker_pid = pid;
	if (q->cancel_requested || q->quit)	/* asked before the worker existed */
		kill(pid, SIGTERM);
	pthread_mutex_unlock(&q->lock);

	/* the spec is far below the pipe's buffer: one write, then EOF */
	if (write(to_w, spec_text, strlen(spec_text)) < 0)
		o.protocol_error = true;
	close(to_w);

	worker_read(q->st, id, from_w, pid, q->limits->samples_per_run, &o);
	wait_worker(q, pid, &wstatus);
	/*
	 * A worker that died without saying how its run ended (a signal, a
	 * crash) could not take down what it started; before its hugepages
	 * go back to the pool, its guests must be gone.
	 */
	if (WIFSIGNALED(wstatus) || !o.outcome[0])
		reap_leftovers(q->site, engine);
	holdings_give_back(q->st, &held);

	pthread_mutex_lock(&q->lock);
	cancelled = q->cancel_requested;
	stopping = q->quit;
	pthread_mutex_unlock(&q->lock);
	finish_run(q, id, &o, wstatus, cancelled, stopping);
	if (!strcmp(o.outcome, "ok") && !o.protocol_error && !cancelled && !stopping)
		adaptive_extend_group(q->st, engine, id);
	free(o.error);
out:
	free(spec_text);
	set_running(q, 0, 0);
	return 0;
}

/*
 * Sleep until kicked, quit, or seconds passed; false on quit.  A paused
 * queue sleeps the whole time: new runs do not make the store writable.
 */
static bool idle(struct queue *q, int seconds)
{
	struct timespec t;
	bool quit;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += seconds;
	pthread_mutex_lock(&q->lock);
	while (!q->quit && (!q->kicked || q->paused[0]))
		if (pthread_cond_timedwait(&q->cond, &q->lock, &t) == ETIMEDOUT)
			break;
	q->kicked = false;
	quit = q->quit;
	pthread_mutex_unlock(&q->lock);
	return !quit;
}

/* Once the store takes writes again, the queue goes on. */
static bool store_writable(struct queue *q)
{
	if (record_unrecorded(q))
		return false;
	set_paused(q, NULL);	/* says "resumed" only if it was paused */
	return true;
}

static void *runner(void *arg)
{
	struct queue *q = arg;
	int wait_s = 1;	/* also pick up runs queued by others */

	while (idle(q, wait_s)) {
		int64_t id = 0;
		int ret = 0;

		if (!store_writable(q)) {
			wait_s = PAUSE_RETRY_S;
			continue;
		}
		/* any run, a campaign's or not, may be the first of a boot */
		while (hostboot_kvm_settled() &&
		       !(ret = store_next_queued(q->st, campaigns_boot(q->campaigns)->boot_id,
						 &id)) && id) {
			ret = execute(q, id);
			if (ret || q->unrecorded.id)
				break;
			if (__atomic_load_n(&q->quit, __ATOMIC_ACQUIRE))
				return NULL;
		}
		/* nothing may run now: a campaign may queue, end a step, or reboot */
		if (!ret && !q->unrecorded.id && !__atomic_load_n(&q->quit, __ATOMIC_ACQUIRE))
			campaigns_tick(q->campaigns);
		if (ret) {
			char why[320];

			snprintf(why, sizeof(why), "the database cannot be written (%s): "
				 "queued runs wait; retrying every %d s", store_strerror(ret),
				 PAUSE_RETRY_S);
			set_paused(q, why);
		}
		wait_s = ret || q->unrecorded.id ? PAUSE_RETRY_S : 1;
	}
	return NULL;
}

int queue_start(struct store *st, const char *worker_path, const struct limits *limits,
		const struct mb_site_policy *site, struct campaigns *campaigns,
		struct queue **out)
{
	struct queue *q = calloc(1, sizeof(*q));
	int ret;

	if (!q || !(q->worker_path = strdup(worker_path))) {
		free(q);
		return -ENOMEM;
	}
	q->st = st;
	q->limits = limits;
	q->site = site;
	q->campaigns = campaigns;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	ret = -pthread_create(&q->thread, NULL, runner, q);
	if (ret) {
		free(q->worker_path);
		free(q);
		return ret;
	}
	*out = q;
	return 0;
}

void queue_kick(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->kicked = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

int queue_cancel_running(struct queue *q, int64_t id)
{
	int ret = -ESRCH;

	pthread_mutex_lock(&q->lock);
	if (q->running_id == id) {
		q->cancel_requested = true;
		if (q->worker_pid > 0)	/* else execute() sees the flag */
			kill(q->worker_pid, SIGTERM);
		ret = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return ret;
}

bool queue_paused(struct queue *q, char *why, size_t len)
{
	bool paused;

	pthread_mutex_lock(&q->lock);
	paused = q->paused[0] != '\0';
	snprintf(why, len, "%s", q->paused);
	pthread_mutex_unlock(&q->lock);
	return paused;
}

int64_t queue_running_id(struct queue *q)
{
	int64_t id;

	pthread_mutex_lock(&q->lock);
	id = q->running_id;
	pthread_mutex_unlock(&q->lock);
	return id;
}

void queue_stop(struct queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	__atomic_store_n(&q->quit, true, __ATOMIC_RELEASE);
	if (q->worker_pid > 0)
		kill(q->worker_pid, SIGTERM);	/* it cleans up and reports */
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	/* a last try; else the next start marks the run interrupted */
	if (record_unrecorded(q))
		fprintf(stderr, "migbenchd: run %lld's end could not be recorded\n",
			(long long)q->unrecorded.id);
	free(q->unrecorded.error);
	free(q->unrecorded.summary);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->worker_path);
	free(q);
}
