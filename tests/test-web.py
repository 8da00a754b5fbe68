#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The dashboards in a real headless Chromium (Debian's, driven by
playwright-core from npm): every view loads without console errors, the
runs list shows runs made through the API, plots are drawn with data, the
schedule form creates a run and shows a field's error, the compare view
shows its verdicts, and the token is used when one is configured.
Screenshots are kept in build/tests/artifacts/web/."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import BUILD, Daemon, ok, diag, done, require_kvm, small_run, skip_all

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')


def main():
    require_kvm()
    if not os.path.exists(CHROMIUM) or not shutil.which('node') or \
            not os.path.isdir(os.path.join(HERE, 'web', 'node_modules', 'playwright-core')):
        skip_all('Chromium, node or playwright-core missing: scripts/deps.sh and scripts/test.sh install them')
    artifacts = os.path.join(BUILD, 'tests', 'artifacts', 'web')
    os.makedirs(artifacts, exist_ok=True)
    # over TCP a browser changes state only with a token (none: read-only)
    d = Daemon(token='browser-token-9876543210')
    t = Daemon(token='browser-token-0123456789')
    try:
        ids = []
        for label in ('base', 'patched'):
            ids += d.submit(**small_run(label=label, iterations=3, repeat=3))['run_ids']
        for i in ids:
            d.wait_state(i, ('done', 'failed'))
        # a migration too, when this host can run one (root, libvirtd, QEMU)
        mig = 0
        if os.geteuid() == 0 and os.path.exists('/usr/sbin/libvirtd') and \
                os.path.exists('/usr/bin/qemu-system-x86_64'):
            mig = d.submit(kind='migration', memory='1G', backing='hugetlb-1g', wss='512M',
                           rate_mib_s=64, label='mig')['id']
            final = d.wait_state(mig, ('done', 'failed'), timeout=300)
            ok(final['state'] == 'done', 'a migration run for the run view (%s)' % final['error'])
        p = subprocess.run(['node', os.path.join(HERE, 'web', 'test-web.mjs'),
                            'http://127.0.0.1:%d' % d.port, artifacts, json.dumps(ids), os.uname().release,
                            'http://127.0.0.1:%d' % t.port, t.token, str(mig), d.token],
                           capture_output=True, text=True, timeout=600)
        results = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{')]
        for r in results:
            ok(r['ok'], r['desc'])
            if not r['ok']:
                diag(r['detail'])
        ok(p.returncode == 0 and len(results) >= 15, 'the browser test ran all its checks (%d)' % len(results))
        if p.stderr.strip():
            diag(p.stderr[-2000:])
        shots = sorted(f for f in os.listdir(artifacts) if f.endswith('.png'))
        ok(len(shots) >= 6, 'screenshots kept: %s' % ', '.join(shots))
    finally:
        d.cleanup()
        t.cleanup()
    done()


main()
