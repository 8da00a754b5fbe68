#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Kernel campaigns for real, in the test host (a stock Debian system under
QEMU TCG, tests/testhost/): migbenchd there boots Debian's 6.1 and 6.12
kernels by kexec, resumes after each boot and makes its runs on the host's
own KVM.  Three campaigns, one after the other on one test host:
- two kernels x two rounds, ABBA, each step a dirty-log run and a live
  migration of a 1GiB-hugepage guest (QEMU and private libvirtds in the
  test host, QEMU's dirty-log ioctls traced and checked against its own
  count): four boots, eight runs whose recorded kernel is their step's,
  the report comparing both runs' figures per kernel; nothing of the
  migrations left after the last, and a cancelled one recording the
  disable on the kernel the campaign ended in;
- a kernel whose command line panics: the host comes back in its default
  kernel, the step is boot-failed, booted again, and the campaign stops
  with the reason; the step before it keeps its run;
- a kill -9 of migbenchd, then a hard reset of the host (QMP system_reset),
  during a step: the campaign resumes, the interrupted runs are marked and
  made again, no step runs twice."""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, 'testhost'))
from daemon_fixture import diag, done, ok  # noqa: E402
import hostmigration  # noqa: E402
import testhost  # noqa: E402

BUILD = os.environ.get('MIGBENCH_BUILD', os.path.join(HERE, '..', 'build'))
# small enough for KVM inside TCG: one vCPU, 16 MiB, two passes
SMALL = {'kind': 'dirtylog', 'vcpus': 1, 'mem_per_vcpu': '16M', 'iterations': 2}


def campaign_state(host, cid):
    """The campaign, or None while the host reboots (no answer)."""
    try:
        status, body = host.api('GET', '/api/v1/campaigns/%d' % cid, timeout=10)
    except Exception:
        return None
    return body if status == 200 else None


def wait_campaign(host, cid, cond, timeout, what):
    deadline = time.monotonic() + timeout
    c = None
    while time.monotonic() < deadline:
        c = campaign_state(host, cid) or c
        if c and cond(c):
            return c
        time.sleep(2)
    diag('timed out waiting for %s; last seen:' % what, c)
    return None


def ended(c):
    return c['state'] in ('done', 'failed', 'aborted')


def start_campaign(host, spec):
    status, body = host.api('POST', '/api/v1/campaigns', spec)
    if not ok(status == 201, 'the campaign is accepted (201)'):
        diag(status, body)
        return None
    return body['id']


def end_campaign(host, cid):
    """After a failed check: nothing may stay active for the next test."""
    c = campaign_state(host, cid)
    if c and not ended(c):
        host.api('POST', '/api/v1/campaigns/%d/abort' % cid, {})
        wait_campaign(host, cid, ended, 600, 'the abort')


def run_json(host, rid):
    status, run = host.api('GET', '/api/v1/runs/%d' % rid)
    return run if status == 200 else {}


def diag_step(host, s):
    """A step and its runs as they ended, for a check that failed."""
    diag('step %d: %s' % (s['seq'], {k: v for k, v in s.items() if k != 'runs'}))
    for r in s['runs']:
        run = run_json(host, r['id'])
        diag('  run %d: %s %s %s' % (r['id'], run.get('state'), run.get('result'), run.get('error')))


def kernel_entry(kernel, label, cmdline=None):
    k = {'label': label, 'image': kernel.boot_vmlinuz, 'initrd': kernel.boot_initrd}
    if cmdline is not None:
        k['cmdline'] = cmdline
    return k


def check_runs_match_steps(host, c):
    """Every done run ran in its step's boot: the release expected, the
    step's token on the command line, that boot's id."""
    good = True
    for s in c['step_list']:
        for r in s['runs']:
            if r['state'] != 'done':
                continue
            k = run_json(host, r['id']).get('kernel') or {}
            if not (k.get('release') == s['expect_release'] and
                    s['token'] in (k.get('cmdline') or '').split() and
                    k.get('boot_id') == s['boot_id']):
                good = False
                diag('run %d of step %d: kernel %s, step %s' % (r['id'], s['seq'], k, s))
    return good


def test_abba(host, image):
    a, b = image.kernels[0], image.kernels[1]
    boot_pages = hostmigration.pages_at_boot(host)
    cid = start_campaign(host, {
        'kernels': [kernel_entry(a, 'linux-6.1'), kernel_entry(b, 'linux-6.12')],
        'runs': [dict(SMALL, repeat=1), dict(hostmigration.MIGRATION, repeat=1)],
        'rounds': 2, 'order': 'ABBA'})
    if not cid:
        return
    t0 = time.monotonic()
    c = wait_campaign(host, cid, ended, 2400, 'the ABBA campaign')
    if not ok(c and c['state'] == 'done', 'two kernels x two rounds: done'):
        end_campaign(host, cid)
        return
    diag('ABBA campaign: %.0f s for 4 boots and 8 runs' % (time.monotonic() - t0))
    steps = c['step_list']
    ok([s['kernel'] for s in steps] == [0, 1, 1, 0], 'in the order A B B A')
    ok(all(s['state'] == 'done' and s['attempts'] == 1 and s['restarts'] == 0 for s in steps),
       'each step booted once and ran')
    ok([s['expect_release'] for s in steps] == [a.release, b.release, b.release, a.release],
       'each step expected its kernel: %s, %s' % (a.release, b.release))
    boots = [s['boot_id'] for s in steps]
    ok(len(set(boots)) == 4 and None not in boots, 'four boots, one per step')
    ok(sum(e['kind'] == 'booted' for e in c['events']) == 4, 'four "booted" events')
    runs = [r for s in steps for r in s['runs']]
    if not ok(len(runs) == 8 and all(r['state'] == 'done' for r in runs),
              'eight runs, a dirty-log run and a migration per step, all done'):
        for s in steps:
            diag_step(host, s)
    ok(check_runs_match_steps(host, c), 'each run recorded the kernel, token and boot of its step')
    kinds = [[run_json(host, r['id']).get('kind') for r in s['runs']] for s in steps]
    ok(kinds == [['dirtylog', 'migration']] * 4, 'each step ran its dirty-log run, then its '
       'migration (%s)' % kinds)
    labels = [run_json(host, s['runs'][0]['id']).get('label') if s['runs'] else None
              for s in steps]
    ok(labels == ['linux-6.1', 'linux-6.12', 'linux-6.12', 'linux-6.1'],
       'each run carries its kernel\'s label')
    # a guest that printed nothing is started again, at most twice (engine/libvirt/migguest.c)
    again = hostmigration.restarts(host)
    diag('guests started again: %s' % ([line for _, line in again] or 'none'))
    for s in steps:
        if len(s['runs']) < 2:
            continue	# said above: not every step has its two runs
        mig = run_json(host, s['runs'][1]['id'])
        if not hostmigration.check_done(mig, 'step %d (%s): the migration' % (
                s['seq'], (mig.get('kernel') or {}).get('release')),
                hostmigration.off_tsc(mig, again)):
            hostmigration.diag_journal(host, mig)
    left = hostmigration.leftovers(host, boot_pages)
    ok(not left, 'after the last step\'s migration nothing of it is left in the test host (%s)'
       % (left or 'no QEMU, libvirtd, virtlogd, run directory or tracefs instance; the 1GiB '
          'pool back to %d free' % boot_pages))
    check_abba_report(host, cid)
    ok(host.kernel_release() == a.release, 'the host is left in the last step\'s kernel')
    hostmigration.check_cancelled(host, 'cancelled', boot_pages)


def check_abba_report(host, cid):
    """Both runs' rows per kernel, the migration's headline first, in every
    format."""
    status, rep = host.api('GET', '/api/v1/campaigns/%d/report' % cid)
    comps = rep.get('comparisons', []) if status == 200 else []
    ok(len(comps) == 2 and all(c['base'] == 'linux-6.1' and c['new'] == 'linux-6.12'
                               for c in comps),
       'the JSON report: two comparisons (the dirty-log run, the migration), 6.1 against 6.12')
    if len(comps) != 2:
        diag(status, rep)
        return
    rows = [list(dict.fromkeys(m['metric'] for m in c['comparison']['metrics'])) for c in comps]
    ok(rows[0][:1] == ['clear_dirty_log_ns'], "the dirty-log comparison leads with KVM's "
       'clear-dirty-log time (%s)' % rows[0][:3])
    # a completed migration does not disable dirty logging: no row of it
    want = ['qemu_clear_dirty_log_ns', 'migration_total_ms', 'qemu_get_dirty_log_ns',
            'migration_dest_start_ms', 'migration_precopy_ms', 'migration_downtime_ms',
            'guest_stall_ms']
    ok(rows[1][:len(want)] == want,
       "the migration comparison leads with QEMU's clear-dirty-log calls and the migration's "
       'total (its headline), then QEMU\'s gets, the phases, the downtime and the guest\'s '
       'stall (%s)' % rows[1][:len(want)])
    sides = [(c['comparison']['base']['runs'], c['comparison']['new']['runs']) for c in comps]
    ok(all(len(base) == 2 and len(new) == 2 for base, new in sides),
       'each comparison has both rounds\' runs on each side (%s)' % sides)
    status, text = host.api('GET', '/api/v1/campaigns/%d/report?format=text' % cid)
    text = str(text)
    ok(status == 200 and 'linux-6.1' in text and 'linux-6.12' in text and
       re.search(r'^clear_dirty_log_ns\b', text, re.M) and
       re.search(r'^qemu_clear_dirty_log_ns\b', text, re.M) and
       'guest_stall_ms' in text and text.index('qemu_clear_dirty_log_ns') < text.index('guest_stall_ms'),
       'the text report compares the two kernels: the dirty-log run\'s rows and the '
       'migration\'s, QEMU\'s clears first')
    diag(text if status == 200 else (status, text))
    status, md = host.api('GET', '/api/v1/campaigns/%d/report?format=markdown' % cid)
    ok(status == 200 and str(md).startswith('### Campaign %d' % cid) and
       '| qemu_clear_dirty_log_ns |' in str(md) and '| clear_dirty_log_ns |' in str(md),
       'and markdown, with both runs\' rows')


def test_boot_failed(host, image):
    a, b = image.kernels[0], image.kernels[1]
    booted = host.read_file('/proc/cmdline').split()
    default = ' '.join(w for w in booted if not w.startswith(('BOOT_IMAGE=', 'initrd=',
                                                               'migbench.step=')))
    # PID 1 exits at once: the kernel panics, and panic= resets the machine
    cid = start_campaign(host, {
        'kernels': [kernel_entry(a, 'good'), kernel_entry(b, 'panics', default + ' init=/bin/false')],
        'runs': [dict(SMALL, repeat=1)], 'rounds': 1, 'order': 'ABAB'})
    if not cid:
        return
    c = wait_campaign(host, cid, ended, 1800, 'the campaign with a kernel that panics')
    if not ok(c and c['state'] == 'failed', 'a step whose kernel panics: the campaign failed'):
        end_campaign(host, cid)
        return
    diag('reason: ' + c['reason'])
    first, second = c['step_list']
    ok('did not boot in 2 attempts' in c['reason'] and 'without a migbench.step token' in c['reason'],
       'with the reason: 2 attempts, and the host came up without the token')
    ok(second['state'] == 'boot-failed' and second['attempts'] == 2,
       'the step is boot-failed after 2 attempts (boot_attempts)')
    ok(a.release in second['reason'], 'it names the kernel that came up instead: ' + a.release)
    ok(sum(e['kind'] == 'boot-failed' for e in c['events']) == 2, 'two boot-failed events')
    ok(first['state'] == 'done' and [r['state'] for r in first['runs']] == ['done'],
       'the step before it kept its run')
    ok(check_runs_match_steps(host, c), 'which ran in its own boot')
    ok(host.kernel_release() == a.release and
       'migbench.step=' not in host.read_file('/proc/cmdline'),
       'the host stays in its default kernel, booting nothing more')
    status, _ = host.api('POST', '/api/v1/runs', dict(SMALL, label='after'))
    ok(status == 202, 'and takes other runs again')


def wait_running_run(host, cid, seq, exclude, timeout=600):
    """A run of step seq that is running, other than those in exclude."""
    def running(c):
        step = c['step_list'][seq - 1]
        return step['state'] == 'running' and any(
            r['state'] == 'running' and r['id'] not in exclude for r in step['runs'])
    c = wait_campaign(host, cid, running, timeout, 'a running run of step %d' % seq)
    if not c:
        return None
    return [r['id'] for r in c['step_list'][seq - 1]['runs'] if r['state'] == 'running'][0]


def test_interrupted(host, image):
    a, b = image.kernels[0], image.kernels[1]
    # runs long enough to be caught running
    runs = [dict(SMALL, iterations=100, repeat=2)]
    cid = start_campaign(host, {
        'kernels': [kernel_entry(a, 'a'), kernel_entry(b, 'b')],
        'runs': runs, 'rounds': 1, 'order': 'ABAB'})
    if not cid:
        return
    first = wait_running_run(host, cid, 1, ())
    if not ok(first, 'step 1 is running run %s' % first):
        end_campaign(host, cid)
        return
    boot = host.boot_id()
    rc, out, err = host.exec(['pkill', '-9', '-x', 'migbenchd'])
    ok(rc == 0, 'kill -9 of migbenchd during run %d' % first)
    second = wait_running_run(host, cid, 1, (first,))
    ok(second and run_json(host, first).get('state') == 'interrupted',
       'systemd restarted it: run %d is interrupted, step 1 goes on with run %s' % (first, second))
    ok(host.boot_id() == boot, 'in the same boot')
    if second:
        host.qmp('system_reset')
        ok(True, 'a hard reset of the host (system_reset) during run %d' % second)
    c = wait_campaign(host, cid, ended, 1800, 'the interrupted campaign')
    if not ok(c and c['state'] == 'done', 'the campaign resumed and is done'):
        end_campaign(host, cid)
        return
    s1, s2 = c['step_list']
    states = sorted(r['state'] for r in s1['runs'])
    ok(states.count('done') == 2 and states.count('interrupted') >= 2,
       'step 1: 2 runs done, the interrupted ones marked (%s)' % states)
    ok(s1['restarts'] == 2 and s1['attempts'] == 2,
       'step 1 restarted twice (migbenchd, then the host) and was booted again once')
    if not ok(s2['state'] == 'done' and s2['attempts'] == 1 and s2['restarts'] == 0 and
              [r['state'] for r in s2['runs']] == ['done', 'done'], 'step 2 ran once, its 2 runs done'):
        diag_step(host, s2)
    interrupted = [run_json(host, r['id']) for r in s1['runs'] if r['state'] == 'interrupted']
    ok(all('migbenchd stopped' in (r.get('error') or '') for r in interrupted),
       'each interrupted run says why')
    kinds = [e['message'] for e in c['events'] if e['kind'] == 'restarted']
    ok(len(kinds) == 2 and 'migbenchd restarted' in kinds[0] and 'host restarted' in kinds[1],
       'the timeline says what restarted: %s' % kinds)
    ok(check_runs_match_steps(host, c), 'every done run ran in its step\'s kernel and boot')


def main():
    if os.geteuid() != 0:
        print('1..0 # SKIP the test host needs root (its image is built with mmdebstrap)')
        sys.exit(77)
    image = testhost.prepare(BUILD)
    diag('image %s (%s)' % (image.path, 'built' if image.built else 'reused'))
    host = testhost.TestHost(image, 'campaign')
    try:
        host.start()
        host.wait_ready()
        ok(True, 'the test host is up in %s' % host.kernel_release())
        for test in (test_abba, test_boot_failed, test_interrupted):
            try:
                test(host, image)
            except Exception as e:
                ok(False, '%s: unexpected %r' % (test.__name__, e))
                diag(host.console()[-4000:])
    finally:
        host.stop()
    done()


main()
