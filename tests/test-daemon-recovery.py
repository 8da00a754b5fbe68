#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""migbenchd across crashes and upgrades: kill -9 during a run on 1GiB
hugepages, then a restart that marks the run interrupted, gives the pages
back and keeps earlier results intact; kill -9 while a 1M-sample run is
being stored, never leaving it half-summarised; a graceful stop during a run; a
database from schema version 1 upgraded in place; a newer one refused."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import (Daemon, BENCH_WORKER, MIGBENCHD, SCHEMA, SCHEMA_VERSION, HUGE_1G, ok, skip, done,
                            require_kvm, small_run, long_run, worker_pids)


def nr_1g():
    with open(os.path.join(HUGE_1G, 'nr_hugepages')) as f:
        return int(f.read())


def integrity(db):
    con = sqlite3.connect(db)
    try:
        return con.execute('PRAGMA integrity_check').fetchone()[0]
    finally:
        con.close()


def wait_no_workers(timeout=30):
    end = time.time() + timeout
    while time.time() < end and worker_pids():
        time.sleep(0.1)
    return worker_pids() == []


def test_kill9():
    if not os.path.isdir(HUGE_1G) or os.geteuid() != 0:
        skip('kill -9 on hugetlb-1g: needs root and a 1GiB hugepage pool')
        return
    before = nr_1g()
    d = Daemon()
    try:
        first = d.submit(**small_run(label='before-crash'))['id']
        d.wait_state(first, ('done',))
        samples_before = d.get('/api/v1/runs/%d/samples?format=csv' % first).body
        rid = d.submit(**long_run(label='crash', backing='hugetlb-1g'))['id']
        d.wait_progress(rid, 'iteration')
        ok(nr_1g() == before + 1, 'migbenchd raised the 1GiB pool for the run (%d -> %d)' % (before, nr_1g()))
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        ok(wait_no_workers(), 'the worker died with migbenchd')
        ok(nr_1g() == before + 1, 'the raised pool outlives the killed daemon')
        d.log.close()
        d2 = Daemon(data_dir=d.dir)
        run = d2.run(rid)
        ok(run['state'] == 'interrupted' and run['result'] == 'interrupted' and
           run['error'] == 'migbenchd stopped while the run was running',
           'after restart the run is interrupted, with the reason')
        ok(nr_1g() == before, 'the 1GiB pool is back to %d' % before)
        ok(run['progress'] == 'migbenchd restarted: 1GiB hugepage pool put back to %d' % before,
           'the run says what was given back')
        ok(d2.run(first)['state'] == 'done' and
           d2.get('/api/v1/runs/%d/samples?format=csv' % first).body == samples_before,
           'the earlier run and its samples are intact')
        ok(integrity(d2.db_path) == 'ok', 'PRAGMA integrity_check is ok')
        again = d2.submit(**small_run(label='after-restart'))['id']
        ok(d2.wait_state(again, ('done', 'failed'))['state'] == 'done', 'new runs work after the restart')
        d2.cleanup()
    finally:
        d.cleanup()


def test_kill9_storing():
    """kill -9 while a 1M-sample run's samples go into the store: after the
    restart the run is marked interrupted with no summary, and what is
    stored of it is whole transactions; never a half-summarised run."""
    d = Daemon('--worker', BENCH_WORKER)
    try:
        rid = d.submit(iterations=10000, label='storing')['id']	# 1,010,001 samples
        con = sqlite3.connect(d.db_path, timeout=30)
        end, stored = time.time() + 120, 0
        while time.time() < end and not stored:
            stored = con.execute('SELECT COUNT(*) FROM samples WHERE run_id = ?', (rid,)).fetchone()[0]
            if not stored:
                time.sleep(0.005)
        con.close()
        state = d.run(rid)['state']
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        ok(stored > 0 and state == 'running',
           'migbenchd killed while it stored the run (%d samples in, run %s)' % (stored, state))
        d.log.close()
        d2 = Daemon('--worker', BENCH_WORKER, data_dir=d.dir)
        run = d2.run(rid)
        con = sqlite3.connect(d2.db_path, timeout=30)
        kept = con.execute('SELECT COUNT(*) FROM samples WHERE run_id = ?', (rid,)).fetchone()[0]
        con.close()
        if run['state'] == 'done':	# the kill came after the last commit
            ok(run['summary']['clear_dirty_log_call_ns']['n'] == 1000000 and kept == 1010001,
               'the run finished before the kill: complete, its summary of every sample')
        else:
            ok(run['state'] == 'interrupted' and run['summary'] is None and
               run['error'] == 'migbenchd stopped while the run was running',
               'after the restart the run is interrupted, with no summary (%s, %s)' %
               (run['state'], run['error']))
        # the worker link commits 65536 samples a transaction (SAMPLE_BATCH)
        ok(run['state'] == 'done' or (kept >= stored and kept % 65536 == 0),
           'its stored samples are whole transactions of 65536: %d of 1010001' % kept)
        ok(integrity(d2.db_path) == 'ok', 'PRAGMA integrity_check is ok after the kill')
        again = d2.submit(iterations=10, label='after-kill')['id']
        ok(d2.wait_state(again, ('done', 'failed'))['state'] == 'done', 'the next run is stored whole')
        d2.cleanup()
    finally:
        d.cleanup()


def test_graceful_stop():
    d = Daemon()
    try:
        rid = d.submit(**long_run(label='stopping'))['id']
        d.wait_progress(rid, 'iteration')
        rc = d.stop(signal.SIGTERM)
        ok(rc == 0, 'SIGTERM during a run: migbenchd exits 0')
        ok(wait_no_workers(), 'and its worker is gone')
        con = sqlite3.connect(d.db_path)
        state, error = con.execute('SELECT state, error FROM runs WHERE id = ?', (rid,)).fetchone()
        con.close()
        ok(state == 'interrupted' and error == 'migbenchd stopped during the run',
           'the run is stored interrupted (%s: %s)' % (state, error))
    finally:
        d.cleanup()


def make_v1_db(path):
    """A database as the first version of migbenchd left it."""
    con = sqlite3.connect(path)
    with open(os.path.join(SCHEMA, '001_initial.sql')) as f:
        con.executescript(f.read())
    con.execute('PRAGMA user_version = 1')
    con.execute("INSERT INTO kernels (id, release, version, cmdline, boot_id, hostname, cpu_model, "
                "kvm_parameters, first_seen) VALUES (1, '6.1.0-old', '#1 SMP', 'ro quiet', "
                "'00000000-0000-0000-0000-000000000001', 'lab', 'Some CPU', '{}', '2026-01-01T00:00:00.000Z')")
    con.execute("INSERT INTO runs (id, kind, spec, label, tags, group_id, group_index, state, result, "
                "kernel_id, created_at, started_at, finished_at, summary) VALUES (1, 'dirtylog', "
                "'{\"vcpus\": 1}', 'old', '{}', 1, 0, 'done', 'ok', 1, '2026-01-01T00:00:00.000Z', "
                "'2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z', '{}')")
    con.executemany("INSERT INTO samples VALUES (1, 'clear_dirty_log_ns', ?, 0, ?)",
                    [(i, 1000 + i) for i in range(1, 101)])
    con.commit()
    con.close()


def test_upgrade():
    tmp = tempfile.mkdtemp(prefix='migbench-upgrade-')
    db = os.path.join(tmp, 'old.db')
    make_v1_db(db)
    d = Daemon(data_dir=tmp, db=db)
    try:
        ok(d.get('/api/v1/health').json()['schema_version'] == SCHEMA_VERSION,
           'a version 1 database is upgraded to %d' % SCHEMA_VERSION)
        run = d.run(1)
        ok(run['state'] == 'done' and run['label'] == 'old' and run['kernel']['release'] == '6.1.0-old' and
           run['progress'] is None and run['missing'] is None,
           'its run reads back, with the new columns empty (what it did not measure: not known)')
        rows = d.get('/api/v1/runs/1/samples').json()['samples']
        ok(len(rows) == 100 and rows[0]['value'] == 1001 and rows[-1]['value'] == 1100,
           'its 100 samples are intact')
        rid = d.submit(**small_run(label='new'))['id']
        new = d.wait_state(rid, ('done', 'failed'))
        ok(new['state'] == 'done' and new['missing'] == {},
           'a new run goes into the upgraded database, saying it missed nothing')
        ok(integrity(db) == 'ok', 'PRAGMA integrity_check is ok after the upgrade')
    finally:
        d.cleanup()
    con = sqlite3.connect(db)
    con.execute('PRAGMA user_version = 99')
    con.commit()
    con.close()
    p = subprocess.run([MIGBENCHD, '--no-config', '--data-dir', tmp, '--db', db, '--listen', 'unix:' +
                        os.path.join(tmp, 's')], capture_output=True, text=True, timeout=30)
    ok(p.returncode != 0 and
       'the database has schema version 99, newer than this migbenchd knows (%d)' % SCHEMA_VERSION in p.stderr,
       'a database from a newer migbenchd is refused, untouched')
    shutil.rmtree(tmp, ignore_errors=True)	# the fixture keeps a data dir it was given


def main():
    require_kvm()
    for test in (test_kill9, test_kill9_storing, test_graceful_stop, test_upgrade):
        try:
            test()
        except Exception as e:
            ok(False, '%s: unexpected %r' % (test.__name__, e))
    ok(worker_pids() == [], 'nothing left running')
    done()


main()
