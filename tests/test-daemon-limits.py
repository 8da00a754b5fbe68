#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What one request may take, and a store that cannot be written.

The real migbenchd: the configured limits answered at POST (guest memory,
a local migration's two ends, hugepages, samples, queued runs) and
enforced while samples arrive; then a full disk (a small tmpfs made here)
and a database locked by another process: runs end failed or wait, the
queue pauses with its reason instead of spinning, and goes on once the
store takes writes again."""
import json
import os
import sqlite3
import subprocess
import tempfile
import time

from daemon_fixture import Daemon, BENCH_WORKER, ok, diag, done, skip_all


def cpu_seconds(pid):
    """The process's user + system time, all threads."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def problem(r, status, field, words):
    body = r.json() if r.content_type.startswith('application/problem+json') else {}
    good = (r.status == status and body.get('field') == field and
            all(w in body.get('detail', '') for w in words))
    if not good:
        diag('got %d %s' % (r.status, r.body[:300]))
    return good


def test_limits_at_post(tmp):
    d = Daemon(config={'limits': dict(guest_memory_per_run='100M',
                                  hugepage_memory_per_run='2G', samples_per_run=1000,
                                  queued_runs=3)})
    try:
        r = d.post('/api/v1/runs', {'vcpus': 1, 'mem_per_vcpu': '128M'})
        # 128M of test memory and 4M of the guest's own (page tables, code, stacks)
        ok(problem(r, 400, 'mem_per_vcpu', ['132M', 'guest_memory_per_run = 100M']),
           'a dirty-log run over guest_memory_per_run: 400 naming mem_per_vcpu and the limit')
        r = d.post('/api/v1/runs', {'kind': 'migration', 'memory': '64M', 'backing': 'anonymous'})
        ok(problem(r, 400, 'memory', ['128M', 'both ends of a local migration',
                                      'guest_memory_per_run']),
           'a local migration counts both ends: 2 x 64M over a 100M limit')
        r = d.post('/api/v1/runs', {'vcpus': 1, 'mem_per_vcpu': '32M', 'iterations': 100,
                                    'clear_chunk_pages': 64})
        ok(problem(r, 400, 'iterations', ['samples_per_run = 1000']),
           'a run that would record more samples than samples_per_run: 400 naming iterations')
        r = d.post('/api/v1/runs', {'vcpus': 1, 'mem_per_vcpu': '8M', 'iterations': 2,
                                    'label': 'fits'})
        ok(r.status == 202, 'a run within every limit is taken (%d)' % r.status)
        d.wait_state(r.json()['id'], ('done', 'failed'))
    finally:
        d.cleanup()

    d = Daemon('--worker', BENCH_WORKER, config={'limits': dict(queued_runs=3,
                                                           samples_per_run=100000000)})
    try:
        # keep the queue full: a run that runs long, then three waiting
        long = d.submit(vcpus=1, mem_per_vcpu='8M', iterations=100000)['id']
        d.wait_state(long, ('running',))
        r = d.post('/api/v1/runs', {'vcpus': 1, 'mem_per_vcpu': '8M', 'iterations': 2,
                                    'repeat': 3})
        ok(r.status == 202, 'three queued runs fit queued_runs = 3 (%d)' % r.status)
        queued = r.json().get('run_ids', [])
        r = d.post('/api/v1/runs', {'vcpus': 1, 'mem_per_vcpu': '8M', 'iterations': 2})
        body = r.json() if r.status == 429 else {}
        ok(r.status == 429 and r.headers.get('Retry-After') == '60' and
           'queued_runs = 3' in body.get('detail', ''),
           'a fourth queued run: 429 with Retry-After naming queued_runs (%d %s)'
           % (r.status, r.body[:200]))
        for i in [long] + queued:
            d.post('/api/v1/runs/%d/cancel' % i, '{}', headers={'Content-Type': 'application/json'})
    finally:
        d.cleanup()

    d = Daemon()
    try:
        ram = os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE')
        big = '%dG' % (ram // 2 // (1 << 30) + 1)
        r = d.post('/api/v1/runs', {'vcpus': 1, 'mem_per_vcpu': big, 'backing': 'hugetlb-1g'})
        ok(problem(r, 400, 'mem_per_vcpu', ['guest_memory_per_run']),
           'by default a guest over half of RAM (%s on 1GiB pages) is refused before any '
           'hugepage is touched' % big)
        r = d.post('/api/v1/runs', {'vcpus': 1, 'mem_per_vcpu': '400G'})
        ok(problem(r, 400, 'mem_per_vcpu', ['guest_memory_per_run']),
           'by default a 400G guest is refused')
    finally:
        d.cleanup()


def test_samples_cap(tmp):
    """The stand-in worker sends 100 samples per iteration, more than the
    engine's bound says; the daemon stops the run at the limit."""
    d = Daemon('--worker', BENCH_WORKER,
               config={'limits': dict(samples_per_run=5000)})
    try:
        r = d.submit(vcpus=1, mem_per_vcpu='8M', iterations=100)
        run = d.wait_state(r['id'], ('done', 'failed'), timeout=60)
        n = len(d.get('/api/v1/runs/%d/samples' % r['id']).json()['samples'])
        ok(run['state'] == 'failed' and 'samples_per_run' in (run['error'] or '') and
           n <= 5000, 'a run sending more samples than samples_per_run is stopped: %s, %s, '
           '%d samples kept' % (run['state'], run['error'], n))
    finally:
        d.cleanup()


def fill(path):
    """Write until the filesystem is full; the filler's path."""
    filler = os.path.join(path, 'filler')
    with open(filler, 'wb') as f:
        try:
            while True:
                f.write(b'\0' * (1 << 20))
                f.flush()
        except OSError:
            pass
    return filler


def wait_until(what, timeout):
    end = time.time() + timeout
    while time.time() < end:
        value = what()
        if value:
            return value
        time.sleep(0.2)
    return None


def test_disk_full(tmp):
    mnt = os.path.join(tmp, 'small')
    os.mkdir(mnt)
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', mnt]).returncode:
        skip_all('cannot mount a tmpfs (not root?)')
    d = None
    try:
        d = Daemon('--worker', BENCH_WORKER, data_dir=mnt,
                   config={'limits': dict(samples_per_run=100000000)})
        first = d.submit(vcpus=1, mem_per_vcpu='8M', iterations=20, label='before')['id']
        ok(d.wait_state(first, ('done', 'failed'))['state'] == 'done',
           'a run is stored on the small filesystem')
        filler = fill(mnt)
        diag('filesystem full: %s' % subprocess.run(['df', '-h', mnt], capture_output=True,
                                                    text=True).stdout.splitlines()[-1])
        # 2 million samples: far more than the space left
        r = d.post('/api/v1/runs', {'vcpus': 1, 'mem_per_vcpu': '8M', 'iterations': 20000,
                                    'label': 'full'})
        if r.status != 202:
            ok(r.status == 503 and 'No space left on device' in r.json().get('detail', '') and
               r.headers.get('Retry-After'), 'with the disk full a new run is refused with '
               '503 saying why (%d %s)' % (r.status, r.body[:200]))
            os.unlink(filler)
            filler = fill_leaving(mnt, 4 << 20)
            r = d.post('/api/v1/runs', {'vcpus': 1, 'mem_per_vcpu': '8M',
                                        'iterations': 20000, 'label': 'full'})
        ok(r.status == 202, 'a run is queued while the disk is nearly full (%d)' % r.status)
        full = r.json()['id']
        end = time.time() + 120
        while time.time() < end:
            run = d.run(full)
            health = d.get('/api/v1/health').json()
            if run['state'] not in ('queued', 'running') or health.get('queue_paused'):
                break
            time.sleep(0.2)
        paused = health.get('queue_paused')
        diag('run %s, health %s' % (run['state'], json.dumps(health)))
        ok(run['state'] == 'failed' or (paused and 'cannot be written' in paused and
                                         health['status'] == 'degraded'),
           'the full disk ends the run failed or pauses the queue with its reason')
        t0 = cpu_seconds(d.proc.pid)
        time.sleep(5)
        spent = cpu_seconds(d.proc.pid) - t0
        ok(spent < 1.0, 'migbenchd does not spin while the disk is full: %.2f s of CPU in 5 s'
           % spent)
        ok(d.get('/api/v1/health').status == 200, '/health answers while the disk is full')
        os.unlink(filler)
        run = d.wait_state(full, ('done', 'failed'), timeout=60)
        ok(run['state'] == 'failed' and run['result'] == 'store-failed' and
           'No space left on device' in (run['error'] or ''),
           'once there is room the run is recorded failed (store-failed: %s)' % run['error'])
        kept = len(d.get('/api/v1/runs/%d/samples' % full).json()['samples'])
        said = int(run['error'].split(';')[1].split()[0]) if ';' in (run['error'] or '') else -1
        ok(kept == said, 'the samples stored before the disk filled are kept and counted '
           '(%d stored, %d said)' % (kept, said))
        ok(wait_until(lambda: d.get('/api/v1/health').json()['status'] == 'ok', 30),
           'the queue runs again (/health ok)')
        after = d.submit(vcpus=1, mem_per_vcpu='8M', iterations=20, label='after')['id']
        ok(d.wait_state(after, ('done', 'failed'))['state'] == 'done',
           'a run after the disk was freed is done')
        n = len(d.get('/api/v1/runs/%d/samples' % first).json()['samples'])
        ok(n == 20 * 101 + 1, 'the first run kept all its samples (%d)' % n)
    finally:
        if d:
            d.cleanup()
        subprocess.run(['umount', '-l', mnt])


def fill_leaving(path, room):
    filler = fill(path)
    with open(filler, 'r+b') as f:
        f.truncate(max(0, os.path.getsize(filler) - room))
    return filler


def test_locked(tmp):
    d = Daemon('--worker', BENCH_WORKER, config={'limits': dict(samples_per_run=100000000)})
    try:
        # the lock is taken while this one stores its samples
        big = d.submit(vcpus=1, mem_per_vcpu='8M', iterations=30000, label='big')['id']
        waiting = d.submit(vcpus=1, mem_per_vcpu='8M', iterations=20, label='waiting')['id']
        d.wait_state(big, ('running',))
        db = sqlite3.connect(d.db_path, timeout=30, isolation_level=None)
        db.execute('BEGIN IMMEDIATE')
        held = time.time()
        try:
            health = wait_until(lambda: d.get('/api/v1/health').json().get('queue_paused'), 60)
            diag('paused: %s' % health)
            ok(health and 'cannot be written' in health,
               'with the database locked by another process the queue pauses and says why')
            t0 = cpu_seconds(d.proc.pid)
            time.sleep(5)
            spent = cpu_seconds(d.proc.pid) - t0
            ok(spent < 1.0, 'migbenchd does not spin on the lock: %.2f s of CPU in 5 s' % spent)
            ok(d.run(waiting)['state'] == 'queued', 'the next run waits, still queued')
        finally:
            db.execute('ROLLBACK')
            db.close()
        diag('database locked for %.1f s' % (time.time() - held))
        run = d.wait_state(big, ('done', 'failed'), timeout=60)
        ok(run['state'] == 'failed' and run['result'] == 'store-failed' and
           'locked by another process' in (run['error'] or ''),
           'the run whose results met the lock ends failed, store-failed (%s)' % run['error'])
        ok(d.wait_state(waiting, ('done', 'failed'), timeout=60)['state'] == 'done',
           'the waiting run runs once the lock is gone')
    finally:
        d.cleanup()


def main():
    with tempfile.TemporaryDirectory(prefix='migbench-limits-') as tmp:
        test_limits_at_post(tmp)
        test_samples_cap(tmp)
        test_disk_full(tmp)
        test_locked(tmp)
    done()


if __name__ == '__main__':
    main()
