// SPDX-License-Identifier: MIT
/*
 * migbench-worker: runs one benchmark for migbenchd in a process of its
 * own, so a crash in a run cannot take the daemon down and cancelling is a
 * signal.  Reads {"kind": KIND, "spec": {...}, "site": {...}} on standard
 * input (site: the administrator's policy, site.h), runs it with the
 * engine of that kind and writes the worker protocol (worker_protocol.h)
 * on standard output.  It dies with its parent: SIGTERM makes it stop the
 * run and clean up, and so does a parent gone from the other end of
 * standard output (EPIPE).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <libgen.h>
#include <limits.h>

#include "engine.h"
#include "strict_json.h"
#include "worker_protocol.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

/*
 * A write to a daemon that is gone: stop the run, which then tears down
 * what it started (SIGPIPE, ignored, would have killed it half-way).
 */
static void check_output(void)
{
	if (fflush(stdout) == EOF && errno == EPIPE && !stop)
		stop = SIGPIPE;
}

static void progress(void *ctx, const char *message)
{
	(void)ctx;
	printf("P %s\n", message);
	check_output();
}

/* The error text on one line: the protocol is line-based. */
static void finish(enum mb_run_status status, const char *error)
{
	printf("X %s ", worker_outcomes[status]);
	for (const char *p = error; *p; p++)
		putchar(*p == '\n' ? ' ' : *p);
	putchar('\n');
	check_output();
}

/* The request on stdin: its kind, spec and site objects (owned by *req). */
static int read_request(struct json_object **req, const char **kind,
			struct json_object **spec, struct json_object **site,
			char *err, size_t err_len)
{
	static char buf[MB_JSON_MAX_BYTES + 1];
	size_t len = fread(buf, 1, sizeof(buf), stdin);
	struct json_object *k;

	if (mb_json_parse(buf, len, req, err, err_len))
		return -1;
	if (!json_object_object_get_ex(*req, "kind", &k) ||
	    !json_object_object_get_ex(*req, "spec", spec) ||
	    !json_object_is_type(*spec, json_type_object)) {
		snprintf(err, err_len, "the request needs a kind and a spec object");
		return -1;
	}
	*kind = json_object_get_string(k);
	if (!json_object_object_get_ex(*req, "site", site))
		*site = NULL;	/* the defaults: nothing beyond them allowed */
	return 0;
}

/* The migration guest: beside the build tree's worker, or installed. */
static void guest_kernel(char *out, size_t len)
{
	char exe[PATH_MAX] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	snprintf(out, len, "%s/../engine/libvirt/mbguest.elf", dirname(exe));
	if (access(out, R_OK))
		snprintf(out, len, "%s", MIGBENCH_LIBEXECDIR "/mbguest.elf");
}

static void write_samples(const struct mb_samples *samples)
{
	for (size_t i = 0; i < samples->len; i++) {
		const struct mb_sample *s = &samples->rows[i];
		char name[sizeof(MB_KVM_STAT_PREFIX) + MB_KVM_STAT_NAME_MAX];

		printf("S %s %u %u %llu\n", mb_sample_name(samples, s, name, sizeof(name)),
		       s->iteration, s->seq, (unsigned long long)s->value);
	}
}

static void write_head(const struct mb_run_result *res)
{
	struct json_object *head = json_object_new_object();

	json_object_object_add(head, "spec", json_object_get(res->spec));
	json_object_object_add(head, "environment", json_object_get(res->environment));
	/* {} rather than nothing: the daemon then knows nothing is missing */
	json_object_object_add(head, "missing", res->missing ? json_object_get(res->missing) :
				  json_object_new_object());
	printf("R %s\n", json_object_to_json_string_ext(head, JSON_C_TO_STRING_PLAIN));
	json_object_put(head);
}

/* Parse the spec with its engine, run it, and report; the exit code. */
static int run(const struct mb_engine *engine, struct json_object *spec_json,
	       struct json_object *site_json)
{
	struct mb_run_opts opts = { .stop = &stop, .progress = progress };
	const char *query_names[MB_SITE_MAX_QUERY + 1];
	struct mb_site_policy site = { 0 };
	struct mb_error err = { 0 };
	struct mb_run_result res;
	enum mb_run_status status;
	char kernel[PATH_MAX + 64];
	void *spec;

	if (site_json)
		mb_site_from_json(site_json, &site, query_names, MB_SITE_MAX_QUERY + 1);
	opts.site = &site;
	/* checked again here: what the daemon stored is not taken on trust */
	if (mb_engine_spec_parse(engine, spec_json, &site, &spec, &err)) {
		finish(MB_RUN_BAD_SPEC, err.message);
		return 2;
	}
	guest_kernel(kernel, sizeof(kernel));
	opts.guest_kernel = kernel;
	status = engine->run(spec, &opts, &res);
	/* failed runs still report their environment; only done runs samples */
	if (res.environment)
		write_head(&res);
	if (status == MB_RUN_OK)
		write_samples(&res.samples);
	finish(status, status == MB_RUN_OK ? "" : res.error.message);
	mb_run_result_free(&res);
	free(spec);
	return status == MB_RUN_OK ? 0 : 1;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	const char *parent = getenv(WORKER_PARENT_ENV), *kind = NULL;
	const struct mb_engine *engine;
	struct json_object *req = NULL, *spec = NULL, *site = NULL;
	sigset_t none;
	char err[512];
	int ret;

	/* whatever mask the parent had, this process must hear SIGTERM */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* EPIPE instead: see check_output() */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* the parent may have died before prctl took effect */
	if (parent && getppid() != (pid_t)atol(parent))
		stop = SIGTERM;

	if (read_request(&req, &kind, &spec, &site, err, sizeof(err))) {
		finish(MB_RUN_BAD_SPEC, err);
		json_object_put(req);
		return 2;
	}
	engine = mb_engine_find(kind);
	if (engine) {
		ret = run(engine, spec, site);
	} else {
		finish(MB_RUN_BAD_SPEC, "unknown kind of run");
		ret = 2;
	}
	json_object_put(req);
	return ret;
}
