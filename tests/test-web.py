#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The dashboards in a real headless Chromium (Debian's, driven by
playwright-core from npm): every view loads without console errors or
"undefined"/"NaN" text, the runs list shows runs made through the API
with their specs described by kind, plots are drawn with data, a
dirty-log run's view shows KVM's statistics after each phase (one made
through every zap step too), its huge-mappings statement and its kernel
memory in bytes as the API has them, a
migration's view marks its phases and iterations and charts the guest's
writes per vCPU when its samples have them (and draws no such chart when
they do not), an untraced migration lists what it did not measure and
why, the schedule form creates a run and shows a field's error, the
compare view shows its verdicts and, for two sweeps of real runs, a
chart per metric of each side's median against vcpus, the campaign views show campaigns
written into a store (tests/campaign_store.py: a real one reboots its
host), and the token is used when one is configured.  Screenshots are
kept in build/tests/artifacts/web/."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import (BUILD, MIGRATION_STANDIN, SCHEMA_VERSION, Daemon, ok, diag, done, require_kvm,
                            small_run, skip, skip_all)
from campaign_store import make_campaigns

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')


def migration(**extra):
    spec = {'kind': 'migration', 'memory': '256M', 'backing': 'anonymous', 'wss': '128M', 'rate_mib_s': 64}
    spec.update(extra)
    return spec


def campaign_daemon(tmp):
    """migbenchd on a store it made, stopped, given two campaigns, and
    started again; the campaigns, as the page must show them."""
    Daemon(data_dir=tmp).cleanup()
    db = os.path.join(tmp, 'migbench.db')
    con = sqlite3.connect(db)
    version = con.execute('PRAGMA user_version').fetchone()[0]
    con.close()
    ok(version == SCHEMA_VERSION, 'migbenchd made its store at schema version %d (%d)' % (SCHEMA_VERSION, version))
    expected = make_campaigns(db)
    c = Daemon(data_dir=tmp, token='browser-token-campaign-2468')
    listed = c.get('/api/v1/campaigns').json()['campaigns']
    done_one = c.get('/api/v1/campaigns/%d' % expected['done']['id']).json()
    ok([x['id'] for x in listed] == [expected['failed']['id'], expected['done']['id']] and
       [s['kernel'] for s in done_one['step_list']] == [0, 1, 1, 0] and done_one['steps_done'] == 4,
       'migbenchd reads the campaigns written into its store: newest first, steps in ABBA order')
    text = c.get('/api/v1/campaigns/%d/report?format=text' % expected['done']['id'])
    ok(text.status == 200 and b'runs[0]: folio-v3 against base' in text.body,
       "the done campaign's report compares its two kernels' runs")
    refused = c.get('/api/v1/campaigns/%d/report?format=text' % expected['failed']['id'])
    ok(refused.status == 400 and refused.json()['detail'] == 'new: the campaign has no done runs of this kernel yet',
       "the failed campaign has no report: its second kernel has no done runs (%s)" % refused.json()['detail'])
    return c, expected


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
    # migration runs as a stand-in worker records them (see its docstring)
    s = Daemon('--worker', MIGRATION_STANDIN)
    campaign_dir = tempfile.mkdtemp(prefix='migbench-web-campaigns-')
    c = None
    try:
        c, campaigns = campaign_daemon(campaign_dir)
        ids = []
        for label in ('base', 'patched'):
            ids += d.submit(**small_run(label=label, iterations=3, repeat=3))['run_ids']
        # two sweeps of vcpus 1 and 2 for the compare view's charts (6 runs: a median's CI)
        made = [d.submit(**small_run(label='sweep-' + side, vcpus=[1, 2], iterations=1, repeat=6))
                for side in ('base', 'new')]
        # every zap step, on 2MiB hugepages where migbenchd can raise the pool
        two_mib = os.geteuid() == 0 and os.path.isdir('/sys/kernel/mm/hugepages/hugepages-2048kB')
        zap_run = d.submit(**small_run(label='zaps', iterations=3, backing='hugetlb-2m' if two_mib else 'anonymous',
                                       zap=['disable', 'touch', 'invalidate', 'delete']))['id']
        for i in ids + [i for m in made for i in m['run_ids']]:
            d.wait_state(i, ('done', 'failed'))
        sweeps = {'base': made[0]['sweep']['id'], 'new': made[1]['sweep']['id'],
                  'new_vcpus1': made[1]['sweep_groups'][0]['run_ids']}
        final = d.wait_state(zap_run, ('done', 'failed'))
        ok(final['state'] == 'done', 'the run through every zap step (%s)' % final['error'])
        # migrations too, when this host can run them (root, libvirtd, QEMU):
        # one traced, one not (which must name what it did not measure)
        mig = {}
        if os.geteuid() == 0 and os.path.exists('/usr/sbin/libvirtd') and \
                os.path.exists('/usr/bin/qemu-system-x86_64'):
            mig['traced'] = d.submit(**migration(memory='1G', backing='hugetlb-1g', wss='512M',
                                                 label='mig'))['id']
            mig['untraced'] = d.submit(**migration(trace=False, label='mig-untraced'))['id']
            for what, rid in mig.items():
                final = d.wait_state(rid, ('done', 'failed'), timeout=300)
                ok(final['state'] == 'done', 'the %s migration run for the run view (%s)' % (what, final['error']))
        else:
            skip('real migrations need root, libvirtd and QEMU')
        standin = {'phases': s.submit(**migration(postcopy=True, trace=False, label='standin'))['id'],
                   'old': s.submit(**migration(wss=0, label='standin-old'))['id']}
        for rid in standin.values():
            final = s.wait_state(rid, ('done', 'failed'), timeout=60)
            ok(final['state'] == 'done', 'a stand-in migration run (%s)' % final['error'])
        p = subprocess.run(['node', os.path.join(HERE, 'web', 'test-web.mjs'),
                            'http://127.0.0.1:%d' % d.port, artifacts, json.dumps(ids), os.uname().release,
                            'http://127.0.0.1:%d' % t.port, t.token, json.dumps(mig), d.token,
                            'http://127.0.0.1:%d' % s.port, json.dumps(standin),
                            'http://127.0.0.1:%d' % c.port, c.token, json.dumps(campaigns),
                            json.dumps(sweeps), str(zap_run)],
                           capture_output=True, text=True, timeout=600)
        results = [json.loads(l) for l in p.stdout.splitlines() if l.startswith('{')]
        for r in results:
            ok(r['ok'], r['desc'])
            if not r['ok']:
                diag(r['detail'])
        ok(p.returncode == 0 and len(results) >= 80 and results[-1]['desc'] == 'with the token the run is scheduled '
           'and cancelled from the page', 'the browser test ran all its checks (%d)' % len(results))
        if p.stderr.strip():
            diag(p.stderr[-2000:])
        shots = sorted(f for f in os.listdir(artifacts) if f.endswith('.png'))
        ok(len(shots) >= 6, 'screenshots kept: %s' % ', '.join(shots))
    finally:
        d.cleanup()
        t.cleanup()
        s.cleanup()
        if c:
            c.cleanup()
        shutil.rmtree(campaign_dir, ignore_errors=True)
    done()


main()
