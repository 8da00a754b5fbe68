#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzz the request path with libFuzzer under ASan and UBSan for SECONDS
# (default 120).  Not a test: a tool to run after changing those files.
# Crashes land in build-fuzz/.
#
#   scripts/fuzz.sh [--target spec|migspec] [SECONDS]
#
# spec: strict JSON, the dirtylog spec's parsing and validation (default).
# migspec: the migration spec, its destination parser and guest kernel rules.
set -euo pipefail
source "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."
target=spec
if [ "${1:-}" = --target ]; then
	target=${2:?--target needs spec or migspec}
	shift 2
fi
seconds=${1:-120}

command -v clang >/dev/null || apt-get install -y -q clang libclang-rt-14-dev
corpus=build-fuzz/corpus$([ "$target" = spec ] || echo "-$target")
mkdir -p "$corpus"
cp tests/data/*.json "$corpus"/ 2>/dev/null || true
python3 - "$corpus" "$target" <<'PY'
import json, os, sys
corpus, target = sys.argv[1:]
for i, case in enumerate(json.load(open('tests/data/bad-requests.json'))):
    body = case.get('body')
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str) and not body.startswith('@'):
        open(os.path.join(corpus, 'bad-%d.json' % i), 'w').write(body)
if target == 'migspec':
    seeds = [{'destination': d} for d in (
        'local', 'qemu+ssh://user@host.example:22/system?no_verify=1',
        'qemu+tcp://[::1]:16509/system', 'qemu+ssh://x/system?command=/bin/sh',
        'qemu+ext:///system', 'qemu+tls://10.0.0.1/system?sshauth=agent&no_verify=0')]
    seeds += [{'guest_kernel': k, 'memory': '2G'} for k in ('vmlinuz', '/etc/shadow', '../x')]
    seeds.append({'vcpus': 2, 'memory': '1G', 'backing': 'hugetlb-2m', 'wss': '512M',
                  'access': 'random', 'rate_mib_s': 64, 'max_bandwidth': 100,
                  'downtime_limit_ms': 50, 'postcopy': True, 'dirty_ring_entries': 4096,
                  'trace': False, 'guest_cmdline': 'console=ttyS0'})
    for i, s in enumerate(seeds):
        open(os.path.join(corpus, 'mig-%d.json' % i), 'w').write(json.dumps(s))
PY
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -D_GNU_SOURCE -Ilib -Iengine $(pkg-config --cflags json-c))
common=(lib/strict_json.c lib/units.c lib/error.c lib/guestmem.c)
case $target in
spec)
	clang "${flags[@]}" -Iengine/kvm tests/fuzz/fuzz-spec.c engine/kvm/spec.c engine/kvm/spec_validate.c \
		"${common[@]}" \
		$(pkg-config --libs json-c) -lm -o build-fuzz/fuzz-spec ;;
migspec)
	clang "${flags[@]}" -Iengine/libvirt tests/fuzz/fuzz-migspec.c engine/libvirt/migspec.c \
		engine/libvirt/destination.c engine/libvirt/guestfile.c engine/site.c \
		"${common[@]}" \
		$(pkg-config --libs json-c) -lm -o build-fuzz/fuzz-migspec ;;
*)
	echo "fuzz.sh: unknown target '$target' (spec or migspec)" >&2
	exit 2 ;;
esac
if [ "$target" = migspec ]; then	# a guest kernel directory with one good kernel
	MB_FUZZ_KERNEL_DIR=$(mktemp -d /tmp/mbfuzz-kernels-XXXXXX)
	export MB_FUZZ_KERNEL_DIR
	trap 'rm -rf -- "$MB_FUZZ_KERNEL_DIR"' EXIT
	chmod 755 "$MB_FUZZ_KERNEL_DIR"
	: >"$MB_FUZZ_KERNEL_DIR/vmlinuz"
fi
cd build-fuzz
"./fuzz-$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "${corpus#build-fuzz/}"
