#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configure (once) and build into ./build, warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f build/build.ninja ]; then
	meson setup build -Dwerror=true
fi
meson compile -C build
