#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGTERM or SIGINT in the middle of a hugetlb-1g run that reserved its
# own pages: the command exits 128+N with a message, and the 1GiB pool,
# the processes and the KVM state are as they were.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
bin=${MIGBENCH_DIRTYLOG:?set MIGBENCH_DIRTYLOG to the built binary}
pool=/sys/kernel/mm/hugepages/hugepages-1048576kB
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip_all "/dev/kvm is not usable here"
[ -d "$pool" ] || skip_all "this kernel has no 1GiB hugepage pool"
[ "$(id -u)" -eq 0 ] || skip_all "reserving 1GiB hugepages needs root"

for sig in TERM INT; do
	nr_before=$(cat $pool/nr_hugepages)
	# A 1GiB page just given back is not always free again at once (the
	# previous run's, or another test's): a run that could not get one
	# (exit 3, the host) is started again, up to three times.
	for attempt in 1 2 3; do
		"$bin" --backing hugetlb-1g --reserve-hugepages --vcpus 1 \
			--mem-per-vcpu 64M --iterations 100000 >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		for _ in $(seq 600); do	# up to 60 s for the first iteration
			grep -q 'iteration 1/' "$tmp/err" && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		grep -q 'iteration 1/' "$tmp/err" && break
		wait "$pid"
		rc=$?
		pid=
		diag "attempt $attempt exited $rc: $(tail -n 2 "$tmp/err")"
		[ "$rc" -eq 3 ] || break
		sleep 2
	done
	grep -q 'iteration 1/' "$tmp/err"
	ok $? "SIG$sig: run got past its first iteration"
	in_use=$(( $(cat $pool/nr_hugepages) - $(cat $pool/free_hugepages) ))
	[ "$in_use" -ge 1 ]
	ok $? "SIG$sig: the run holds a 1GiB page ($in_use in use)"

	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	pid=
	signo=$(kill -l "$sig")
	[ "$rc" -eq $((128 + signo)) ]
	ok $? "SIG$sig: exit status $rc is 128+$signo"
	grep -q "^migbench-dirtylog: interrupted by signal $signo; everything was cleaned up\$" "$tmp/err"
	ok $? "SIG$sig: says it was interrupted"
	[ "$(cat $pool/nr_hugepages)" -eq "$nr_before" ]
	ok $? "SIG$sig: 1GiB pool back to $nr_before ($(cat $pool/nr_hugepages))"
	[ ! -s "$tmp/out" ]
	ok $? "SIG$sig: no half-written result on stdout"
done
done_testing
