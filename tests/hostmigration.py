# SPDX-License-Identifier: MIT
"""Migration runs in the test host (tests/testhost/): the smallest run that
still moves a 1GiB-hugepage guest, and what every such run must show there,
shared by the suites that boot a test host (campaign, kernels).

The test host is a lab machine of its own under QEMU TCG: QEMU and
libvirt's daemons from Debian, two 1GiB pages reserved at boot (a local
migration holds the guest's memory at both ends), and the nested guest on
the host's own KVM (kvm_amd, nested paging, TDP MMU)."""
import time

from daemon_fixture import ok, diag

HUGE_1G = '/sys/kernel/mm/hugepages/hugepages-1048576kB/'
STATE_DIR = '/run/migbench/libvirtd'
# one vCPU, the smallest memory that takes a 1GiB page, a working set and
# a rate TCG keeps up with (at 16 MiB/s the guest wrote 14 on 6.12, and
# precopy took up to 22 iterations);
# verify_trace: the run fails unless each traced dirty-log call count
# equals QEMU's own count of its calls
MIGRATION = {'kind': 'migration', 'vcpus': 1, 'memory': '1G', 'backing': 'hugetlb-1g',
             'wss': '64M', 'rate_mib_s': 8, 'verify_trace': True}
# abort at the first iteration: dirty logging turned off while the guest runs
CANCELLED = dict(MIGRATION, cancel_after_iterations=1)
PHASES = ('migration_dest_start_ms', 'migration_precopy_ms', 'migration_iteration_t_ms')
RATE_TOLERANCE = 0.15


def wait_run(host, rid, timeout=900):
    deadline = time.monotonic() + timeout
    run = {}
    while time.monotonic() < deadline:
        status, run = host.api('GET', '/api/v1/runs/%d' % rid)
        if status == 200 and run['state'] not in ('queued', 'running'):
            return run
        time.sleep(2)
    return run


def figure(run, metric):
    """A metric's summary in a run, or {}."""
    return (run.get('summary') or {}).get(metric) or {}


def restarts(host):
    """migbenchd's journal lines of guests started again (engine/libvirt/
    migrun.c): (ISO time, line), every boot the journal kept."""
    rc, out, _ = host.exec(['journalctl', '--no-pager', '-o', 'short-iso', '-u',
                            'migbenchd.service'])
    return [(line.split()[0], line) for line in out.splitlines() if 'printed nothing' in line]


def diag_journal(host, run):
    """migbenchd's journal over a run that failed its checks: the
    migration's progress lines say what the guest and QEMU were doing."""
    argv = ['journalctl', '--no-pager', '-o', 'short-iso', '-u', 'migbenchd.service']
    for flag, at in (('--since', run.get('started_at')), ('--until', run.get('finished_at'))):
        if at:	# ISO 8601 in UTC: journalctl takes "YYYY-MM-DD HH:MM:SS UTC"
            argv += [flag, at[:19].replace('T', ' ') + ' UTC']
    rc, out, err = host.exec(argv)
    diag('migbenchd\'s journal over run %s:\n%s' % (run.get('id'), (out or err)[-6000:]))


def off_tsc(run, lines):
    """The restart line of run whose host had left the TSC, or None: the
    guest paces its writes with its TSC, which such a host does not keep
    steady (a restarted guest wrote 4 MiB/s for 8 on clocksource hpet)."""
    for at, line in lines:
        if (run.get('started_at') or '')[:19] <= at[:19] <= (run.get('finished_at') or '~')[:19] \
                and 'clocksource tsc' not in line:
            return line
    return None


def check_done(run, what, restarted=None):
    """A completed migration as the test host ran it: traced and verified,
    the guest at the rate it was given, its start, the phases and the
    stall.  True if all of it holds."""
    if not ok(run.get('state') == 'done', '%s: done (%s %s)'
              % (what, run.get('result'), run.get('error'))):
        return False
    clear, get = figure(run, 'qemu_clear_dirty_log_ns'), figure(run, 'qemu_get_dirty_log_ns')
    checks = [ok(run['resolved_spec'].get('verify_trace') is True and clear.get('n', 0) > 0 and
                 clear['min'] > 0 and get.get('n', 0) > 0 and get['min'] > 0,
                 "%s: QEMU's KVM_CLEAR_DIRTY_LOG (%s calls) and KVM_GET_DIRTY_LOG (%s) traced "
                 "with positive durations, each count equal to QEMU's own (verify_trace)"
                 % (what, clear.get('n'), get.get('n')))]
    # the test host boots with tsc=reliable (testhost.py): off the TSC, KVM
    # does not keep the guest's TSC, by which it paces its writes, steady
    source = (run.get('environment') or {}).get('clocksource')
    checks.append(ok(source == 'tsc', '%s: the host ran on clocksource tsc (%s)' % (what, source)))
    rate = figure(run, 'guest_dirty_rate_mib_s').get('median')
    want = run['resolved_spec']['rate_mib_s']
    if restarted:
        diag('%s: the guest dirtied %s MiB/s for rate_mib_s %d, not checked: %s'
             % (what, rate, want, restarted))
    else:
        checks.append(ok(rate is not None and abs(rate - want) <= RATE_TOLERANCE * want,
                         '%s: the guest dirtied %s MiB/s, within %d%% of rate_mib_s %d'
                         % (what, rate, RATE_TOLERANCE * 100, want)))
    marks = figure(run, 'migration_iteration_t_ms').get('n')
    total = figure(run, 'migration_total_ms').get('median')
    start, precopy = (figure(run, p).get('median') for p in PHASES[:2])
    checks.append(ok(None not in (marks, total, start, precopy) and start > 0 and precopy > 0 and
                     start + precopy <= total,
                     '%s: the phases (destination start %s ms, precopy %s ms, %s iterations) '
                     'within the total %s ms' % (what, start, precopy, marks, total)))
    boot = figure(run, 'guest_boot_ms')
    checks.append(ok(boot.get('n') == 1 and boot['min'] > 0,
                     '%s: the guest started dirtying %s ms after it was started'
                     % (what, boot.get('min'))))
    stall = figure(run, 'guest_stall_ms')
    checks.append(ok(stall.get('n') == 1 and stall['min'] > 0,
                     '%s: the guest\'s longest stall, %s ms' % (what, stall.get('min'))))
    return all(bool(c) for c in checks)


def leftovers(host, pages_at_boot):
    """What a migration run must not leave in the test host: its QEMUs and
    private daemons, run directories, tracefs instances, hugepages."""
    rc, out, _ = host.exec(['ps', '-eo', 'comm='])
    procs = [n for n in out.split() if n.startswith(('qemu-system', 'libvirtd', 'virtlogd'))]
    rc2, dirs, _ = host.exec(['find', STATE_DIR, '-mindepth', '1', '-maxdepth', '1'])
    rc3, instances, _ = host.exec(['find', '/sys/kernel/tracing/instances', '-mindepth', '1',
                                   '-maxdepth', '1'])
    pool = [int(host.read_file(HUGE_1G + f).strip()) for f in ('nr_hugepages', 'free_hugepages')]
    left = {}
    if procs:
        left['processes'] = procs
    if dirs.split():
        left['state'] = dirs.split()
    if instances.split():
        left['tracefs'] = instances.split()
    if pool != [pages_at_boot, pages_at_boot]:
        left['1GiB pool (nr, free)'] = pool
    return left


def pages_at_boot(host):
    return int(host.read_file(HUGE_1G + 'nr_hugepages').strip())


def check_cancelled(host, label, boot_pages):
    """A migration aborted at its first iteration, by hand, on the booted
    kernel: the memslot updates turning dirty logging off are traced, and
    nothing of the run stays."""
    release = host.kernel_release()
    status, body = host.api('POST', '/api/v1/runs', dict(CANCELLED, label=label))
    if not ok(status == 202, '%s: a cancelled migration is accepted (%s)' % (release, status)):
        diag(body)
        return
    run = wait_run(host, body['id'])
    off = figure(run, 'qemu_disable_dirty_log_ns')
    ok(run.get('state') == 'done' and off.get('n', 0) >= 1 and off['min'] > 0 and
       run['kernel']['release'] == release,
       '%s: a migration cancelled after its first iteration records turning dirty logging '
       'off (%s memslot updates, median %s ns) (%s %s)'
       % (release, off.get('n'), off.get('median'), run.get('result'), run.get('error')))
    left = leftovers(host, boot_pages)
    ok(not left, '%s: nothing of the cancelled migration left in the test host (%s)'
       % (release, left or 'no QEMU, libvirtd, virtlogd, run directory or tracefs instance; '
          'the 1GiB pool back to %d free' % boot_pages))
    return run
