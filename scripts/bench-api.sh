#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Load benchmark of migbenchd (not a test): the ingestion rate of a
# 1M-sample run through the daemon (five rounds, each on a fresh store
# beside SQLite's own insert of its rows), then wrk on loopback against GET /runs
# (100 runs stored, beside the same bytes served from memory by
# tests/bench/bench-static), GET /runs/{id} and GET /runs/{id}/samples (a
# 100k-sample run, by one connection as JSON and as CSV, and by 100),
# printing p50/p99/mean latency and requests/s, each figure beside its goal
# and this machine's floor: SQLite's own insert and scan of the same rows
# and migbenchd's replies without HTTP (tests/bench/bench-store), and
# /health under the same load.  Runs come from tests/bench/bench-worker,
# which emits samples without running KVM.
set -euo pipefail
source "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."

scripts/deps.sh
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
scripts/build.sh >/dev/null

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pid=
spid=
trap 'kill $pid $spid 2>/dev/null; wait $pid $spid 2>/dev/null; rm -rf "$tmp"' EXIT
start_daemon() {	# DIR: a migbenchd on its own store, with the stand-in worker
	mkdir -p "$1"
	build/daemon/migbenchd --no-config --data-dir "$1" --listen "unix:$1/s.sock" \
		--listen "127.0.0.1:$port" --worker build/tests/bench/bench-worker 2>"$1/log" &
	pid=$!
	client=(build/cli/migbench --socket "$1/s.sock")
	for _ in $(seq 100); do "${client[@]}" host >/dev/null 2>&1 && break; sleep 0.1; done
}

run_seconds() {	# ID -> seconds from started_at to finished_at
	"${client[@]}" show "$1" --json | python3 -c '
import json, sys
from datetime import datetime
r = json.load(sys.stdin)
t = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
print("%.3f" % (t(r["finished_at"]) - t(r["started_at"])).total_seconds())'
}

# Rounds: a figure and its floor, one right after the other, a line per
# round in FILE; EXPR is an awk expression of a line's fields, their ratio.
median_round() {	# FILE EXPR -> the line whose EXPR is the median of the rounds'
	awk "{ print ($2), \$0 }" "$1" | sort -g |
		awk -v m=$(( ($(wc -l <"$1") + 1) / 2 )) 'NR == m { $1 = ""; sub(/^ /, ""); print }'
}
round_ratios() {	# FILE EXPR -> each round's EXPR, "1.20x 1.08x ..."
	awk "{ printf \"%s%.2fx\", (NR > 1 ? \" \" : \"\"), $2 }" "$1"
}

# Ingestion and SQLite's own insert of the same rows, each round on a
# fresh store and one right after the other: both move by 1.5x between
# minutes on these shared CPUs, so the figure is the median round's ratio.
rounds=5
for i in $(seq $rounds); do
	start_daemon "$tmp/ingest$i"
	"${client[@]}" run --iterations 10000 --wait >/dev/null 2>&1
	secs=$(run_seconds 1)
	stored=$("${client[@]}" show 1 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["progress"])')
	kill "$pid"; wait "$pid" 2>/dev/null || true
	pid=
	read -r _ ins_rows ins_s < <(build/tests/bench/bench-store "$tmp/ingest$i/migbench.db" 1 1 | grep '^insert')
	echo "$stored" | awk -v n="$ins_rows" -v s="$ins_s" -v w="$secs" \
		'{ printf "%.0f %.0f %s %s\n", $2 / $5, n / s, w, $0 }' >>"$tmp/ingestion"
	rm -rf "$tmp/ingest$i"
done
# the round whose ratio is the median: "rate floor_rate whole-run-seconds progress"
read -r rate floor_rate secs stored < <(median_round "$tmp/ingestion" '$2 / $1')
ingest_ratios=$(round_ratios "$tmp/ingestion" '$2 / $1')

start_daemon "$tmp/store"
"${client[@]}" run --iterations 10000 --wait >/dev/null 2>&1

"${client[@]}" run --iterations 1000 --wait >/dev/null 2>&1
for _ in $(seq 98); do "${client[@]}" run --iterations 1 >/dev/null; done
while [ "$("${client[@]}" ls --state queued | wc -l)" -gt 1 ]; do sleep 0.2; done

# The reads' floors, on the same rows: SQLite's own scan of run 2's rows,
# and migbenchd's reply of run 2 without HTTP.
floors=$(build/tests/bench/bench-store "$tmp/store/migbench.db" 0 2)
read -r _ scan_rows scan_s < <(grep '^scan' <<<"$floors")
read -r _ _ present_s present_bytes < <(grep '^present ' <<<"$floors")
read -r _ _ csv_s csv_bytes < <(grep '^present_csv ' <<<"$floors")
# where SQLite alone cannot insert 1M rows/s here, the goal is its ratio to that
verdict=$(awk -v a="$floor_rate" -v b="$rate" 'BEGIN { r = a / b;
	if (b >= 1000000) printf "goal met"
	else if (a < 1000000) printf "SQLite alone is below 1M/s here, so the goal is beyond this machine and the ratio is the figure: %s", r < 1.5 ? "under 1.5x, goal met" : "not under 1.5x, goal not met"
	else printf "goal not met" }')
echo "ingestion of a 1M-sample run: $stored: $rate samples/s parsed and stored" \
	"(goal >= 1000000; SQLite's own insert of the same rows here, same schema and" \
	"batches, no parsing: $floor_rate rows/s, $(awk -v a="$floor_rate" -v b="$rate" \
	'BEGIN { printf "%.2f", a / b }')x faster, the median of $ingest_ratios over $rounds rounds: $verdict); the whole run, with worker start-up and summary: ${secs}s"
echo "floors for GET /runs/2/samples ($scan_rows rows, $present_bytes bytes of JSON), best of 5:" \
	"SQLite's scan $(awk -v s="$scan_s" 'BEGIN { printf "%.1f", s * 1000 }')ms," \
	"migbenchd's reply without HTTP $(awk -v s="$present_s" 'BEGIN { printf "%.1f", s * 1000 }')ms," \
	"as CSV ($csv_bytes bytes) $(awk -v s="$csv_s" 'BEGIN { printf "%.1f", s * 1000 }')ms"

# wrk's latency as milliseconds
ms() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
	printf "%.3f", u == "us" ? n / 1000 : u == "s" ? n * 1000 : u == "m" ? n * 60000 : n }'; }
bench() {	# PATH CONNECTIONS [SECONDS] -> "p50_ms p99_ms avg_ms requests/s non2xx"
	wrk -t"$(( $2 < 2 ? 1 : 2 ))" -c"$2" -d"${3:-10}s" --timeout 60s --latency "http://127.0.0.1:$port$1" | awk '
		$1 == "Latency" && !avg { avg = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
		$1 == "Requests/sec:" { rps = $2 } $1 == "Non-2xx" { bad = $NF }
		END { print p50, p99, avg, rps, bad + 0 }' | {
		read -r p50 p99 avg rps bad
		echo "$(ms "$p50") $(ms "$p99") $(ms "$avg") $rps $bad"
	}
}
line() {	# PATH C p50 p99 avg rps bad GOAL
	printf "GET %-34s c=%-3s p50 %9.2fms p99 %9.2fms avg %9.2fms %9s req/s%s  %s\n" "$1" "$2" \
		"$3" "$4" "$5" "$6" "$([ "${7:-0}" = 0 ] || echo "  ($7 non-2xx!)")" "$8"
}
srounds=3
echo "load: wrk, 2 threads (1 for c=1), 10 s each (6 s each in $rounds rounds for /health and GET /runs, $srounds rounds for the samples by 100), on $(nproc) CPUs shared with migbenchd"
# the floor under a reply of the listing's size: its very bytes from memory,
# through the same libmicrohttpd settings, nothing done per request
curl -s "http://127.0.0.1:$port/api/v1/runs" >"$tmp/runs.json"
sport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
build/tests/bench/bench-static "$sport" "$tmp/runs.json" &
spid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$sport/" && break; sleep 0.1; done
# A p99 moves by 2x and more between runs on these shared CPUs, /health's
# as much as the listing's: so the three are measured in turn, in rounds,
# and each round's ratio is taken against its own /health.
for i in $(seq $rounds); do
	read -r h50 h99 havg hrps hbad < <(bench /api/v1/health 100 6)
	read -r p50 p99 avg rps bad < <(bench /api/v1/runs 100 6)
	read -r s50 s99 _ < <(port=$sport bench / 100 6)
	echo "$h50 $h99 $havg $hrps $hbad $p50 $p99 $avg $rps $bad $s99" >>"$tmp/rounds"
done
kill "$spid"; wait "$spid" 2>/dev/null || true
spid=
# the round whose listing-to-/health p99 ratio is the median of the rounds
read -r h50 h99 havg hrps hbad p50 p99 avg rps bad s99 < <(median_round "$tmp/rounds" '$7 / $2')
ratios=$(round_ratios "$tmp/rounds" '$7 / $2')
sratios=$(round_ratios "$tmp/rounds" '$7 / $11')
line /api/v1/health 100 "$h50" "$h99" "$havg" "$hrps" "$hbad" "(the floor: what this machine gives any request)"
line /api/v1/runs 100 "$p50" "$p99" "$avg" "$rps" "$bad" "$(awk -v a="$p99" -v b="$h99" -v s="$s99" \
	-v n="$(wc -c <"$tmp/runs.json")" -v r="$ratios" -v sr="$sratios" 'BEGIN { printf "(goal p99 <= 1.2x /health'"'"'s: %.2fx, the median of %s; its %d bytes from memory, no work: p99 %.2fms, %.2fx, of %s)", a / b, r, n, s, a / s, sr }')"
read -r p50 p99 avg rps bad < <(bench /api/v1/runs/2 100)
line /api/v1/runs/2 100 "$p50" "$p99" "$avg" "$rps" "$bad" "$(awk -v a="$p50" -v b="$h50" \
	'BEGIN { printf "(goal p50 <= 5ms; %.2fx /health'"'"'s p50)", a / b }')"
read -r p50 p99 avg rps bad < <(bench /api/v1/runs/2/samples 1)
line /api/v1/runs/2/samples 1 "$p50" "$p99" "$avg" "$rps" "$bad" "$(awk -v a="$p50" -v f="$present_s" \
	-v n="$scan_rows" 'BEGIN { printf "(goal p50 <= 150ms: %.2fM rows/s; %.2fx the reply without HTTP)", n / a / 1000, a / (f * 1000) }')"
json50=$p50
read -r p50 p99 avg rps bad < <(bench '/api/v1/runs/2/samples?format=csv' 1)
line '/api/v1/runs/2/samples?format=csv' 1 "$p50" "$p99" "$avg" "$rps" "$bad" "$(awk -v a="$p50" -v f="$csv_s" \
	-v n="$scan_rows" -v j="$json50" 'BEGIN { printf "(goal: the JSON'"'"'s rate: %.2fx its p50, %.2fM rows/s; %.2fx the CSV reply without HTTP)", a / j, n / a / 1000, a / (f * 1000) }')"
# 100 replies at once on these CPUs cannot average under 100 times one
# reply's own cost spread over the CPUs (wrk's share not even counted).
# That cost moves by 1.5x between minutes, so each of the rounds measures
# it right before its load, and the median round's ratio is printed.
for i in $(seq $srounds); do
	read -r _ _ f _ < <(build/tests/bench/bench-store "$tmp/store/migbench.db" 0 2 | grep '^present ')
	[ -n "$f" ] || { echo "bench-store: no floor for the samples' reply" >&2; exit 1; }
	echo "$(bench /api/v1/runs/2/samples 100) $f" >>"$tmp/samples100"
done
# the mean against 100 replies' own cost over the CPUs
over_floor='$3 / (100 * $6 * 1000 / '"$(nproc)"')'
read -r p50 p99 avg rps bad f < <(median_round "$tmp/samples100" "$over_floor")
sratios=$(round_ratios "$tmp/samples100" "$over_floor")
# and what the transport adds (the kernel's copies, wrk's parsing) is in
# one reader's own p50 over HTTP: 100 of those back to back, spread over
# the CPUs
line /api/v1/runs/2/samples 100 "$p50" "$p99" "$avg" "$rps" "$bad" "$(awk -v a="$avg" -v f="$f" \
	-v c="$(nproc)" -v r="$sratios" -v j="$json50" 'BEGIN { floor = 100 * f * 1000 / c; one = 100 * j / c;
	printf "(floor avg %.0fms = 100 replies x %.1fms in memory / %d CPUs: %.2fx, the median of %s; 100 x one reader'"'"'s p50 %.1fms / %d CPUs = %.0fms: %.2fx)", floor, f * 1000, c, a / floor, r, j, c, one, a / one }')"
