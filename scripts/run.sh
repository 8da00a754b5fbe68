#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is missing, build, make sure migbenchd is
# running (started on its defaults if not), submit a short real dirty-log
# benchmark on 1GiB hugepages through its API, follow it to the end, and
# print its results and where the API is.  Extra arguments are passed to
# `migbench run` and override the defaults.
set -euo pipefail
source "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."

scripts/deps.sh
scripts/build.sh >/dev/null

sock=/run/migbench/migbenchd.sock
log=/var/lib/migbench/migbenchd.log
client=(build/cli/migbench --socket "$sock")
if ! "${client[@]}" host >/dev/null 2>&1; then
	mkdir -p "$(dirname "$log")"
	echo "starting migbenchd (log: $log)"
	setsid build/daemon/migbenchd </dev/null >>"$log" 2>&1 &
	for _ in $(seq 100); do
		"${client[@]}" host >/dev/null 2>&1 && break
		sleep 0.1
	done
fi

vcpus=$(( $(nproc) >= 2 ? 2 : 1 ))
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
"${client[@]}" run --backing hugetlb-1g --vcpus "$vcpus" --mem-per-vcpu 256M \
	--iterations 3 --label quickstart --wait "$@" | tee "$out"
rc=${PIPESTATUS[0]}
set -e
id=$(sed -n 's/^queued run \([0-9]*\)$/\1/p' "$out" | head -n 1)
echo
[ -n "$id" ] && echo "this run: migbench show $id; its samples: migbench samples $id --csv"
echo "dashboards: http://127.0.0.1:7733/ (this run: http://127.0.0.1:7733/#/run/$id)"
echo "API: http://127.0.0.1:7733/api/v1 and unix:$sock (OpenAPI at /api/v1/openapi.json)"
echo "migbenchd keeps running (pid $(pgrep -x migbenchd | head -n 1)); stop it with: kill \$(pgrep -x migbenchd)"
exit "$rc"
