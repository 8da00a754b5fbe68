// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the request path every run request takes: strict
 * JSON, spec keys, validation, and spec -> JSON -> spec, which must give
 * the same spec back.  Run by scripts/fuzz.sh; not part of the test suite.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "spec_validate.h"
#include "strict_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb_error err;
	struct json_object *obj, *back;
	struct mb_spec spec, again;
	char jerr[256];

	if (mb_json_parse((const char *)data, size, &obj, jerr, sizeof(jerr)))
		return 0;
	mb_spec_init(&spec);
	if (mb_spec_from_json(&spec, obj, &err) == 0 &&
	    mb_spec_validate(&spec, 4, &err) == 0) {
		back = mb_spec_to_json(&spec);
		mb_spec_init(&again);
		if (mb_spec_from_json(&again, back, &err) ||
		    memcmp(&spec, &again, sizeof(spec)))
			abort();	/* the round trip lost something */
		json_object_put(back);
	}
	json_object_put(obj);
	return 0;
}
