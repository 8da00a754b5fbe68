#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""migbenchd under load it must survive: /health, /metrics and GET /runs
answer while the database's write lock is held and a write waits for it;
a run's samples are streamed, so slow readers of a large run cost little
memory; and 1000 slowloris clients trickling their headers a byte at a
time leave /health answering over TCP and the socket with memory
bounded."""
import json
import os
import resource
import socket
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import Daemon, ok, diag, done, require_kvm, run_tests, small_run

SLOW_CLIENTS = 1000
BULK_SAMPLES = 400000
RSS_BOUND_MIB = 64


def rss_mib(d):
    with open('/proc/%d/status' % d.proc.pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return 0


def timed(d, path, tcp):
    t = time.monotonic()
    try:
        status = d.get(path, tcp=tcp).status
    except OSError as e:
        diag('%s over %s: %s' % (path, 'TCP' if tcp else 'the socket', e))
        status = 0
    return status, time.monotonic() - t


def test_write_lock(d):
    """Hold SQLite's write lock from outside; a POST then waits in the
    daemon's writer (its mutex held) while reads must go on."""
    con = sqlite3.connect(d.db_path, timeout=1, isolation_level=None)
    con.execute('BEGIN IMMEDIATE')
    held = time.monotonic()
    posted = {}
    poster = threading.Thread(target=lambda: posted.update(
        r=d.post('/api/v1/runs', small_run(iterations=1, label='after-lock'))))
    poster.start()
    time.sleep(0.5)	# the POST is now inside the daemon's writer
    worst = {}
    while time.monotonic() - held < 5:
        for path in ('/api/v1/health', '/api/v1/runs', '/api/v1/metrics'):
            for tcp in (False, True):
                status, took = timed(d, path, tcp)
                key = '%s %s' % (path, 'TCP' if tcp else 'socket')
                if status != 200:
                    took = 99
                worst[key] = max(worst.get(key, 0), took)
        time.sleep(0.2)
    waiting = poster.is_alive()
    con.execute('COMMIT')
    con.close()
    poster.join(30)
    ok(waiting, 'the POST waited for the write lock held for 5 s')
    for key, took in sorted(worst.items()):
        ok(took < 1, 'GET %s answers within 1 s while the write lock is held (worst %.3f s)' % (key, took))
    r = posted.get('r')
    ok(r is not None and r.status == 202, 'and the POST went through once the lock was released')


def add_bulk_samples(d, run_id):
    con = sqlite3.connect(d.db_path, timeout=30)
    con.executemany('INSERT INTO samples VALUES (?, ?, ?, ?, ?)',
                    ((run_id, 'zz_bulk_ns', i, 0, i * 7) for i in range(BULK_SAMPLES)))
    con.commit()
    con.close()


def slow_reader(d, path, pause, out):
    """Read the samples 16 KiB at a time with pauses; keep the bytes."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.connect(d.sock)
    s.sendall(b'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' % path.encode())
    chunks = []
    while True:
        b = s.recv(16384)
        if not b:
            break
        chunks.append(b)
        time.sleep(pause)
    s.close()
    out.append(b''.join(chunks))


def test_streamed_samples(d):
    run_id = d.submit(**small_run(label='load'))['id']
    d.wait_state(run_id, ('done', 'failed'))
    add_bulk_samples(d, run_id)
    path = '/api/v1/runs/%d/samples' % run_id
    base = rss_mib(d)
    out, readers = [], []
    for _ in range(8):
        t = threading.Thread(target=slow_reader, args=(d, path, 0.002, out))
        t.start()
        readers.append(t)
    peak = base
    while any(t.is_alive() for t in readers):
        peak = max(peak, rss_mib(d))
        time.sleep(0.2)
    for t in readers:
        t.join()
    body = out[0].split(b'\r\n\r\n', 1)[1] if out else b''
    try:
        rows = json.loads(body)['samples']
    except ValueError:
        rows = []
    con = sqlite3.connect(d.db_path, timeout=30)
    stored = con.execute('SELECT COUNT(*) FROM samples WHERE run_id = ?', (run_id,)).fetchone()[0]
    con.close()
    ok(len(out) == 8 and len(rows) == stored and stored > BULK_SAMPLES and
       all(o == out[0] for o in out),
       'eight slow readers each get the whole document: every stored row (%d of %d rows, '
       '%.1f MiB)' % (len(rows), stored, len(body) / 2**20))
    ok(rows == sorted(rows, key=lambda r: (r['metric'], r['iteration'], r['seq'])),
       'rows in metric, iteration, seq order across pages')
    ok(peak - base < 32, 'their memory is the pages in flight, not the documents (RSS %.1f -> %.1f MiB)'
       % (base, peak))
    diag('8 slow readers of %.1f MiB each: RSS %.1f -> %.1f MiB' % (len(body) / 2**20, base, peak))


def open_slow_clients(d, n):
    """Each sends a partial request line and headers, then nothing more yet."""
    socks = []
    for i in range(n):
        s = socket.socket()
        s.setblocking(True)
        s.settimeout(5)
        try:
            s.connect(('127.0.0.1', d.port))
            s.sendall(b'GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow-%d: ' % (d.port, i))
        except OSError as e:
            diag('slow client %d: %s' % (i, e))
            s.close()
            continue
        socks.append(s)
    return socks


def test_slowloris(d):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < SLOW_CLIENTS + 100:
        ok(False, 'the test needs %d fds, RLIMIT_NOFILE allows %d' % (SLOW_CLIENTS + 100, hard))
        return
    base = rss_mib(d)
    socks = open_slow_clients(d, SLOW_CLIENTS)
    ok(len(socks) == SLOW_CLIENTS, '%d slow clients connected over TCP' % len(socks))
    worst = {True: 0, False: 0}
    peak = base
    start = time.monotonic()
    alive = len(socks)
    while time.monotonic() - start < 24:	# past the daemon's idle timeout
        for s in socks:	# a byte each every few seconds: never idle
            try:
                s.send(b'x')
            except OSError:
                pass
        for tcp in (True, False):
            status, took = timed(d, '/api/v1/health', tcp)
            worst[tcp] = max(worst[tcp], took if status == 200 else 99)
        peak = max(peak, rss_mib(d))
        time.sleep(3)
    alive = 0
    for s in socks:
        try:
            s.send(b'x')
            alive += 1
        except OSError:
            pass
    ok(worst[True] < 2, '/health over TCP within 2 s throughout (worst %.3f s)' % worst[True])
    ok(worst[False] < 2, '/health over the socket within 2 s throughout (worst %.3f s)' % worst[False])
    ok(peak - base < RSS_BOUND_MIB, 'RSS grows less than %d MiB with %d slow clients (%.1f -> %.1f MiB)'
       % (RSS_BOUND_MIB, SLOW_CLIENTS, base, peak))
    diag('%d slow clients for 24 s: RSS %.1f -> %.1f MiB, /health worst %.3f s TCP, %.3f s socket, '
         '%d still connected' % (SLOW_CLIENTS, base, peak, worst[True], worst[False], alive))
    for s in socks:
        s.close()
    time.sleep(1)
    ok(d.get('/api/v1/health', tcp=True).status == 200, 'the daemon answers after they are gone')


def main():
    require_kvm()
    run_tests(Daemon(), test_write_lock, test_streamed_samples, test_slowloris)
    done()


main()
