#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark (not a test): what tracing QEMU's dirty-log ioctls costs a
# migration.  Queues N migrations with tracing and N without (the queue
# interleaves the two groups), then prints the ratio of the median total
# migration times and the comparison of the two groups.
set -euo pipefail
source "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."
n=${1:-5}

scripts/deps.sh
scripts/build.sh >/dev/null
tmp=$(mktemp -d)
build/daemon/migbenchd --data-dir "$tmp" --listen "unix:$tmp/s.sock" 2>"$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
api() { python3 - "$tmp/s.sock" "$@" <<'PY'
import http.client, json, socket, sys
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(sys.argv[1])
c = C('localhost'); method, path = sys.argv[2], sys.argv[3]
body = sys.argv[4] if len(sys.argv) > 4 else None
c.request(method, path, body, {'Content-Type': 'application/json'} if body else {})
print(c.getresponse().read().decode())
PY
}
for _ in $(seq 100); do [ -S "$tmp/s.sock" ] && break; sleep 0.1; done

spec='"kind": "migration", "vcpus": 2, "memory": "1G", "backing": "hugetlb-1g", "wss": "512M", "rate_mib_s": 64'
api POST /api/v1/runs "{$spec, \"trace\": true, \"label\": \"trace-on\", \"repeat\": $n}" >/dev/null
api POST /api/v1/runs "{$spec, \"trace\": false, \"label\": \"trace-off\", \"repeat\": $n}" >/dev/null
echo "tracing overhead: $n migrations with and $n without ioctl tracing, interleaved"
busy() {	# queued or running runs left?
	[ "$(api GET '/api/v1/runs?state=queued')$(api GET '/api/v1/runs?state=running')" != \
	  '{"runs":[]}{"runs":[]}' ]
}
while busy; do sleep 5; done
failed=$(api GET '/api/v1/runs?state=failed' | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["runs"]))')
[ "$failed" -eq 0 ] || { echo "$failed runs failed:"; api GET '/api/v1/runs?state=failed'; cp "$tmp/migbench.db" /tmp/bench-migration-failed.db; }
api GET '/api/v1/compare?base=trace-off&new=trace-on&vary=trace&format=json' | python3 -c '
import json, sys
m = json.load(sys.stdin)
for r in m["metrics"]:
    if r["metric"] == "migration_total_ms":
        b, n = r["base"]["median"], r["new"]["median"]
        print("median migration_total_ms: %.0f without tracing, %.0f with: ratio %.3f (U test p %.3g, n %d+%d)"
              % (b, n, n / b, r["u_p"], r["base"]["n"], r["new"]["n"]))'
api GET '/api/v1/compare?base=trace-off&new=trace-on&vary=trace&format=text'
