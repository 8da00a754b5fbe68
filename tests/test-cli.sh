#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# migbench-dirtylog as a user runs it: bad input (exit 2, message naming
# the problem), a refused run (exit 3), the selftest's output format with
# the lines that follow it, and the --json document.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
bin=${MIGBENCH_DIRTYLOG:?set MIGBENCH_DIRTYLOG to the built binary}
data=${MIGBENCH_TEST_DATA:-$here/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip_all "/dev/kvm is not usable here"
small=(--vcpus 1 --mem-per-vcpu 8M --iterations 2 --quiet)

# Bad input: every line of the table.
while IFS=$'\t' read -r args want; do
	case "$args" in '#'*|'') continue ;; esac
	args=${args//@DATA@/$data}
	want=${want//@DATA@/$data}
	# shellcheck disable=SC2086 # the table holds whitespace-separated words
	"$bin" $args >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(head -n 1 "$tmp/err")
	[ "$rc" -eq 2 ] && [ "$got" = "$want" ] && [ ! -s "$tmp/out" ]
	ok $? "bad input '$args' exits 2 naming the problem"
	[ "$got" = "$want" ] || diag "got (exit $rc): $got" "want: $want"
done <"$data/cli-errors.txt"

"$bin" --help >"$tmp/help"
ok $? "--help exits 0"
for key in vcpus mem-per-vcpu backing iterations write-percent access seed \
	manual-protect initially-set clear-chunk-pages memslots \
	vcpus-run-during-disable dirty-ring-entries pin aging spec reserve-hugepages json; do
	grep -q -- "--$key\b" "$tmp/help"
	ok $? "--help lists --$key"
done

# An aging mechanism this kernel lacks: exit 2 naming aging and what is missing.
for need in "lru_gen /sys/kernel/mm/lru_gen/enabled multi-gen LRU" \
	"page_idle /sys/kernel/mm/page_idle/bitmap page_idle/bitmap"; do
	set -- $need
	[ -e "$2" ] && continue
	"$bin" "${small[@]}" --aging "$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] && grep -q "^migbench-dirtylog: aging: $1: this kernel has no .*$3" "$tmp/err"
	ok $? "--aging $1 without $2: exit 2 naming aging and what is missing"
	[ "$rc" -eq 2 ] || diag "exit $rc: $(cat "$tmp/err")"
done

# A mechanism refused here for what this host lacks: exit 2 with its words.
refused() {
	"$bin" "${small[@]}" --aging "$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] && grep -qF "migbench-dirtylog: aging: $2" "$tmp/err"
	ok $? "--aging $1 here: exit 2 saying \"$2\""
	[ "$rc" -eq 2 ] || diag "exit $rc: $(cat "$tmp/err")"
}

# damon needs DAMON's sysfs, and no kdamond but its own (this machine's is its own).
damon=/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds
if [ ! -e "$damon" ]; then
	refused damon "damon: this kernel has no DAMON sysfs interface"
elif [ "$(cat "$damon")" -gt 0 ]; then
	refused damon "damon: $(cat "$damon") kdamond"
fi

# reclaim needs swap, then cgroup v2 with the memory controller.
if ! awk 'NR > 1 && $3 > $4 { found = 1 } END { exit !found }' /proc/swaps; then
	refused reclaim "reclaim needs swap to evict the guest's memory to: /proc/swaps lists no free swap"
elif [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
	refused reclaim "reclaim needs the memory controller on cgroup v2"
fi

# The host cannot give what is asked: exit 3 and how to fix it.
pool=/sys/kernel/mm/hugepages/hugepages-1048576kB
if [ -r "$pool/free_hugepages" ]; then
	avail=$(( $(cat $pool/free_hugepages) - $(cat $pool/resv_hugepages) ))
	"$bin" --backing hugetlb-1g --vcpus 1 --mem-per-vcpu "$((avail + 1))G" --quiet \
		>/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 3 ] && grep -q "^migbench-dirtylog: need $((avail + 1)) free 1GiB hugepages, $avail free; reserve them with 'echo [0-9]* > $pool/nr_hugepages' as root, or pass --reserve-hugepages\$" "$tmp/err"
	ok $? "too few 1GiB hugepages: exit 3 saying how to reserve them"
	[ "$rc" -eq 3 ] || diag "exit $rc: $(cat "$tmp/err")"
fi

# Default output: dirty_log_perf_test's lines, in its order, then the zap
# steps it has no line for, the huge-mappings statement and the memory
# figures (or why they were not measured).
check_lines() {	# name regex-file args...
	local name=$1 ref=$2
	shift 2
	"$bin" "${small[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	ok "$rc" "$name: run exits 0"
	[ "$rc" -eq 0 ] || { diag "$(cat "$tmp/err")"; return; }
	local n_ref n_out i=0 bad=0
	n_ref=$(wc -l <"$ref")
	n_out=$(wc -l <"$tmp/out")
	[ "$n_ref" -eq "$n_out" ] || bad=1
	while IFS= read -r pattern; do
		i=$((i + 1))
		sed -n "${i}p" "$tmp/out" | grep -Eq "$pattern" || { bad=1; diag "line $i: $(sed -n "${i}p" "$tmp/out")"; }
	done <"$ref"
	ok "$bad" "$name: lines match $(basename "$ref")"
}
check_lines "manual protect" "$data/selftest-lines-manual.regex" --manual-protect
check_lines "get clears" "$data/selftest-lines-get.regex" --manual-protect=false
check_lines "dirty ring" "$data/selftest-lines-ring.regex" --dirty-ring-entries 512
# no disable in the zap: the totals still, then each timed step in the spec's order
check_lines "zap without disable" "$data/selftest-lines-zap.regex" --manual-protect --zap touch,invalidate,delete

# --spec with flags on top, and the --json document.
"$bin" --spec "$data/spec-small.json" --vcpus 1 --access random --quiet --json \
	>"$tmp/result.json" 2>"$tmp/err"
ok $? "--spec FILE --json runs"
cat >"$tmp/want-spec.json" <<JSON
{"vcpus": 1, "mem_per_vcpu": "8M", "iterations": 2, "write_percent": 100,
 "access": "random", "backing": "anonymous", "memslots": 1}
JSON
python3 "$here/check-result-json.py" "$tmp/result.json" "$tmp/want-spec.json" >"$tmp/problems"
ok $? "--json document: shape, metric names, summary recomputed independently"
[ -s "$tmp/problems" ] && diag "$(cat "$tmp/problems")"

"$bin" "${small[@]}" --summary >"$tmp/out" 2>&1
grep -Eq '^clear_dirty_log_ns +2 ' "$tmp/out"
ok $? "--summary adds a statistics row per metric"

# Progress goes to stderr, results to stdout.
"$bin" --vcpus 1 --mem-per-vcpu 8M --iterations 2 >"$tmp/out" 2>"$tmp/err"
grep -q '^migbench-dirtylog: iteration 2/2 done$' "$tmp/err" && ! grep -q '^migbench-dirtylog:' "$tmp/out"
ok $? "progress lines on stderr only"

done_testing
