#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The reference benchmark of the direct engine: hugetlb-1g, 2 vCPUs x
# 512MiB, 4 iterations.  Prints figures; it is not a test.
set -euo pipefail
source "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."

scripts/deps.sh
scripts/build.sh >/dev/null
echo "kernel: $(uname -r); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
exec build/cli/migbench-dirtylog --backing hugetlb-1g \
	--reserve-hugepages --vcpus 2 --mem-per-vcpu 512M --iterations 4 \
	--summary "$@"
