// SPDX-License-Identifier: MIT
/*
 * bench-static PORT FILE: the floor under a reply of FILE's size, for
 * scripts/bench-api.sh.  Serves FILE's bytes, from memory, to every GET
 * on 127.0.0.1:PORT through libmicrohttpd with migbenchd's own listener
 * settings (http/server.c: epoll, 4 threads, 32 KiB per connection), and
 * does nothing else per request, until SIGINT or SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

static char *body;
static size_t body_len;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **state)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)cls; (void)url; (void)method; (void)version; (void)data;
	/* as migbenchd answers: on the second call, once the request is read */
	if (!*state) {
		*state = &body;
		return MHD_YES;
	}
	if (*data_len) {
		*data_len = 0;
		return MHD_YES;
	}
	resp = MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct MHD_Daemon *d;
	sigset_t set;
	FILE *f;
	int sig;

	if (argc != 3 || !(f = fopen(argv[2], "re"))) {
		fprintf(stderr, "usage: bench-static PORT FILE\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	body_len = (size_t)ftell(f);
	rewind(f);
	body = malloc(body_len + 1);
	if (!body || fread(body, 1, body_len, f) != body_len)
		return 1;
	fclose(f);
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* MHD's threads too */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_THREAD_POOL_SIZE, 4u,
			     MHD_OPTION_CONNECTION_LIMIT, 4096u,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
			     MHD_OPTION_CONNECTION_TIMEOUT, 20u,
			     MHD_OPTION_END);
	if (!d)
		return 1;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	free(body);
	return 0;
}
