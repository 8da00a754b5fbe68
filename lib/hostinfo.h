/* SPDX-License-Identifier: MIT */
/*
 * The environment a run is measured in: kernel identity, boot, CPU,
 * memory and KVM module parameters.  Runs on different kernels are told
 * apart (and later compared) by these fields.
 */
#ifndef MIGBENCH_HOSTINFO_H
#define MIGBENCH_HOSTINFO_H

#include <json-c/json.h>

/*
 * {"kernel": {"release","version"}, "cmdline", "boot_id", "cpu_model",
 *  "online_cpus", "mem_total_bytes", "kvm_parameters": {module: {p: v}}}
 */
struct json_object *mb_hostinfo_json(void);

unsigned int mb_online_cpus(void);

struct mb_kvm_caps;
/* {"KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2": N, ...} */
struct json_object *mb_kvm_caps_json(const struct mb_kvm_caps *caps);

#endif
