#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is missing, build, and run a short real
# dirty-log benchmark on 1GiB hugepages (reserved for the run and given
# back), printing dirty_log_perf_test's lines and a statistics table.
# Extra arguments go to migbench-dirtylog and override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
scripts/build.sh >/dev/null
vcpus=$(( $(nproc) >= 2 ? 2 : 1 ))
exec build/workloads/migbench-dirtylog --backing hugetlb-1g \
	--reserve-hugepages --vcpus "$vcpus" --mem-per-vcpu 256M \
	--iterations 3 --summary "$@"
