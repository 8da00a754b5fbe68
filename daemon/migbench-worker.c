// SPDX-License-Identifier: MIT
/*
 * migbench-worker: runs one benchmark for migbenchd in a process of its
 * own, so a crash in a run cannot take the daemon down and cancelling is a
 * signal.  Reads the run spec (JSON) on standard input and writes the
 * worker protocol (worker_protocol.h) on standard output.  It dies with
 * its parent: SIGTERM makes it stop the run and clean up.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "dirtylog.h"
#include "hostinfo.h"
#include "strict_json.h"
#include "worker_protocol.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static void progress(void *ctx, const char *message)
{
	(void)ctx;
	printf("P %s\n", message);
	fflush(stdout);
}

/* The error text on one line: the protocol is line-based. */
static void finish(enum mb_run_status status, const char *error)
{
	printf("X %s ", worker_outcomes[status]);
	for (const char *p = error; *p; p++)
		putchar(*p == '\n' ? ' ' : *p);
	putchar('\n');
	fflush(stdout);
}

static int read_spec(struct mb_spec *spec, char *err, size_t err_len)
{
	static char buf[MB_JSON_MAX_BYTES + 1];
	struct mb_spec_error serr = { "", "" };
	struct json_object *obj;
	size_t len = fread(buf, 1, sizeof(buf), stdin);
	int ret;

	if (mb_json_parse(buf, len, &obj, err, err_len))
		return -1;
	mb_spec_init(spec);
	ret = mb_spec_from_json(spec, obj, &serr);
	json_object_put(obj);
	if (!ret)
		ret = mb_spec_validate(spec, mb_online_cpus(), &serr);
	if (ret)
		snprintf(err, err_len, "%s", serr.message);
	return ret;
}

/* Failed runs still report their environment; only done runs samples. */
static void write_result(const struct mb_dirtylog_result *res,
			 bool with_samples)
{
	struct json_object *head = json_object_new_object();

	json_object_object_add(head, "spec", mb_spec_to_json(&res->spec));
	json_object_object_add(head, "environment",
			       json_object_get(res->environment));
	printf("R %s\n", json_object_to_json_string_ext(head, JSON_C_TO_STRING_PLAIN));
	json_object_put(head);
	for (size_t i = 0; with_samples && i < res->samples.len; i++) {
		const struct mb_sample *s = &res->samples.rows[i];

		printf("S %s %u %u %llu\n", mb_metric_name(s->metric),
		       s->iteration, s->seq, (unsigned long long)s->value);
	}
}

int main(void)
{
	struct mb_dirtylog_opts opts = { .stop = &stop, .progress = progress };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *parent = getenv(WORKER_PARENT_ENV);
	struct mb_dirtylog_result res;
	enum mb_run_status status;
	struct mb_spec spec;
	char err[512];

	sigset_t none;

	/* whatever mask the parent had, this process must hear SIGTERM */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* the parent may have died before prctl took effect */
	if (parent && getppid() != (pid_t)atol(parent))
		stop = SIGTERM;

	if (read_spec(&spec, err, sizeof(err))) {
		finish(MB_RUN_BAD_SPEC, err);
		return 2;
	}
	status = mb_dirtylog_run(&spec, &opts, &res);
	if (res.environment)
		write_result(&res, status == MB_RUN_OK);
	finish(status, status == MB_RUN_OK ? "" : res.error);
	mb_dirtylog_result_free(&res);
	return status == MB_RUN_OK ? 0 : 1;
}
