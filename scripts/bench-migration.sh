#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark (not a test): what tracing QEMU's dirty-log ioctls costs a
# migration and its guest.  Queues N migrations with tracing and N without
# (the queue interleaves the two groups), then prints the ratios of the
# median total, precopy and downtime, the guest's longest stall with and
# without tracing, and the comparison of the two groups.
set -euo pipefail
source "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."
n=${1:-5}

scripts/deps.sh
scripts/build.sh >/dev/null
tmp=$(mktemp -d)
build/daemon/migbenchd --no-config --data-dir "$tmp" --listen "unix:$tmp/s.sock" 2>"$tmp/log" &
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
rows = {r["metric"]: r for r in m["metrics"]}
# the cost of tracing on the migration, and on the guest: its longest stall
for metric in ("migration_total_ms", "migration_precopy_ms", "migration_downtime_ms", "guest_stall_ms"):
    r = rows.get(metric)
    if not r:
        print("%s: not measured on both sides" % metric)
        continue
    b, n = r["base"]["median"], r["new"]["median"]
    print("median %s: %.0f without tracing, %.0f with: ratio %s (U test p %.3g, n %d+%d)"
          % (metric, b, n, "%.3f" % (n / b) if b else "n/a", r["u_p"], r["base"]["n"], r["new"]["n"]))'
api GET '/api/v1/compare?base=trace-off&new=trace-on&vary=trace&format=text'
