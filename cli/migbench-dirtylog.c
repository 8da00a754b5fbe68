// SPDX-License-Identifier: MIT
/*
 * migbench-dirtylog: run the direct dirty-log benchmark once and print it,
 * by default in dirty_log_perf_test's format.
 *
 * Exit codes: 0 done; 1 the run failed; 2 bad input; 3 the host lacks
 * what the run needs (hugepages, a KVM capability, /dev/kvm);
 * 128 + signal number when interrupted.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "dirtylog.h"
#include "hostinfo.h"
#include "report.h"
#include "spec_flags.h"
#include "spec_validate.h"
#include "strict_json.h"
#include "summary.h"
#include "version.h"

#define PROG "migbench-dirtylog"

enum {
	EXIT_RUN_FAILED = 1,
	EXIT_BAD_INPUT = 2,
	EXIT_UNAVAILABLE = 3,
};

enum {
	OPT_SPEC = 1000,
	OPT_RESERVE,
	OPT_JSON,
	OPT_SUMMARY,
	OPT_QUIET,
	OPT_HELP,
	OPT_VERSION,
	OPT_KEY_BASE = 2000,	/* + index of the spec key */
};

struct cli {
	const char *spec_file;
	bool reserve_hugepages;
	bool json;
	bool summary;
	bool quiet;
	/* spec flags in command-line order, applied after --spec */
	unsigned int nr_flags;
	struct { const char *key; const char *value; } flags[256];
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--spec FILE] [--KEY VALUE ...] [--reserve-hugepages]\n"
		"                         [--json | --summary] [--quiet]\n"
		"       " PROG " --help | -h | --version\n"
		"\n"
		"Runs the direct /dev/kvm dirty-log benchmark once.  Spec keys (JSON\n"
		"names with '-' for '_'; flags override --spec):\n");
	spec_flags_usage(out, &mb_engine_kvm);
	fprintf(out,
		"\n"
		"  --reserve-hugepages  raise the hugepage pool for the run and restore it\n"
		"  --json               print one JSON object (spec, environment, samples,\n"
		"                       summary) instead of the selftest's lines\n"
		"  --summary            add a table of statistics per metric\n"
		"  --quiet              no progress lines on stderr\n"
		"\n"
		"Exit codes: 0 done, 1 run failed, 2 bad input, 3 host lacks a resource or\n"
		"capability, 128+N interrupted by signal N.\n");
}

static int parse_args(int argc, char **argv, struct cli *cli)
{
	struct option opts[80];
	unsigned int n = spec_flags_options(&mb_engine_kvm, opts, 70, OPT_KEY_BASE);
	int c;

	opts[n++] = (struct option){ "spec", required_argument, NULL, OPT_SPEC };
	opts[n++] = (struct option){ "reserve-hugepages", no_argument, NULL,
				     OPT_RESERVE };
	opts[n++] = (struct option){ "json", no_argument, NULL, OPT_JSON };
	opts[n++] = (struct option){ "summary", no_argument, NULL, OPT_SUMMARY };
	opts[n++] = (struct option){ "quiet", no_argument, NULL, OPT_QUIET };
	opts[n++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	opts[n++] = (struct option){ "version", no_argument, NULL, OPT_VERSION };
	opts[n] = (struct option){ 0 };
	argv[0] = (char *)PROG;	/* getopt's messages name the command */

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SPEC:
			cli->spec_file = optarg;
			break;
		case OPT_RESERVE:
			cli->reserve_hugepages = true;
			break;
		case OPT_JSON:
			cli->json = true;
			break;
		case OPT_SUMMARY:
			cli->summary = true;
			break;
		case OPT_QUIET:
			cli->quiet = true;
			break;
		case OPT_HELP:
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf(PROG " %s\n", mb_version());
			exit(0);
		default:
			if (c < OPT_KEY_BASE) {
				fprintf(stderr, "Try '" PROG " --help'.\n");
				return -1;
			}
			if (cli->nr_flags == sizeof(cli->flags) / sizeof(cli->flags[0])) {
				fprintf(stderr, PROG ": too many flags\n");
				return -1;
			}
			cli->flags[cli->nr_flags].key = spec_flags_key(&mb_engine_kvm, c, OPT_KEY_BASE);
			cli->flags[cli->nr_flags++].value = optarg ? optarg : "true";
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int build_spec(const struct cli *cli, struct mb_spec *spec)
{
	struct mb_error err = { 0 };
	char jerr[256];

	mb_spec_init(spec);
	if (cli->spec_file) {
		struct json_object *obj;
		int ret = mb_json_parse_file(cli->spec_file, &obj, jerr, sizeof(jerr));

		if (ret) {
			fprintf(stderr, PROG ": --spec %s: %s\n", cli->spec_file, jerr);
			return -1;
		}
		ret = mb_spec_from_json(spec, obj, &err);
		json_object_put(obj);
		if (ret) {
			fprintf(stderr, PROG ": --spec %s: %s\n", cli->spec_file,
				err.message);
			return -1;
		}
	}
	for (unsigned int i = 0; i < cli->nr_flags; i++) {
		if (mb_spec_set_text(spec, cli->flags[i].key, cli->flags[i].value,
				     &err)) {
			fprintf(stderr, PROG ": %s\n", err.message);
			return -1;
		}
	}
	mb_spec_settle(spec);
	if (mb_spec_validate(spec, mb_online_cpus(), &err)) {
		fprintf(stderr, PROG ": %s\n", err.message);
		return -1;
	}
	return 0;
}

static void print_progress(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, PROG ": %s\n", message);
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int print_result(const struct cli *cli, const struct mb_spec *spec,
			const struct mb_run_result *res)
{
	if (cli->json) {
		struct json_object *obj = mb_result_json(res->spec, res->environment,
							 &res->samples, res->missing);

		puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(obj);
	} else {
		mb_report_selftest_lines(stdout, spec, &res->samples);
		mb_report_after_lines(stdout, spec, &res->samples, res->environment, res->missing);
		mb_report_selftest_command(stdout, res->spec);
		if (cli->summary)
			mb_report_summary_table(stdout, &res->samples);
		/* a metric the run lacks is said so, with why, rather than left out */
		mb_report_missing(stdout, res->missing);
	}
	return fflush(stdout) ? EXIT_RUN_FAILED : 0;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct mb_spec spec;
	struct mb_run_result res;
	struct mb_run_opts opts = { .stop = &stop_signal };
	enum mb_run_status status;
	int code;

	if (parse_args(argc, argv, &cli) || build_spec(&cli, &spec))
		return EXIT_BAD_INPUT;
	opts.reserve_hugepages = cli.reserve_hugepages;
	if (!cli.quiet)
		opts.progress = print_progress;
	install_signals();
	/* in a delegated scope (systemd-run --scope -p Delegate=yes), a leaf of it */
	mb_cgroup_settle(PROG, NULL);

	status = mb_dirtylog_run(&spec, &opts, &res);
	switch (status) {
	case MB_RUN_OK:
		code = print_result(&cli, &spec, &res);
		break;
	case MB_RUN_INTERRUPTED:
		fprintf(stderr, PROG ": interrupted by signal %d; everything was cleaned up\n",
			(int)stop_signal);
		code = 128 + (int)stop_signal;
		break;
	default:
		fprintf(stderr, PROG ": %s\n", res.error.message);
		code = status == MB_RUN_BAD_SPEC ? EXIT_BAD_INPUT :
		       status == MB_RUN_UNAVAILABLE ? EXIT_UNAVAILABLE :
						      EXIT_RUN_FAILED;
	}
	mb_run_result_free(&res);
	return code;
}
