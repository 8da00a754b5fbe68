/* SPDX-License-Identifier: MIT */
/*
 * The engine interface.  An engine is one kind of run ("dirtylog",
 * "migration"): it owns its spec (parsed, checked and resolved once, when
 * the run is requested), says what the run needs of the host, runs it in a
 * worker and hands back samples, and describes a spec for a report.
 * Everything outside engine/ reaches an engine through this table, found
 * by kind in the registry (engine/registry.c); nothing else compares kind
 * strings.
 */
#ifndef MIGBENCH_ENGINE_H
#define MIGBENCH_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "error.h"
#include "samples.h"
#include "site.h"
#include "textbuf.h"

enum mb_run_status {
	MB_RUN_OK,
	MB_RUN_BAD_SPEC,	/* the spec cannot run as written */
	MB_RUN_UNAVAILABLE,	/* the host lacks a resource or capability */
	MB_RUN_FAILED,		/* KVM, QEMU or the dirty log misbehaved */
	MB_RUN_INTERRUPTED,	/* *stop was set */
};

/* How a run is asked to behave, whichever engine runs it. */
struct mb_run_opts {
	/* Set (e.g. from a signal handler) to abandon the run. */
	volatile sig_atomic_t *stop;
	/* Called between phases, never inside a timed region. */
	void (*progress)(void *ctx, const char *message);
	void *progress_ctx;
	/* Raise hugepage pools the run needs itself (migbench-dirtylog). */
	bool reserve_hugepages;
	/* The migration guest (migbench's multiboot kernel). */
	const char *guest_kernel;
	/* What the administrator allows; NULL: the defaults (site.h). */
	const struct mb_site_policy *site;
};

/* What a run gives back, whatever the outcome. */
struct mb_run_result {
	struct json_object *spec;		/* resolved; NULL if never known */
	struct json_object *environment;	/* NULL if the run never started */
	struct mb_samples samples;
	struct mb_error error;			/* why, when not MB_RUN_OK */
	/*
	 * Metrics the run should have and does not, each with why:
	 * {"metric": "reason"}; NULL when none is missing.  A figure that was
	 * not measured is named here, never stored as 0.
	 */
	struct json_object *missing;
};

void mb_run_result_free(struct mb_run_result *res);
/* Record that res lacks metric m, and why. */
void mb_run_missing(struct mb_run_result *res, enum mb_metric m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Value types of spec keys, for command-line flags and --help. */
enum mb_key_type {
	MB_KEY_BOOL,
	MB_KEY_UINT,
	MB_KEY_SIZE,		/* bytes: a number or "512M" */
	MB_KEY_NAME,		/* one of a few words */
	MB_KEY_TEXT,		/* free text: a path, a URI */
	MB_KEY_CPU_LIST,	/* "0,1,2" */
	MB_KEY_NAME_LIST,	/* "disable,delete", in order; "none" for [] */
};

struct mb_engine_key {
	const char *name;	/* as in JSON */
	enum mb_key_type type;
	const char *help;	/* values and default, one line */
	/* MB_KEY_NAME, MB_KEY_NAME_LIST: the words it takes, NULL-ended (forms offer them). */
	const char *const *values;
};

/*
 * What a run takes of the host at most: hugepages per page size (0: unused
 * entry), guest memory, samples; and the spec keys that decide them, for
 * the error when a request asks for more than the daemon allows.
 */
#define MB_MAX_POOLS 2
struct mb_run_needs {
	struct { uint64_t page_size; long pages; } hugepages[MB_MAX_POOLS];
	uint64_t memory_bytes;		/* all guests of the run on this host */
	bool memory_doubled;		/* a local migration: both ends here */
	const char *memory_key;
	uint64_t samples;		/* 0: no bound known before the run */
	const char *samples_key;
};

struct mb_engine {
	const char *kind;		/* "dirtylog" */
	const char *title;		/* one line for --help */
	const char *report_title;	/* "KVM dirty-log comparison" */
	const struct mb_engine_key *keys;	/* ends with a NULL name */
	/*
	 * What adaptive repetition waits on: each of these metrics' medians
	 * known to the target (samples.h for the fallback).  Ends with a NULL
	 * metric.
	 */
	const struct mb_headline *headline;
	/*
	 * What reports show first, in this order, before the rest by name:
	 * the headline and the figures a maintainer looks for next (the zap
	 * paths), which adaptive repetition need not wait on.  NULL: the
	 * headline.
	 */
	const struct mb_headline *report_first;

	/* The engine's own spec type: its size, and its defaults. */
	size_t spec_size;
	void (*spec_init)(void *spec);
	/*
	 * Set the request's keys on an initialised spec: every key checked
	 * (unknown ones refused), then checked as a whole against this host
	 * and what its administrator allows (site, may be NULL).
	 */
	int (*spec_load)(void *spec, struct json_object *obj, const struct mb_site_policy *site,
			 struct mb_error *err);
	struct json_object *(*spec_to_json)(const void *spec);
	/* One command-line value ("512M", "true", "0,1") as the JSON the key takes. */
	int (*value_from_text)(const char *key, const char *text,
			       struct json_object **out, struct mb_error *err);
	/* What the run holds while it runs (both ends of a local migration). */
	void (*needs)(const void *spec, struct mb_run_needs *out);
	/*
	 * The spec as a reader can repeat it: the command's name, then each
	 * key that differs from the defaults as the command takes it.
	 */
	const char *command;
	void (*describe_key)(struct textbuf *out, const char *key, struct json_object *value);
	/*
	 * The spec (JSON) in a few words for listings, "dirtylog 2 x 512M
	 * hugetlb-1g, 3 iterations": its essentials, then what sets it apart
	 * from a plain run.  -ENOENT when it lacks an essential key (a spec
	 * stored before the key existed); see mb_engine_spec_line.
	 */
	int (*spec_line)(struct json_object *spec, struct textbuf *out);
	/*
	 * The kernel selftest that measures what the spec (resolved JSON)
	 * measures, as a command line a maintainer can rerun: 0, or -ENOENT
	 * with why the selftest cannot express it in err (its field the key
	 * at fault).  NULL: no selftest measures this kind of run.
	 */
	int (*selftest)(struct json_object *spec, struct textbuf *out, struct mb_error *err);
	const char *selftest_name;	/* "dirty_log_perf_test", for reports */
	/* Run once; the result is filled whatever happens (see above). */
	enum mb_run_status (*run)(void *spec, const struct mb_run_opts *opts,
				  struct mb_run_result *res);
	/*
	 * Take down what runs of this engine left behind when their worker
	 * died (guests, tracing, private directories) under site's state
	 * directory; how many things.
	 */
	int (*reap_leftovers)(const struct mb_site_policy *site);
};

/* The engine of a kind; NULL if there is none. */
const struct mb_engine *mb_engine_find(const char *kind);
/* The engines in order, for listings; NULL past the last. */
const struct mb_engine *mb_engine_at(unsigned int index);
/* The kind every request without one gets. */
const struct mb_engine *mb_engine_default(void);
/* "\"dirtylog\" or \"migration\"", for messages. */
void mb_engine_kinds(char *buf, size_t len);

/* Whether a key's own value is a list (a sweep of it is a list of lists). */
static inline bool mb_key_is_list(const struct mb_engine_key *k)
{
	return k->type == MB_KEY_CPU_LIST || k->type == MB_KEY_NAME_LIST;
}

/* The key of that name; NULL if the engine has none. */
const struct mb_engine_key *mb_engine_key(const struct mb_engine *e, const char *name);

/* A key's value in a spec's JSON as text, or as an integer; NULL or 0 when it has none. */
const char *mb_spec_text(struct json_object *spec, const char *key);
int64_t mb_spec_int(struct json_object *spec, const char *key);

/* A key as a command-line flag, without the dashes: mem_per_vcpu -> mem-per-vcpu. */
void mb_key_flag(const char *key, char *out, size_t len);

/* One command-line value as JSON, by the key's type (engine/keys.c). */
int mb_key_value_from_text(const struct mb_engine_key *k, const char *text,
			   struct json_object **out, struct mb_error *err);

/*
 * A spec from a request's or the store's JSON: defaults, then the keys;
 * free() it.  0 or a negative errno with err.
 */
int mb_engine_spec_parse(const struct mb_engine *e, struct json_object *obj,
			 const struct mb_site_policy *site, void **spec, struct mb_error *err);

/*
 * The spec in a few words (e->spec_line); where the engine cannot say
 * (no engine, an essential key missing) the kind and each key=value.
 */
void mb_engine_spec_line(const struct mb_engine *e, const char *kind,
			 struct json_object *spec, struct textbuf *out);

/* A spec of the engine's defaults as JSON; NULL on ENOMEM. */
struct json_object *mb_engine_defaults(const struct mb_engine *e);

/* The spec as a command line, keys at their defaults left out. */
void mb_engine_describe(const struct mb_engine *e, struct json_object *spec,
			struct textbuf *out);

/*
 * The kernel selftest's command line for a spec (e->selftest): 0, -ENOENT
 * with why the spec has none, or -EOPNOTSUPP when the engine has no
 * selftest at all.
 */
int mb_engine_selftest(const struct mb_engine *e, struct json_object *spec,
		       struct textbuf *out, struct mb_error *err);

/* What reports show first: report_first, else the headline. */
const struct mb_headline *mb_engine_report_first(const struct mb_engine *e);

/*
 * A spec from a stored or requested JSON object, straight to its resolved
 * JSON (parse, then to_json): what the API stores; and, when needs is not
 * NULL, what the run will hold of the host, from the same parse.
 */
int mb_engine_normalise(const struct mb_engine *e, struct json_object *obj,
			const struct mb_site_policy *site, struct json_object **out,
			struct mb_run_needs *needs, struct mb_error *err);

#endif
