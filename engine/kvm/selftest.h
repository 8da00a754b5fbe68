/* SPDX-License-Identifier: MIT */
/*
 * A dirty-log spec as the kernel's own tool would run it: the command line
 * of tools/testing/selftests/kvm/dirty_log_perf_test, so a maintainer can
 * check migbench's figures against it.
 */
#ifndef MIGBENCH_SELFTEST_H
#define MIGBENCH_SELFTEST_H

#include <json-c/json.h>

#include "error.h"
#include "textbuf.h"

#define MB_SELFTEST_NAME "dirty_log_perf_test"

/*
 * The spec (resolved JSON; a key it lacks is at its default) as
 * "dirty_log_perf_test -v 2 -b 512M ...": 0, or -ENOENT with every reason
 * the selftest cannot express it in err ("dirty_ring_entries: ...; ..."),
 * err->field the first key at fault.  Flags as upstream Linux 6.3 and
 * later take them (getopt "ab:c:eghi:m:nop:r:s:v:x:w:").
 */
int mb_selftest_command(struct json_object *spec, struct textbuf *out, struct mb_error *err);

#endif
