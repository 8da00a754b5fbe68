#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The migbench client against a real migbenchd: run --wait, ls, show,
samples, cancel, host, kernels, and its exit codes for each kind of error;
a migration submitted with its own flags and followed (by the migration
stand-in, tests/migration-standin.py: no guest is started), with what it
did not measure, and run --help naming every key a migration spec has."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import (Daemon, CLIENT, MIGBENCHD, MIGRATION_STANDIN, ok, diag, done, require_kvm,
                            long_run)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRTYLOG = os.path.join(os.path.dirname(CLIENT), 'migbench-dirtylog')


def client(d, *args, token_file=None):
    cmd = [CLIENT] + (['--socket', d.sock] if d else [])
    if token_file:
        cmd += ['--token-file', token_file]
    p = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def test_conventions():
    """Every command's help, every program's version, and one line and a
    pointer after a wrong option; no daemon is needed for any of them."""
    rc, top, _ = client(None, '--help')
    names = re.findall(r'^  ([a-z]+) ', top, re.M)
    ok(rc == 0 and top.startswith('usage: migbench ') and
       names == ['run', 'ls', 'show', 'samples', 'cancel', 'compare', 'campaign', 'host', 'kernels', 'help'],
       '--help lists every command (%s)' % names)
    ok(client(None, '-h')[:2] == (0, top) and client(None, 'help')[:2] == (0, top),
       '-h and help print the same usage')
    for name in names:
        rc, out, err = client(None, name, '--help')
        same = [client(None, name, '-h')[:2], client(None, 'help', name)[:2]]
        ok(rc == 0 and out.startswith('usage: migbench %s' % name) and not err and
           same == [(0, out), (0, out)], '%s --help, -h and help %s: its own usage, exit 0' % (name, name))
        rc, _, err = client(None, name, '--no-such-option')
        lines = err.splitlines()
        ok(rc == 2 and len(lines) == 2 and lines[1] == "Try 'migbench %s --help'." % name,
           '%s --no-such-option: exit 2, one line and a pointer to its help (%r)' % (name, err))
    rc, out, _ = client(None, 'campaign', 'show', '--help')
    ok(rc == 0 and out.startswith('usage: migbench campaign start'), 'a subcommand\'s --help is its command\'s')
    rc, _, err = client(None, 'ls', '--bogus')
    ok(rc == 2 and err == "migbench ls: unrecognized option '--bogus'\nTry 'migbench ls --help'.\n",
       'a wrong option is named once, by its command (%r)' % err)
    rc, _, err = client(None, '--bogus')
    ok(rc == 2 and err.splitlines()[-1] == "Try 'migbench --help'." and len(err.splitlines()) == 2,
       'a wrong global option too: two lines, not the whole usage')
    version = re.search(r"version\s*:\s*'([^']+)'", open(os.path.join(ROOT, 'meson.build')).read()).group(1)
    for prog in (CLIENT, DIRTYLOG, MIGBENCHD):
        p = subprocess.run([prog, '--version'], capture_output=True, text=True, timeout=30)
        want = r'%s %s( \(git [0-9A-Za-z.+~_-]+\))?\n' % (os.path.basename(prog), re.escape(version))
        ok(p.returncode == 0 and re.fullmatch(want, p.stdout) is not None,
           '%s --version: %r' % (os.path.basename(prog), p.stdout))


def test_read_commands(d):
    """Human output by default, the API's document with --json."""
    page = d.get('/api/v1/runs').json()
    rc, out, _ = client(d, 'ls', '--json')
    ok(rc == 0 and json.loads(out) == page, 'ls --json is the API\'s page')
    rc, out, _ = client(d, 'ls')
    rows = out.splitlines()
    head = rows[0].split()
    first = page['runs'][-1]
    line = [l for l in rows if l.split()[:1] == [str(first['id'])]]
    ok(rc == 0 and head[:6] == ['ID', 'STATE', 'RESULT', 'LABEL', 'KERNEL', 'CREATED'] and 'DURATION' in head and
       'SPEC,' in head and len(line) == 1 and first['description'] in line[0] and
       first['created_at'][:16].replace('T', ' ') in line[0] and first['headline']['metric'] in line[0] and
       line[0].endswith(', base-commit=abc'),
       'ls shows each run\'s creation to the minute, duration, headline median, spec and tags (%s)' % (line[:1],))
    rc, out, _ = client(d, 'ls', '--since', first['created_at'][:10])
    ok(rc == 0 and len(out.splitlines()) == 1 + len(page['runs']), 'ls --since today lists them all')
    rc, out, _ = client(d, 'ls', '--since', '2999-01-01')
    ok(rc == 0 and out == 'no runs match\n', 'ls --since a later day: none, and says so')
    rc, _, err = client(d, 'ls', '--since', '2026-02-30')
    ok(rc == 2 and 'since: must be a UTC date or time' in err, 'ls --since a day that is not: exit 2 (%s)' % err.strip())
    rc, out, _ = client(d, 'show', '1')
    spec = d.get('/api/v1/runs/1').json()['resolved_spec']
    words = ' '.join(l.strip() for l in out.splitlines() if l.startswith('    ')).split()
    ok('tags base-commit=abc\n' in out.splitlines()[0] + '\n' and
       '\n  spec %s\n' % d.get('/api/v1/runs/1').json()['description'] in out and
       all('%s=%s' % (k, ','.join(map(str, v)) if isinstance(v, list) else
                      json.dumps(v) if isinstance(v, bool) else v) in words for k, v in spec.items()),
       'show gives the tags as text and the spec in words, then as key=value (%s)' % words)
    host = d.get('/api/v1/host').json()
    rc, out, _ = client(d, 'host', '--json')
    ok(rc == 0 and json.loads(out)['boot_id'] == host['boot_id'], 'host --json is the API\'s document')
    rc, out, _ = client(d, 'host')
    params = ' '.join(l.split(':', 1)[-1] for l in out.splitlines() if 'parameters:' in l or l.startswith('      '))
    kvm = host['kvm_parameters'].get('kvm', {})
    ok(rc == 0 and out.startswith('host %s: Linux %s' % (host['hostname'], host['kernel']['release'])) and
       all('%s=%s' % kv in params.split() for kv in kvm.items()) and 'tdp_mmu' in kvm and
       all(re.search(r'^    %s +%d +%d ' % (size, p['nr'], p['free']), out, re.M)
           for size, p in host['hugepages'].items()),
       'host shows the kernel, every KVM module parameter (tdp_mmu=%s) and the pools as a table'
       % kvm.get('tdp_mmu'))
    rc, out, _ = client(d, 'kernels')
    rows = [l.split() for l in out.splitlines()]
    ok(rc == 0 and rows[0][:4] == ['ID', 'RELEASE', 'RUNS', 'DONE'] and rows[1][1:4] == [os.uname().release, '2', '2']
       and 'kvm_parameters' not in out, 'kernels: one row per kernel with its run counts (%s)' % rows[1:])
    rc, out, _ = client(d, 'kernels', '--json')
    ok(rc == 0 and json.loads(out)['kernels'][0]['runs'] == 2, 'kernels --json')


def test_migration_flags():
    st = Daemon('--worker', MIGRATION_STANDIN)
    try:
        rc, out, err = client(st, 'run', '--kind', 'migration', '--vcpus', '1', '--memory', '256M',
                              '--backing', 'anonymous', '--wss', '128M', '--rate-mib-s', '64', '--postcopy',
                              '--trace=false', '--label', 'mig-cli', '--wait')
        lines = out.splitlines()
        ok(rc == 0 and lines[:1] == ['queued run 1'] and 'run 1: done' in lines,
           'run --kind migration --wait queues a migration and follows it to done')
        if rc:
            diag('exit %d: %s %s' % (rc, out, err))
        run = st.run(1)
        spec = run['spec']
        ok(run['kind'] == 'migration' and run['label'] == 'mig-cli' and
           (spec['vcpus'], spec['memory'], spec['backing'], spec['wss'], spec['rate_mib_s'], spec['postcopy'],
            spec['trace']) == (1, '256M', 'anonymous', '128M', 64, True, False),
           'the run stored is the migration its flags describe')
        total = [l.split() for l in lines if l.split()[:1] == ['migration_total_ms']]
        ok(len(total) == 1 and total[0][1] == '1' and re.fullmatch(r'[0-9.]+m?s', total[0][3]),
           'its summary gives migration_total_ms with a unit (%s)' % total)
        missing = run['missing'] or {}
        at = lines.index('  not measured (no value, not 0):') if '  not measured (no value, not 0):' in lines else -1
        ok(missing and at > lines.index('run 1: done') and
           sorted(lines[at + 1:at + 1 + len(missing)]) == sorted('  %-27s %s' % kv for kv in missing.items()),
           'then each metric it did not measure, with why (%d)' % len(missing))
        rc, out, _ = client(st, 'run', '--help')
        section = out.split('--kind migration:', 1)[-1].split('\n\n', 1)[0]
        flags = set(re.findall(r'^  --([a-z-]+)', section, re.M))
        ok(rc == 0 and all(k.replace('_', '-') in flags for k in run['resolved_spec']),
           'run --help gives a flag for every key of a migration spec (%d flags)' % len(flags))
    finally:
        st.cleanup()


def main():
    test_conventions()
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
        run1 = d.get('/api/v1/runs/1').json()
        ok(run1['selftest']['command'] == 'dirty_log_perf_test -b 8M' and
           '\n  command %s\n' % run1['command'] in out and run1['command'].startswith('migbench-dirtylog') and
           '\n  selftest dirty_log_perf_test -b 8M\n' in out,
           "show prints migbench's command line and dirty_log_perf_test's for 1 vCPU of 8M, 2 iterations")
        rows = [l.split(None, 6) for l in out.splitlines()[out.splitlines().index(
            [l for l in out.splitlines() if l.split()[:2] == ['metric', 'n']][0]) + 1:] if l.startswith('  ')]
        lead = [r[0] for r in rows[:2]]
        ok(lead in (['clear_dirty_log_ns', 'disable_dirty_log_ns'], ['get_dirty_log_ns', 'disable_dirty_log_ns']) and
           all(len(r) == 7 and r[6] == run1['metric_labels'][r[0]] for r in rows if r[0] in run1['summary']),
           'its summary: clearing (or getting) the dirty log, then disabling it, first; each row ends with '
           'what the metric measures (%s)' % ', '.join(r[0] for r in rows))
        statement = run1['environment']['huge_mappings']['statement']
        ok(statement and '\n  huge mappings: %s\n' % statement in out, 'show prints the huge-mappings statement')
        memory = re.findall(r'^  kernel memory: memslot metadata (\S+) \((\S+)/GiB\), dirty bitmap (\S+) \((\S+)/GiB\)$',
                            out, re.M)
        want = [run1['summary'].get(m, {}).get('median') for m in
                ('memslot_metadata_bytes', 'memslot_metadata_bytes_per_gib', 'dirty_bitmap_bytes',
                 'dirty_bitmap_bytes_per_gib')]
        units = {'B': 1, 'KiB': 1 << 10, 'MiB': 1 << 20, 'GiB': 1 << 30}
        shown = [float(re.match(r'[0-9.]+', f).group()) * units[re.search(r'[A-Za-z]+$', f).group()]
                 for f in memory[0]] if len(memory) == 1 else []
        ok(len(shown) == 4 and all(abs(a - b) <= b * 0.005 for a, b in zip(shown, want)) if None not in want
           else not memory, 'show prints the kernel memory of the memslots in bytes (%s, %s)' % (memory, want))
        rc, out, _ = client(d, 'samples', '1', '--csv')
        api = d.get('/api/v1/runs/1/samples?format=csv').body.decode().splitlines()
        lead = '1,%s,%s,' % (run1['label'], run1['kernel']['release'])
        ok(rc == 0 and out.splitlines() == ['run,label,kernel,' + api[0]] + [lead + l for l in api[1:]] and
           api[0] == 'metric,iteration,seq,value',
           'samples --csv: the API\'s rows, each led by the run\'s id, label and kernel (%s)' % lead)
        rc, out, _ = client(d, 'samples', '1', '--benchstat')
        bench = [l.split() for l in out.splitlines() if l.startswith('Benchmark')]
        medians = {m: s['median'] for m, s in run1['summary'].items() if m.endswith('_ns')}
        ok(rc == 0 and out == d.get('/api/v1/runs/1/samples?format=benchstat').body.decode() and
           'label: %s' % run1['label'] in out.splitlines() and len(bench) >= len(medians) and
           all(len(f) == 4 and f[1] == '1' for f in bench) and
           sorted(float(f[2]) for f in bench if f[3] == 'ns/op') == sorted(medians.values()),
           'samples --benchstat: the run\'s medians, one Go benchmark line a metric, times in ns/op')
        rc, _, err = client(d, 'samples', '1', '--csv', '--benchstat')
        ok(rc == 2 and 'not both' in err, 'samples --csv --benchstat: exit 2 (%s)' % err.strip())
        test_read_commands(d)
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
                (['show', 'x'], 2, "migbench: 'x' is not a run ID\nTry 'migbench show --help'.\n",
                 'bad ID: exit 2, with a pointer to the help'),
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
    test_migration_flags()
    o = Daemon()
    try:
        rc, _, err = client(o, '--url', 'http://127.0.0.1:%d' % o.port, 'cancel', '1')
        ok(rc == 5 and 'read-only over TCP without a token' in err,
           'no token configured: changes over TCP are refused, exit 5 (%r)' % err)
        rc, out, _ = client(o, '--url', 'http://127.0.0.1:%d' % o.port, 'kernels', '--json')
        ok(rc == 0 and json.loads(out)['kernels'] == [], 'and reading over TCP works')
        empty = [client(o, *c)[1] for c in (['ls'], ['kernels'], ['campaign', 'ls'])]
        ok(empty == ['no runs yet\n', 'no kernels yet: none has had a run\n', 'no campaigns yet\n'],
           'empty listings say so (%s)' % empty)
    finally:
        o.cleanup()
    done()


main()
