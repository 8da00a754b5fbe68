# SPDX-License-Identifier: MIT
# Sourced first by the README's commands, which need root: as root they go
# on; as another user they run again through sudo where it exists (a fresh
# Debian machine has none, and there one is root).
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo -- "$(readlink -f "$0")" "$@"
	fi
	echo "$(basename "$0"): needs root, and this machine has no sudo: run it as root" >&2
	exit 1
fi
