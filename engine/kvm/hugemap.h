/* SPDX-License-Identifier: MIT */
/*
 * Whether KVM's huge mappings of the guest were split when dirty logging
 * started and came back when it stopped, from KVM's own page counts
 * (kvm_stat.pages_4k/2m/1g) read between phases.
 */
#ifndef MIGBENCH_HUGEMAP_H
#define MIGBENCH_HUGEMAP_H

#include <json-c/json.h>

#include "samples.h"
#include "spec.h"

/*
 * {"statement": "1GiB mappings: 1 before, 0 while logging, 1 after
 * touch; ...", "stat", "before", "while_logging", "after_disable",
 * "after_touch", "split", "recovered"}: what the counts show, or why
 * they cannot show it.
 */
struct json_object *mb_huge_mappings_json(const struct mb_spec *spec,
					  const struct mb_samples *samples);

#endif
