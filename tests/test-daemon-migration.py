#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Migration runs through migbenchd, for real: the migration guest on 1GiB
hugepages migrated live to a local destination (a private libvirtd the run
starts), with QEMU's dirty-log ioctls traced; the same cancelled after one
iteration, which records the memslot updates turning dirty logging off;
the same untraced, which names each traced metric as not measured and
why (stored with the run, shown by the client and in a comparison,
never as a 0); bad specs refused or failed with clear errors and nothing
left running; and a migbenchd killed mid-migration whose guest the
restart reaps."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import (BUILD, CLIENT, Daemon, HUGE_1G, ok, diag, done, require_kvm,
                            skip_all, worker_pids)

GUEST = os.path.join(BUILD, 'engine', 'libvirt', 'mbguest.elf')
BIG_LIMITS = {'limits': {'guest_memory_per_run': '4T', 'hugepage_memory_per_run': '4T'}}
# what tracing QEMU's ioctls records: each is missing, with why, when it is off
TRACED = ('qemu_get_dirty_log_ns', 'qemu_clear_dirty_log_ns', 'qemu_reset_dirty_rings_ns',
          'qemu_enable_dirty_log_ns', 'qemu_disable_dirty_log_ns')


def nr_1g():
    with open(os.path.join(HUGE_1G, 'nr_hugepages')) as f:
        return int(f.read())


def leftovers():
    names = subprocess.run(['ps', '-eo', 'comm='], capture_output=True, text=True).stdout.split()
    return [n for n in names if n.startswith(('qemu-system', 'libvirtd', 'virtlogd'))]


def metrics(d, rid):
    rows = d.get('/api/v1/runs/%d/samples' % rid).json()['samples']
    by = {}
    for r in rows:
        by.setdefault(r['metric'], []).append(r['value'])
    return by


def migration(**extra):
    spec = {'kind': 'migration', 'vcpus': 2, 'memory': '1G', 'backing': 'hugetlb-1g',
            'wss': '512M', 'rate_mib_s': 64}
    spec.update(extra)
    return spec


def main():
    require_kvm()
    if os.geteuid() != 0 or not os.path.isdir(HUGE_1G):
        skip_all('migrations need root (private libvirtd, tracefs) and a 1GiB hugepage pool')
    if not os.path.exists('/usr/sbin/libvirtd') or not os.path.exists('/usr/bin/qemu-system-x86_64'):
        skip_all('libvirtd or QEMU is not installed (scripts/deps.sh installs them)')
    before = nr_1g()
    # limits high enough that a run asking for more hugepages than exist
    # reaches the pool (the limits themselves: test-daemon-limits.py)
    d = Daemon(config=BIG_LIMITS)
    try:
        run = d.submit(**migration(label='mig'))
        final = d.wait_state(run['id'], ('done', 'failed'), timeout=300)
        ok(final['state'] == 'done', 'a migration run completes (%s)' % final['error'])
        m = metrics(d, run['id'])
        ok(all(k in m for k in ('migration_total_ms', 'migration_setup_ms', 'migration_downtime_ms',
                                'migration_iterations', 'migration_transferred_bytes',
                                'migration_dest_start_ms', 'migration_precopy_ms',
                                'guest_boot_ms', 'guest_dirty_rate_mib_s', 'dirty_rate_calc_mib_s',
                                'guest_stall_ms')) and
           ('migration_dirty_rate_pps' in m) != ('migration_dirty_rate_pps' in (final['missing'] or {})),
           'the final figures and phases are stored under their names; QEMU\'s dirty rate stored '
           'or named missing, never both (%s)' % (final['missing'] or {}).get('migration_dirty_rate_pps', 'stored'))
        # taken once QEMU reports RAM figures: never the 0 remaining libvirt
        # says while the destination starts
        rows = d.get('/api/v1/runs/%d/samples' % run['id']).json()['samples']
        by_seq = {(r['metric'], r['seq']): r['value'] for r in rows}
        t = sorted((r['seq'], r['value']) for r in rows if r['metric'] == 'job_t_ms')
        start = (m.get('migration_dest_start_ms') or [None])[0]
        early = [by_seq.get(('job_memory_remaining_bytes', q)) for q, ms in t
                 if start is not None and ms <= start]
        ok(len(t) >= 2 and start is not None and all(v for v in early) and
           t[0][1] >= start - 1000,
           'the job statistics time series while QEMU moves RAM (%d samples from %s ms, the '
           'first byte at %s ms), none saying 0 remaining before then (%s)'
           % (len(t), t[0][1] if t else None, start, early))
        traced = len(m.get('qemu_get_dirty_log_ns', [])) + len(m.get('qemu_clear_dirty_log_ns', []))
        ok(traced > 0 and all(v > 0 for v in m.get('qemu_get_dirty_log_ns', []) +
                              m.get('qemu_clear_dirty_log_ns', [])),
           "QEMU's dirty-log ioctls traced with positive durations (%d calls)" % traced)
        ok(len(m.get('qemu_enable_dirty_log_ns', [])) >= 1, 'the memslot updates enabling dirty logging')
        ok(final['spec']['destination'] == 'local' and final['kernel']['release'] == os.uname().release and
           'migration_total_ms' in final['summary'], 'the run carries its spec, kernel and summary')
        gaps = final['missing']
        # a completed migration on the bitmap: no zap on the source, no ring to reset
        ok(isinstance(gaps, dict) and all(isinstance(w, str) and w for w in gaps.values()) and
           set(gaps) & set(TRACED) == {'qemu_disable_dirty_log_ns', 'qemu_reset_dirty_rings_ns'} and
           'qemu_clear_dirty_log_ns' in m and not set(gaps) & set(m) and
           not any('trace is off' in gaps[k] for k in TRACED if k in gaps),
           'traced: only the calls this configuration makes none of are named missing, with why, '
           'and no missing metric has samples (%s)' % gaps)
        ok(nr_1g() == before, 'the 1GiB pool is back to %d' % before)
        traced_id = run['id']

        run = d.submit(**migration(label='mig-untraced', trace=False))
        final = d.wait_state(run['id'], ('done', 'failed'), timeout=300)
        m = metrics(d, run['id'])
        ok(final['state'] == 'done' and 'migration_total_ms' in m,
           'an untraced migration completes and measures the migration (%s)' % final['error'])
        ok(all(final['missing'].get(k) == 'trace is off in the spec' for k in TRACED),
           'trace off: each traced metric is named missing, with why (%s)' % final['missing'])
        ok(not set(TRACED) & set(m) and not set(TRACED) & set(final['summary'] or {}),
           'and none of them has a sample or a summary: no 0 stored for what was not measured')
        p = subprocess.run([CLIENT, '--socket', d.sock, 'show', str(run['id'])],
                           capture_output=True, text=True, timeout=60)
        ok(p.returncode == 0 and 'not measured (no value, not 0):' in p.stdout and
           all(re.search(r'^  %s +trace is off in the spec$' % k, p.stdout, re.M) for k in TRACED),
           'migbench show lists what the run did not measure, and why')
        # every row: the traced metrics a report leaves out by default too
        r = d.get('/api/v1/compare?base=runs:%d&new=runs:%d&vary=trace&metrics=all' % (traced_id, run['id']))
        model = r.json()
        new_gaps = {e['metric']: e for e in model.get('missing', [])
                    if e['side'] == 'new' and e['metric'] in TRACED}
        ok(r.status == 200 and set(new_gaps) == set(TRACED) and
           all(e['runs_without'] == 1 and e['runs'] == 1 and
               e['reasons'] == [{'reason': 'trace is off in the spec', 'runs': 1}] for e in new_gaps.values()) and
           not any(row['metric'] in TRACED for row in model['metrics']),
           'compared with the traced run: each traced metric missing on the new side, with why, and no row')
        text = d.get('/api/v1/compare?base=runs:%d&new=runs:%d&vary=trace&metrics=all&format=text'
                     % (traced_id, run['id'])).body.decode()
        words = ' '.join(text.split())	# the lines as wrapped at 75 columns, joined
        # one line for the reason, naming every metric it took
        folded = re.search(r'- trace is off in the spec: new side, 1 of 1 run: ([a-z_, ]+?)(?: - | Warnings:|$)',
                           words)
        ok('\nNot measured (no value, not 0):\n' in text and folded and
           sorted(folded.group(1).split(', ')) == sorted(TRACED) and
           '\nspec: migration wss=512M rate_mib_s=64\n' in text and '\nvary: trace\n' in text,
           'the text report names its spec and says what the new side did not measure, and why')
        if 'Not measured' not in text:
            diag(text)
        md = d.get('/api/v1/compare?base=runs:%d&new=runs:%d&vary=trace&metrics=all&format=markdown'
                   % (traced_id, run['id'])).body.decode()
        line = [l for l in md.splitlines() if l.startswith('- trace is off in the spec: new side, 1 of 1 run: ')]
        ok('**Not measured** (no value, not 0)' in md and len(line) == 1 and
           sorted(m.strip('`') for m in line[0].split(': ', 2)[2].split(', ')) == sorted(TRACED),
           'so does the markdown report, one line for the reason with each metric it took')

        # the same through the command-line client, as a user types it
        p = subprocess.run([CLIENT, '--socket', d.sock, 'run', '--kind', 'migration',
                            '--vcpus', '2', '--memory', '1G', '--backing', 'hugetlb-1g',
                            '--wss', '512M', '--rate-mib-s', '64', '--label', 'mig-cli', '--wait'],
                           capture_output=True, text=True, timeout=400)
        lines = p.stdout.splitlines()
        queued = [l.split()[-1] for l in lines if l.startswith('queued run ')]
        ok(p.returncode == 0 and len(queued) == 1 and 'run %s: done' % queued[0] in lines,
           'migbench run --kind migration --wait queues the run and follows it to done')
        if p.returncode:
            diag('exit %d: %s %s' % (p.returncode, p.stdout, p.stderr))
        total = [l.split() for l in lines if l.split()[:1] == ['migration_total_ms']]
        ok(len(total) == 1 and total[0][1] == '1' and total[0][3].endswith(('ms', 's')),
           'its summary gives migration_total_ms with a unit (%s)' % (total[0] if total else None))
        if queued:
            run = d.run(int(queued[0]))
            ok(run['kind'] == 'migration' and run['label'] == 'mig-cli' and
               run['spec']['memory'] == '1G' and run['spec']['wss'] == '512M' and
               run['spec']['rate_mib_s'] == 64,
               'the run stored is the migration the flags describe')
        ok(nr_1g() == before, 'the 1GiB pool is back to %d after the client run' % before)

        p = subprocess.run([CLIENT, '--socket', d.sock, 'run', '--kind', 'migration',
                            '--memory', 'lots'], capture_output=True, text=True, timeout=60)
        ok(p.returncode == 2 and p.stderr.strip() ==
           'migbench: memory: must be a byte count such as 1G or 512M, got "lots"',
           'a bad migration flag is refused by the client, naming the key (%s)' % p.stderr.strip())
        p = subprocess.run([CLIENT, '--socket', d.sock, 'run', '--kind', 'migration',
                            '--mem-per-vcpu', '1G'], capture_output=True, text=True, timeout=60)
        ok(p.returncode == 2 and "unrecognized option '--mem-per-vcpu'" in p.stderr,
           'a key of another engine is not a migration flag')
        p = subprocess.run([CLIENT, 'run', '--help'], capture_output=True, text=True, timeout=60)
        ok(p.returncode == 0 and '--kind migration' in p.stdout and '--rate-mib-s VALUE' in p.stdout
           and '--kind dirtylog' in p.stdout and '--mem-per-vcpu VALUE' in p.stdout,
           'run --help lists every engine with its flags')

        run = d.submit(**migration(label='mig-cancel', rate_mib_s=256, max_bandwidth=100,
                                   cancel_after_iterations=1))
        final = d.wait_state(run['id'], ('done', 'failed'), timeout=300)
        m = metrics(d, run['id'])
        ok(final['state'] == 'done' and len(m.get('qemu_disable_dirty_log_ns', [])) >= 1,
           'cancelled after an iteration: memslot updates turning dirty logging off recorded (%d)'
           % len(m.get('qemu_disable_dirty_log_ns', [])))

        for body, field, detail in (
                (migration(destination='nowhere'), 'destination',
                 'destination: must be "local" or a libvirt URI qemu+ssh://, qemu+libssh://, '
                 'qemu+libssh2://, qemu+tls:// or qemu+tcp://HOST/system'),
                (migration(max_bandwidth='fast'), 'max_bandwidth', 'max_bandwidth: must be a non-negative integer'),
                (migration(memory='8G'), 'memory',
                 'memory: must be 64M to 3G (migbench\'s guest runs below 4GiB) and a multiple of the 1GiB page size')):
            r = d.post('/api/v1/runs', body)
            ok(r.status == 400 and r.json().get('field') == field and r.json().get('detail') == detail,
               'bad spec refused: %s' % detail)
        # a guest kernel of one's own comes from the configured directory
        shutil.copy(GUEST, os.path.join(d.kernel_dir, 'mbguest.elf'))
        os.chmod(os.path.join(d.kernel_dir, 'mbguest.elf'), 0o644)
        run = d.submit(**migration(label='too-big', memory='1T', guest_kernel='mbguest.elf'))
        final = d.wait_state(run['id'], ('done', 'failed'), timeout=60)
        ok(final['state'] == 'failed' and final['result'] == 'host-unavailable' and
           'hugepages needed' in (final['error'] or ''),
           'more hugepages than exist: a clear error before anything starts (%s)' % final['error'])
        run = d.submit(**migration(label='nowhere', destination='qemu+tcp://127.0.0.9/system'))
        final = d.wait_state(run['id'], ('done', 'failed'), timeout=120)
        ok(final['state'] == 'failed' and 'cannot connect to qemu+tcp://127.0.0.9/system' in (final['error'] or ''),
           'an unreachable destination fails the run clearly (%s)' % final['error'])
        time.sleep(1)
        ok(leftovers() == [] and nr_1g() == before, 'nothing left running, the pool as it was')

        run = d.submit(**migration(label='killed', max_bandwidth=50))
        d.wait_progress(run['id'], 'migrating', timeout=120)
        ok('qemu-system-x86' in leftovers(), 'a migration is under way')
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        d.log.close()
        d2 = Daemon(data_dir=d.dir, config=BIG_LIMITS)
        try:
            after = d2.run(run['id'])
            time.sleep(2)
            ok(after['state'] == 'interrupted', 'after kill -9 and a restart the run is interrupted')
            ok(leftovers() == [], 'the restart reaped the guest and its libvirtd (%s)' % leftovers())
            ok(nr_1g() == before, 'and gave back the 1GiB pages')
        finally:
            d2.cleanup()
    finally:
        d.cleanup()
    ok(worker_pids() == [], 'no worker left')
    done()


main()
