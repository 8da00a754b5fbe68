// SPDX-License-Identifier: MIT
/* GET /health, /host, /kernels, /metrics, /openapi.json. */

#include "api/host.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/app.h"
#include "api/present.h"
#include "api/replies.h"
#include "http/reply.h"
#include "http/request.h"
#include "runs/queue.h"
#include "store/runs.h"
#include "store/store.h"
#include "hostinfo.h"
#include "hugepages.h"
#include "kvm.h"

extern const unsigned char *const mb_openapi;
extern const size_t mb_openapi_size;
extern char **environ;

/* "status": "ok", or "degraded" with why when the queue waits for the store. */
static void add_queue_state(struct json_object *o, struct queue *q)
{
	char why[320];
	bool paused = queue_paused(q, why, sizeof(why));

	json_object_object_add(o, "status", json_object_new_string(paused ? "degraded" : "ok"));
	json_object_object_add(o, "queue_paused", paused ? json_object_new_string(why) : NULL);
}

enum MHD_Result api_health(struct http_request *r, int64_t unused)
{
	struct app *app = r->app;
	struct json_object *o = json_object_new_object();
	enum MHD_Result reply;

	(void)unused;
	if (!api_check_query(r, NULL, &reply)) {
		json_object_put(o);
		return reply;
	}
	add_queue_state(o, app->queue);
	json_object_object_add(o, "version", json_object_new_string(MIGBENCH_VERSION));
	json_object_object_add(o, "schema_version",
			       json_object_new_int(store_schema_version(app->st)));
	return http_reply_json(r, 200, o, NULL);
}

/* First line a program prints for --version; "" if it is not installed. */
static void program_version(const char *program, char *out, size_t len)
{
	char *argv[] = { (char *)program, "--version", NULL };
	posix_spawn_file_actions_t fa;
	int pipefd[2], status;
	ssize_t n = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC))
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, program, &fa, NULL, argv, environ) == 0) {
		close(pipefd[1]);
		n = read(pipefd[0], out, len - 1);
		waitpid(pid, &status, 0);
	} else {
		close(pipefd[1]);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[0]);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

static char qemu_version[256], libvirt_version[256];

static void read_versions(void)
{
	program_version("qemu-system-x86_64", qemu_version, sizeof(qemu_version));
	program_version("libvirtd", libvirt_version, sizeof(libvirt_version));
}

static struct json_object *string_or_null(const char *s)
{
	return s[0] ? json_object_new_string(s) : NULL;
}

enum MHD_Result api_host(struct http_request *r, int64_t unused)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct app *app = r->app;
	struct json_object *host;
	struct mb_kvm_caps caps;
	enum MHD_Result reply;
	int64_t running;
	long queued;

	(void)unused;
	if (!api_check_query(r, NULL, &reply))
		return reply;
	pthread_once(&once, read_versions);
	host = mb_hostinfo_json();
	json_object_object_add(host, "kvm_available", json_object_new_boolean(
		kvm_read_caps(&caps) == 0));
	json_object_object_add(host, "kvm_capabilities", mb_kvm_caps_json(&caps));
	json_object_object_add(host, "hugepages", mb_hugepages_to_json());
	json_object_object_add(host, "qemu_version", string_or_null(qemu_version));
	json_object_object_add(host, "libvirt_version", string_or_null(libvirt_version));
	running = queue_running_id(app->queue);
	json_object_object_add(host, "running_run",
			       running ? json_object_new_int64(running) : NULL);
	store_count_states(app->st, (const char *const[]){ "queued" }, &queued, 1);
	json_object_object_add(host, "queued_runs", json_object_new_int64(queued));
	add_queue_state(host, app->queue);
	return http_reply_json(r, 200, host, NULL);
}

enum MHD_Result api_kernels(struct http_request *r, int64_t unused)
{
	struct app *app = r->app;
	struct store_kernel *kernels;
	struct json_object *k;
	enum MHD_Result reply;
	size_t n;
	int ret;

	(void)unused;
	if (!api_check_query(r, NULL, &reply))
		return reply;
	ret = store_kernels(app->st, &kernels, &n);
	if (ret)
		return api_reply_failure(r, ret, "reading the kernels");
	k = present_kernels(kernels, n);
	store_kernels_free(kernels, n);
	return http_reply_json(r, 200, k, NULL);
}

static void pool_metric(FILE *f, const char *name, const char *help, bool total)
{
	static const uint64_t sizes[] = { MB_SIZE_1G, MB_SIZE_2M };

	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (int i = 0; i < 2; i++) {
		struct mb_hugepage_pool pool;

		if (!mb_hugepages_read(sizes[i], &pool))
			fprintf(f, "%s{size=\"%s\"} %ld\n", name,
				mb_hugepage_size_name(sizes[i]), total ? pool.nr : pool.free);
	}
}

enum MHD_Result api_metrics(struct http_request *r, int64_t unused)
{
	static const char *const states[] = { "queued", "running", "done", "failed",
					      "cancelled", "interrupted" };
	struct app *app = r->app;
	enum MHD_Result reply;
	long counts[6];
	char why[320];
	char *text;
	size_t len;
	FILE *f;

	(void)unused;
	if (!api_check_query(r, NULL, &reply))
		return reply;
	f = open_memstream(&text, &len);
	if (!f)
		return api_reply_failure(r, -errno, "writing the metrics");
	store_count_states(app->st, states, counts, 6);
	fprintf(f, "# HELP migbench_queue_depth Runs waiting to run.\n"
		   "# TYPE migbench_queue_depth gauge\n"
		   "migbench_queue_depth %ld\n", counts[0]);
	fprintf(f, "# HELP migbench_queue_paused 1 while the queue waits for the store to take writes.\n"
		   "# TYPE migbench_queue_paused gauge\n"
		   "migbench_queue_paused %d\n", queue_paused(app->queue, why, sizeof(why)));
	fprintf(f, "# HELP migbench_runs Runs in the store by state.\n"
		   "# TYPE migbench_runs gauge\n");
	for (int i = 0; i < 6; i++)
		fprintf(f, "migbench_runs{state=\"%s\"} %ld\n", states[i], counts[i]);
	pool_metric(f, "migbench_hugepages_free", "Free persistent hugepages by size.", false);
	pool_metric(f, "migbench_hugepages_total", "Persistent hugepages by size.", true);
	fprintf(f, "# HELP migbench_build_info Version of migbenchd and of its store.\n"
		   "# TYPE migbench_build_info gauge\n"
		   "migbench_build_info{version=\"%s\",schema=\"%d\"} 1\n",
		MIGBENCH_VERSION, store_schema_version(app->st));
	fclose(f);
	return http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len,
			  HTTP_BODY_FREE, NULL);
}

enum MHD_Result api_openapi(struct http_request *r, int64_t unused)
{
	enum MHD_Result reply;

	(void)unused;
	if (!api_check_query(r, NULL, &reply))
		return reply;
	return http_reply(r, 200, "application/json", (char *)mb_openapi,
			  mb_openapi_size, HTTP_BODY_STATIC, NULL);
}
