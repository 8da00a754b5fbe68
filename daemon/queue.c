// SPDX-License-Identifier: MIT
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adaptive.h"
#include "engine.h"
#include "holdings.h"
#include "summaries.h"
#include "worker_link.h"

struct queue {
	struct store *st;
	char *worker_path;
	const struct mb_site_policy *site;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool quit;
	bool kicked;
	int64_t running_id;	/* 0 when idle */
	pid_t worker_pid;
	bool cancel_requested;
};

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
	store_run_finish(q->st, id, state, result, error[0] ? error : NULL,
			 summary ? json_object_to_json_string_ext(summary,
						JSON_C_TO_STRING_PLAIN) : NULL);
	json_object_put(summary);
}

/*
 * The worker's request, {"kind", "spec", "site"}, its engine, and what the
 * run will hold of the host, as the engine says.  The worker checks the
 * spec against the site policy again before it runs anything.
 */
static int load_request(struct queue *q, int64_t id, char **request,
			const struct mb_engine **engine, struct mb_run_needs *needs)
{
	struct json_object *run, *sj, *kind, *req;
	void *spec;
	int ret = store_run_json(q->st, id, &run);

	memset(needs, 0, sizeof(*needs));
	if (ret)
		return ret;
	ret = -EINVAL;
	if (json_object_object_get_ex(run, "spec", &sj) &&
	    json_object_object_get_ex(run, "kind", &kind) &&
	    (*engine = mb_engine_find(json_object_get_string(kind)))) {
		ret = mb_engine_spec_parse(*engine, sj, q->site, &spec, NULL);
		if (!ret) {
			(*engine)->needs(spec, needs);
			free(spec);
		}
		req = json_object_new_object();
		json_object_object_add(req, "kind", json_object_get(kind));
		json_object_object_add(req, "spec", json_object_get(sj));
		json_object_object_add(req, "site", mb_site_to_json(q->site));
		*request = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
		json_object_put(req);
		if (!*request)
			ret = -ENOMEM;
	}
	json_object_put(run);
	return ret;
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

static void execute(struct queue *q, int64_t id)
{
	struct worker_outcome o = { "", NULL, false };
	const struct mb_engine *engine = NULL;
	struct mb_error err = { 0 };
	struct mb_run_needs needs;
	struct holdings held;
	char *spec_text = NULL;
	int to_w = -1, from_w = -1, wstatus = 0;
	bool cancelled, stopping;
	pid_t pid;

	/*
	 * Known as running before it is claimed, so a cancel always finds it
	 * either still queued (and the claim fails) or here.
	 */
	set_running(q, id, 0);
	if (store_run_start(q->st, id)) {
		set_running(q, 0, 0);
		return;
	}
	if (load_request(q, id, &spec_text, &engine, &needs)) {
		store_run_finish(q->st, id, "failed", "bad-spec",
				 "the stored spec cannot be read", NULL);
		goto out;
	}
	if (holdings_take(q->st, id, &needs, &held, &err)) {
		store_run_finish(q->st, id, "failed", "host-unavailable", err.message, NULL);
		goto out;
	}
	pid = worker_spawn(q->worker_path, &to_w, &from_w);
	if (pid < 0) {
		holdings_give_back(q->st, &held);
		store_run_finish(q->st, id, "failed", "worker-crashed",
				 "cannot start migbench-worker", NULL);
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

	worker_read(q->st, id, from_w, &o);
	waitpid(pid, &wstatus, 0);
	/* a worker killed mid-run could not take down what it started */
	if (WIFSIGNALED(wstatus))
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
}

static void *runner(void *arg)
{
	struct queue *q = arg;

	for (;;) {
		int64_t id = 0;

		pthread_mutex_lock(&q->lock);
		while (!q->quit && !q->kicked) {
			struct timespec t;

			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += 1;	/* also pick up runs queued by others */
			if (pthread_cond_timedwait(&q->cond, &q->lock, &t) == ETIMEDOUT)
				break;
		}
		q->kicked = false;
		if (q->quit) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		pthread_mutex_unlock(&q->lock);
		while (!store_next_queued(q->st, &id) && id) {
			execute(q, id);
			if (__atomic_load_n(&q->quit, __ATOMIC_ACQUIRE))
				return NULL;
		}
	}
}

int queue_start(struct store *st, const char *worker_path, const struct mb_site_policy *site,
		struct queue **out)
{
	struct queue *q = calloc(1, sizeof(*q));
	int ret;

	if (!q || !(q->worker_path = strdup(worker_path))) {
		free(q);
		return -ENOMEM;
	}
	q->st = st;
	q->site = site;
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
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->worker_path);
	free(q);
}
