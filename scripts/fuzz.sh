#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzz the request path (strict JSON, spec parsing and validation) with
# libFuzzer under ASan and UBSan for SECONDS (default 120).  Not a test:
# a tool to run after changing those files.  Crashes land in build-fuzz/.
set -euo pipefail
source "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."
seconds=${1:-120}

command -v clang >/dev/null || apt-get install -y -q clang libclang-rt-14-dev
mkdir -p build-fuzz/corpus
cp tests/data/*.json build-fuzz/corpus/ 2>/dev/null || true
python3 - build-fuzz/corpus <<'PY'
import json, os, sys
for i, case in enumerate(json.load(open('tests/data/bad-requests.json'))):
    body = case.get('body')
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str) and not body.startswith('@'):
        open(os.path.join(sys.argv[1], 'bad-%d.json' % i), 'w').write(body)
PY
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-D_GNU_SOURCE -Ilib -Iengine/kvm $(pkg-config --cflags json-c) \
	tests/fuzz/fuzz-spec.c engine/kvm/spec.c lib/strict_json.c lib/units.c \
	lib/error.c lib/guestmem.c \
	$(pkg-config --libs json-c) -lm -o build-fuzz/fuzz-spec
cd build-fuzz
./fuzz-spec -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 corpus
