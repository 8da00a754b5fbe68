#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs in migbenchd: cancel while queued and while running, groups
interleaved A B A B, the API answering concurrent requests during a run,
a worker that crashes without taking the daemon down, and a worker's
sample lines parsed strictly: a number that overflows, is signed or has
anything after it fails the run instead of being stored wrong."""
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import (Daemon, BENCH_WORKER, ok, diag, done, require_kvm, small_run,
                            long_run, run_tests, worker_pids)


def test_cancel(d):
    running = d.submit(**long_run(label='cancel-running'))['id']
    queued = d.submit(**small_run(label='cancel-queued'))['id']
    d.wait_progress(running, 'iteration')
    r = d.post('/api/v1/runs/%d/cancel' % queued)
    ok(r.status == 200 and r.json()['state'] == 'cancelled' and r.json()['result'] == 'cancelled',
       'cancel a queued run: 200, cancelled at once')
    r = d.post('/api/v1/runs/%d/cancel' % running)
    ok(r.status == 202 and r.json()['state'] == 'running', 'cancel the running run: 202 while it stops')
    final = d.wait_state(running, ('cancelled', 'failed', 'done', 'interrupted'), timeout=60)
    ok(final['state'] == 'cancelled' and final['error'] == 'cancelled while running',
       'the running run ends cancelled (%s)' % final['state'])
    ok(final['summary'] is None and
       d.get('/api/v1/runs/%d/samples' % running).json()['samples'] == [],
       'a cancelled run stores no partial samples')
    r = d.post('/api/v1/runs/%d/cancel' % running)
    ok(r.status == 409 and r.json()['detail'] == 'run %d is already cancelled' % running,
       'cancelling it again: 409')
    ok(d.run(queued)['started_at'] is None, 'the cancelled queued run never started')
    time.sleep(0.2)
    ok(worker_pids() == [], 'no worker left running')


def test_interleave(d):
    blocker = d.submit(**long_run(label='blocker'))['id']
    d.wait_state(blocker, ('running',))
    a = d.submit(**small_run(label='A', iterations=1, repeat=3))['run_ids']
    b = d.submit(**small_run(label='B', iterations=1, repeat=3))['run_ids']
    d.post('/api/v1/runs/%d/cancel' % blocker)
    runs = [d.wait_state(i, ('done', 'failed')) for i in a + b]
    order = [r['label'] for r in sorted(runs, key=lambda r: r['started_at'])]
    ok(order == ['A', 'B', 'A', 'B', 'A', 'B'], 'two groups of 3 ran interleaved: %s' % ' '.join(order))
    ok(all(r['state'] == 'done' for r in runs), 'all six done')
    ok(sorted(r['group']['index'] for r in runs if r['label'] == 'A') == [0, 1, 2],
       'a group numbers its runs 0..2')


def test_adaptive(d):
    """target_ci_percent: groups grow one run at a time, interleaved."""
    a = d.submit(**small_run(label='ad-A', iterations=1, repeat=2, target_ci_percent=0.001, max_repeat=7))
    b = d.submit(**small_run(label='ad-B', iterations=1, repeat=2, target_ci_percent=0.001, max_repeat=7))
    ok(a['group']['target_ci_percent'] == 0.001 and a['group']['max_repeat'] == 7,
       'the run shows its group target and maximum')
    for label in ('ad-A', 'ad-B'):
        deadline = time.time() + 120
        while time.time() < deadline:
            runs = d.get('/api/v1/runs?label=%s' % label).json()['runs']
            if len(runs) == 7 and all(r['state'] == 'done' for r in runs):
                break
            time.sleep(0.2)
    runs = d.get('/api/v1/runs?kind=dirtylog&limit=100').json()['runs']
    grown = sorted((r for r in runs if r['label'] in ('ad-A', 'ad-B')), key=lambda r: r['started_at'])
    ok(len(grown) == 14 and all(r['state'] == 'done' for r in grown),
       'an unreachable target grows each group to max_repeat 7 (%d runs)' % len(grown))
    order = [r['label'][-1] for r in grown]
    ok(order == ['A', 'B'] * 7, 'the two growing groups ran interleaved: %s' % ' '.join(order))
    last = [r for r in grown if r['label'] == 'ad-A'][-1]
    ok(last['progress'].startswith('group %d: max_repeat 7 reached (clear_dirty_log_ns: median CI' %
                                   a['group']['id']), 'and says why it stopped: %s' % last['progress'])
    # A met target needs runs of known spread: the stand-in worker's.
    fixed = Daemon('--worker', BENCH_WORKER)
    try:
        c = fixed.submit(**small_run(label='ad-C', iterations=3, target_ci_percent=5))
        ok(c['group']['max_repeat'] == 20 and len(c['run_ids']) == 6,
           'a target alone starts 6 runs (the fewest with a 95%% median CI), max 20')
        final = [fixed.wait_state(i, ('done', 'failed')) for i in c['run_ids']]
        time.sleep(0.5)
        runs = fixed.get('/api/v1/runs?label=ad-C').json()['runs']
        ok(len(runs) == 6 and final[-1]['state'] == 'done' and
           fixed.run(c['run_ids'][-1])['progress'] ==
           'group %d: every headline CI within 5%%, and a 5%% change detectable, after 6 runs'
           % c['group']['id'], 'a target met after the first 6 runs adds none: 6 runs a side '
           'reach p 0.0022, below alpha over the 20 rows a report shows by default, and their '
           'spread lets a 5%% change be seen')
    finally:
        fixed.cleanup()


def test_concurrent_reads(d):
    rid = d.submit(**long_run(label='busy'))['id']
    d.wait_progress(rid, 'iteration')
    host = d.get('/api/v1/host').json()
    ok(host['running_run'] == rid, 'GET /host names the running run')
    results, lock = [], threading.Lock()

    def reader(n):
        for i in range(40):
            path = ['/api/v1/runs', '/api/v1/runs/%d' % rid, '/api/v1/health',
                    '/api/v1/runs/%d/samples' % rid][i % 4]
            t0 = time.monotonic()
            try:
                status = d.get(path, tcp=(n % 2 == 1)).status
            except OSError as e:
                status = str(e)
            with lock:
                results.append((status, time.monotonic() - t0))

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    still_running = d.run(rid)['state'] == 'running'
    bad = [s for s, _ in results if s != 200]
    ok(len(results) == 320 and not bad and still_running,
       '320 concurrent GETs over unix socket and TCP all answered during a run')
    if bad:
        diag('failures: %r' % bad[:5])
    worst = max(t for _, t in results)
    diag('slowest GET during the run: %.1f ms (a figure, not a limit)' % (worst * 1000))
    d.post('/api/v1/runs/%d/cancel' % rid)
    d.wait_state(rid, ('cancelled',), timeout=60)


def test_worker_crash(d):
    rid = d.submit(**long_run(label='crash'))['id']
    d.wait_progress(rid, 'iteration')
    pids = worker_pids()
    ok(len(pids) == 1, 'one worker runs the run')
    os.kill(pids[0], signal.SIGKILL)
    final = d.wait_state(rid, ('failed', 'done', 'cancelled', 'interrupted'), timeout=60)
    ok(final['state'] == 'failed' and final['result'] == 'worker-crashed' and
       final['error'] == 'migbench-worker was killed by signal 9',
       'a killed worker fails its run: %s / %s' % (final['result'], final['error']))
    ok(d.proc.poll() is None and d.get('/api/v1/health').status == 200, 'migbenchd is still up')
    nxt = d.submit(**small_run(label='after-crash'))['id']
    ok(d.wait_state(nxt, ('done', 'failed'))['state'] == 'done', 'and runs the next run')


LINES_WORKER = """#!/usr/bin/python3
import json, os, sys
req = json.load(sys.stdin)
env = {'kernel': {'release': os.uname().release}, 'hostname': 'stand-in'}
print('R ' + json.dumps({'spec': req['spec'], 'environment': env}))
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lines')) as f:
    sys.stdout.write(f.read())
print('X ok ')
"""


def check_sample_lines(d, tmp):
    def run_with(lines):
        with open(os.path.join(tmp, 'lines'), 'w') as f:
            f.write(''.join(line + '\n' for line in lines))
        return d.wait_state(d.submit(**small_run())['id'], ('done', 'failed'))

    biggest = 2 ** 63 - 1    # SQLite's INTEGER; the value column's largest
    good = run_with(['S clear_dirty_log_ns 1 0 %d' % biggest,
                     'S clear_dirty_log_ns 2 0 9007199254740993',
                     'S clear_dirty_log_call_ns 4294967295 0 0'])
    rows = d.get('/api/v1/runs/%d/samples?format=csv' % good['id']).body.decode().split()
    ok(good['state'] == 'done' and
       'clear_dirty_log_ns,1,0,%d' % biggest in rows and
       'clear_dirty_log_ns,2,0,9007199254740993' in rows and
       'clear_dirty_log_call_ns,4294967295,0,0' in rows,
       'the largest numbers a sample line may hold are stored exactly: %s' % rows[1:])
    for bad, why in (('S clear_dirty_log_ns 1 0 9223372036854775808', 'a value past 2^63 - 1'),
                     ('S clear_dirty_log_ns 1 0 18446744073709551616', 'a value past 2^64'),
                     ('S clear_dirty_log_ns 1 0 99999999999999999999999', 'a long value'),
                     ('S clear_dirty_log_ns 4294967296 0 5', 'an iteration past 2^32'),
                     ('S clear_dirty_log_ns 1 0 +5', 'a signed value'),
                     ('S clear_dirty_log_ns 1 0 -5', 'a negative value'),
                     ('S clear_dirty_log_ns 1 0 5x', 'a value with a tail'),
                     ('S clear_dirty_log_ns 1  0 5', 'two blanks'),
                     ('S clear_dirty_log_ns 1 0 ', 'no value'),
                     ('S no_such_metric 1 0 5', 'an unknown metric')):
        run = run_with(['S clear_dirty_log_ns 2 0 7', bad])
        ok(run['state'] == 'failed' and run['result'] == 'worker-crashed' and
           run['error'] == 'migbench-worker wrote lines it should not',
           '%s fails the run: %s / %s' % (why, run['result'], run['error']))


def test_sample_lines():
    """A stand-in worker writes the sample lines a file next to it holds."""
    tmp = tempfile.mkdtemp(prefix='migbench-test-')
    try:
        worker = os.path.join(tmp, 'lines-worker')
        with open(worker, 'w') as f:
            f.write(LINES_WORKER)
        os.chmod(worker, stat.S_IRWXU)
        run_tests(Daemon('--worker', worker), lambda d: check_sample_lines(d, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

def main():
    require_kvm()
    run_tests(Daemon(), test_cancel, test_interleave, test_adaptive, test_concurrent_reads,
              test_worker_crash)
    test_sample_lines()
    ok(worker_pids() == [], 'nothing left running after migbenchd stops')
    done()


main()
