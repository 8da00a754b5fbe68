// SPDX-License-Identifier: MIT
/*
 * migbench samples ID [--csv | --benchstat]: the run's samples as the API
 * serves them (JSON); as CSV whose every row names its run (id, label,
 * kernel release), so that the files of several runs concatenate into
 * one table; or the run's medians in the Go benchmark format, so that
 * benchstat compares the files of two labels run by run.
 */
#include "sample_export.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "connection.h"
#include "usage.h"

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* The API's CSV, each row led by the run's id, label and kernel release. */
static int print_csv(long long id)
{
	char path[96];
	struct json_object *run = NULL, *kernel = NULL;
	struct http_response resp;
	const char *release;
	int ret;

	snprintf(path, sizeof(path), API "/runs/%lld", id);
	ret = get_json(path, &run);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), API "/runs/%lld/samples?format=csv", id);
	ret = call("GET", path, NULL, &resp);
	if (ret) {
		json_object_put(run);
		return ret;
	}
	json_object_object_get_ex(run, "kernel", &kernel);
	release = kernel ? str(kernel, "release") : "";
	for (char *line = resp.body, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line == resp.body) {	/* the header */
			printf("run,label,kernel,%s\n", line);
			continue;
		}
		printf("%lld,", id);
		csv_field(strcmp(str(run, "label"), "-") ? str(run, "label") : "");
		putchar(',');
		csv_field(strcmp(release, "-") ? release : "");
		printf(",%s\n", line);
	}
	http_response_free(&resp);
	json_object_put(run);
	return 0;
}

int cmd_samples(int argc, char **argv)
{
	static const struct option opts[] = { { "csv", no_argument, NULL, 'c' },
					      { "benchstat", no_argument, NULL, 'b' },
					      { NULL, 0, NULL, 0 } };
	bool csv = false, benchstat = false;
	char path[96];
	long long id;
	int c;

	optind = 0;	/* glibc: 0 starts getopt afresh on this argv */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			csv = true;
		else if (c == 'b')
			benchstat = true;
		else
			return usage_wrong();
	}
	if (csv && benchstat) {
		fprintf(stderr, PROG ": samples: --csv or --benchstat, not both\n");
		return EXIT_USAGE;
	}
	c = id_arg(argc, argv, "run", &id);
	if (c)
		return c;
	if (csv)
		return print_csv(id);
	snprintf(path, sizeof(path), API "/runs/%lld/samples%s", id,
		 benchstat ? "?format=benchstat" : "");
	return print_body(path);
}
