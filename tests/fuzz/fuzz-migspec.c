// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the migration spec (engine/libvirt/migspec.c):
 * strict JSON, every key, the destination parser and the guest kernel
 * rules against a site policy, and spec -> JSON -> spec, which must give
 * the same spec back.  Run by scripts/fuzz.sh --target migspec.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migspec.h"
#include "strict_json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const allow[] = { "no_verify", "sshauth", NULL };
static struct mb_site_policy site = { .destination_query_allow = allow };

/*
 * The guest kernel directory scripts/fuzz.sh made, with one good kernel
 * ("vmlinuz") in it; without one every guest kernel is refused.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	site.guest_kernel_dir = getenv("MB_FUZZ_KERNEL_DIR");
	return 0;
}

/* spec -> JSON -> spec must give the same spec back. */
static void check_round_trip(const struct mb_migspec *spec)
{
	struct json_object *back = mb_migspec_to_json(spec);
	struct mb_migspec again;
	struct mb_error err;

	mb_migspec_init(&again);
	if (mb_migspec_from_json(&again, back, 4, &site, &err) || memcmp(spec, &again, sizeof(again)))
		abort();
	json_object_put(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *obj;
	struct mb_migspec spec;
	struct mb_error err;
	char jerr[256];

	if (mb_json_parse((const char *)data, size, &obj, jerr, sizeof(jerr)))
		return 0;
	mb_migspec_init(&spec);
	if (json_object_is_type(obj, json_type_object) &&
	    mb_migspec_from_json(&spec, obj, 4, &site, &err) == 0)
		check_round_trip(&spec);
	json_object_put(obj);
	return 0;
}
