// SPDX-License-Identifier: MIT
#include "jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backing.h"
#include "hostinfo.h"
#include "libvirtd.h"
#include "migspec.h"
#include "stats.h"
#include "twosample.h"
#include "hugepages.h"
#include "strict_json.h"
#include "worker_protocol.h"

/*
 * Samples are collected, sorted into the table's key order and inserted in
 * transactions of SAMPLE_BATCH rows, so that every insert appends at the
 * right edge of the B-tree (a run's samples only come after the run is
 * over).  Past SAMPLE_HOLD rows they are flushed early.
 */
#define SAMPLE_BATCH 65536
#define SAMPLE_HOLD (2 * 1024 * 1024)

struct jobs {
	struct store *st;
	char *worker_path;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool quit;
	bool kicked;
	int64_t running_id;	/* 0 when idle */
	pid_t worker_pid;
	bool cancel_requested;
};

/* Hugepages migbench raised the pool by for one run. */
struct held_pages {
	struct mb_hugepage_reservation resv;
	int64_t holding_id;
};

/* What reading a worker's output came to. */
struct worker_outcome {
	char outcome[32];	/* from its X line; "" if it never said */
	char *error;
	bool protocol_error;
};

static void give_back_holding(void *ctx, int64_t id, int64_t run_id,
			      uint64_t page_size, long previous_nr)
{
	struct store *st = ctx;
	struct mb_hugepage_reservation r = {
		.page_size = page_size, .previous_nr = previous_nr, .active = true,
	};
	char msg[160];

	if (mb_hugepages_release(&r) == 0) {
		store_holding_release(st, id);
		snprintf(msg, sizeof(msg),
			 "migbenchd restarted: %s hugepage pool put back to %ld",
			 mb_hugepage_size_name(page_size), previous_nr);
		store_add_event(st, run_id, msg);
	}
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

int jobs_recover(struct store *st)
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
	/* guests of migrations whose worker was killed outlive their libvirtd */
	n = mb_reap_leftovers();
	if (n > 0)
		fprintf(stderr, "migbenchd: killed %d leftover migration guest(s)\n", n);
	return store_holdings_open(st, give_back_holding, st);
}

/* What a run needs of a hugepage pool: its page size and how many. */
struct page_need {
	uint64_t page_size;
	long pages;
};

static int take_hugepages(struct jobs *j, int64_t id, struct page_need want,
			  struct held_pages *held, char *err, size_t err_len)
{
	uint64_t psize = want.page_size;
	long need = want.pages;
	struct mb_hugepage_pool pool;
	int ret;

	if (!need)
		return 0;
	if (mb_hugepages_read(psize, &pool)) {
		snprintf(err, err_len, "this kernel has no %s hugepage pool",
			 mb_hugepage_size_name(psize));
		return -EOPNOTSUPP;
	}
	if (pool.free - pool.resv >= need)
		return 0;
	/* Written down before the pool grows, so a crash cannot leak it. */
	ret = store_holding_add(j->st, id, psize, pool.nr, &held->holding_id);
	if (ret) {
		snprintf(err, err_len, "cannot record the hugepage reservation: %s",
			 strerror(-ret));
		return ret;
	}
	ret = mb_hugepages_reserve(psize, need, &held->resv, err, err_len);
	if (ret || !held->resv.active) {
		store_holding_release(j->st, held->holding_id);
		held->holding_id = 0;
	}
	return ret;
}

static void give_back_hugepages(struct jobs *j, struct held_pages *held)
{
	mb_hugepages_release(&held->resv);
	if (held->holding_id)
		store_holding_release(j->st, held->holding_id);
}

/* fork + exec the worker with its stdin and stdout on pipes. */
static pid_t spawn_worker(struct jobs *j, int *to_worker, int *from_worker)
{
	int in[2], out[2];
	char parent[32];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -errno;
	snprintf(parent, sizeof(parent), "%s=%d", WORKER_PARENT_ENV, (int)getpid());
	pid = fork();
	if (pid == 0) {
		/* only async-signal-safe calls between fork and exec */
		char *argv[] = { j->worker_path, NULL };
		char *envp[] = { parent, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		sigset_t none;

		/*
		 * The daemon's threads block SIGTERM for sigwait and ignore
		 * SIGPIPE; both would pass through exec to the worker.
		 */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		execve(j->worker_path, argv, envp);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return -errno;
	}
	*to_worker = in[1];
	*from_worker = out[0];
	return pid;
}

static int handle_result_line(struct jobs *j, int64_t id, const char *json)
{
	struct json_object *head, *spec, *env;
	char err[128];
	int ret;

	if (mb_json_parse(json, strlen(json), &head, err, sizeof(err)))
		return -EPROTO;
	if (!json_object_object_get_ex(head, "spec", &spec) ||
	    !json_object_object_get_ex(head, "environment", &env)) {
		json_object_put(head);
		return -EPROTO;
	}
	ret = store_run_set_environment(j->st, id,
		json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN), env);
	json_object_put(head);
	return ret;
}

static bool next_number(char **p, char stop, unsigned long long *v)
{
	char *end;

	if (**p < '0' || **p > '9')
		return false;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno || *end != stop)
		return false;
	*p = end + (stop != '\0');
	return true;
}

/* "<metric> <iteration> <seq> <value>"; by hand, it is the hot path. */
static int parse_sample(char *line, struct mb_sample *out)
{
	static __thread char last_name[64];
	static __thread int last_metric = -1;
	unsigned long long it, seq, value;
	char *p = strchr(line, ' ');

	if (!p || p - line >= (long)sizeof(last_name))
		return -EPROTO;
	*p++ = '\0';
	if (last_metric < 0 || strcmp(line, last_name)) {
		last_metric = mb_metric_from_name(line);
		snprintf(last_name, sizeof(last_name), "%s", line);
	}
	if (last_metric < 0 || !next_number(&p, ' ', &it) || !next_number(&p, ' ', &seq) ||
	    !next_number(&p, '\0', &value) || it > UINT32_MAX || seq > UINT32_MAX)
		return -EPROTO;
	*out = (struct mb_sample){ last_metric, (uint32_t)it, (uint32_t)seq, value };
	return 0;
}

static int cmp_sample_key(const void *a, const void *b)
{
	const struct mb_sample *x = a, *y = b;

	if (x->iteration != y->iteration)
		return x->iteration < y->iteration ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Each metric's place in the order of metric names (the table's order). */
static void metric_ranks(int *rank)
{
	int order[MB_NR_METRICS];

	for (int m = 0; m < MB_NR_METRICS; m++)
		order[m] = m;
	for (int a = 1; a < MB_NR_METRICS; a++)	/* insertion sort by name */
		for (int b = a; b > 0 && strcmp(mb_metric_name(order[b - 1]),
						  mb_metric_name(order[b])) > 0; b--) {
			int t = order[b];

			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	for (int i = 0; i < MB_NR_METRICS; i++)
		rank[order[i]] = i;
}

/*
 * Key order in O(n): a stable counting sort by metric name; within a
 * metric a worker already sends (iteration, seq) in order, which is only
 * checked, and a bucket out of order is sorted.
 */
static struct mb_sample *sort_by_key(const struct mb_samples *held)
{
	struct mb_sample *out = malloc(held->len * sizeof(*out));
	size_t start[MB_NR_METRICS + 1] = { 0 }, fill[MB_NR_METRICS];
	int rank[MB_NR_METRICS];

	if (!out)
		return NULL;
	metric_ranks(rank);
	for (size_t i = 0; i < held->len; i++)
		start[rank[held->rows[i].metric] + 1]++;
	for (int r = 0; r < MB_NR_METRICS; r++)
		start[r + 1] += start[r];
	memcpy(fill, start, sizeof(fill));
	for (size_t i = 0; i < held->len; i++)
		out[fill[rank[held->rows[i].metric]]++] = held->rows[i];
	for (int r = 0; r < MB_NR_METRICS; r++)
		for (size_t i = start[r] + 1; i < start[r + 1]; i++)
			if (cmp_sample_key(&out[i - 1], &out[i]) > 0) {
				qsort(out + start[r], start[r + 1] - start[r], sizeof(*out),
				      cmp_sample_key);
				break;
			}
	return out;
}

/* Store what is held, in key order and in batches; 0 or the first error. */
static int store_held(struct jobs *j, int64_t id, struct mb_samples *held)
{
	struct mb_sample *sorted = sort_by_key(held);
	int ret = sorted ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < held->len; i += SAMPLE_BATCH)
		ret = store_add_samples(j->st, id, sorted + i,
					held->len - i < SAMPLE_BATCH ? held->len - i : SAMPLE_BATCH);
	free(sorted);
	held->len = 0;
	return ret;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void read_worker(struct jobs *j, int64_t id, int fd,
			struct worker_outcome *o)
{
	struct mb_samples batch = { 0 };
	struct timespec first_sample = { 0 };
	uint64_t stored = 0;
	FILE *f = fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		close(fd);
		o->protocol_error = true;
		return;
	}
	mb_samples_reserve(&batch, SAMPLE_BATCH);	/* grows up to SAMPLE_HOLD */
	while ((n = getline(&line, &cap, f)) > 0) {
		struct mb_sample s;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n < 2 || line[1] != ' ') {
			o->protocol_error = true;
			continue;
		}
		switch (line[0]) {
		case 'P':
			store_add_event(j->st, id, line + 2);
			break;
		case 'R':
			if (handle_result_line(j, id, line + 2))
				o->protocol_error = true;
			break;
		case 'S':
			if (!stored && !batch.len)
				clock_gettime(CLOCK_MONOTONIC, &first_sample);
			if (parse_sample(line + 2, &s) ||
			    mb_samples_add(&batch, s.metric, s.iteration, s.seq, s.value)) {
				o->protocol_error = true;
				break;
			}
			if (batch.len == SAMPLE_HOLD) {
				stored += batch.len;
				if (store_held(j, id, &batch))
					o->protocol_error = true;
			}
			break;
		case 'X': {
			char *sp = strchr(line + 2, ' ');

			if (sp)
				*sp++ = '\0';
			snprintf(o->outcome, sizeof(o->outcome), "%s", line + 2);
			o->error = strdup(sp ? sp : "");
			break;
		}
		default:
			o->protocol_error = true;
		}
	}
	if (batch.len) {
		stored += batch.len;
		if (store_held(j, id, &batch))
			o->protocol_error = true;
	}
	if (stored) {
		char msg[96];

		snprintf(msg, sizeof(msg), "stored %llu samples in %.3f s",
			 (unsigned long long)stored, seconds_since(&first_sample));
		store_add_event(j->st, id, msg);
	}
	mb_samples_free(&batch);
	free(line);
	fclose(f);
}

/* The run's final state from what the worker said and how it ended. */
static void finish_run(struct jobs *j, int64_t id, struct worker_outcome *o,
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
		summary = store_summary_json(j->st, id);
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
	store_run_finish(j->st, id, state, result, error[0] ? error : NULL,
			 summary ? json_object_to_json_string_ext(summary,
						JSON_C_TO_STRING_PLAIN) : NULL);
	json_object_put(summary);
}

/*
 * Whether the group's median of metric is known to within target percent
 * (95% CI half-width); if not, why, in reason.  Absent metrics pass.
 */
static bool within_target(struct jobs *j, int64_t group, const char *metric,
			  double target, char *reason, size_t len)
{
	double *v, lo, hi, median, half;
	bool ok = true;
	size_t n;

	if (store_group_medians(j->st, group, metric, &v, &n) || !n) {
		free(v);
		return true;
	}
	qsort(v, n, sizeof(double), mb_cmp_double);
	median = mb_quantile_sorted(v, n, 0.5);
	if (!mb_median_ci(v, n, 0.95, &lo, &hi)) {
		snprintf(reason, len, "%s: %zu runs give no 95%% CI of the median yet", metric, n);
		ok = false;
	} else if ((half = (hi - lo) / 2 / median * 100) > target) {
		snprintf(reason, len, "%s: median CI +/-%.1f%% over the %g%% target",
			 metric, half, target);
		ok = false;
	}
	free(v);
	return ok;
}

/*
 * Adaptive repetition: after a run of a group with a target, queue one
 * more run while a headline metric (clearing the dirty log, or getting it
 * when KVM_GET_DIRTY_LOG clears, and disabling dirty logging) has a 95% CI
 * of its median (one value per done run) wider than the target.  One run
 * at a time, so groups queued together stay interleaved.
 */
static void extend_group(struct jobs *j, int64_t id)
{
	struct group_state g;
	char reason[200] = "", msg[300];
	double *clear;
	size_t nclear = 0;
	int64_t next;

	if (store_group_state(j->st, id, &g) || g.target_ci_percent <= 0 || g.pending)
		return;
	if (store_group_medians(j->st, g.group_id, "clear_dirty_log_ns", &clear, &nclear))
		nclear = 0;
	free(clear);
	if (within_target(j, g.group_id, nclear ? "clear_dirty_log_ns" : "get_dirty_log_ns",
			  g.target_ci_percent, reason, sizeof(reason)))
		within_target(j, g.group_id, "disable_dirty_log_ns", g.target_ci_percent,
			      reason, sizeof(reason));
	if (!reason[0])
		snprintf(msg, sizeof(msg), "group %lld: every headline CI within %g%% after %u runs",
			 (long long)g.group_id, g.target_ci_percent, g.runs);
	else if (g.runs >= g.max_repeat)
		snprintf(msg, sizeof(msg), "group %lld: max_repeat %u reached (%s)",
			 (long long)g.group_id, g.max_repeat, reason);
	else if (store_extend_group(j->st, g.group_id, &next) == 0)
		snprintf(msg, sizeof(msg), "group %lld: %s; queued run %lld",
			 (long long)g.group_id, reason, (long long)next);
	else
		snprintf(msg, sizeof(msg), "group %lld: could not queue another run",
			 (long long)g.group_id);
	store_add_event(j->st, id, msg);
}

/*
 * The worker's request, {"kind", "spec"}, and the hugepages the run needs
 * (a local migration holds the guest's memory twice while it moves).
 */
static int load_request(struct jobs *j, int64_t id, char **request, struct page_need *need)
{
	struct json_object *run = store_run_json(j->st, id), *sj, *kind, *req;
	struct mb_spec_error err;
	int ret = -ENOENT;

	memset(need, 0, sizeof(*need));
	if (run && json_object_object_get_ex(run, "spec", &sj) &&
	    json_object_object_get_ex(run, "kind", &kind)) {
		if (!strcmp(json_object_get_string(kind), "migration")) {
			struct mb_migspec m;

			mb_migspec_init(&m);
			ret = mb_migspec_from_json(&m, sj, mb_online_cpus(), &err);
			need->page_size = mb_migspec_page_size(&m);
			if (need->page_size)
				need->pages = (long)(m.memory / need->page_size) *
					      (strcmp(m.destination, "local") ? 1 : 2);
		} else {
			struct mb_spec spec;

			mb_spec_init(&spec);
			ret = mb_spec_from_json(&spec, sj, &err);
			need->page_size = mb_backing_page_size(spec.backing);
			need->pages = mb_backing_hugepages_needed(spec.backing,
						mb_spec_total_pages(&spec) * 4096);
		}
		req = json_object_new_object();
		json_object_object_add(req, "kind", json_object_get(kind));
		json_object_object_add(req, "spec", json_object_get(sj));
		*request = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
		json_object_put(req);
		if (!*request)
			ret = -ENOMEM;
	}
	json_object_put(run);
	return ret;
}

/* The runner owns run id from now on: cancel finds it here. */
static void set_running(struct jobs *j, int64_t id, pid_t pid)
{
	pthread_mutex_lock(&j->lock);
	j->running_id = id;
	j->worker_pid = pid;
	if (!id)
		j->cancel_requested = false;
	pthread_mutex_unlock(&j->lock);
}

static void execute(struct jobs *j, int64_t id)
{
	struct held_pages held = { 0 };
	struct worker_outcome o = { "", NULL, false };
	struct page_need need;
	char *spec_text = NULL, err[512];
	int to_w = -1, from_w = -1, wstatus = 0;
	bool cancelled, stopping;
	pid_t pid;

	/*
	 * Known as running before it is claimed, so a cancel always finds it
	 * either still queued (and the claim fails) or here.
	 */
	set_running(j, id, 0);
	if (store_run_start(j->st, id)) {
		set_running(j, 0, 0);
		return;
	}
	if (load_request(j, id, &spec_text, &need)) {
		store_run_finish(j->st, id, "failed", "bad-spec",
				 "the stored spec cannot be read", NULL);
		goto out;
	}
	if (take_hugepages(j, id, need, &held, err, sizeof(err))) {
		store_run_finish(j->st, id, "failed", "host-unavailable", err, NULL);
		goto out;
	}
	pid = spawn_worker(j, &to_w, &from_w);
	if (pid < 0) {
		give_back_hugepages(j, &held);
		store_run_finish(j->st, id, "failed", "worker-crashed",
				 "cannot start migbench-worker", NULL);
		goto out;
	}
	store_run_set_worker(j->st, id, pid);
	pthread_mutex_lock(&j->lock);
	j->worker_pid = pid;
	if (j->cancel_requested || j->quit)	/* asked before the worker existed */
		kill(pid, SIGTERM);
	pthread_mutex_unlock(&j->lock);

	/* the spec is far below the pipe's buffer: one write, then EOF */
	if (write(to_w, spec_text, strlen(spec_text)) < 0)
		o.protocol_error = true;
	close(to_w);

	read_worker(j, id, from_w, &o);
	waitpid(pid, &wstatus, 0);
	give_back_hugepages(j, &held);

	pthread_mutex_lock(&j->lock);
	cancelled = j->cancel_requested;
	stopping = j->quit;
	pthread_mutex_unlock(&j->lock);
	finish_run(j, id, &o, wstatus, cancelled, stopping);
	if (!strcmp(o.outcome, "ok") && !o.protocol_error && !cancelled && !stopping)
		extend_group(j, id);
	free(o.error);
out:
	free(spec_text);
	set_running(j, 0, 0);
}

static void *runner(void *arg)
{
	struct jobs *j = arg;

	for (;;) {
		int64_t id = 0;

		pthread_mutex_lock(&j->lock);
		while (!j->quit && !j->kicked) {
			struct timespec t;

			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += 1;	/* also pick up runs queued by others */
			if (pthread_cond_timedwait(&j->cond, &j->lock, &t) == ETIMEDOUT)
				break;
		}
		j->kicked = false;
		if (j->quit) {
			pthread_mutex_unlock(&j->lock);
			return NULL;
		}
		pthread_mutex_unlock(&j->lock);
		while (!store_next_queued(j->st, &id) && id) {
			execute(j, id);
			if (__atomic_load_n(&j->quit, __ATOMIC_ACQUIRE))
				return NULL;
		}
	}
}

int jobs_start(struct store *st, const char *worker_path, struct jobs **out)
{
	struct jobs *j = calloc(1, sizeof(*j));
	int ret;

	if (!j || !(j->worker_path = strdup(worker_path))) {
		free(j);
		return -ENOMEM;
	}
	j->st = st;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	ret = -pthread_create(&j->thread, NULL, runner, j);
	if (ret) {
		free(j->worker_path);
		free(j);
		return ret;
	}
	*out = j;
	return 0;
}

void jobs_kick(struct jobs *j)
{
	pthread_mutex_lock(&j->lock);
	j->kicked = true;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
}

int jobs_cancel_running(struct jobs *j, int64_t id)
{
	int ret = -ESRCH;

	pthread_mutex_lock(&j->lock);
	if (j->running_id == id) {
		j->cancel_requested = true;
		if (j->worker_pid > 0)	/* else execute() sees the flag */
			kill(j->worker_pid, SIGTERM);
		ret = 0;
	}
	pthread_mutex_unlock(&j->lock);
	return ret;
}

int64_t jobs_running_id(struct jobs *j)
{
	int64_t id;

	pthread_mutex_lock(&j->lock);
	id = j->running_id;
	pthread_mutex_unlock(&j->lock);
	return id;
}

void jobs_stop(struct jobs *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	__atomic_store_n(&j->quit, true, __ATOMIC_RELEASE);
	if (j->worker_pid > 0)
		kill(j->worker_pid, SIGTERM);	/* it cleans up and reports */
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	pthread_join(j->thread, NULL);
	pthread_cond_destroy(&j->cond);
	pthread_mutex_destroy(&j->lock);
	free(j->worker_path);
	free(j);
}
