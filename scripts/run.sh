#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is missing, build, install migbench (meson
# install), make sure migbenchd is running (as its systemd service where
# systemd is PID 1, else started by hand), submit a short real dirty-log
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
# installed: migbench on the PATH, the unit, group migbench, the config
meson install -C build --no-rebuild --quiet
client=(migbench --socket "$sock")
command -v migbench >/dev/null || client=(build/cli/migbench --socket "$sock")
if [ -d /run/systemd/system ]; then
	# systemd is PID 1: the service, which comes back after a reboot into
	# another kernel (campaigns need that)
	systemd-sysusers migbench.conf
	systemd-tmpfiles --create migbench.conf
	systemctl daemon-reload
	if "${client[@]}" host >/dev/null 2>&1 && ! systemctl -q is-active migbenchd.service; then
		echo "a migbenchd that is not the service answers on $sock: using it" \
			"(stop it and run this again to use the service)"
	else
		echo "migbenchd: the systemd service (systemctl enable --now migbenchd; its log: journalctl -u migbenchd)"
		if systemctl -q is-active migbenchd.service; then
			# installed over: the new migbenchd, unless it has runs to finish
			if "${client[@]}" host --json 2>/dev/null | python3 -c '
import json, sys
h = json.load(sys.stdin)
sys.exit(0 if h["running_run"] is None and h["queued_runs"] == 0 else 1)'; then
				systemctl restart migbenchd.service
			else
				echo "migbenchd is busy: it keeps running the version it started with"
			fi
		fi
		systemctl enable -q --now migbenchd.service
	fi
elif ! "${client[@]}" host >/dev/null 2>&1; then
	# no systemd: started by hand, as root, until the next reboot
	getent group migbench >/dev/null || groupadd --system migbench
	mkdir -p "$(dirname "$log")"
	echo "migbenchd: started by hand, systemd is not PID 1 here (log: $log; it does not come back after a reboot)"
	setsid "$(command -v migbenchd || echo build/daemon/migbenchd)" </dev/null >>"$log" 2>&1 &
fi
for _ in $(seq 100); do
	"${client[@]}" host >/dev/null 2>&1 && break
	sleep 0.1
done

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
if [ -d /run/systemd/system ] && systemctl -q is-active migbenchd.service; then
	echo "migbenchd keeps running as its service; stop it with: systemctl stop migbenchd"
else
	echo "migbenchd keeps running (pid $(pgrep -x migbenchd | head -n 1)); stop it with: kill \$(pgrep -x migbenchd)"
fi
exit "$rc"
