#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What the series change, on both kernels of the test host (Debian's 6.1
and 6.12 under QEMU TCG, migbenchd as its systemd service,
Delegate=memory), with one cold boot and two kexecs between them:

- kernel memory of memslots on cgroup v2: memslot_metadata_bytes and
  dirty_bitmap_bytes measured by every run, the dirty bitmap equal to the
  arithmetic in every run, the metadata on one line through the sizes; no
  measuring cgroup left after runs, a killed worker, a stray one planted
  with a dead pid, or a run by hand;
- aging with lru_gen: on 6.1 MGLRU's walk never asks KVM (0 kvm_age_hva
  calls, nearly every page still idle after the guest touched them all),
  on 6.12 it does (calls covering every test page, nearly none idle); the
  run says which; MGLRU's enabled state and the run's cgroup put back
  after a run, a cancelled run and a killed worker;
- aging with reclaim (memory.reclaim, swap on zram that this test
  provides as a unit of its own, so that every kexec'd boot has it):
  refused while there is no swap; on both kernels every pass reaches KVM
  over every test page and evicts to swap; idle pages named missing with
  the reason; nothing left after a killed worker;
- aging swept like any key (none, lru_gen, reclaim in one request);
- aging with damon (6.12 only: 6.1 has no DAMON, refused naming it):
  refused while a kdamond the test made exists, which is left as it
  was; on anonymous, THP and hugetlb-2m memory every pass reaches KVM
  once per region (a page of the backing) and the check sees the
  guest's accesses; the run's kdamond, its state file and its tracefs
  instance gone after a run, a cancel and a killed worker;
- a live migration of a 1GiB-hugepage guest cancelled after its first
  iteration on 6.12 records turning dirty logging off, and leaves
  nothing in the test host (6.1's: the campaign test).

The default kernel's boot checks the service's cgroups, the runs by hand
and the cleanups; then one campaign over both kernels runs the memory and
aging cases, and its report shows both kernels' rows; the campaign
ends in 6.12, where the damon runs follow."""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, 'testhost'))
from daemon_fixture import BUILD, ok, diag, done, skip_all  # noqa: E402
import hostmigration  # noqa: E402
import testhost  # noqa: E402

CG = '/sys/fs/cgroup'
UNIT = CG + '/system.slice/migbenchd.service'
PAGE = 4096
GIB = 1 << 30
SIZES = {'64M': 64 << 20, '256M': 256 << 20, '1G': 1 << 30}
# backing, memory, memslots: the memslot's size is what KVM's arithmetic
# depends on; hugetlb-1g shows that the backing does not change it
CASES = [('anonymous', '64M', 1), ('anonymous', '256M', 1), ('anonymous', '1G', 1),
         ('anonymous', '1G', 2), ('hugetlb-1g', '1G', 1)]
# aging runs: mechanism and backing, on 64MiB (16384 test pages), two iterations
AGING_CASES = [('lru_gen', 'anonymous'), ('lru_gen', 'thp'), ('reclaim', 'anonymous'),
               ('reclaim', 'thp')]
AGING_PAGES = (64 << 20) // PAGE
LRU_GEN = '/sys/kernel/mm/lru_gen/enabled'
AGING_METRICS = ('mark_idle_ns', 'access_idle_ns', 'idle_pages', 'kvm_aging_calls',
                 'kvm_aged_pages', 'kvm_test_age_calls')
RECLAIM_METRICS = ('mark_idle_ns', 'access_idle_ns', 'kvm_aging_calls', 'kvm_aged_pages',
                   'kvm_test_age_calls', 'reclaim_scanned_pages', 'reclaim_evicted_pages',
                   'reclaim_activated_pages', 'reclaim_deactivated_pages')
DAMON = '/sys/kernel/mm/damon/admin/kdamonds'
# damon's regions: one page of the backing each
DAMON_CASES = (('anonymous', AGING_PAGES), ('thp', 32), ('hugetlb-2m', 32))
# swap for reclaim, on zram, started on every boot before migbenchd
ZRAM_UNIT = '/etc/systemd/system/migbench-test-zram.service'
ZRAM_UNIT_TEXT = '''[Unit]
Description=zram swap for migbench's reclaim aging test
Before=migbenchd.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'modprobe zram num_devices=1 && udevadm settle && echo 512M > /sys/block/zram0/disksize && mkswap /dev/zram0 && swapon /dev/zram0'
ExecStop=/bin/sh -c 'swapoff /dev/zram0; echo 1 > /sys/block/zram0/reset'

[Install]
WantedBy=multi-user.target
'''


def bitmap_arithmetic(size, memslots):
    """KVM's dirty bitmaps: two bits per 4KiB page, each bitmap a whole
    number of longs, __vcalloc()ed (vmalloc: whole pages) per memslot."""
    pages = size // PAGE // memslots
    longs = (pages + 63) // 64
    return memslots * ((2 * longs * 8 + PAGE - 1) // PAGE * PAGE)


def spec_of(case):
    backing, memory, memslots = case
    return {'kind': 'dirtylog', 'vcpus': 1, 'mem_per_vcpu': memory, 'backing': backing,
            'memslots': memslots, 'iterations': 1, 'zap': ['delete']}


def aging_spec(backing, iterations=2, how='lru_gen'):
    return {'kind': 'dirtylog', 'vcpus': 1, 'mem_per_vcpu': '64M', 'backing': backing,
            'iterations': iterations, 'aging': how}


def swaps(host):
    return host.read_file('/proc/swaps').splitlines()[1:]


def check_reclaim_swap(host):
    """reclaim refused while the host has no swap, naming aging and the
    swap; then the test's zram swap unit, on this boot and every next."""
    ok(swaps(host) == [], 'the test host starts without swap (%s)' % swaps(host))
    status, p = host.api('POST', '/api/v1/runs', aging_spec('anonymous', how='reclaim'))
    ok(status == 400 and p.get('field') == 'aging' and 'lists no free swap' in p.get('detail', ''),
       'reclaim without swap: %s %s' % (status, p.get('detail')))
    host.write_file(ZRAM_UNIT, ZRAM_UNIT_TEXT)
    rc, _, err = host.exec(['systemctl', 'enable', '--now', 'migbench-test-zram'], timeout=60)
    ok(rc == 0 and len(swaps(host)) == 1 and swaps(host)[0].startswith('/dev/zram'),
       'swap on zram for reclaim (%s%s)' % (swaps(host), err.strip()))


def check_swap_gone_before_run(host):
    """A reclaim run queued while there was swap, which is gone when its
    turn comes: it fails saying why, and nothing runs."""
    status, blocker = host.api('POST', '/api/v1/runs', dict(spec_of(CASES[0]), iterations=400))
    for _ in range(120):
        if host.api('GET', '/api/v1/runs/%d' % blocker['id'])[1]['state'] == 'running':
            break
        time.sleep(0.5)
    status, run = host.api('POST', '/api/v1/runs', aging_spec('anonymous', how='reclaim'))
    ok(status == 202, 'a reclaim run is queued while there is swap (%s)' % status)
    host.exec(['systemctl', 'stop', 'migbench-test-zram'], timeout=60)
    host.api('POST', '/api/v1/runs/%d/cancel' % blocker['id'])
    run, _ = wait_run(host, run['id'])
    ok(run['state'] == 'failed' and 'lists no free swap' in (run.get('error') or ''),
       'its swap gone by its turn, it fails saying why: %s' % run.get('error'))
    rc, _, err = host.exec(['systemctl', 'start', 'migbench-test-zram'], timeout=60)
    ok(rc == 0 and len(swaps(host)) == 1, 'the swap is back (%s%s)' % (swaps(host), err.strip()))


def remove_reclaim_swap(host):
    host.exec(['systemctl', 'disable', '--now', 'migbench-test-zram'], timeout=60)
    host.exec(['rm', '-f', ZRAM_UNIT])
    ok(swaps(host) == [], 'the test\'s swap is gone with its unit (%s)' % swaps(host))


def wait_run(host, run_id, timeout=900):
    start = time.monotonic()
    while True:
        status, run = host.api('GET', '/api/v1/runs/%d' % run_id)
        if run['state'] not in ('queued', 'running') or time.monotonic() - start > timeout:
            return run, time.monotonic() - start
        time.sleep(2)


def strays(host, parent):
    rc, out, _ = host.exec(['find', parent, '-maxdepth', '1', '-name', 'migbench-kmem-*'])
    return out.split() if rc == 0 else ['(find failed)']


def figures(run):
    s = run.get('summary') or {}
    get = (lambda m: (s.get(m) or {}).get('median'))
    return get('memslot_metadata_bytes'), get('dirty_bitmap_bytes')


def check_service_cgroup(host):
    rc, out, _ = host.exec(['systemctl', 'show', '-p', 'MainPID', '--value', 'migbenchd'])
    pid = out.strip()
    cgroup = host.read_file('/proc/%s/cgroup' % pid).strip()
    ok(cgroup == '0::/system.slice/migbenchd.service/migbenchd',
       'migbenchd lives in the leaf of its delegated cgroup (%s)' % cgroup)
    control = host.read_file(UNIT + '/cgroup.subtree_control').split()
    ok('memory' in control, 'the memory controller is enabled below the unit (%s)' % control)


def plant_stray(host):
    """A measuring cgroup as a worker killed inside it leaves one: named
    for a pid that no longer runs."""
    pid_max = int(host.read_file('/proc/sys/kernel/pid_max'))
    dead = next(p for p in range(pid_max - 1, 0, -1)
                if host.exec(['test', '-e', '/proc/%d' % p])[0] != 0)
    path = UNIT + '/migbench-kmem-%d' % dead
    host.exec(['mkdir', path])
    return path


def check_service_runs(host):
    """A run through the service on the booted kernel: the bitmap exact,
    its measuring cgroup gone; strays reaped when a worker is killed and
    when the daemon starts."""
    status, run = host.api('POST', '/api/v1/runs', spec_of(CASES[0]))
    ok(status == 202, 'a 64MiB run is accepted (%s)' % status)
    run, seconds = wait_run(host, run['id'])
    meta, bitmap = figures(run)
    ok(run['state'] == 'done' and bitmap == bitmap_arithmetic(64 << 20, 1),
       'the service measures the dirty bitmap: %s bytes, the arithmetic says %d (%s, %.0f s)'
       % (bitmap, bitmap_arithmetic(64 << 20, 1), run['state'], seconds))
    ok(run.get('environment', {}).get('kernel_memory_source', '').startswith(
        'memory cgroup v2: memory.stat vmalloc'),
       'the run names its source: %s' % run.get('environment', {}).get('kernel_memory_source'))
    ok(strays(host, UNIT) == [], 'no measuring cgroup left below the unit after the run')
    # kill -9 a worker: the daemon reaps what dead workers left
    stray = plant_stray(host)
    status, run = host.api('POST', '/api/v1/runs', dict(spec_of(CASES[1]), iterations=20))
    for _ in range(120):
        rc, out, _ = host.exec(['pgrep', '-x', 'migbench-worker'])
        if rc == 0:
            break
        time.sleep(0.5)
    ok(rc == 0, 'a worker runs (pid %s)' % out.strip())
    host.exec(['pkill', '-9', '-x', 'migbench-worker'])
    run, _ = wait_run(host, run['id'])
    ok(run['state'] == 'failed', 'the killed worker\'s run failed (%s)' % run['state'])
    left = strays(host, UNIT)
    ok(left == [], 'after the killed worker nothing is left below the unit, %s reaped (%s)'
       % (os.path.basename(stray), left))
    # a daemon restarted (after a crash, say) reaps at start
    stray = plant_stray(host)
    rc, _, err = host.exec(['systemctl', 'restart', 'migbenchd'], timeout=120)
    ok(rc == 0, 'migbenchd restarts (%s)' % err.strip())
    left = strays(host, UNIT)
    ok(left == [], 'the restarted daemon reaped %s (%s)' % (os.path.basename(stray), left))
    check_service_cgroup(host)


def aging_leftovers(host, enabled_before):
    """What an aging run must have put back: MGLRU's state, no cgroup."""
    enabled = host.read_file(LRU_GEN).strip()
    left = host.exec(['find', UNIT, '-maxdepth', '1', '-name', 'migbench-aging-*'])[1].split()
    return enabled == enabled_before and not left, 'MGLRU %s (was %s), cgroups left %s' % (
        enabled, enabled_before, left)


def wait_in_iterations(host):
    """Until an aging run is in its iterations: its cgroup exists (and
    MGLRU is on, for lru_gen on 6.1), then a few seconds more."""
    for _ in range(240):
        rc, out, _ = host.exec(['find', UNIT, '-maxdepth', '1', '-name', 'migbench-aging-*'])
        if out.strip():
            break
        time.sleep(0.5)
    time.sleep(3)


def check_aging_cleanup(host):
    """An aging run through the service, then one cancelled (SIGTERM to
    its worker) and one whose worker is killed in the middle of their
    iterations: each time MGLRU's state and the run's cgroup are put back."""
    before = host.read_file(LRU_GEN).strip()
    status, run = host.api('POST', '/api/v1/runs', aging_spec('anonymous'))
    run, seconds = wait_run(host, run['id'])
    good, what = aging_leftovers(host, before)
    ok(run['state'] == 'done' and good, 'an lru_gen run through the service ends done in '
       '%.0f s, with %s' % (seconds, what))
    for how in ('cancel', 'kill -9'):
        status, run = host.api('POST', '/api/v1/runs', aging_spec('anonymous', iterations=400))
        wait_in_iterations(host)
        during = host.read_file(LRU_GEN).strip()
        if how == 'cancel':
            host.api('POST', '/api/v1/runs/%d/cancel' % run['id'])
        else:
            host.exec(['pkill', '-9', '-x', 'migbench-worker'])
        run, _ = wait_run(host, run['id'])
        good, what = aging_leftovers(host, before)
        switched = int(during, 0) & 1 and (int(before, 0) & 1 or during != before)
        ok(run['state'] in ('cancelled', 'failed') and good and switched,
           'an lru_gen run stopped by %s mid-run (%s; MGLRU %s during it): %s'
           % (how, run['state'], during, what))
    # reclaim changes nothing of the host's: its cgroup is all there is to remove
    status, run = host.api('POST', '/api/v1/runs', aging_spec('anonymous', iterations=400,
                                                               how='reclaim'))
    wait_in_iterations(host)
    during = host.read_file(LRU_GEN).strip()
    host.exec(['pkill', '-9', '-x', 'migbench-worker'])
    run, _ = wait_run(host, run['id'])
    good, what = aging_leftovers(host, before)
    ok(run['state'] == 'failed' and good and during == before and len(swaps(host)) == 1,
       'a reclaim run whose worker is killed mid-run (%s; MGLRU %s during it, untouched): %s; '
       'the swap as it was' % (run['state'], during, what))


def check_by_hand(host):
    """migbench-dirtylog by hand: from the agent's service cgroup (beside
    it, in system.slice) and in a scope delegated by systemd-run (a leaf of
    the scope); figures exact, nothing left."""
    rc, out, err = host.exec(['sh', '-c', 'command -v migbench-dirtylog'])
    prog = out.strip()
    argv = [prog, '--mem-per-vcpu', '64M', '--iterations', '1', '--json', '--quiet']
    for how, cmd, parent in (
            ('beside the caller\'s cgroup', argv, CG + '/system.slice'),
            ('in a delegated scope', ['systemd-run', '--scope', '--quiet', '-p', 'Delegate=yes',
                                      '--unit', 'migbench-kmem-test'] + argv, CG + '/system.slice')):
        rc, out, err = host.exec(cmd, timeout=300)
        try:
            res = json.loads(out)
        except ValueError:
            res = {}
        samples = dict((s['metric'], s['value']) for s in res.get('samples', [])
                       if s['metric'] in ('dirty_bitmap_bytes', 'memslot_metadata_bytes'))
        ok(rc == 0 and samples.get('dirty_bitmap_bytes') == bitmap_arithmetic(64 << 20, 1),
           'migbench-dirtylog by hand, %s: dirty bitmap %s bytes (%s)'
           % (how, samples.get('dirty_bitmap_bytes'),
              (res.get('environment') or {}).get('kernel_memory_source') or err.strip()[-300:]))
        ok(strays(host, parent) == [], '%s: no measuring cgroup left in %s' % (how, parent))
    ok(host.exec(['test', '-d', CG + '/system.slice/migbench-kmem-test.scope'])[0] != 0,
       'the scope is gone with its process')


def line_fit(points):
    """Least squares through (size, bytes): slope, intercept, worst |off|."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    intercept = my - slope * mx
    return slope, intercept, max(abs(y - (intercept + slope * x)) for x, y in points)


def check_kernel_runs(release, runs):
    """One kernel's memory cases, from the campaign: every bitmap exact,
    the metadata on a line through the sizes."""
    by = {}
    for case, run in zip(CASES, runs):
        meta, bitmap = figures(run)
        size = SIZES[case[1]]
        want = bitmap_arithmetic(size, case[2])
        ok(run['state'] == 'done' and bitmap == want and meta,
           '%s: %s %s in %d memslot(s): dirty bitmap %s bytes, the arithmetic says %d; '
           'metadata %s bytes' % (release, case[0], case[1], case[2], bitmap, want, meta))
        by[case] = meta
    ones = [(SIZES[c[1]], by[c]) for c in CASES if c[0] == 'anonymous' and c[2] == 1]
    if None in (m for _, m in ones):
        return None
    slope, fixed, worst = line_fit(ones)
    ok(worst <= PAGE and fixed > 0,
       '%s: memslot metadata on one line: %.0f bytes per GiB, %.0f fixed, worst point %.0f '
       'bytes off (a page of vmalloc rounding allowed)' % (release, slope * GIB, fixed, worst))
    two = by[('anonymous', '1G', 2)]
    ok(two is not None and abs(two - 2 * (fixed + slope * GIB / 2)) <= 2 * PAGE,
       '%s: two 512MiB memslots cost two memslots of the line: %s bytes' % (release, two))
    ok(by[('hugetlb-1g', '1G', 1)] == by[('anonymous', '1G', 1)],
       '%s: hugetlb-1g metadata equals anonymous at the same size (%s)'
       % (release, by[('hugetlb-1g', '1G', 1)]))
    diag('%s: memslot metadata %.0f bytes per GiB + %.0f per memslot; dirty bitmap %d bytes '
         'per GiB' % (release, slope * GIB, fixed, bitmap_arithmetic(GIB, 1)))
    return slope * GIB


def aging_figures(host, how, label, backing, run, metrics):
    """An aging run's samples of metrics, {metric: {iteration: value}},
    and its environment.aging; both said, or why the run has none."""
    status, doc = host.api('GET', '/api/v1/runs/%d/samples' % run['id'])
    by = {}
    for s in doc.get('samples', []) if status == 200 else []:
        if s['metric'] in metrics:
            by.setdefault(s['metric'], {})[s['iteration']] = s['value']
    aging = (run.get('environment') or {}).get('aging') or {}
    diag('%s, %s on %s: %s' % (label, how, backing, aging.get('statement') or
                               '%s: %s' % (run.get('state'), run.get('error'))))
    diag('%s, %s on %s: %s' % (label, how, backing, by))
    return by, aging


def check_aging_run(host, label, backing, run):
    """One kernel's lru_gen run: every iteration's figures stored; on 6.1
    no aging call reaches KVM and the guest's accesses go unseen, on 6.12
    each aging pass covers every test page in KVM and the accesses are
    seen; the statement says which."""
    by, aging = aging_figures(host, 'lru_gen', label, backing, run, AGING_METRICS)
    ok(run['state'] == 'done' and all(sorted(by.get(m, {})) == [1, 2] for m in AGING_METRICS),
       '%s: lru_gen on %s: each of the %d aging metrics stored for both iterations'
       % (label, backing, len(AGING_METRICS)))
    calls, pages, idle = by.get('kvm_aging_calls', {}), by.get('kvm_aged_pages', {}), \
        by.get('idle_pages', {})
    if label == 'linux-6.1':
        ok(calls and not any(calls.values()) and aging.get('reached_kvm') is False and
           'did not see' in aging.get('statement', ''),
           '%s: lru_gen on %s never reached KVM (kvm_aging_calls %s), and says so'
           % (label, backing, calls))
        ok(idle and min(idle.values()) >= 0.9 * AGING_PAGES,
           '%s: nearly every test page still idle after the guest touched them all (%s of %d)'
           % (label, idle, AGING_PAGES))
    else:
        ok(calls and all(calls.values()) and aging.get('reached_kvm') is True and
           'reached KVM' in aging.get('statement', ''),
           '%s: lru_gen on %s reached KVM in every pass (kvm_aging_calls %s), and says so'
           % (label, backing, calls))
        ok(pages and all(v == AGING_PAGES for v in pages.values()),
           '%s: each aging pass covered all %d test pages in KVM (%s)'
           % (label, AGING_PAGES, pages))
        # the walk asks KVM once per PTE or PMD: anonymous memory is 4KiB
        # pages (MADV_NOHUGEPAGE) although the host's THP is "always"
        per_call = 1 if backing == 'anonymous' else 512
        ok(calls and all(v == AGING_PAGES // per_call for v in calls.values()),
           '%s: one call per %s page in each pass (%s)'
           % (label, '4KiB' if per_call == 1 else '2MiB', calls))
        ok(idle and max(idle.values()) <= 0.1 * AGING_PAGES,
           '%s: the guest\'s accesses were seen: %s of %d pages still idle'
           % (label, idle, AGING_PAGES))


def check_reclaim_run(host, label, backing, run):
    """One kernel's reclaim run: every pass reaches KVM over every test
    page and evicts to swap; idle pages named missing, with the reason;
    the statement names the LRU."""
    by, aging = aging_figures(host, 'reclaim', label, backing, run,
                              RECLAIM_METRICS + ('idle_pages',))
    missing = (run.get('missing') or {}).get('idle_pages', '')
    ok(run['state'] == 'done' and all(sorted(by.get(m, {})) == [1, 2] for m in RECLAIM_METRICS),
       '%s: reclaim on %s: each of the %d reclaim metrics stored for both iterations'
       % (label, backing, len(RECLAIM_METRICS)))
    ok('idle_pages' not in by and 'no count of pages still idle' in missing,
       '%s: reclaim on %s: idle_pages named missing (%s)' % (label, backing, missing[:90]))
    calls, pages = by.get('kvm_aging_calls', {}), by.get('kvm_aged_pages', {})
    evicted = by.get('reclaim_evicted_pages', {})
    lru = 'multi-gen' if label != 'linux-6.1' else 'classic'
    ok(calls and all(calls.values()) and aging.get('reached_kvm') is True and
       'reached KVM' in aging.get('statement', '') and aging.get('lru') == lru,
       '%s: reclaim on %s reached KVM in every pass (kvm_aging_calls %s) with the %s LRU, '
       'and says so' % (label, backing, calls, lru))
    ok(pages and all(v >= AGING_PAGES for v in pages.values()),
       '%s: each reclaim pass looked at every test page in KVM (kvm_aged_pages %s, %d test '
       'pages)' % (label, pages, AGING_PAGES))
    ok(evicted and all(evicted.values()),
       '%s: each reclaim pass evicted to swap (%s pages)' % (label, evicted))


def check_aging_sweep(host):
    """aging is swept like any key: none, lru_gen and reclaim in one
    request, a group per value, each run with its own mechanism's figures."""
    status, sw = host.api('POST', '/api/v1/runs', dict(aging_spec('anonymous'),
                                                      aging=['none', 'lru_gen', 'reclaim']))
    groups = sw.get('sweep_groups', []) if status == 202 else []
    ok([g['point'] for g in groups] == [{'aging': a} for a in ('none', 'lru_gen', 'reclaim')],
       'a sweep over aging is accepted, a group per mechanism (%s %s)'
       % (status, [g.get('point') for g in groups] or sw))
    for g in groups:
        how = g['point']['aging']
        run, _ = wait_run(host, g['run_ids'][0])
        summary = run.get('summary') or {}
        want = {'none': 'clear_dirty_log_ns', 'lru_gen': 'idle_pages',
                'reclaim': 'reclaim_evicted_pages'}[how]
        mechanism = ((run.get('environment') or {}).get('aging') or {}).get('mechanism', 'none')
        ok(run['state'] == 'done' and want in summary and mechanism == how and
           ('mark_idle_ns' in summary) == (how != 'none'),
           'the sweep\'s %s run: done with %s (%s)' % (how, want, run['state']))


def check_damon_refused(host):
    """6.1 has no DAMON: damon is refused naming aging and what is missing."""
    status, p = host.api('POST', '/api/v1/runs', aging_spec('anonymous', how='damon'))
    ok(status == 400 and p.get('field') == 'aging' and
       'has no DAMON sysfs interface' in p.get('detail', ''),
       'damon on %s: refused, naming aging and DAMON (%s %s)' % (host.kernel_release(), status,
                                                                 p.get('detail')))


def damon_leftovers(host):
    """What a damon run must have removed: its kdamond, its state file in
    /run, its tracefs instance."""
    nr = host.read_file(DAMON + '/nr_kdamonds').strip()
    state = host.exec(['sh', '-c', 'ls /run | grep "^migbench-aging-"; '
                       'ls /sys/kernel/tracing/instances | grep "^migbench-"'])[1].split()
    return nr == '0' and not state, 'nr_kdamonds %s, left %s' % (nr, state)


def check_damon_run(host, backing, regions, run):
    """A damon run on 6.12: every iteration's figures; each pass's
    preparation reaching KVM once per region (nearly: a page not yet on
    an LRU is skipped) and never more; the check asking KVM and seeing
    the guest's accesses; the regions covering the test memory exactly."""
    by, aging = aging_figures(host, 'damon', 'linux-6.12', backing, run, AGING_METRICS)
    ok(run['state'] == 'done' and all(sorted(by.get(m, {})) == [1, 2] for m in AGING_METRICS),
       'damon on %s: each of the %d aging metrics stored for both iterations'
       % (backing, len(AGING_METRICS)))
    calls, tests = by.get('kvm_aging_calls', {}), by.get('kvm_test_age_calls', {})
    idle = by.get('idle_pages', {})
    ok(calls and all(0.99 * regions <= v <= regions for v in calls.values()) and
       aging.get('reached_kvm') is True and 'damon aging' in aging.get('statement', '') and
       'reached KVM' in aging.get('statement', ''),
       'damon on %s reached KVM once per region of %d in every pass (kvm_aging_calls %s), '
       'and says so' % (backing, regions, calls))
    ok(tests and all(tests.values()),
       'damon on %s: its checks asked KVM whether the pages were accessed (kvm_test_age_calls '
       '%s)' % (backing, tests))
    ok(aging.get('monitored_pages') == AGING_PAGES and idle and
       max(idle.values()) <= 0.1 * AGING_PAGES,
       'damon on %s: its regions are the %d test pages (%s), and the guest\'s accesses were '
       'seen: %s still idle' % (backing, AGING_PAGES, aging.get('monitored_pages'), idle))


def check_damon(host):
    """damon on 6.12, where the campaign ended: refused beside a kdamond
    that is not its own, then its runs, then its cleanups."""
    release = host.kernel_release()
    if not ok(release.startswith('6.12'), 'the campaign left the host in 6.12 (%s)' % release):
        return
    # a kdamond of someone else's, configured but off: refused and untouched
    host.exec(['sh', '-c', 'echo 1 > %s/nr_kdamonds && echo 1 > %s/0/contexts/nr_contexts && '
               'echo paddr > %s/0/contexts/0/operations' % (DAMON, DAMON, DAMON)])
    status, p = host.api('POST', '/api/v1/runs', aging_spec('anonymous', how='damon'))
    theirs = host.exec(['sh', '-c', 'cat %s/nr_kdamonds %s/0/state %s/0/contexts/0/operations'
                        % (DAMON, DAMON, DAMON)])[1].split()
    ok(status == 400 and p.get('field') == 'aging' and
       '1 kdamond exists already' in p.get('detail', '') and theirs == ['1', 'off', 'paddr'],
       'damon beside a kdamond it did not start: refused naming aging (%s %s), that kdamond '
       'left as it was (%s)' % (status, p.get('detail'), theirs))
    host.exec(['sh', '-c', 'echo 0 > %s/nr_kdamonds' % DAMON])
    for backing, regions in DAMON_CASES:
        status, run = host.api('POST', '/api/v1/runs', aging_spec(backing, how='damon'))
        if not ok(status == 202, 'a damon run on %s is queued (%s %s)' % (backing, status, run)):
            continue
        run, seconds = wait_run(host, run['id'])
        diag('damon on %s: %.0f s' % (backing, seconds))
        check_damon_run(host, backing, regions, run)
        good, what = damon_leftovers(host)
        ok(good, 'damon on %s: nothing left after the run (%s)' % (backing, what))
    for how in ('cancel', 'kill -9'):
        status, run = host.api('POST', '/api/v1/runs', aging_spec('anonymous', iterations=400,
                                                                   how='damon'))
        for _ in range(240):
            if host.read_file(DAMON + '/nr_kdamonds').strip() == '1':
                break
            time.sleep(0.5)
        time.sleep(5)
        during = host.read_file(DAMON + '/nr_kdamonds').strip()
        if how == 'cancel':
            host.api('POST', '/api/v1/runs/%d/cancel' % run['id'])
        else:
            host.exec(['pkill', '-9', '-x', 'migbench-worker'])
        run, _ = wait_run(host, run['id'])
        good, what = damon_leftovers(host)
        ok(run['state'] in ('cancelled', 'failed') and good and during == '1',
           'a damon run stopped by %s mid-run (%s; nr_kdamonds %s during it): %s'
           % (how, run['state'], during, what))


def check_campaign(host, image):
    """The cases in a campaign over both kernels: each kernel's runs,
    and its report's per-GiB rows."""
    kernels = [{'label': 'linux-' + '.'.join(k.release.split('.')[:2]), 'image': k.boot_vmlinuz,
                'initrd': k.boot_initrd} for k in image.kernels[:2]]
    status, c = host.api('POST', '/api/v1/campaigns', {
        'kernels': kernels, 'runs': [dict(spec_of(case), repeat=1) for case in CASES] +
                                    [dict(aging_spec(b, how=h), repeat=1)
                                     for h, b in AGING_CASES],
        'rounds': 1, 'order': 'ABAB'})
    if not ok(status == 201, 'a campaign over %s and %s with the memory cases is accepted (%s %s)'
              % (kernels[0]['label'], kernels[1]['label'], status,
                 c if status != 201 else '')):
        return
    cid, t0 = c['id'], time.monotonic()
    while time.monotonic() - t0 < 2400:
        try:
            status, c = host.api('GET', '/api/v1/campaigns/%d' % cid, timeout=10)
            if status == 200 and c['state'] in ('done', 'failed', 'aborted'):
                break
        except Exception:
            pass	# the host is between kernels
        time.sleep(5)
    if not ok(c.get('state') == 'done', 'the campaign ends done in %.0f s (%s)'
              % (time.monotonic() - t0, c.get('state'))):
        diag(json.dumps(c)[:3000])
        return
    rc, out, _ = host.exec(['sh', '-c', 'uname -r; cat /proc/swaps; systemctl status --no-pager '
                            'migbench-test-zram; journalctl -b --no-pager -u migbench-test-zram '
                            '-u migbenchd | tail -40'], timeout=60)
    diag('after the campaign: %s' % out)
    runs_of = {}
    for step in c['step_list']:
        label = kernels[step['kernel']]['label']
        runs_of[label] = [host.api('GET', '/api/v1/runs/%d' % r['id'])[1] for r in step['runs']]
        check_kernel_runs(label, runs_of[label][:len(CASES)])
        for (how, backing), run in zip(AGING_CASES, runs_of[label][len(CASES):]):
            (check_reclaim_run if how == 'reclaim' else check_aging_run)(host, label, backing,
                                                                          run)
    # the report: per case a comparison of the kernels, whose per-GiB rows
    # hold each kernel's figure
    status, rep = host.api('GET', '/api/v1/campaigns/%d/report' % cid)
    comps = rep.get('comparisons', []) if status == 200 else []
    ok(len(comps) == len(CASES) + len(AGING_CASES), 'the campaign report compares the kernels '
       'for each of the %d cases (%d)' % (len(CASES) + len(AGING_CASES), len(comps)))
    base, new = kernels[0]['label'], kernels[1]['label']
    memory = range(len(CASES))
    aging = range(len(CASES), len(CASES) + len(AGING_CASES))
    lru_gen = [i for i in aging if AGING_CASES[i - len(CASES)][0] == 'lru_gen']
    reclaim = [i for i in aging if AGING_CASES[i - len(CASES)][0] == 'reclaim']
    for metric, cases in (('memslot_metadata_bytes_per_gib', memory),
                          ('dirty_bitmap_bytes_per_gib', memory), ('idle_pages', lru_gen),
                          ('kvm_aging_calls', aging), ('mark_idle_ns', aging),
                          ('reclaim_evicted_pages', reclaim)):
        good = len(comps) == len(CASES) + len(AGING_CASES)
        for i in cases if good else ():
            comp = comps[i]
            rows = [r for r in comp.get('comparison', {}).get('metrics', [])
                    if r.get('metric') == metric]
            want = [(runs_of[k][i].get('summary') or {}).get(metric, {}).get('median')
                    for k in (base, new)]
            got = [rows[0][side]['median'] for side in ('base', 'new')] if rows else None
            if got != want or None in want:
                good = False
                diag('runs[%d] %s: report %s, runs %s' % (i, metric, got, want))
        ok(good, 'the campaign report\'s %s rows hold %s\'s and %s\'s figures in every '
           'comparison' % (metric, base, new))
    status, text = host.api('GET', '/api/v1/campaigns/%d/report?format=text' % cid)
    ok(status == 200 and 'memslot_metadata_bytes_per_gib' in str(text),
       'and the text report shows them')
    text = str(text)
    said = []	# each sentence with its wrapped lines
    for line in text.splitlines():
        if line.startswith('aging, '):
            said.append(line)
        elif said and line.startswith('  ') and not said[-1].endswith('\n'):
            said[-1] += ' ' + line.strip()
        elif said:
            said[-1] += '\n'
    ok(len(said) == 2 * len(AGING_CASES) and
       sum('cleared the primary MMU\'s Accessed bits only' in line for line in said) == 2 and
       sum('reached KVM' in line for line in said) == 2 * len(AGING_CASES) - 2,
       'the text report says for each aging comparison whether each kernel\'s aging reached '
       'KVM (%d sentences: 6.1\'s lru_gen did not, the rest did)' % len(said))
    status, md = host.api('GET', '/api/v1/campaigns/%d/report?format=markdown' % cid)
    ok(status == 200 and str(md).count('Aging, base (run ') == len(AGING_CASES) and
       str(md).count('Aging, new (run ') == len(AGING_CASES),
       'and so does the markdown report (%d and %d)' % (str(md).count('Aging, base (run '),
                                                        str(md).count('Aging, new (run ')))
    diag(text if status == 200 else (status, text))
    ok(strays(host, UNIT) == [], 'no measuring cgroup left after the campaign')


def main():
    if os.geteuid() != 0:
        skip_all('not root: the test host image is built with mmdebstrap in root mode')
    image = testhost.prepare(BUILD, log=diag)
    host = testhost.TestHost(image, 'kmem')
    try:
        host.start()
        host.wait_ready()
        release = host.kernel_release()
        ok(host.exec(['test', '-f', CG + '/cgroup.controllers'])[0] == 0,
           'the test host runs cgroup v2 (%s)' % release)
        check_service_cgroup(host)
        check_service_runs(host)
        check_by_hand(host)
        check_damon_refused(host)
        check_reclaim_swap(host)
        check_swap_gone_before_run(host)
        check_aging_cleanup(host)
        check_aging_sweep(host)
        check_campaign(host, image)
        check_damon(host)
        # 6.1's is the campaign test's, where its campaign ends
        hostmigration.check_cancelled(host, 'cancelled', hostmigration.pages_at_boot(host))
    except Exception as e:
        ok(False, 'unexpected: %r' % e)
        diag(host.console()[-4000:])
    finally:
        try:
            remove_reclaim_swap(host)
        except Exception as e:
            ok(False, 'removing the test\'s swap: %r' % e)
        host.close()
    done()


main()
