/* SPDX-License-Identifier: MIT */
/*
 * The run spec of the direct dirty-log engine.  The same key names are
 * used in JSON (spec files, the REST API, the database) and, in kebab
 * case, as command-line flags.
 */
#ifndef MIGBENCH_SPEC_H
#define MIGBENCH_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#define MB_MAX_VCPUS		512
#define MB_MAX_MEMSLOTS		512
#define MB_MAX_ITERATIONS	100000
#define MB_RING_MIN_ENTRIES	256	/* one 4KiB page of kvm_dirty_gfn */
#define MB_RING_MAX_ENTRIES	65536	/* KVM_DIRTY_RING_MAX_ENTRIES */

enum mb_backing {
	MB_BACKING_ANONYMOUS,
	MB_BACKING_THP,
	MB_BACKING_HUGETLB_2M,
	MB_BACKING_HUGETLB_1G,
	MB_BACKING_SHMEM,
};

enum mb_access {
	MB_ACCESS_SEQUENTIAL,
	MB_ACCESS_RANDOM,
};

/* For options whose default depends on what the kernel supports. */
enum mb_auto_bool {
	MB_AUTO = -1,
	MB_FALSE = 0,
	MB_TRUE = 1,
};

struct mb_spec {
	unsigned int vcpus;
	uint64_t mem_per_vcpu;
	enum mb_backing backing;
	unsigned int iterations;
	unsigned int write_percent;
	enum mb_access access;
	uint64_t seed;
	enum mb_auto_bool manual_protect;
	enum mb_auto_bool initially_set;
	uint64_t clear_chunk_pages;
	unsigned int memslots;
	bool vcpus_run_during_disable;
	uint64_t dirty_ring_entries;
	unsigned int nr_pin;
	int pin[MB_MAX_VCPUS + 1];	/* vCPU i -> pin[i]; one more: main */
};

struct mb_spec_error {
	char key[48];		/* the offending key, "" when not one key */
	char message[256];	/* "key: what is wrong" */
};

/* Fill err for key ("" when not one key); returns -EINVAL. */
int mb_spec_fail(struct mb_spec_error *err, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void mb_spec_init(struct mb_spec *spec);

/* Set one key from a JSON value (the REST API and spec files). */
int mb_spec_set_json(struct mb_spec *spec, const char *key,
		     struct json_object *value, struct mb_spec_error *err);

/* Set one key from command-line text ("512M", "true", "0,1"). */
int mb_spec_set_text(struct mb_spec *spec, const char *key,
		     const char *text, struct mb_spec_error *err);

/* Set every key of a JSON object; any unknown key is an error. */
int mb_spec_from_json(struct mb_spec *spec, struct json_object *obj,
		      struct mb_spec_error *err);

/*
 * Checks between keys and against the host (online CPUs).  Everything
 * that can be known without opening /dev/kvm.
 */
int mb_spec_validate(const struct mb_spec *spec, unsigned int online_cpus,
		     struct mb_spec_error *err);

/* The spec as a JSON object; auto options that are unresolved omitted. */
struct json_object *mb_spec_to_json(const struct mb_spec *spec);

/* Iterate the key names (for --help and flag tables); NULL at the end. */
const char *mb_spec_key_name(unsigned int index);
bool mb_spec_key_is_bool(const char *key);

const char *mb_backing_name(enum mb_backing b);
const char *mb_access_name(enum mb_access a);

static inline uint64_t mb_spec_total_pages(const struct mb_spec *spec)
{
	return spec->vcpus * (spec->mem_per_vcpu / 4096);
}

#endif
