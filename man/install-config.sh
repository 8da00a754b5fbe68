#!/bin/sh
# SPDX-License-Identifier: MIT
# meson install: the example configuration as migbenchd's, unless the
# host already has one (a package manager keeps it as a conffile instead).
set -eu
src=$1 dest=${DESTDIR:-}$2
if [ -e "$dest" ]; then
	echo "keeping $dest"
elif [ -z "${DESTDIR:-}" ] && [ "$(id -u)" -ne 0 ]; then
	# a user's own install (--prefix ~/.local): /etc is root's
	echo "not root: $2 left out (migbenchd runs on its defaults; $src is an example)"
else
	install -D -m 0644 "$src" "$dest"
fi
