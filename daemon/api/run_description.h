/* SPDX-License-Identifier: MIT */
/*
 * What a reader is shown of a run beyond its stored record, from its
 * engine: the spec as command lines (migbench's own, and the kernel
 * selftest's that measures the same), the summary in the engine's report
 * order, and a few words on what each metric measures.
 */
#ifndef MIGBENCH_RUN_DESCRIPTION_H
#define MIGBENCH_RUN_DESCRIPTION_H

#include <json-c/json.h>

/*
 * Add to a run as present_run() made it: "command" (a string),
 * "selftest" ({"name", "command", "reason"}, command or reason null;
 * null when no selftest measures such runs), "metric_labels" ({"metric": "what"} for
 * each metric of its summary and missing), and "summary" again with the
 * engine's first metrics first.  A run of a kind no engine has is left
 * as it is.
 */
void run_describe(struct json_object *run);

#endif
