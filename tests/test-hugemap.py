#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Huge mappings split and recovered, proven on a TDP MMU: in the test host
(Debian's 6.1 under QEMU TCG, kvm_amd on nested paging, tdp_mmu=Y, one
1GiB page reserved at boot), migbenchd runs the direct engine on
hugetlb-2m and hugetlb-1g with zap disable,touch,delete.  KVM's own page
counts (kvm_stat.pages_*) must show the guest mapped with huge pages after
populate, none of them while dirty logging (split into 4KiB mappings), and
all of them again once the guest touched its memory after dirty logging
was disabled; the run's huge_mappings statement must say so."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'testhost'))
from daemon_fixture import BUILD, ok, diag, done, skip_all  # noqa: E402
import testhost  # noqa: E402

CASES = [
    # backing, memory, the count that must move, how many huge pages the guest is on
    ('hugetlb-2m', '64M', 'pages_2m', 32, '2MiB'),
    ('hugetlb-1g', '1G', 'pages_1g', 1, '1GiB'),
]


def wait_run(host, run_id, timeout=900):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        status, run = host.api('GET', '/api/v1/runs/%d' % run_id)
        if run['state'] not in ('queued', 'running'):
            return run, time.monotonic() - start
        time.sleep(2)
    return run, time.monotonic() - start


def by_phase(samples, stat):
    """The count after each reading, in time order: [(phase, value)]."""
    rows = [s for s in samples if s['metric'] == 'kvm_stat.' + stat]
    return [(s['phase'], s['value']) for s in sorted(rows, key=lambda s: s['iteration'])]


def check_case(host, backing, memory, stat, pages, size):
    status, run = host.api('POST', '/api/v1/runs', {
        'kind': 'dirtylog', 'vcpus': 1, 'mem_per_vcpu': memory, 'backing': backing,
        'iterations': 2, 'zap': ['disable', 'touch', 'delete'], 'label': 'hugemap'})
    ok(status == 202, '%s: run accepted (%s)' % (backing, status))
    if status != 202:
        diag(run)
        return
    run, seconds = wait_run(host, run['id'])
    ok(run['state'] == 'done', '%s: the run ends done in %.0f s (%s %s)'
       % (backing, seconds, run['state'], run.get('error')))
    if run['state'] != 'done':
        return
    status, doc = host.api('GET', '/api/v1/runs/%d/samples' % run['id'])
    samples = doc['samples']
    counts = by_phase(samples, stat)
    small = dict((p, v) for p, v in by_phase(samples, 'pages_4k'))
    diag('%s: %s by phase: %s; pages_4k after the last iteration %s'
         % (backing, stat, counts, small.get('iteration')))
    phases = [p for p, _ in counts]
    ok(phases == ['populate', 'enable', 'iteration', 'iteration', 'disable', 'touch', 'delete'],
       '%s: %s read after populate, enable, each iteration and each zap step' % (backing, stat))
    value = dict(counts)
    iterations = [v for p, v in counts if p == 'iteration']
    ok(value.get('populate') == pages,
       '%s: %d %s mapping(s) after populate (%s)' % (backing, pages, size, value.get('populate')))
    ok(iterations and max(iterations) == 0 and small.get('iteration', 0) > 0,
       '%s: no %s mapping while dirty logging, %s 4KiB ones (split)'
       % (backing, size, small.get('iteration')))
    ok(value.get('touch') == pages,
       '%s: %d %s mapping(s) after disable and touch (recovered: %s)'
       % (backing, pages, size, value.get('touch')))
    ok(value.get('delete') == 0 and small.get('delete') == 0,
       '%s: none left once the memslot is deleted' % backing)
    huge = run['environment']['huge_mappings']
    diag('%s: %s' % (backing, huge['statement']))
    ok(huge.get('split') is True and huge.get('recovered') is True and
       huge['statement'].startswith('%s mappings: %d before, 0 while logging' % (size, pages)),
       '%s: the run states the split and the recovery' % backing)
    missing = run.get('missing') or {}
    diag('%s: kernel memory: %s' % (backing, missing.get('memslot_metadata_bytes') or
                                    run['summary'].get('memslot_metadata_bytes')))


def main():
    if os.geteuid() != 0:
        skip_all('not root: the test host image is built with mmdebstrap in root mode')
    image = testhost.prepare(BUILD, log=diag)
    host = testhost.TestHost(image, 'hugemap')
    try:
        host.start()
        host.wait_ready()
        ok(host.read_file('/sys/module/kvm/parameters/tdp_mmu').strip() == 'Y',
           'the test host runs KVM on the TDP MMU')
        for case in CASES:
            check_case(host, *case)
    except Exception as e:
        ok(False, 'unexpected: %r' % e)
        diag(host.console()[-4000:])
    finally:
        host.close()
    done()


main()
