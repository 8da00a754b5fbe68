#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzz the request router (api_dispatch: access, Host, Origin, content
# type, every route and its handler, against a temporary store) with
# libFuzzer under ASan and UBSan for SECONDS (default 120).  Not a test: a
# tool to run after changing daemon/.  The daemon's libraries are built
# with clang and coverage in build-fuzz-router/ (libmigbenchd.a holds the
# engines); the fuzzer's stubs stand in for the queue.  Crashes land there.
set -euo pipefail
source "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."
seconds=${1:-120}
out=build-fuzz-router

command -v clang >/dev/null || apt-get install -y -q clang libclang-rt-14-dev
if [ ! -d "$out" ]; then
	# clang warns (an error with the guest's -Werror) about its link flags when compiling
	CC='clang -Wno-unused-command-line-argument' meson setup "$out" -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined' >/dev/null
fi
ninja -C "$out" daemon/libmigbenchd.a stats/libmbstats.a lib/libmbcore.a >/dev/null
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-D_GNU_SOURCE -Idaemon -Ilib -Iengine -Istats \
	$(pkg-config --cflags json-c sqlite3 libmicrohttpd) \
	tests/fuzz/fuzz-router.c "$out"/daemon/libmigbenchd.a \
	"$out"/stats/libmbstats.a "$out"/lib/libmbcore.a \
	$(pkg-config --libs json-c sqlite3 libmicrohttpd libvirt) -lm -lpthread \
	-o "$out"/fuzz-router

# Seeds: a request of each kind the API takes.
mkdir -p "$out"/corpus
seed() { printf '%b' "$2" >"$out/corpus/$1"; }
seed get-health '\x01GET\n/api/v1/health\n\nHost: localhost\n\n'
seed get-runs '\x00GET\n/api/v1/runs\nlimit=2&state=done&label=seed\nHost: 127.0.0.1:7733\n\n'
seed get-samples '\x00GET\n/api/v1/runs/1/samples\nformat=csv\nHost: localhost:7733\n\n'
seed get-compare '\x00GET\n/api/v1/compare\nbase=seed&new=runs:1&format=text\nHost: localhost\n\n'
seed get-web '\x00GET\n/index.html\n\nHost: bench.example.org:7733\n\n'
seed post-run '\x07POST\n/api/v1/runs\n\nHost: localhost\nContent-Type: application/json\n\n{"vcpus": 1, "mem_per_vcpu": "8M", "label": "f"}'
seed post-sweep '\x07POST\n/api/v1/runs\n\nHost: localhost\nContent-Type: application/json\n\n{"vcpus": [1, 2], "backing": ["anonymous", "thp"], "pin": [[0, 1], [1, 0]], "mem_per_vcpu": "8M"}'
seed get-compare-sweep '\x00GET\n/api/v1/compare\nbase=sweep:1&new=seed&format=markdown\nHost: localhost\n\n'
seed post-token '\x00POST\n/api/v1/runs/1/cancel\n\nHost: 127.0.0.1:7733\nContent-Type: application/json\nAuthorization: Bearer fuzz-token-0123456789\nOrigin: http://127.0.0.1:7733\n\n{}'
seed post-member '\x03POST\n/api/v1/runs/1/cancel\n\nHost: localhost\nContent-Type: application/json; charset=utf-8\nSec-Fetch-Site: same-origin\n\n'
cd "$out"
./fuzz-router -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 corpus
