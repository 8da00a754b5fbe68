#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian packages migbench builds and tests with, if missing.
set -euo pipefail

pkgs=(meson ninja-build gcc libc6-dev binutils pkg-config python3
      libjson-c-dev libsqlite3-dev libmicrohttpd-dev
      scdoc man-db	# the man pages, and man -l in their test
      debhelper dpkg-dev lintian	# the Debian package, its test and the test host's install
      python3-scipy ministat	# references for the statistics tests
      chromium nodejs	# the dashboards' browser tests
      qemu-system-x86 libvirt-daemon-system libvirt-dev	# migrations
      openssh-server openssh-client iproute2	# the second host of the qemu+ssh:// test
      mmdebstrap qemu-utils e2fsprogs)	# the test host's image (tests/testhost/)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
# npm comes with some nodejs builds and is a package of its own with others
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root to install: ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"${missing[@]}"
# The package enables and starts Debian's ssh service.  The tests need only
# the sshd program (they start their own, inside a network namespace), and
# migbenchd's host must not gain a listener from a test dependency.  An
# ssh service that was installed before is left as it was.
if [[ " ${missing[*]} " == *" openssh-server "* ]]; then
	if [ -d /run/systemd/system ]; then
		systemctl disable --now ssh.service ssh.socket
	else
		invoke-rc.d ssh stop || true	# policy-rc.d may have kept it from starting
		update-rc.d ssh disable
		systemctl disable ssh.service ssh.socket 2>/dev/null || true	# for a later boot
	fi
fi
