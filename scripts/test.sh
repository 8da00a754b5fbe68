#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what is missing, build, run every test suite, and end with one
# line "N passed, N failed, N skipped".  Exits non-zero on any failure.
set -uo pipefail
source "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."

scripts/deps.sh || exit 1
scripts/build.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
# playwright-core for the browser tests, at the version tests/web names
want=$(node -p "require('./tests/web/package.json').dependencies['playwright-core']")
have=$(node -p "require('./tests/web/node_modules/playwright-core/package.json').version" 2>/dev/null)
if [ "$want" != "$have" ]; then
	(cd tests/web && npm ci --no-audit --no-fund --loglevel=error) ||
		{ echo "0 passed, 1 failed, 0 skipped"; exit 1; }
fi
rm -f build/meson-logs/testlog.json
meson test -C build --print-errorlogs "$@"
python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    lines = []
for line in lines:
    t = json.loads(line)
    r = t['result']
    if r in ('OK', 'EXPECTEDFAIL'):
        passed += 1
    elif r == 'SKIP':
        skipped += 1
        print('skipped: %s' % t['name'])
    else:
        failed += 1
        print('failed: %s (%s)' % (t['name'], r))
if passed + failed == 0:
    failed = 1
    print('no test ran')
print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
sys.exit(1 if failed else 0)
PY
