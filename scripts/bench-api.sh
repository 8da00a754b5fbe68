#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Load benchmark of migbenchd (not a test): the ingestion rate of a
# 1M-sample run through the daemon, then wrk on loopback against GET /runs
# (100 runs stored) and GET /runs/{id}/samples (a 100k-sample run), 100
# connections, printing p50/p99 latency and requests/s.  Runs come from
# tests/bench/bench-worker, which emits samples without running KVM.
set -euo pipefail
source "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."

scripts/deps.sh
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
scripts/build.sh >/dev/null

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
build/daemon/migbenchd --data-dir "$tmp" --listen "unix:$tmp/s.sock" \
	--listen "127.0.0.1:$port" --worker build/tests/bench/bench-worker 2>"$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
client=(build/cli/migbench --socket "$tmp/s.sock")
for _ in $(seq 100); do "${client[@]}" host >/dev/null 2>&1 && break; sleep 0.1; done

run_seconds() {	# ID -> seconds from started_at to finished_at
	"${client[@]}" show "$1" --json | python3 -c '
import json, sys
from datetime import datetime
r = json.load(sys.stdin)
t = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
print("%.3f" % (t(r["finished_at"]) - t(r["started_at"])).total_seconds())'
}

"${client[@]}" run --iterations 10000 --wait >/dev/null 2>&1
secs=$(run_seconds 1)
stored=$("${client[@]}" show 1 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["progress"])')
rate=$(echo "$stored" | awk '{ printf "%.0f", $2 / $5 }')
echo "ingestion of a 1M-sample run: $stored: $rate samples/s parsed and stored;" \
	"the whole run, with worker start-up and summary: ${secs}s"

"${client[@]}" run --iterations 1000 --wait >/dev/null 2>&1
for _ in $(seq 98); do "${client[@]}" run --iterations 1 >/dev/null; done
while [ "$("${client[@]}" ls --state queued | wc -l)" -gt 1 ]; do sleep 0.2; done

bench() {	# PATH CONNECTIONS
	wrk -t2 -c"$2" -d10s --latency "http://127.0.0.1:$port$1" | awk -v path="$1" -v c="$2" '
		$1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
		$1 == "Requests/sec:" { rps = $2 } $1 == "Non-2xx" { bad = $NF }
		END { printf "GET %-28s c=%-3s p50 %-9s p99 %-9s %9s requests/s%s\n",
			path, c, p50, p99, rps, bad ? "  (" bad " non-2xx!)" : "" }'
}
echo "load: wrk, 2 threads, 10 s each, on $(nproc) CPUs shared with migbenchd"
bench /api/v1/health 100	# the floor: what this machine gives any request
bench /api/v1/runs 100
bench /api/v1/runs/2 100
bench /api/v1/runs/2/samples 100
