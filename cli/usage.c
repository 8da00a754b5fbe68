// SPDX-License-Identifier: MIT
#include "usage.h"

#include <string.h>

#include "connection.h"
#include "version.h"

struct command_usage {
	const char *name;
	const char *synopsis;	/* after "migbench NAME" */
	const char *help;	/* what it does, indented */
};

/* In the order the whole usage lists them; run's keys come from its engine (migbench.c). */
static const struct command_usage commands[] = {
	{ "run", "[--kind KIND] [--spec FILE] [--KEY VALUE ...] [--label L] [--tag K=V]...\n"
		 "      [--repeat N] [--wait] [--raw | --json]",
	  "queue runs of an engine (dirtylog, the default, or migration); KEY is\n"
	  "any key of its spec (run --help lists them), VALUE,VALUE,... a sweep;\n"
	  "--wait follows them to the end" },
	{ "ls", "[--state S] [--kind K] [--label L] [--kernel RELEASE] [--sweep ID]\n"
		"     [--since DATE] [--limit N] [--cursor C] [--json]",
	  "runs, newest first: state, result, label, kernel, creation (UTC),\n"
	  "duration, the headline median, the spec in a few words and the tags;\n"
	  "--since 2026-12-01 (or a UTC time, 2026-12-01T10:00) lists those\n"
	  "created since; --json prints the page as the API gives it" },
	{ "show", "ID [--json]",
	  "one run: state, kernel, tags, spec, sweep, huge mappings, kernel memory\n"
	  "and summary" },
	{ "samples", "ID [--csv | --benchstat]",
	  "every sample of a run (JSON; CSV rows led by the run's id, label and\n"
	  "kernel, so runs concatenate), or its medians as Go benchmark lines for\n"
	  "benchstat" },
	{ "cancel", "ID", "cancel a queued run, stop a running one" },
	{ "compare", "--base SEL --new SEL [--format text|markdown|csv|json] [--alpha A]\n"
		     "          [--vary KEYS] [--fail-on METRIC,...] [--metric METRIC,... | --all]",
	  "compare two groups of done runs (SEL: a label, kernel:RELEASE,\n"
	  "tag:KEY=VALUE, sweep:ID or runs:1,2,3); text is ready for a cover\n"
	  "letter, a sweep's with a table per metric; the U test over per-run\n"
	  "medians, Holm-adjusted over the rows shown: by default the headline,\n"
	  "zap, aging and memory ones, --metric (repeatable) names them, --all\n"
	  "shows every one; exits 1 when a metric of --fail-on (default: the\n"
	  "headline metrics) regressed over the runs, 0 when none did, 4 when a\n"
	  "side has no done run, 2 when the sides share a run" },
	{ "campaign", "start FILE|- | ls [--json] | show ID [--json] | abort ID\n"
		      "          | report ID [--format text|markdown|csv|json] [--alpha A] [--vary KEYS]\n"
		      "            [--request I] [--kernel LABEL] [--metric METRIC,... | --all]",
	  "boot each of a campaign's kernels in turn and make its runs there\n"
	  "(FILE: the JSON of POST /campaigns); list campaigns, show one with its\n"
	  "steps, stop one after the run going on, print its comparison report\n"
	  "(text by default; the rows as compare shows them)" },
	{ "host", "[--json]",
	  "this host as migbenchd sees it: its kernel, KVM's capabilities and\n"
	  "module parameters, hugepage pools, QEMU and libvirt, the queue" },
	{ "kernels", "[--json]", "the kernels runs were measured on, with their runs" },
	{ "help", "[COMMAND]", "this usage, or a command's" },
	{ NULL, NULL, NULL },
};

static const char *current = "";

static const struct command_usage *find(const char *name)
{
	for (const struct command_usage *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* Each line of text, indented by n spaces. */
static void indented(FILE *out, const char *text, int n)
{
	while (*text) {
		size_t len = strcspn(text, "\n");

		fprintf(out, "%*s%.*s\n", n, "", (int)len, text);
		text += len + (text[len] == '\n');
	}
}

void usage_all(FILE *out)
{
	fprintf(out, "usage: " PROG " [--socket PATH | --url http://HOST:PORT] [--token-file PATH] COMMAND\n"
		     "       " PROG " --version | --help | help COMMAND | COMMAND --help\n\n");
	for (const struct command_usage *c = commands; c->name; c++) {
		fprintf(out, "  %s %s\n", c->name, c->synopsis);
		indented(out, c->help, 22);
	}
	fprintf(out,
		"\n"
		"The default daemon address is migbenchd's unix socket: your own daemon's\n"
		"under $XDG_RUNTIME_DIR if it runs, else /run/migbench/migbenchd.sock, where\n"
		"root and members of group migbench may change state.  A token, needed over\n"
		"TCP, is read from --token-file or $MIGBENCH_TOKEN_FILE.\n"
		"Exit codes: 0 ok, 1 run not done, a compared metric regressed or daemon error,\n"
		"2 usage or refused request, 3 daemon unreachable, 4 not found or conflict,\n"
		"5 unauthorized or forbidden.\n");
}

bool usage_of(FILE *out, const char *cmd)
{
	const struct command_usage *c = find(cmd);

	if (!c)
		return false;
	fprintf(out, "usage: " PROG " %s %s\n\n", c->name, c->synopsis);
	indented(out, c->help, 0);
	fprintf(out, "\nGlobal options (before %s) and exit codes: " PROG " --help\n", c->name);
	return true;
}

bool usage_asked(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

void usage_command(const char *cmd)
{
	current = cmd;
}

int usage_wrong(void)
{
	fprintf(stderr, "Try '" PROG "%s%s --help'.\n", current[0] ? " " : "", current);
	return EXIT_USAGE;
}

void usage_version(FILE *out, const char *prog)
{
	fprintf(out, "%s %s\n", prog, mb_version());
}
