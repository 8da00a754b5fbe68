// SPDX-License-Identifier: MIT

#include "runs/worker_link.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/runs.h"
#include "store/sample_rows.h"
#include "store/store.h"
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
/* Bytes read from a worker's pipe at a time. */
#define READ_BUFFER (1 << 20)

/* fork + exec the worker with its stdin and stdout on pipes. */
pid_t worker_spawn(const char *path, int *to_worker, int *from_worker)
{
	int in[2], out[2];
	char parent[32];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		int ret = -errno;

		close(in[0]);
		close(in[1]);
		return ret;
	}
	snprintf(parent, sizeof(parent), "%s=%d", WORKER_PARENT_ENV, (int)getpid());
	pid = fork();
	if (pid == 0) {
		/* only async-signal-safe calls between fork and exec */
		char *argv[] = { (char *)path, NULL };
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
		execve(path, argv, envp);
		_exit(127);
	}
	if (pid < 0)
		pid = -errno;
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return pid;
	}
	*to_worker = in[1];
	*from_worker = out[0];
	return pid;
}

/*
 * The missing metrics as the store keeps them: only names migbench knows,
 * each with a reason in words; anything else is a worker's mistake.
 */
static bool valid_missing(struct json_object *missing)
{
	if (!json_object_is_type(missing, json_type_object))
		return false;
	json_object_object_foreach(missing, metric, why)
		if (mb_metric_from_name(metric) < 0 || !json_object_is_type(why, json_type_string) ||
		    !json_object_get_string_len(why))
			return false;
	return true;
}

/* -EPROTO for a bad line, the store's -errno when it would not take it. */
static int handle_result_line(struct store *st, int64_t id, const char *json)
{
	struct json_object *head, *spec, *env, *missing = NULL;
	char err[128];
	int ret;

	if (mb_json_parse(json, strlen(json), &head, err, sizeof(err)))
		return -EPROTO;
	if (!json_object_object_get_ex(head, "spec", &spec) ||
	    !json_object_object_get_ex(head, "environment", &env) ||
	    (json_object_object_get_ex(head, "missing", &missing) && !valid_missing(missing))) {
		json_object_put(head);
		return -EPROTO;
	}
	/* a worker that does not say (an older one) leaves it unknown: NULL */
	ret = store_run_set_environment(st, id,
		json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN), env,
		missing ? json_object_to_json_string_ext(missing, JSON_C_TO_STRING_PLAIN) : NULL);
	json_object_put(head);
	return ret;
}

/* Decimal digits up to stop, as strtoull would take them but no sign or blank; no overflow. */
static bool next_number(char **p, char stop, unsigned long long *v)
{
	const char *q = *p;
	unsigned long long n = 0;

	if (*q < '0' || *q > '9')
		return false;
	for (; *q >= '0' && *q <= '9'; q++) {
		unsigned int d = (unsigned int)(*q - '0');

		if (n > (ULLONG_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	if (*q != stop)
		return false;
	*v = n;
	*p = (char *)q + (stop != '\0');
	return true;
}

/*
 * "<metric> <iteration> <seq> <value>"; by hand, it is the hot path.  A
 * KVM statistic ("kvm_stat.<name>") gets its name's index in set.
 */
static int parse_sample(char *line, struct mb_samples *set, struct mb_sample *out)
{
	static __thread char last_name[64];
	static __thread int last_metric = -1, last_stat;
	unsigned long long it, seq, value;
	char *p = strchr(line, ' ');

	if (!p || p - line >= (long)sizeof(last_name))
		return -EPROTO;
	*p++ = '\0';
	if (last_metric < 0 || strcmp(line, last_name)) {
		size_t plen = strlen(MB_KVM_STAT_PREFIX);

		last_metric = mb_metric_from_name(line);
		if (last_metric < 0 && !strncmp(line, MB_KVM_STAT_PREFIX, plen)) {
			last_stat = mb_samples_stat(set, line + plen);
			last_metric = last_stat < 0 ? -1 : MB_KVM_STAT;
		}
		snprintf(last_name, sizeof(last_name), "%s", last_metric < 0 ? "" : line);
	}
	if (last_metric < 0 || !next_number(&p, ' ', &it) || !next_number(&p, ' ', &seq) ||
	    !next_number(&p, '\0', &value) || it > UINT32_MAX || seq > UINT32_MAX ||
	    value > INT64_MAX ||	/* the store's INTEGER: larger would come back negative */
	    (last_metric == MB_KVM_STAT && seq >= MB_NR_PHASES))
		return -EPROTO;
	*out = (struct mb_sample){ last_metric, (uint32_t)it, (uint32_t)seq, value,
				   last_metric == MB_KVM_STAT ? (uint16_t)last_stat : 0 };
	return 0;
}

static int cmp_sample_key(const void *a, const void *b)
{
	const struct mb_sample *x = a, *y = b;

	if (x->stat != y->stat)	/* kvm_stat rows: by name index, then the key */
		return x->stat < y->stat ? -1 : 1;
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

/*
 * Store what is held, in key order and in batches; 0 or the first error,
 * with the samples of the batches committed before it counted.
 */
static int store_held(struct store *st, int64_t id, struct mb_samples *held,
		      uint64_t *stored)
{
	struct mb_sample *sorted = sort_by_key(held);
	int ret = sorted ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < held->len; i += SAMPLE_BATCH) {
		size_t n = held->len - i < SAMPLE_BATCH ? held->len - i : SAMPLE_BATCH;

		ret = store_add_samples(st, id, held, sorted + i, n);
		if (!ret)
			*stored += n;
	}
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

/* Store what is held unless the store already failed; count what it took. */
static void flush_held(struct store *st, int64_t id, struct mb_samples *held,
		       struct worker_outcome *o)
{
	int ret;

	if (o->store_error) {	/* once full or locked, no half-batches after */
		held->len = 0;
		return;
	}
	ret = store_held(st, id, held, &o->stored);
	if (ret)
		o->store_error = ret;
}

void worker_read(struct store *st, int64_t id, int fd, pid_t pid, uint64_t max_samples,
		 struct worker_outcome *o)
{
	struct mb_samples batch = { 0 };
	struct timespec first_sample = { 0 };
	uint64_t received = 0;
	FILE *f = fdopen(fd, "r");
	char *line = NULL, *readbuf = malloc(READ_BUFFER);	/* glibc ignores a size without a buffer */
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		close(fd);
		free(readbuf);
		o->protocol_error = true;
		return;
	}
	/* a worker writes its samples in bursts: fewer, larger reads of the pipe */
	if (readbuf)
		setvbuf(f, readbuf, _IOFBF, READ_BUFFER);
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
			store_add_event(st, id, line + 2);
			break;
		case 'R': {
			int ret = handle_result_line(st, id, line + 2);

			if (ret == -EPROTO)
				o->protocol_error = true;
			else if (ret && !o->store_error)
				o->store_error = ret;
			break;
		}
		case 'S':
			if (o->over_limit)
				break;	/* the worker was told to stop */
			if (++received > max_samples) {
				o->over_limit = true;
				kill(pid, SIGTERM);	/* not yet reaped: still ours */
				break;
			}
			if (received == 1)
				clock_gettime(CLOCK_MONOTONIC, &first_sample);
			if (parse_sample(line + 2, &batch, &s) || mb_samples_push(&batch, s)) {
				o->protocol_error = true;
				break;
			}
			if (batch.len == SAMPLE_HOLD)
				flush_held(st, id, &batch, o);
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
	if (batch.len)
		flush_held(st, id, &batch, o);
	if (o->stored) {
		char msg[96];

		snprintf(msg, sizeof(msg), "stored %llu samples in %.3f s",
			 (unsigned long long)o->stored, seconds_since(&first_sample));
		store_add_event(st, id, msg);
	}
	mb_samples_free(&batch);
	free(line);
	fclose(f);
	free(readbuf);	/* after the stream that used it */
}
