#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An A/A test, for real, and a planted change, with real dirty-log runs
on /dev/kvm through migbenchd.

A/A: two labels of one spec on this kernel, queued together so that they
run interleaved (A B A B ...), 8 runs each of 3 iterations.  Compared with
each other over every row, no row may be called changed after Holm's
correction at alpha 0.01: the family-wise rate Holm keeps, so that chance
alone fails this test at most one time in a hundred.  The same 16 runs
split again 32 times, each interleaved pair's two runs one to each side
at random (seeded), are compared too, and how many splits had a row
called changed at alpha 0.05 is printed: those splits share their data,
so their count is a figure, not a test.

Planted: clear_chunk_pages 0 (one KVM_CLEAR_DIRTY_LOG per memslot)
against 64 (one per 64 pages, the smallest KVM takes: 512 calls for the
128 MiB guest), 8 runs a side, compared with vary=clear_chunk_pages:
clear_dirty_log_ns is called regressed, and `migbench compare --fail-on
clear_dirty_log_ns` exits 1.  The plant doubles the figure on this
machine's shadow MMU; one call per 256 pages added only a fifth to a
quarter, its runs overlapped, and at 6 runs a side Holm over 7 rows
leaves room for one swapped pair only (at 8, for a rank sum of 7)."""
import os
import random
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import CLIENT, Daemon, diag, done, long_run, ok, require_kvm, run_tests  # noqa: E402

SPEC = {'vcpus': 1, 'mem_per_vcpu': '64M', 'iterations': 3}
AA_RUNS = 8
PLANTED_RUNS = 8
SPLITS = 32
CHANGED = ('improved', 'regressed', 'changed')


def compare(d, **q):
    return d.get('/api/v1/compare?' + urllib.parse.urlencode(q))


def queue_together(d, *groups):
    """Each (label, spec, repeat) as one group, queued behind a run that
    holds the worker until all are in, so that they interleave."""
    blocker = d.submit(**long_run(label='blocker'))['id']
    d.wait_state(blocker, ('running',))
    ids = [d.submit(**dict(spec, label=label, repeat=n))['run_ids'] for label, spec, n in groups]
    d.post('/api/v1/runs/%d/cancel' % blocker)
    runs = [[d.wait_state(i, ('done', 'failed', 'cancelled'), timeout=600) for i in g] for g in ids]
    return runs


def called(model, metrics=None):
    return [(r['metric'], r['verdict'], r['p_adjusted']) for r in model['metrics']
            if r['over'] == 'runs' and r['verdict'] in CHANGED and
            (metrics is None or r['metric'] in metrics)]


def test_aa(d):
    a, b = queue_together(d, ('aa-a', SPEC, AA_RUNS), ('aa-b', SPEC, AA_RUNS))
    if not ok(all(r['state'] == 'done' for r in a + b), 'the %d A/A runs are done' % (2 * AA_RUNS)):
        diag([(r['id'], r['state'], r['error']) for r in a + b])
        return
    order = [r['label'] for r in sorted(a + b, key=lambda r: r['started_at'])]
    ok(order == ['aa-a', 'aa-b'] * AA_RUNS, 'they ran interleaved: %s' % ' '.join(order))
    m = compare(d, base='aa-a', new='aa-b', alpha='0.01', metrics='all').json()
    diag('A/A rows: %s' % ', '.join('%s %s (p %s, adjusted %s)' % (r['metric'], r['verdict'],
                                                                    r['u_p'], r['p_adjusted'])
                                    for r in m['metrics'] if r['over'] == 'runs'))
    ok(m['base']['runs'] == [r['id'] for r in a] and m['family'] >= 5 and not called(m),
       'A/A, %d runs a side, every row (%d tested): none called changed at alpha 0.01, the '
       'headline among them (%s)' % (AA_RUNS, m['family'], called(m) or 'none'))
    # the same runs split again, pair by pair: as balanced in time as the labels
    pairs = list(zip(sorted(a, key=lambda r: r['started_at']), sorted(b, key=lambda r: r['started_at'])))
    rng = random.Random(20261204)
    splits, any_called = 0, []
    for k in range(SPLITS):
        sides = ([], [])
        for x, y in pairs:
            first = rng.random() < 0.5
            sides[0].append((x if first else y)['id'])
            sides[1].append((y if first else x)['id'])
        r = compare(d, base='runs:' + ','.join(map(str, sides[0])),
                    new='runs:' + ','.join(map(str, sides[1])), metrics='all')
        if r.status != 200 or r.json()['family'] != m['family']:
            diag(r.status, r.body[:300])
            continue
        splits += 1
        if called(r.json()):
            any_called.append((k, called(r.json())))
    diag('splits with a row called changed: %s' % (any_called or 'none'))
    ok(splits == SPLITS, '%d pair-wise splits of the same runs compared over the same %d rows: '
       '%d with a row called changed at alpha 0.05 (Holm keeps the family-wise rate at 5%%)'
       % (splits, m['family'], len(any_called)))


def test_planted(d):
    spec = dict(SPEC, mem_per_vcpu='128M')
    base, new = queue_together(d, ('chunk-0', dict(spec, clear_chunk_pages=0), PLANTED_RUNS),
                               ('chunk-64', dict(spec, clear_chunk_pages=64), PLANTED_RUNS))
    if not ok(all(r['state'] == 'done' for r in base + new), 'the %d planted runs are done' % (2 * PLANTED_RUNS)):
        diag([(r['id'], r['state'], r['error']) for r in base + new])
        return
    m = compare(d, base='chunk-0', new='chunk-64', vary='clear_chunk_pages').json()
    row = [r for r in m['metrics'] if r['metric'] == 'clear_dirty_log_ns' and r['over'] == 'runs']
    ok(row and row[0]['verdict'] == 'regressed' and row[0]['p_adjusted'] < 0.05,
       'clear_chunk_pages 0 against 64: clear_dirty_log_ns regressed, %s against %s ns '
       '(p %s, Holm-adjusted %s over %d rows)' % (
           row[0]['base']['median'], row[0]['new']['median'], row[0]['u_p'], row[0]['p_adjusted'],
           m['family']) if row else 'clear_dirty_log_ns: no row')
    diag('left out by default: %s' % m['left_out'])
    p = subprocess.run([CLIENT, '--socket', d.sock, 'compare', '--base', 'chunk-0', '--new', 'chunk-64',
                        '--vary', 'clear_chunk_pages', '--fail-on', 'clear_dirty_log_ns'],
                       capture_output=True, text=True, timeout=60)
    ok(p.returncode == 1 and p.stderr.startswith('migbench: clear_dirty_log_ns regressed (+'),
       'migbench compare --fail-on clear_dirty_log_ns: exit 1, naming it (%d %s)'
       % (p.returncode, p.stderr.strip()))
    p = subprocess.run([CLIENT, '--socket', d.sock, 'compare', '--base', 'aa-a', '--new', 'aa-b',
                        '--alpha', '0.01'], capture_output=True, text=True, timeout=60)
    ok(p.returncode == 0, 'and the A/A runs at alpha 0.01: exit 0 (%d %s)' % (p.returncode, p.stderr.strip()))


def main():
    require_kvm()
    run_tests(Daemon(), test_aa, test_planted)
    done()


main()
