#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The migbench client against a real migbenchd: run --wait, ls, show,
samples, cancel, host, kernels, and its exit codes for each kind of error."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import Daemon, CLIENT, ok, diag, done, require_kvm, long_run


def client(d, *args, token_file=None):
    cmd = [CLIENT, '--socket', d.sock]
    if token_file:
        cmd += ['--token-file', token_file]
    p = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def main():
    require_kvm()
    d = Daemon()
    try:
        rc, out, err = client(d, 'run', '--vcpus', '1', '--mem-per-vcpu', '8M', '--iterations', '2',
                              '--label', 'cli', '--tag', 'base-commit=abc', '--repeat', '2', '--wait')
        lines = out.splitlines()
        ok(rc == 0 and lines[:2] == ['queued run 1', 'queued run 2'] and
           'run 1: done' in lines and 'run 2: done' in lines,
           'run --wait queues, follows and reports both runs')
        ok(any(l.split()[:1] == ['dirty_pages'] and l.split()[1:4] == ['2', '2048', '2048']
               for l in lines), 'run --wait prints the summary (dirty_pages n=2, 2048 pages)')
        ok('run 1 (1/2): ' in err, 'progress on stderr when not a terminal')
        rc, out, _ = client(d, 'ls', '--label', 'cli')
        rows = [l.split() for l in out.splitlines()[1:]]
        ok(rc == 0 and [r[:4] for r in rows] == [['2', 'done', 'ok', 'cli'], ['1', 'done', 'ok', 'cli']],
           'ls lists the runs, newest first')
        rc, out, _ = client(d, 'show', '1', '--json')
        ok(rc == 0 and json.loads(out)['tags'] == {'base-commit': 'abc'}, 'show --json is the run')
        rc, out, _ = client(d, 'show', '1')
        ok(rc == 0 and out.startswith('run 1 (dirtylog), label cli') and 'state done, result ok' in out,
           'show prints the run for people')
        rc, out, _ = client(d, 'samples', '1', '--csv')
        api = d.get('/api/v1/runs/1/samples?format=csv').body.decode()
        ok(rc == 0 and out == api and out.startswith('metric,iteration,seq,value\n'),
           'samples --csv is what the API serves')
        rc, out, _ = client(d, 'host')
        ok(rc == 0 and json.loads(out)['kvm_available'] is True, 'host')
        rc, out, _ = client(d, 'kernels')
        ok(rc == 0 and json.loads(out)['kernels'][0]['runs'] == 2, 'kernels')
        rid = d.submit(**long_run())['id']
        d.wait_progress(rid, 'iteration')
        rc, out, _ = client(d, 'cancel', str(rid))
        ok(rc == 0 and out == 'run %d is being stopped\n' % rid, 'cancel a running run')
        d.wait_state(rid, ('cancelled',), timeout=60)
        for args, code, msg, what in (
                (['show', '99'], 4, 'migbench: there is no run 99\n', 'no such run: exit 4'),
                (['cancel', '1'], 4, 'migbench: run 1 is already done\n', 'conflict: exit 4'),
                (['run', '--vcpus', '0'], 2, 'migbench: vcpus: must be between 1 and 512, got 0\n',
                 'bad flag: exit 2'),
                (['run', '--vcpus', '512'], 2, 'migbench: vcpus: must be between 1 and %d (online CPUs), got 512\n'
                 % os.cpu_count(), 'refused by the daemon: exit 2 with its detail'),
                (['show', 'x'], 2, "migbench: 'x' is not a run ID\n", 'bad ID: exit 2'),
                (['frobnicate'], 2, None, 'unknown command: exit 2')):
            rc, _, err = client(d, *args)
            good = rc == code and (msg is None or err == msg)
            ok(good, what)
            if not good:
                diag('exit %d: %s' % (rc, err))
        p = subprocess.run([CLIENT, '--socket', '/nonexistent/sock', 'host'], capture_output=True, text=True)
        ok(p.returncode == 3 and 'cannot reach migbenchd at /nonexistent/sock' in p.stderr,
           'no daemon: exit 3')
    finally:
        d.cleanup()

    t = Daemon(token='client-token-0123456789')
    try:
        url = ['--url', 'http://127.0.0.1:%d' % t.port]
        rc, _, err = client(t, *url, 'run', '--vcpus', '1', '--mem-per-vcpu', '8M')
        ok(rc == 5 and 'needs the bearer token' in err, 'over TCP without the token: exit 5')
        tf = os.path.join(t.dir, 'token')
        rc, out, _ = client(t, *url, 'run', '--vcpus', '1', '--mem-per-vcpu', '8M', '--iterations', '1',
                            '--wait', token_file=tf)
        ok(rc == 0 and 'run 1: done' in out, 'over TCP with --token-file: the run is queued and done')
        if os.geteuid() == 0:
            rc, out, _ = client(t, 'run', '--vcpus', '1', '--mem-per-vcpu', '8M', '--iterations', '1', '--wait')
            ok(rc == 0 and 'run 2: done' in out, 'root on the unix socket needs no token')
    finally:
        t.cleanup()
    o = Daemon()
    try:
        rc, _, err = client(o, '--url', 'http://127.0.0.1:%d' % o.port, 'cancel', '1')
        ok(rc == 5 and 'read-only over TCP without a token' in err,
           'no token configured: changes over TCP are refused, exit 5 (%r)' % err)
        rc, out, _ = client(o, '--url', 'http://127.0.0.1:%d' % o.port, 'kernels')
        ok(rc == 0 and json.loads(out)['kernels'] == [], 'and reading over TCP works')
    finally:
        o.cleanup()
    done()


main()
