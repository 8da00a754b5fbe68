# SPDX-License-Identifier: MIT
"""Two kernel campaigns written into a store migbenchd made, as migbenchd
would have left them: a real campaign reboots its host, which no test
here may do.  Campaign 1 is done: kernels base and folio-v3 in two ABBA
rounds (steps A B B A), each step with three done dirty-log runs of
fixed values, its second step booted at the second attempt (the first
came up in the wrong kernel, the reason kept).  Campaign 2 failed: its
second kernel never booted, its last steps were skipped, and the reason,
a step's reason, an event and a kernel's version (read from an image
anyone may have built) hold markup that a page must show as text.
Beside them one damon aging run, with the figures and the sentence such
a run stored in the test host on 6.12 (no aging runs here: cgroup v1,
no MGLRU, and DAMON is the machine's own)."""
import json
import sqlite3
from datetime import datetime, timedelta, timezone

from stored_runs import group, run, store_groups

SPEC = {"vcpus": 2, "mem_per_vcpu": "512M", "backing": "hugetlb-1g", "iterations": 3,
        "write_percent": 100, "access": "sequential", "seed": 1, "manual_protect": True,
        "initially_set": True, "clear_chunk_pages": 0, "memslots": 1,
        "vcpus_run_during_disable": False, "dirty_ring_entries": 0}
MARKUP = '<b>x</b> <img src=x onerror="window.__xss=1">'
T0 = datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc)


def at(minutes):
    return (T0 + timedelta(minutes=minutes)).strftime('%Y-%m-%dT%H:%M:%S.000Z')


def kernel(label, release, version, cmdline, tags=None):
    return {'label': label, 'image': '/boot/migbench/vmlinuz-' + release,
            'initrd': '/boot/migbench/initrd.img-' + release, 'release': release, 'version': version,
            'cmdline': cmdline, 'tags': tags or {}}


def campaign_spec(kernels):
    return {'kernels': kernels, 'runs': [{'kind': 'dirtylog', 'spec': SPEC, 'repeat': 3, 'tags': {}}],
            'rounds': 2, 'order': 'ABBA', 'reboot': 'kexec', 'boot_attempts': 2}


DONE = campaign_spec([
    kernel('base', '6.1.0-99-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.1-1', 'console=ttyS0 ro quiet'),
    kernel('folio-v3', '6.12.9+deb12-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.12.9-1',
           'console=ttyS0 ro quiet', {'series': 'folio-dirty-v3'})])
FAILED = campaign_spec([
    kernel('stable', '6.1.0-99-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.1-1', 'console=ttyS0 ro quiet'),
    kernel('rc1', '6.13.0-rc1', '#2 SMP ' + MARKUP, 'console=ttyS0 ro quiet')])


class Writer:
    """Campaigns, steps and events as migbenchd writes them (their times
    are the story's: the store's calls would write the time of now), and
    the runs to store through the store's own calls after them."""

    def __init__(self, con):
        self.con = con
        self.groups = []	# the runs, stored after the campaigns
        self.ids = []		# each group's list of ids, filled in then

    def campaign(self, spec, state, reason, created, finished):
        return self.con.execute("INSERT INTO campaigns (spec, state, reason, created_at, finished_at) "
                                "VALUES (?, ?, ?, ?, ?)",
                                (json.dumps(spec), state, reason, created, finished)).lastrowid

    def step(self, cid, seq, rnd, k, spec, state, attempts, reason=None, booted=None, finished=None):
        kern = spec['kernels'][k]
        tried = attempts > 0
        return self.con.execute(
            "INSERT INTO campaign_steps (campaign_id, seq, round, kernel, state, attempts, token, "
            "expect_release, expect_version, booted_from, boot_id, reason, booted_at, finished_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cid, seq, rnd, k, state, attempts, 'migbench.step=%d.%d' % (cid, seq) if tried else None,
             kern['release'] if tried else None, kern['version'] if tried else None,
             'boot-%d-%d' % (cid, seq - 1) if tried else None,
             'boot-%d-%d' % (cid, seq) if booted else None, reason, booted, finished)).lastrowid

    def event(self, cid, step_id, when, kind, message):
        self.con.execute("INSERT INTO campaign_events (campaign_id, step_id, at, kind, message) "
                         "VALUES (?, ?, ?, ?, ?)", (cid, step_id, when, kind, message))

    def runs(self, cid, step_id, seq, rnd, k, spec, fast):
        """Three done runs of the step, to be stored once the step is
        (stored_runs): clearing the dirty log takes about 1.83 ms on the
        base kernel and 1.21 ms on the other.  Their ids, once stored, in
        the list it returns."""
        kern = spec['kernels'][k]
        cmdline = '%s migbench.step=%d.%d' % (kern['cmdline'], cid, seq)
        kvm = {'kvm': {'eager_page_split': 'Y', 'tdp_mmu': 'Y'}}
        env = {'kernel': {'release': kern['release'], 'version': kern['version'], 'machine': 'x86_64'},
               'hostname': 'lab1', 'cmdline': cmdline, 'boot_id': 'boot-%d-%d' % (cid, seq),
               'cpu_model': 'AMD EPYC 7B13', 'online_cpus': 96, 'mem_total_bytes': 412316860416,
               'kvm_parameters': kvm}
        tags = dict(kern['tags'], campaign=str(cid), campaign_step=str(seq), campaign_round=str(rnd))
        runs = []
        for i in range(3):
            base = 1210000 if fast else 1830000
            rows = [('clear_dirty_log_ns', it + 1, 0, base + 1000 * ((seq * 5 + i * 3 + it * 7) % 11))
                    for it in range(3)]
            rows += [('dirty_pages', it + 1, 0, 262144) for it in range(3)]
            rows.append(('disable_dirty_log_ns', 0, 0, 248000 + 1000 * ((seq + i) % 5)))
            runs.append(run(env, rows))
        ids = []
        self.groups.append(group('dirtylog', kern['label'], SPEC, runs, tags, step=step_id))
        self.ids.append(ids)
        return ids


def booting(w, cid, step_id, seq, kern, when, attempt):
    w.event(cid, step_id, when, 'booting', 'booting %s (%s) by kexec, attempt %d: %s migbench.step=%d.%d' %
            (kern['label'], kern['release'], attempt, kern['cmdline'], cid, seq))


def boot_events(w, cid, step_id, seq, kern, start, attempt=1):
    booting(w, cid, step_id, seq, kern, at(start), attempt)
    w.event(cid, step_id, at(start + 1), 'booted', 'booted %s (%s) with migbench.step=%d.%d, boot boot-%d-%d' %
            (kern['release'], kern['version'], cid, seq, cid, seq))
    w.event(cid, step_id, at(start + 1), 'queued', '3 run(s) of request 0 queued')


def make_done(w):
    cid = w.campaign(DONE, 'done', None, at(0), at(60))
    w.event(cid, None, at(0), 'created', 'created with 4 steps')
    wrong = ('came up in 6.1.0-99-amd64 (#1 SMP PREEMPT_DYNAMIC Debian 6.1.1-1) without a migbench.step '
             'token, expected 6.12.9+deb12-amd64 (#1 SMP PREEMPT_DYNAMIC Debian 6.12.9-1) with '
             'migbench.step=%d.2' % cid)
    steps = []
    for seq, (rnd, k) in enumerate([(1, 0), (1, 1), (2, 1), (2, 0)], 1):
        start = seq * 12  # minutes; step 2's first boot came up in the wrong kernel
        reason, attempts = (wrong, 2) if seq == 2 else (None, 1)
        sid = w.step(cid, seq, rnd, k, DONE, 'done', attempts, reason, at(start + attempts + 2),
                     at(start + 10))
        if seq == 2:
            booting(w, cid, sid, seq, DONE['kernels'][k], at(start), 1)
            w.event(cid, sid, at(start + 1), 'boot-failed', wrong + ' (attempt 1)')
        boot_events(w, cid, sid, seq, DONE['kernels'][k], start + attempts, attempts)
        runs = w.runs(cid, sid, seq, rnd, k, DONE, k == 1)
        w.event(cid, sid, at(start + 10), 'done', 'step done')
        steps.append({'seq': seq, 'kernel': k, 'state': 'done', 'attempts': attempts, 'reason': reason,
                      'runs': runs})
    w.event(cid, None, at(60), 'done', 'done')
    return {'id': cid, 'state': 'done', 'labels': ['base', 'folio-v3'], 'steps': steps}


def make_failed(w):
    why = ('came up in 6.1.0-99-amd64 (#1 SMP PREEMPT_DYNAMIC Debian 6.1.1-1 %s) without a migbench.step '
           'token, expected 6.13.0-rc1' % MARKUP)
    reason = 'step 2 (rc1) did not boot in 2 attempts: ' + why
    cid = w.campaign(FAILED, 'failed', reason, at(100), at(130))
    w.event(cid, None, at(100), 'created', 'created with 4 steps')
    first = w.step(cid, 1, 1, 0, FAILED, 'done', 1, None, at(101), at(110))
    boot_events(w, cid, first, 1, FAILED['kernels'][0], 100)
    runs = w.runs(cid, first, 1, 1, 0, FAILED, False)
    w.event(cid, first, at(110), 'done', 'step done')
    second = w.step(cid, 2, 1, 1, FAILED, 'skipped', 2, why, None, at(130))
    for attempt in (1, 2):
        booting(w, cid, second, 2, FAILED['kernels'][1], at(110 + attempt * 8), attempt)
        w.event(cid, second, at(111 + attempt * 8), 'boot-failed', '%s (attempt %d)' % (why, attempt))
    for seq, k in ((3, 1), (4, 0)):
        w.step(cid, seq, 2, k, FAILED, 'skipped', 0, None, None, at(130))
    w.event(cid, None, at(130), 'failed', 'failed: ' + reason)
    return {'id': cid, 'state': 'failed', 'labels': ['stable', 'rc1'], 'reason': reason, 'markup': MARKUP,
            'steps': [{'seq': 1, 'kernel': 0, 'state': 'done', 'attempts': 1, 'reason': None, 'runs': runs},
                      {'seq': 2, 'kernel': 1, 'state': 'skipped', 'attempts': 2, 'reason': why, 'runs': []},
                      {'seq': 3, 'kernel': 1, 'state': 'skipped', 'attempts': 0, 'reason': None, 'runs': []},
                      {'seq': 4, 'kernel': 0, 'state': 'skipped', 'attempts': 0, 'reason': None, 'runs': []}]}


AGING_SPEC = {"vcpus": 1, "mem_per_vcpu": "64M", "backing": "hugetlb-2m", "iterations": 2,
              "write_percent": 100, "access": "sequential", "seed": 1, "memslots": 1,
              "zap": ["delete"], "invalidate": "mprotect", "aging": "damon"}
AGING_STATEMENT = ("damon aging on 6.12.118+deb12-amd64 reached KVM: 32 kvm_age_hva calls covering "
                   "16277 pages in the last pass; it saw the guest's accesses: 0 of 16384 pages still "
                   "idle after the guest touched its 16384 test pages")
AGING_SAMPLES = {'mark_idle_ns': (559750, 678075), 'access_idle_ns': (4416578, 16680177),
                 'idle_pages': (0, 0), 'kvm_aging_calls': (32, 32), 'kvm_aged_pages': (16042, 16277),
                 'kvm_test_age_calls': (32, 32)}


def make_aging(w):
    release, version = '6.12.118+deb12-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.12.118-1~deb12u1'
    kvm = {'kvm': {'tdp_mmu': 'Y'}}
    aging = {'mechanism': 'damon', 'reached_kvm': True, 'kvm_aging_calls': 32, 'kvm_aged_pages': 16277,
             'kvm_test_age_calls': 32, 'idle_pages': 0, 'monitored_pages': 16384, 'test_pages': 16384,
             'statement': AGING_STATEMENT}
    env = {'kernel': {'release': release, 'version': version, 'machine': 'x86_64'}, 'hostname': 'testhost',
           'cmdline': 'console=ttyS0', 'boot_id': 'boot-aging', 'cpu_model': 'AMD EPYC', 'online_cpus': 2,
           'kvm_parameters': kvm, 'aging': aging}
    ids = []
    w.groups.append(group('dirtylog', 'damon', AGING_SPEC, [
        run(env, [(m, it + 1, 0, v) for m, vs in AGING_SAMPLES.items() for it, v in enumerate(vs)])]))
    w.ids.append(ids)
    return {'ids': ids, 'statement': AGING_STATEMENT}


def make_campaigns(path):
    """Both campaigns and the aging run into the store at path, while no
    migbenchd has it open; what a page must show of them."""
    con = sqlite3.connect(path, timeout=30)
    w = Writer(con)
    out = {'done': make_done(w), 'failed': make_failed(w), 'aging': make_aging(w)}
    con.commit()
    con.close()
    for ids, stored in zip(w.ids, store_groups(path, w.groups)):
        ids.extend(stored['ids'])
    out['aging']['id'] = out['aging'].pop('ids')[0]
    return out
